"""The domain vocabulary (pipeline.model.vocab, from pipeline/data/definitions.toml)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from pipeline.model import vocab


def test_sdq_band_edges():
    # 0-13 normal, 14-16 borderline, 17-40 cause for concern
    bands = vocab.sdq_band([0, 13, 14, 16, 17, 40])
    assert list(bands) == ["normal", "normal", "borderline", "borderline", "concern", "concern"]
    assert list(bands.cat.categories) == ["normal", "borderline", "concern"]
    assert bands.cat.ordered
    # blanks stay blank; scores outside 0-40 are in no band
    assert vocab.sdq_band([None, pd.NA, -1, 41]).isna().all()
    assert vocab.SDQ_CONCERN_FROM == 17
    assert vocab.SDQ_SCORE_RANGE == (0, 40)
    assert vocab.SDQ_BAND_LABELS["borderline"] == "14-16 borderline"


def test_place_group_every_group():
    codes = pd.Series(
        ["U1", "U6", "A3", "A6", "P1", "H5", "P2", "K3", "K1", "R5", "K2", "R1", "S1", "P3", "Z1",
         "T2", None],
        dtype="str",
    )  # fmt: skip
    assert list(vocab.place_group(codes)[:-1]) == [
        "foster", "foster", "adoption", "adoption", "placed_with_parents", "independent",
        "independent", "independent", "secure_childrens_homes", "other_residential",
        "secure_childrens_homes", "other_residential", "residential_school", "other", "other",
        "other",
    ]  # fmt: skip
    assert pd.isna(vocab.place_group(codes).iloc[-1])  # a blank (unknown) code: no group
    # K3 is independent; Z11 (and any code in no group) is other
    more = vocab.place_group(pd.Series(["K3", "Z11", "", None, "XX"], dtype="str"))
    assert list(more[[0, 1, 2, 4]]) == ["independent", "other", "other", "other"]
    assert pd.isna(more[3])
    # every group has at least one code that maps to it (other: the codes in none)
    for group, codes in vocab.PLACE_GROUPS.items():
        if codes:
            assert set(vocab.place_group(pd.Series(codes, dtype="str"))) == {group}


def test_place_group_label():
    groups = pd.Series(["foster", "adoption", "other", "secure_childrens_homes", "nonsense", None])
    labels = vocab.place_group_label(groups)
    assert list(labels.iloc[:4]) == [
        "Foster", "Placed for adoption", "Other", "Secure and children's homes"
    ]  # fmt: skip
    assert labels.iloc[4:].isna().all()  # not a group: no label
    # an ordered list of categories in the report order, starting with foster, ending with other
    assert list(labels.cat.categories) == list(vocab.PLACE_GROUP_LABELS.values())
    assert labels.cat.categories[0] == "Foster" and labels.cat.categories[-1] == "Other"


def test_sex_group():
    # 1/2 until 2023-24 and M/F/U from 2024-25 fall in the same groups (a continuous trend)
    out = vocab.sex_group(pd.Series(["1", "2", "M", "F", "U", "9", None], dtype="str"))
    assert list(out.iloc[:5]) == ["Male", "Female", "Male", "Female", "Not known"]
    assert out.iloc[5:].isna().all()  # unknown codes and blanks: NA
    assert list(out.cat.categories) == ["Male", "Female", "Not known"]


@pytest.mark.parametrize(
    "scheme, ages, expected",
    [
        (
            "entry",
            [0, 1, 4, 5, 9, 10, 15, 16, 17],
            ["Under 1", "1 to 4", "1 to 4", "5 to 9", "5 to 9", "10 to 15", "10 to 15",
             "16 and over", "16 and over"],
        ),
        (
            "missing",
            [0, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 25],
            ["under 10", "under 10", "10-11", "10-11", "12-13", "12-13", "14-15", "14-15",
             "16-17", "16-17", "18+", "18+"],
        ),
    ],
)  # fmt: skip
def test_age_band_edges(scheme, ages, expected):
    out = vocab.age_band(pd.Series(ages), scheme)
    assert list(out) == expected
    assert list(out.cat.categories) == list(vocab.AGE_BANDS[scheme])
    assert out.cat.ordered
    # an unknown age is in no band
    assert vocab.age_band(pd.Series([np.nan], dtype="float64"), scheme).isna().all()


def test_is_short_break_and_is_temporary():
    ls = pd.Series(["V3", "V4", "V2", "C2", None], dtype="str")
    assert list(vocab.is_short_break(ls)) == [True, True, False, False, False]
    place = pd.Series(["T0", "T1", "T2", "T3", "T4", "U4", "A3", None], dtype="str")
    assert list(vocab.is_temporary(place)) == [True] * 5 + [False] * 3
    assert vocab.is_short_break(ls).dtype == bool and vocab.is_temporary(place).dtype == bool


def test_definitions_placement_groups_do_not_overlap():
    spec = vocab.definitions()["placement_groups"]
    counts = Counter(code for group in spec.values() for code in group["codes"])
    assert [code for code, n in counts.items() if n > 1] == []
    assert spec["other"]["codes"] == []  # the group of codes in no other group
    # temporary placements are never a group of their own: they are folded into the placement
    assert not set(vocab.TEMPORARY_PLACE) & set(counts)
    # adoption codes, same carer or new, are in the adoption group
    assert set(vocab.ADOPTION_SAME_CARER) | set(vocab.ADOPTION_NEW_CARER) <= set(
        vocab.PLACE_GROUPS["adoption"]
    )


def test_ethnicity_groups_by_first_letter_with_chinese_as_other_and_refused_not_known():
    import pandas as pd

    from pipeline.model import vocab

    got = vocab.ethnicity_group(pd.Series(["WBRI", "mwbc", "APKN", "BAFR", "CHNE", "OOTH",
                                           "REFU", "NOBT", None, "", "XXXX"], dtype="str"))  # fmt: skip
    assert got.tolist() == [
        "White", "Mixed", "Asian", "Black", "Other", "Other",
        "Not known", "Not known", "Not known", "Not known", "Not known",
    ]  # fmt: skip
    assert list(got.cat.categories) == ["White", "Mixed", "Asian", "Black", "Other", "Not known"]
