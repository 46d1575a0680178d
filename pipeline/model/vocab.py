"""The domain vocabulary, read once from `pipeline/data/definitions.toml`.

What a short break is, what a temporary placement is, DfE's placement groups, the SDQ bands, the
age bands and sex groups of the breakdowns: each is written down once in the data file and
reached from here. Functions are vectorised over pandas Series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions

_CARE = definitions()["care"]
SHORT_BREAK_LS: tuple[str, ...] = tuple(_CARE["short_break_ls"])
TEMPORARY_PLACE: tuple[str, ...] = tuple(_CARE["temporary_place"])
ADOPTION_SAME_CARER: tuple[str, ...] = tuple(_CARE["adoption_same_carer"])
ADOPTION_NEW_CARER: tuple[str, ...] = tuple(_CARE["adoption_new_carer"])
NEW_CARER_RNE: tuple[str, ...] = tuple(_CARE["new_carer_rne"])
SAME_CARER_RNE: tuple[str, ...] = tuple(_CARE["same_carer_rne"])
PERIOD_START_RNE: str = _CARE["period_start_rne"]
STILL_IN_CARE_REC: str = _CARE["still_in_care_rec"]

STABILITY: dict = definitions()["stability"]
MISSING: dict = definitions()["missing"]

# ---------------------------------------------------------------------------------- placements

PLACE_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(spec["codes"]) for group, spec in definitions()["placement_groups"].items()
}
PLACE_GROUP_LABELS: dict[str, str] = {
    group: spec["label"] for group, spec in definitions()["placement_groups"].items()
}
OTHER_GROUP = "other"
_GROUP_OF_CODE = {code: group for group, codes in PLACE_GROUPS.items() for code in codes}

END_LABELS: dict[str, str] = dict(definitions()["placement_endings"])
END_CATEGORIES: tuple[str, ...] = tuple(END_LABELS)


def is_short_break(ls: pd.Series) -> np.ndarray:
    """True where an episode's legal status is a short break (blank: False)."""
    return ls.isin(SHORT_BREAK_LS).fillna(False).to_numpy(dtype=bool)


def is_temporary(place: pd.Series) -> np.ndarray:
    """True where PLACE is a temporary placement (blank: False)."""
    return place.isin(TEMPORARY_PLACE).fillna(False).to_numpy(dtype=bool)


def _by_distinct(values: pd.Series, lookup: dict, default, blank=None) -> np.ndarray:
    """`lookup` applied to the distinct values only (codes repeat a lot): `default` for values
    not in it, `blank` (default: `default`) for missing ones."""
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    blank = default if blank is None else blank
    mapped = np.array([lookup.get(u, default) for u in uniques] + [blank], dtype=object)
    return mapped[np.where(positions < 0, len(uniques), positions)]


def place_group(place: pd.Series) -> pd.Series:
    """DfE's placement group of each PLACE code; `other` for codes in no group; NA where the
    code is unknown (blank, e.g. blanked by cleaning as invalid)."""
    groups = _by_distinct(place, _GROUP_OF_CODE, OTHER_GROUP, blank=pd.NA)
    return pd.Series(groups, index=place.index, dtype="str")


def place_group_label(group: pd.Series) -> pd.Series:
    """The display label of each placement group, as an ordered categorical."""
    codes = {group: i for i, group in enumerate(PLACE_GROUP_LABELS)}
    return pd.Series(
        pd.Categorical.from_codes(
            _by_distinct(group, codes, -1).astype(int), categories=list(PLACE_GROUP_LABELS.values())
        ),
        index=group.index,
    )


# ---------------------------------------------------------------------------------- SDQ

_SDQ = definitions()["sdq"]
SDQ_SCORE_RANGE: tuple[int, int] = tuple(_SDQ["score_range"])
SDQ_LOOKBACK_MONTHS: int = _SDQ["lookback_months"]
SDQ_ANALYSIS_AGES: tuple[int, int] = tuple(_SDQ["analysis_ages"])
SDQ_ELIGIBLE_AGES: tuple[int, int] = tuple(_SDQ["eligible_ages"])
SDQ_BANDS: tuple[str, ...] = tuple(_SDQ["bands"])
SDQ_BAND_SCORES: dict[str, tuple[int, int]] = {
    band: tuple(spec["scores"]) for band, spec in _SDQ["bands"].items()
}
SDQ_BAND_LABELS: dict[str, str] = {
    band: f"{low}-{high} {_SDQ['bands'][band]['label']}"
    for band, (low, high) in SDQ_BAND_SCORES.items()
}
SDQ_CONCERN_FROM: int = SDQ_BAND_SCORES["concern"][0]


def sdq_band(scores) -> pd.Series:
    """The band of each SDQ score (ordered categorical); NA stays NA."""
    s = pd.to_numeric(pd.Series(scores), errors="coerce").astype("float64")
    edges = [SDQ_BAND_SCORES[SDQ_BANDS[0]][0] - 0.5] + [
        SDQ_BAND_SCORES[b][1] + 0.5 for b in SDQ_BANDS
    ]
    out = pd.cut(s, bins=edges, labels=list(SDQ_BANDS))
    return out.astype(pd.CategoricalDtype(list(SDQ_BANDS), ordered=True))


# ---------------------------------------------------------------------------------- breakdowns

SEX_GROUPS: dict[str, tuple[str, ...]] = {
    label: tuple(codes) for label, codes in definitions()["sex"].items()
}
_SEX_OF_CODE = {code: label for label, codes in SEX_GROUPS.items() for code in codes}


def sex_group(sex: pd.Series) -> pd.Series:
    """Header SEX codes as the reports' sex groups (categorical; unknown codes NA)."""
    order = list(SEX_GROUPS)
    codes = {code: order.index(label) for code, label in _SEX_OF_CODE.items()}
    return pd.Series(
        pd.Categorical.from_codes(_by_distinct(sex, codes, -1).astype(int), categories=order),
        index=sex.index,
    )


ETHNICITY_GROUPS: dict[str, tuple[str, ...]] = {
    label: tuple(letters) for label, letters in definitions()["ethnicity"].items()
}
ETHNICITY_UNKNOWN = "Not known"


def ethnicity_group(ethnic: pd.Series) -> pd.Series:
    """Header ETHNIC codes as DfE's ethnicity groups, by first letter (ordered categorical;
    blank or unrecognised codes are "Not known")."""
    order = list(ETHNICITY_GROUPS)
    of_letter = {c: order.index(g) for g, letters in ETHNICITY_GROUPS.items() for c in letters}
    first = pd.Series(ethnic, dtype="str").str.strip().str.upper().str[:1]
    code = _by_distinct(first, of_letter, order.index(ETHNICITY_UNKNOWN))
    return pd.Series(
        pd.Categorical.from_codes(code.astype(int), categories=order), index=first.index
    )


AGE_BANDS: dict[str, dict[str, tuple[int, int]]] = {
    scheme: {band: tuple(ages) for band, ages in bands.items()}
    for scheme, bands in definitions()["age_bands"].items()
}


def age_band(ages: pd.Series, scheme: str) -> pd.Series:
    """Whole-year ages in the bands of `scheme` ('entry' or 'missing'): ordered categorical."""
    bands = AGE_BANDS[scheme]
    first = next(iter(bands.values()))[0]
    edges = [first - 1] + [last for _, last in bands.values()]
    return pd.cut(pd.Series(ages).astype("float64"), edges, labels=list(bands))
