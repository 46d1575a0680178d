"""Missing from care (MISSING = M) and away from placement (A), SPEC 5.

Episodes that began during a short break are set aside (`pipeline.model.missing.counted`).

- missing_incidents / away_incidents: episodes starting in M; missing_children / away_children:
  the distinct children among them.
- missing_mean_hours / missing_max_hours: over M episodes starting in M that have ended
  (numerator = total hours, denominator = ended episodes).
- missing_open: M episodes open at R (started on or before R, not ended by the end of R; an end
  the cleaning had to blank is unknown, not open).
- rhi_offered_pct / rhi_within_72h_pct: of ended M episodes starting in M, % offered a return
  interview / % interviewed within 72 hours of the end; NaN without the local columns.
- missing_children_12m_pct: of children looked after at any time in the year to R, % with an M
  incident starting in the year. missing_repeat_children_12m: children with 3 or more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care, dates, keys, vocab
from pipeline.model.missing import counted
from pipeline.stats import pct

IDS = (
    "missing_incidents",
    "missing_children",
    "missing_mean_hours",
    "missing_max_hours",
    "missing_open",
    "away_incidents",
    "away_children",
    "rhi_offered_pct",
    "rhi_within_72h_pct",
    "missing_children_12m_pct",
    "missing_repeat_children_12m",
)
_DAY = np.timedelta64(1, "D")


def _distinct_children(position: np.ndarray, children: np.ndarray, n: int) -> np.ndarray:
    ok = position >= 0
    pairs = pd.DataFrame({"p": position[ok], "c": children[ok]}).drop_duplicates()
    return np.bincount(pairs["p"].to_numpy(), minlength=n).astype("float64")


def _open_at(episodes: pd.DataFrame, refs: np.ndarray) -> np.ndarray:
    """Episodes open at each R: started on or before R and not ended before R + 1 day."""
    lo = np.searchsorted(refs, episodes["start_date"].to_numpy(dtype=dates.NS), side="left")
    end = episodes["end"].to_numpy(dtype=dates.NS)
    hi = np.where(np.isnat(end), len(refs), np.searchsorted(refs + _DAY, end, side="right"))
    _, ref = dates.explode(lo, hi)
    return np.bincount(ref, minlength=len(refs)).astype("float64")


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    episodes = counted(at.model.missing)
    ms = at.model.tables.get("missing")
    columns = set(ms.columns) if ms is not None else set()
    month = dates.month_position(episodes["start_date"], at.refs)
    kind = episodes["MISSING"].astype("str")
    child, _ = pd.factorize(episodes["CHILD"])  # integer codes: distinct pairs found faster
    out: dict[str, tuple] = {}
    for code, prefix in (("M", "missing"), ("A", "away")):
        mine = kind.eq(code).fillna(False).to_numpy(dtype=bool) & (month >= 0)
        incidents = at.count(month[mine])
        children = _distinct_children(month[mine], child[mine], at.n)
        out[f"{prefix}_incidents"] = (incidents, incidents, at.none)
        out[f"{prefix}_children"] = (children, children, at.none)

    is_m = kind.eq("M").fillna(False).to_numpy(dtype=bool)
    m = episodes[is_m]
    m_month = month[is_m]
    ended = m["end"].notna().to_numpy(dtype=bool) & (m_month >= 0)
    hours = m["duration_hours"].to_numpy(dtype="float64")
    n_ended = at.count(m_month[ended])
    total = at.count(m_month[ended], weights=hours[ended])
    longest = np.full(at.n, -np.inf)
    np.maximum.at(longest, m_month[ended], hours[ended])
    longest = np.where(np.isneginf(longest), np.nan, longest)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_ended > 0, total / np.where(n_ended > 0, n_ended, 1), np.nan)
    out["missing_mean_hours"] = (mean, np.where(n_ended > 0, total, np.nan), n_ended)
    out["missing_max_hours"] = (longest, at.none, n_ended)
    open_now = _open_at(m[~m["end_unknown"].to_numpy(dtype=bool)], at.values)
    out["missing_open"] = (open_now, open_now, at.none)

    for indicator, column, flag in (
        ("rhi_offered_pct", "RHI_OFFERED", "rhi_offered"),
        ("rhi_within_72h_pct", "RHI_DATE", "rhi_within_72h"),
    ):
        if column in columns:
            yes = m[flag].fillna(False).to_numpy(dtype=bool) & ended
            num = at.count(m_month[yes])
            out[indicator] = (pct(num, n_ended), num, n_ended)
        else:
            out[indicator] = (at.none, at.none, n_ended)

    # the year to R: children with an M incident starting in it, among those looked after in it
    ref, rows = dates.overlapping_year(m["start_date"], m["start_date"], at.refs)
    width = at.n + 1
    code, _ = pd.factorize(m["CHILD"])
    pairs, per_child = dates.distinct_counts(code[rows].astype("int64") * width + ref)
    repeat = at.count((pairs % width)[per_child >= vocab.MISSING["repeat_incidents"]])
    out["missing_repeat_children_12m"] = (repeat, repeat, at.none)
    year_ref, year_child = care.looked_after_in_year(at.model.care, at.refs)
    den = at.count(year_ref)
    in_care = keys.positions(m["CHILD"], at.model.care.children)[rows].astype("int64")
    went = dates.distinct((in_care * width + ref)[in_care >= 0])
    in_year = year_child.astype("int64") * width + year_ref  # sorted: pairs come out of distinct()
    found = np.searchsorted(in_year, went).clip(max=max(len(in_year) - 1, 0))
    went = went[(in_year[found] == went) if len(in_year) else np.zeros(len(went), dtype=bool)]
    num = at.count(went % width)
    out["missing_children_12m_pct"] = (pct(num, den), num, den)
    return out
