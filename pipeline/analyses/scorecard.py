"""The corporate parenting scorecard (SPEC 6, notebook 04): its themes and headline figures, and who
is in care by ethnicity group, sex, age band, UASC, legal status, placement type and provider
(SPEC 5b), for the children looked after at R and those who started in the year to R.

Numbers only: which may be shown, and the words, are the report's business. The themes and
breakdowns are data (`pipeline/data/scorecard.toml`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import codes, data
from pipeline.analyses.headlines import headline_figures
from pipeline.config import Settings
from pipeline.indicators.scorecard import CEASED_IDS
from pipeline.model import Model, care, dates, vocab

UASC_YES, UASC_NO = "Yes", "No"


@dataclass(frozen=True)
class Theme:
    """One section of the scorecard."""

    id: str
    title: str
    indicators: tuple[str, ...]
    trends: tuple[str, ...]
    report: str | None = None  # the fuller report its figures come from


def themes() -> list[Theme]:
    """The scorecard's themes in page order."""
    return [
        Theme(
            id=t["id"],
            title=t["title"],
            indicators=tuple(t["indicators"]),
            trends=tuple(t.get("trends", ())),
            report=t.get("report"),
        )
        for t in data.scorecard()["themes"]
    ]


def theme(theme_id: str) -> Theme:
    """One theme by its id."""
    found = [t for t in themes() if t.id == theme_id]
    if not found:
        raise KeyError(f"no scorecard theme {theme_id!r} (pipeline/data/scorecard.toml)")
    return found[0]


def available(series: pd.DataFrame, ids, month) -> list[str]:
    """The ids of `ids` that have a value at the month's R (a table the extract does not hold,
    such as social workers before 2023-24, gives none)."""
    ref = pd.Period(str(month), freq="M").end_time.normalize()
    at = series[pd.to_datetime(series["period_end"]).dt.normalize() == ref]
    have = set(at.loc[at["value"].notna(), "indicator"])
    return [i for i in ids if i in have]


def scorecard_figures(
    series: pd.DataFrame, month, settings: Settings, published=None
) -> pd.DataFrame:
    """Every theme's headline figures at the month (`analyses.headlines` columns plus `theme`,
    the theme's title), in page order; indicators without a value this month left out."""
    parts = []
    for t in themes():
        ids = available(series, t.indicators, month)
        rows = headline_figures(series, ids, month, settings, published)
        parts.append(rows.assign(theme=t.title))
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------ who is in care


def _uasc_at(model: Model, child: pd.Series, day: np.ndarray) -> np.ndarray:
    """Whether each child was an unaccompanied asylum seeker on `day` (in the UASC table, the
    status not ceased by then: DUC blank or after the day)."""
    table = model.tables.get("uasc")
    if table is None or table.empty:
        return np.zeros(len(child), dtype=bool)
    duc = (
        table.assign(CHILD=table["CHILD"].astype("str"))
        .drop_duplicates("CHILD")
        .set_index("CHILD")["DUC"]
    )
    pos = duc.index.get_indexer(child.astype("str"))
    ceased = duc.to_numpy(dtype=dates.NS)[np.where(pos >= 0, pos, 0)]
    return (pos >= 0) & (np.isnat(ceased) | (ceased > day))


def _ethnicity(model: Model, child: pd.Series) -> pd.Series:
    header = model.tables.get("header")
    if header is None or "ETHNIC" not in header:
        return vocab.ethnicity_group(pd.Series([pd.NA] * len(child), dtype="str"))
    ethnic = header.drop_duplicates("CHILD").set_index(header["CHILD"].astype("str"))["ETHNIC"]
    return vocab.ethnicity_group(
        pd.Series(ethnic.reindex(child.astype("str")).to_numpy(), dtype="str")
    )


def _attributes(model: Model, periods: pd.DataFrame, day: np.ndarray, age) -> pd.DataFrame:
    """The breakdown columns of each period row's child on `day` (their age given)."""
    child = periods["CHILD"].astype("str").reset_index(drop=True)
    return pd.DataFrame(
        {
            "CHILD": child,
            "ethnicity": _ethnicity(model, child),
            "sex": vocab.sex_group(pd.Series(periods["SEX"].to_numpy(), dtype="str")),
            "age_band": vocab.age_band(pd.Series(np.asarray(age, dtype="float64")), "entry"),
            "uasc": pd.Categorical(
                np.where(_uasc_at(model, child, day), UASC_YES, UASC_NO),
                categories=[UASC_YES, UASC_NO],
            ),
        }
    )


