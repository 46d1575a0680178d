"""One rule, one test: each cleaning rule of pipeline/data/rules.toml on a hand-built table."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.clean import clean_table, parse_dates, rules
from tests.helpers import episode, raw_table


def counts(outcome):
    return outcome.counts


def test_every_rule_has_action_and_description():
    for rule_id, spec in rules().items():
        assert spec["action"] in {"correct", "merge", "quarantine", "flag"}, rule_id
        assert spec["description"].strip(), rule_id


def test_id_norm_spaces_leading_zeros_and_trailing_dot_zero():
    # ' 0123', '123.0' and '00123 ' are all child 123; 'A 12' keeps its letter and loses the space
    frame = raw_table(
        "header",
        [
            {"CHILD": " 0123", "SEX": "1", "DOB": "01/01/2010"},
            {"CHILD": "124.0", "SEX": "1", "DOB": "01/01/2010"},
            {"CHILD": "00125 ", "SEX": "1", "DOB": "01/01/2010"},
            {"CHILD": "A 12", "SEX": "2", "DOB": "01/01/2010"},
            {"CHILD": "126", "SEX": "2", "DOB": "01/01/2010"},
        ],
    )
    out = clean_table("header", frame)
    assert list(out.kept["CHILD"]) == ["123", "124", "125", "126", "A12"]
    assert out.counts["ID-NORM"] == 4  # all but '126'


def test_code_norm_upper_and_strip():
    frame = raw_table("episodes", [episode(rne=" s", ls="c2 ", place="u4")])
    out = clean_table("episodes", frame)
    row = out.kept.iloc[0]
    assert (row["RNE"], row["LS"], row["PLACE"]) == ("S", "C2", "U4")
    assert out.counts["CODE-NORM"] == 3


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
        pd.Timestamp("2016-02-01 12:00"),
    ]
    assert list(timed) == [True, True, False, True]
    assert list(changed) == [False, True, False, True]  # canonical: dd/mm/yyyy[ HH:MM]


def test_date_invalid_quarantines():
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="31/02/2016"),
            episode(child="2", decom="unknown"),
            episode(child="3", decom="01/02/2016"),
        ],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["3"]
    assert out.counts["DATE-INVALID"] == 2
    assert set(out.quarantine["rule"]) == {"DATE-INVALID"}
    assert out.quarantine["reason"].str.contains("DECOM").all()


def test_num_norm_and_sdq_range():
    frame = raw_table(
        "sdq",
        [
            {"CHILD": "1", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "17.0"},  # corrected to 17
            {"CHILD": "2", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": " 9 "},  # corrected to 9
            {"CHILD": "3", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "40"},  # top of range, kept as is
            {"CHILD": "4", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "41"},  # out of range
            {"CHILD": "5", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "n/a"},  # not a number
            {"CHILD": "6", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "-1"},  # out of range
            {"CHILD": "7", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "12.5"},  # not whole
            {"CHILD": "8", "SDQ_DATE": "01/05/2016", "SDQ_REASON": "SDQ2"},  # no score: fine
        ],
    )
    out = clean_table("sdq", frame)
    assert list(out.kept["CHILD"]) == ["1", "2", "3", "8"]
    assert out.kept["SDQ_SCORE"].tolist()[:3] == [17, 9, 40]
    assert pd.isna(out.kept["SDQ_SCORE"].iloc[3])
    assert out.counts["NUM-NORM"] == 2
    assert out.counts["SDQ-RANGE"] == 4


def test_req_missing():
    frame = raw_table(
        "episodes", [episode(child=None), episode(child="2", place=None), episode(child="3")]
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["3"]
    assert out.counts["REQ-MISSING"] == 2
    assert sorted(out.quarantine["reason"]) == ["CHILD is blank", "PLACE is blank"]


def test_code_invalid_for_collection_year():
    # K3 is valid from 2024-25 only; H5 until 2024-25 only; ZZ never
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", place="K3"),  # 2016-17: invalid
            episode(child="2", decom="01/04/2024", place="K3"),  # 2024-25: valid
            episode(child="3", decom="31/03/2025", place="H5"),  # still 2024-25: valid
            episode(child="4", decom="01/04/2025", place="H5"),  # 2025-26: invalid
            episode(child="5", decom="01/04/2016", place="ZZ"),
        ],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["2", "3"]
    assert out.counts["CODE-INVALID"] == 3
    reason = out.quarantine.set_index("CHILD").loc["1", "reason"]
    assert "PLACE = K3" in reason and "2016-2017" in reason


def test_epi_end_before_start():
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="10/04/2016", dec="09/04/2016", rec="E11"),
            episode(child="2", decom="10/04/2016", dec="10/05/2016", rec="E11"),
        ],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["2"]
    assert out.counts["EPI-END-BEFORE-START"] == 1


def test_mis_end_before_start():
    frame = raw_table(
        "missing",
        [
            {
                "CHILD": "1",
                "MISSING": "M",
                "MIS_START": "01/05/2016 10:00",
                "MIS_END": "01/05/2016 09:00",
            },
            {
                "CHILD": "2",
                "MISSING": "M",
                "MIS_START": "01/05/2016 10:00",
                "MIS_END": "01/05/2016 11:00",
            },
            {"CHILD": "3", "MISSING": "A", "MIS_START": "01/05/2016 10:00"},  # open: kept
        ],
    )
    out = clean_table("missing", frame)
    assert list(out.kept["CHILD"]) == ["2", "3"]
    assert out.counts["MIS-END-BEFORE-START"] == 1
    assert out.kept["MIS_START_TIMED"].all()


def test_dup_exact_merges_after_normalisation():
    frame = raw_table(
        "episodes", [episode(child="1"), episode(child=" 001", place="u4"), episode(child="1")]
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 1 and out.merged == 2
    assert out.counts["DUP-EXACT"] == 2
    assert out.rows_in == len(out.kept) + out.merged + len(out.quarantine)


def test_dup_conflict_quarantines_every_copy():
    frame = raw_table(
        "episodes",
        [episode(child="1", place="U4"), episode(child="1", place="K2"), episode(child="2")],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["2"]
    assert out.counts["DUP-CONFLICT"] == 2


def test_missing_has_no_conflict_key_two_episodes_one_day_kept():
    frame = raw_table(
        "missing",
        [
            {"CHILD": "1", "MISSING": "M", "MIS_START": "01/05/2016", "MIS_END": "01/05/2016"},
            {"CHILD": "1", "MISSING": "A", "MIS_START": "01/05/2016", "MIS_END": "02/05/2016"},
        ],
    )
    out = clean_table("missing", frame)
    assert len(out.kept) == 2 and "DUP-CONFLICT" not in out.counts


def test_epi_overlap_truncates_dec_to_next_decom():
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", dec="20/05/2016", rec="X1", reason="CARPL"),
            episode(child="1", decom="10/05/2016", rne="P", place="U6"),
        ],
    )
    out = clean_table("episodes", frame)
    assert out.kept["DEC"].iloc[0] == pd.Timestamp("2016-05-10")
    assert out.counts["EPI-OVERLAP"] == 1


@pytest.mark.parametrize(
    "first, second, rule",
    [
        (dict(dec=None, rec=None), dict(decom="10/05/2016", rne="P"), "EPI-OPEN-NOT-LAST"),
        (dict(dec="01/05/2016", rec="X1"), dict(decom="10/05/2016", rne="P"), "EPI-GAP"),
        (dict(dec="01/04/2016", rec="E11"), dict(decom="10/05/2016", rne="S"), "EPI-SAME-DAY"),
    ],
)
def test_episode_flags_keep_rows(first, second, rule):
    frame = raw_table(
        "episodes", [episode(child="1", decom="01/04/2016", **first), episode(child="1", **second)]
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 2 and out.counts[rule] == 1 and out.quarantine.empty


def test_orphan_flagged_not_dropped():
    frame = raw_table("episodes", [episode(child="1"), episode(child="2")])
    out = clean_table("episodes", frame, child_ids=pd.Index(["1"]))
    assert len(out.kept) == 2 and out.counts["ORPHAN"] == 1


def test_first_quarantine_rule_wins_and_row_counted_once():
    # blank CHILD and an invalid code: REQ-MISSING comes first in rules.toml order? No: each rule
    # runs in code order; a row is quarantined once, by the first rule that catches it.
    frame = raw_table("episodes", [episode(child=None, place="ZZ", decom="bad")])
    out = clean_table("episodes", frame)
    assert len(out.quarantine) == 1
    assert out.rows_in == 1 and out.kept.empty


def test_canonical_datetimes_fast_path_matches_strptime():
    from pipeline.clean import parse_dates

    raw = pd.Series(["01/02/2016 23:45", "29/02/2016 00:05", "31/02/2016 10:00", "01/02/2016 24:00",
                     "2016-02-01T10:30", "01/02/2016", None], dtype="str")
    values, changed, timed, invalid = parse_dates(raw, keep_time=True)
    assert values.iloc[0] == pd.Timestamp("2016-02-01 23:45") and timed.iloc[0] and not changed.iloc[0]
    assert values.iloc[1] == pd.Timestamp("2016-02-29 00:05")  # leap day
    assert invalid.tolist()[:4] == [False, False, True, True]  # no 31 February, no hour 24
    assert values.iloc[4] == pd.Timestamp("2016-02-01 10:30") and changed.iloc[4]  # ISO, corrected
    assert values.iloc[5] == pd.Timestamp("2016-02-01") and not timed.iloc[5]
    assert pd.isna(values.iloc[6]) and not invalid.iloc[6]
