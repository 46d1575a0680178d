"""The value normalisers behind the correcting rules: each reads raw text into a typed value and
says which cells it changed and which it could not read."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.ingest.normalise import (
    normalise_child_id,
    normalise_code,
    parse_dates,
    parse_whole_numbers,
    per_unique,
    per_unique_many,
)


def test_child_id_spaces_trailing_dot_zero_and_leading_zeros():
    raw = pd.Series(
        [" 0123", "124.0", "00125 ", "A 12", "126", "000", "A012", "  ", None], dtype="str"
    )
    values, changed = normalise_child_id(raw)
    # '000' is all digits: zeros stripped leave '', which reads as '0'; 'A012' is not all digits,
    # so its zero stays; a blank ID becomes missing (a change), a missing one stays missing
    assert values.tolist()[:7] == ["123", "124", "125", "A12", "126", "0", "A012"]
    assert values.isna().tolist()[7:] == [True, True]
    assert changed.tolist() == [True, True, True, True, False, True, False, True, False]


def test_code_strip_upper_and_blank_is_missing():
    raw = pd.Series([" u4", "U4", "c2 ", "", None], dtype="str")
    values, changed = normalise_code(raw)
    assert values.tolist()[:3] == ["U4", "U4", "C2"]
    assert values.isna().tolist()[3:] == [True, True]
    assert changed.tolist() == [True, False, True, True, False]
    text, changed = normalise_code(pd.Series([" zz9 1aa ", "ZZ1 1AA"], dtype="str"), upper=False)
    assert text.tolist() == ["zz9 1aa", "ZZ1 1AA"]  # free text keeps its case
    assert changed.tolist() == [True, False]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("01/02/2016", "2016-02-01"),
        ("2016-02-01", "2016-02-01"),
        ("01/02/2016 00:00", "2016-02-01"),
        ("2016-02-01 13:45:00", "2016-02-01"),  # time of day dropped in a date column
        ("42401", "2016-02-01"),  # Excel serial: 1899-12-30 + 42401 days
    ],
)
def test_date_norm_formats(text, expected):
    values, changed, timed, invalid = parse_dates(pd.Series([text], dtype="str"), keep_time=False)
    assert values.iloc[0] == pd.Timestamp(expected)
    assert bool(changed.iloc[0]) == (text != "01/02/2016")
    assert not invalid.iloc[0]


def test_date_norm_keeps_time_in_datetime_columns():
    s = pd.Series(["01/02/2016 13:45", "2016-02-01T09:30", "01/02/2016", "42401.5"], dtype="str")
    values, changed, timed, invalid = parse_dates(s, keep_time=True)
    assert list(values) == [
        pd.Timestamp("2016-02-01 13:45"),
        pd.Timestamp("2016-02-01 09:30"),
        pd.Timestamp("2016-02-01"),
        pd.Timestamp("2016-02-01 12:00"),  # serial 42401.5: half a day after midnight
    ]
    assert list(timed) == [True, True, False, True]
    assert list(changed) == [False, True, False, True]  # canonical: dd/mm/yyyy[ HH:MM]


def test_canonical_datetimes_fast_path_matches_strptime():
    raw = pd.Series(
        [
            "01/02/2016 23:45",
            "29/02/2016 00:05",
            "31/02/2016 10:00",
            "01/02/2016 24:00",
            "2016-02-01T10:30",
            "01/02/2016",
            None,
        ],
        dtype="str",
    )
    values, changed, timed, invalid = parse_dates(raw, keep_time=True)
    assert values.iloc[0] == pd.Timestamp("2016-02-01 23:45")
    assert timed.iloc[0] and not changed.iloc[0]
    assert values.iloc[1] == pd.Timestamp("2016-02-29 00:05")  # leap day
    assert invalid.tolist()[:4] == [False, False, True, True]  # no 31 February, no hour 24
    assert values.iloc[4] == pd.Timestamp("2016-02-01 10:30") and changed.iloc[4]  # ISO, corrected
    assert values.iloc[5] == pd.Timestamp("2016-02-01") and not timed.iloc[5]
    assert pd.isna(values.iloc[6]) and not invalid.iloc[6]


def test_dates_that_cannot_be_read_are_invalid_blanks_are_not():
    # '123' has too few digits to be an Excel serial; '  ' is blank (missing, not unreadable)
    raw = pd.Series(["unknown", "31/02/2016", "123", "  ", None], dtype="str")
    values, changed, timed, invalid = parse_dates(raw, keep_time=False)
    assert values.isna().all()
    assert invalid.tolist() == [True, True, True, False, False]
    assert not changed.any()


def test_whole_numbers_read_in_range():
    raw = pd.Series(
        ["17", " 9 ", "17.0", "40", "0", "41", "-1", "12.5", "n/a", "", None], dtype="str"
    )
    values, changed, invalid = parse_whole_numbers(raw, 0, 40)
    assert values.tolist()[:5] == [17, 9, 17, 40, 0]
    assert values.isna().tolist()[5:] == [True] * 6
    # only readable values written differently from their canonical text are changes
    assert changed.tolist() == [False, True, True] + [False] * 8
    # out of range (41, -1), not whole (12.5) or not a number: invalid; blanks are not
    assert invalid.tolist() == [False] * 5 + [True, True, True, True, False, False]


def test_per_unique_normalises_each_distinct_value_once():
    seen = []

    def upper(distinct):
        seen.append(distinct.tolist())
        return (distinct.str.upper(),)

    raw = pd.Series(["b", "a", "b", None, "a"], index=[10, 11, 12, 13, 14], dtype="str")
    (values,) = per_unique(raw, upper)
    # one call, on the two distinct values plus one missing slot
    assert len(seen) == 1 and seen[0][:2] == ["b", "a"] and pd.isna(seen[0][2])
    assert len(seen[0]) == 3
    assert values.index.tolist() == [10, 11, 12, 13, 14]
    assert values.tolist()[:3] == ["B", "A", "B"] and pd.isna(values.iloc[3])
    assert values.iloc[4] == "A"


def test_per_unique_many_reads_the_columns_distinct_values_in_one_call():
    seen = []

    def read(distinct):
        seen.append(len(distinct))
        return parse_dates(distinct, keep_time=False)

    first = pd.Series(["01/02/2016", "2016-02-01", None], index=[5, 6, 7], dtype="str")
    second = pd.Series(["01/02/2016", "31/02/2016", "42401"], index=[0, 1, 2], dtype="str")
    empty = pd.Series([], dtype="str")
    together = per_unique_many([first, second, empty], read)
    # one call, on the four distinct texts (the shared date once) and the missing slot
    assert seen == [5]
    for column, results in zip([first, second, empty], together, strict=True):
        alone = per_unique(column, lambda u: parse_dates(u, keep_time=False))
        for got, expected in zip(results, alone, strict=True):
            pd.testing.assert_series_equal(got, expected)
    values, changed, _, invalid = together[1]
    assert values.index.tolist() == [0, 1, 2]
    assert values.tolist()[0] == values.tolist()[2] == pd.Timestamp("2016-02-01")
    assert invalid.tolist() == [False, True, False] and changed.tolist() == [False, False, True]
    assert per_unique_many([], read) == []


def test_dates_outside_what_a_timestamp_holds_are_unreadable_not_a_crash():
    """A mistyped year (3000, 1600, 9999) in any of the accepted forms is an invalid date."""
    import pandas as pd

    from pipeline.ingest.normalise import parse_dates

    raw = pd.Series(
        ["01/01/3000", "1/1/1600", "9999-12-31", "01/02/2016", "2016-02-01"], dtype="str"
    )
    values, _, _, invalid = parse_dates(raw, keep_time=False)
    assert invalid.tolist() == [True, True, True, False, False]
    assert values.isna().tolist() == [True, True, True, False, False]
    stamped, _, _, bad = parse_dates(pd.Series(["01/01/3000 10:00"], dtype="str"), keep_time=True)
    assert bad.tolist() == [True] and stamped.isna().all()