def looked_after_at(model: Model, ref_date) -> pd.DataFrame:
    """Children looked after at R, one row each: CHILD, ethnicity, sex, age_band (age at R),
    uasc, legal_status (the LS in force), place_group, provider (PLACE_PROVIDER in force)."""
    ref = np.array([pd.Timestamp(ref_date).normalize()], dtype=dates.NS)
    la = care.looked_after(model.care, ref)
    per = model.periods.iloc[la.rows]
    day = ref[la.ref]
    age = dates.whole_years_array(per["DOB"].to_numpy(dtype=dates.NS), day)
    out = _attributes(model, per, day, age)
    row = care.in_care_on(model.care, la.child, day)
    ep = model.care.episodes
    safe = np.where(row >= 0, row, 0)
    ls = pd.Series(ep["LS"].astype("str").to_numpy()[safe]).where(row >= 0)
    provider = pd.Series(ep["PLACE_PROVIDER"].astype("str").to_numpy()[safe]).where(row >= 0)
    place = pd.Series(ep["place_in_force"].astype("str").to_numpy()[safe]).where(row >= 0)
    out["legal_status"] = _labelled("LS", ls)
    out["place_group"] = vocab.place_group_label(vocab.place_group(place))
    out["provider"] = _labelled("PLACE_PROVIDER", provider)
    return out


def entrants_in_year(model: Model, ref_date) -> pd.DataFrame:
    """Periods of care starting in the year to R, one row each: CHILD, ethnicity, sex,
    age_band (age at entry), uasc (on the day they started)."""
    ref = pd.DatetimeIndex([pd.Timestamp(ref_date).normalize()])
    start = model.periods["period_start"].to_numpy(dtype=dates.NS)
    first = dates.year_start(ref)[0]
    new = model.periods[(start >= first) & (start <= ref.to_numpy(dtype=dates.NS)[0])]
    day = new["period_start"].to_numpy(dtype=dates.NS)
    return _attributes(model, new, day, new["age_at_entry"].to_numpy(dtype="float64"))


def _labelled(list_name: str, values: pd.Series) -> pd.Categorical:
    """Codes as their code-list labels ("<code>: label"), in code-list order; unknown as is."""
    names = codes.labels(list_name)
    shown = values.map(lambda c: f"{c}: {names[c]}" if c in names else c, na_action="ignore")
    order = [f"{c}: {label}" for c, label in names.items()]
    extra = sorted(set(shown.dropna()) - set(order))
    return pd.Categorical(shown, categories=order + extra)


def breakdown(looked_after: pd.DataFrame, entrants: pd.DataFrame | None, by: str) -> pd.DataFrame:
    """Counts by the breakdown column `by`: group, looked_after and (when `entrants` is given)
    entrants; only groups with a child in either, in category order."""
    la = looked_after[by].value_counts(sort=False, dropna=False)
    frame = pd.DataFrame({"looked_after": la})
    if entrants is not None:
        frame["entrants"] = entrants[by].value_counts(sort=False, dropna=False)
    frame = frame.fillna(0).astype("int64")
    frame = frame[frame.sum(axis=1) > 0]
    frame.index = frame.index.astype("object").fillna("Not recorded")
    return frame.rename_axis("group").reset_index()


def breakdowns(model: Model, ref_date) -> dict[str, pd.DataFrame]:
    """Every breakdown of scorecard.toml: {column: breakdown frame}, with its label in
    `attrs['label']`."""
    la, new = looked_after_at(model, ref_date), entrants_in_year(model, ref_date)
    out = {}
    for by, spec in data.scorecard()["breakdowns"].items():
        frame = breakdown(la, new if spec.get("entrants") else None, by)
        frame.attrs["label"] = spec["label"]
        out[by] = frame
    return out


# ------------------------------------------------------------------ reasons and care leavers


def ceased_figures(series: pd.DataFrame, month, settings: Settings) -> pd.DataFrame:
    """The why-care-ended figures (`ceased_<group>_pct`: count of periods ending in the year by
    reason group as numerator, all endings as denominator), in the register's order."""
    return headline_figures(series, list(CEASED_IDS), month, settings)


LEAVER_MEASURES = ("in_touch", "eet", "suitable_accom")


def leaver_rates(series: pd.DataFrame, month, measure: str) -> pd.DataFrame:
    """One care-leaver measure (`in_touch`, `eet` or `suitable_accom`) at the month by age:
    group, n (care leavers), k (with the measure) for ages 17-18, 19-21, then all care leavers
    (the last row, the sum of the two)."""
    ref = pd.Period(str(month), freq="M").end_time.normalize()
    at = series[pd.to_datetime(series["period_end"]).dt.normalize() == ref].set_index("indicator")
    rows = []
    for split, group in (
        ("_17_18", "Aged 17-18"),
        ("_19_21", "Aged 19-21"),
        ("", "All care leavers"),
    ):
        ind = f"care_leavers_{measure}_pct{split}"
        n = at.at[ind, "denominator"] if ind in at.index else 0
        k = at.at[ind, "numerator"] if ind in at.index else 0
        rows.append(
            {"group": group, "n": 0 if pd.isna(n) else int(n), "k": 0 if pd.isna(k) else int(k)}
        )
    return pd.DataFrame(rows, columns=["group", "n", "k"])
