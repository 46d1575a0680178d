"""One rule, one test: each cleaning rule of pipeline/data/rules.toml on a hand-built table.

The rules are data (rules.toml: id, action, description, `tables`, and the order they run in);
each is implemented once in pipeline/ingest/clean.py and registered under its id in `RULES`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import data
from pipeline.ingest.clean import RULES, applies, clean_extract, clean_table, rule
from pipeline.ingest.load import RawExtract
from tests.builders import episode, raw_table

QUARANTINE_RULES = {r for r, s in data.rules().items() if s["action"] in ("quarantine", "reject")}

# ---------------------------------------------------------------------------------- the register


def test_every_rule_has_action_and_description():
    for rule_id, spec in data.rules().items():
        assert spec["action"] in {"correct", "merge", "quarantine", "reject", "blank", "flag"}, (
            rule_id
        )
        assert spec["description"].strip(), rule_id


def test_every_rules_toml_id_is_registered_and_every_registered_id_is_in_rules_toml():
    in_toml = set(data.rules())
    registered = set(RULES)
    assert sorted(in_toml - registered) == []  # a rule described but not implemented
    assert sorted(registered - in_toml) == []  # an implementation of no described rule
    assert in_toml  # (two empty sets would be equal too)


def test_a_rule_missing_from_rules_toml_cannot_be_registered():
    with pytest.raises(KeyError, match="NOT-A-RULE"):

        @rule("NOT-A-RULE")
        def _nothing(w):  # pragma: no cover - never registered, never run
            pass

    assert "NOT-A-RULE" not in RULES


def test_tables_key_limits_a_rule_to_some_tables():
    known = set(data.tables())
    for rule_id, spec in data.rules().items():
        assert set(spec.get("tables", [])) <= known, rule_id
    # rules.toml: EPI-GAP has tables = ["episodes"]; MIS-END-BEFORE-START ["missing"]; ORPHAN none
    assert applies("EPI-GAP", "episodes") and not applies("EPI-GAP", "missing")
    assert applies("MIS-END-BEFORE-START", "missing")
    assert not applies("MIS-END-BEFORE-START", "episodes")
    assert all(applies("ORPHAN", t) for t in known)


# ---------------------------------------------------------------------------------- the order


def test_first_quarantine_rule_in_rules_toml_wins():
    # Row 1 has a blank CHILD *and* an unreadable DECOM: rules.toml lists REQ-MISSING (5th) before
    # DATE-INVALID (6th), so REQ-MISSING takes it.
    # Row 2 (child 2): unreadable DEC (a key column) and REC Z9 (no such code): DATE-INVALID (6th)
    # before CODE-INVALID (8th). Row 3 (child 3): REC Z9 and DEC before DECOM: CODE-INVALID (8th)
    # before EPI-END-BEFORE-START (9th).
    frame = raw_table(
        "episodes",
        [
            episode(child=None, decom="31/02/2016"),
            episode(child="2", dec="unknown", rec="Z9"),
            episode(child="3", decom="10/04/2016", dec="09/04/2016", rec="Z9"),
        ],
    )
    out = clean_table("episodes", frame)
    assert out.kept.empty and out.rows_in == 3
    assert out.quarantine["rule"].tolist() == ["REQ-MISSING", "DATE-INVALID", "CODE-INVALID"]
    reasons = out.quarantine["reason"].tolist()
    assert reasons[:2] == ["CHILD is blank", "DEC = unknown is not a date"]
    assert reasons[2] == "REC = Z9 is not a valid code in 2016-17"
    # each row counted once, under the rule that took it
    assert {r: n for r, n in out.counts.items() if r in QUARANTINE_RULES} == {
        "REQ-MISSING": 1,
        "DATE-INVALID": 1,
        "CODE-INVALID": 1,
    }


def test_first_quarantine_rule_wins_and_row_counted_once():
    # blank CHILD, an invalid code and an unreadable date: REQ-MISSING is listed before
    # DATE-INVALID and CODE-INVALID in rules.toml, so it alone quarantines the row
    frame = raw_table("episodes", [episode(child=None, place="ZZ", decom="bad")])
    out = clean_table("episodes", frame)
    assert len(out.quarantine) == 1
    assert out.rows_in == 1 and out.kept.empty
    assert out.quarantine["rule"].tolist() == ["REQ-MISSING"]
    assert {r: n for r, n in out.counts.items() if r in QUARANTINE_RULES} == {"REQ-MISSING": 1}


def test_rules_run_in_the_order_rules_toml_lists_them(monkeypatch):
    # the same row as above under a rules.toml with DATE-INVALID moved before REQ-MISSING: the
    # order is data, so DATE-INVALID now takes the row
    listed = data.rules()
    ids = list(listed)
    i, j = ids.index("REQ-MISSING"), ids.index("DATE-INVALID")
    ids[i], ids[j] = ids[j], ids[i]
    monkeypatch.setattr(data, "rules", lambda: {r: listed[r] for r in ids})
    frame = raw_table("episodes", [episode(child=None, decom="31/02/2016")])
    out = clean_table("episodes", frame)
    assert out.quarantine["rule"].tolist() == ["DATE-INVALID"]
    assert out.quarantine["reason"].tolist() == ["DECOM = 31/02/2016 is not a date"]


# ---------------------------------------------------------------------------------- correct


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


def test_code_norm_strips_free_text_keeps_its_case_and_blanks_it_when_empty():
    # PL_POST is text, not a code: stripped, not upper-cased (1 cell); URN '  ' becomes missing
    # (1 cell); the other text cells of the builder's row are already canonical: 2 cells in all
    frame = raw_table("episodes", [episode(pl_post=" zz9 1aa ", URN="  ")])
    out = clean_table("episodes", frame)
    row = out.kept.iloc[0]
    assert row["PL_POST"] == "zz9 1aa" and pd.isna(row["URN"])
    assert out.counts["CODE-NORM"] == 2


def test_date_norm_reads_other_formats_and_counts_each_cell():
    # ISO, a midnight time and an Excel serial (1899-12-30 + 42461 days = 01/04/2016) are all
    # 01/04/2016: 3 cells corrected; the canonical one (child 4) and the blank DECs are not counted
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="2016-04-01"),
            episode(child="2", decom="01/04/2016 00:00"),
            episode(child="3", decom="42461"),
            episode(child="4", decom="01/04/2016"),
        ],
    )
    out = clean_table("episodes", frame)
    assert out.quarantine.empty
    assert out.kept["DECOM"].tolist() == [pd.Timestamp("2016-04-01")] * 4
    assert out.counts["DATE-NORM"] == 3


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
    reasons = out.quarantine.set_index("CHILD")["reason"]
    assert reasons["4"] == "SDQ_SCORE = 41 is not 0-40"


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


# ---------------------------------------------------------------------------------- quarantine


def test_row_unreadable_sets_the_loaders_fault_rows_aside_with_their_text():
    frame = raw_table("header", [{"CHILD": "1", "SEX": "1", "DOB": "01/01/2010"}])
    frame = frame.assign(_source="header.csv", _line=[2])
    fault = pd.DataFrame(
        {"_source": ["header.csv"], "_line": [3], "_fault": ["unclosed or misplaced quote"]}
    ).assign(_text='2,"1,01/01/2010')
    out = clean_table(
        "header",
        pd.concat([frame, fault], ignore_index=True).astype({"_fault": "str", "_text": "str"}),
    )
    assert out.rows_in == 2 and len(out.kept) == 1
    q = out.quarantine.iloc[0]
    assert (q["rule"], q["line"], q["reason"]) == (
        "ROW-UNREADABLE",
        3,
        "unclosed or misplaced quote",
    )
    assert q["record"] == '2,"1,01/01/2010'


def test_req_missing():
    # RNE must be present (a key column); a blank PLACE is not a fault: the row is kept
    frame = raw_table(
        "episodes",
        [episode(child=None), episode(child="2", rne=None), episode(child="3", place=None)],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["3"] and pd.isna(out.kept["PLACE"].iloc[0])
    assert out.counts["REQ-MISSING"] == 2
    assert sorted(out.quarantine["reason"]) == ["CHILD is blank", "RNE is blank"]
    assert out.cells.empty  # a blank value is not a blanked one


def test_req_missing_spaces_are_blank_and_the_first_blank_column_is_named():
    # child 4: RNE is only spaces; child 5: DECOM and RNE blank -> DECOM is named, being first
    # in episodes' not_null (CHILD, DECOM, RNE)
    frame = raw_table(
        "episodes", [episode(child="4", rne="  "), episode(child="5", decom=None, rne=None)]
    )
    out = clean_table("episodes", frame)
    assert out.kept.empty and out.counts["REQ-MISSING"] == 2
    assert out.quarantine["reason"].tolist() == ["RNE is blank", "DECOM is blank"]


def test_date_invalid_in_a_key_column_quarantines():
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


def test_date_invalid_elsewhere_blanks_the_cell_and_keeps_the_child():
    # header: DOB is not a key column; child 1's DOB 31/02/2010 is blanked, child 1 is kept
    frame = raw_table(
        "header",
        [
            {"CHILD": "1", "SEX": "1", "DOB": "31/02/2010"},
            {"CHILD": "2", "SEX": "2", "DOB": "01/01/2010"},
        ],
    )
    out = clean_table("header", frame)
    assert out.kept["CHILD"].tolist() == ["1", "2"] and out.quarantine.empty
    assert pd.isna(out.kept["DOB"].iloc[0])
    row = out.cells.iloc[0]
    assert (row["CHILD"], row["column"], row["rule"], row["value"], row["line"]) == (
        "1",
        "DOB",
        "DATE-INVALID",
        "31/02/2010",
        2,
    )
    assert row["reason"] == "DOB = 31/02/2010 is not a date"


def test_code_invalid_judged_against_every_year_the_record_spans():
    # K3 is valid from 2024-25 only; H5 until 2024-25 only; ZZ never. PLACE is not a key column:
    # an invalid code is blanked, the episode kept.
    as_at = pd.Timestamp("2026-01-31")  # the extract's month: open episodes run to 2025-26
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", dec="01/05/2016", rec="E11", place="K3"),
            episode(child="2", decom="01/04/2024", place="K3"),  # 2024-25 on: valid
            episode(child="3", decom="31/03/2025", place="H5"),  # 2024-25 to 2025-26: valid
            episode(child="4", decom="01/04/2025", place="H5"),  # 2025-26 only: invalid
            episode(child="5", decom="01/04/2016", dec="01/05/2016", rec="E11", place="ZZ"),
            episode(child="6", decom="01/06/2023", place="H5"),  # open H5 carried on: valid
            episode(child="7", decom="01/03/2016", dec="01/05/2024", rec="E11", place="K3"),
        ],
    )
    out = clean_table("episodes", frame, as_at=as_at)
    assert out.quarantine.empty and len(out.kept) == 7
    assert sorted(zip(out.cells["CHILD"], out.cells["value"], strict=True)) == [
        ("1", "K3"),
        ("4", "H5"),
        ("5", "ZZ"),
    ]  # child 7's K3 episode ran into 2024-25: accepted
    reasons = out.cells.set_index("CHILD")["reason"]
    assert reasons["1"] == "PLACE = K3 is not a valid code in 2016-17"
    assert reasons["4"] == "PLACE = H5 is not a valid code in 2025-26"
    kept = out.kept.set_index("CHILD")["PLACE"]
    assert pd.isna(kept["1"]) and kept["2"] == "K3" and kept["6"] == "H5"


def test_code_invalid_open_records_without_a_month_run_to_any_later_year():
    # without the extract's month an open 2016 K3 episode may yet run into 2024-25
    out = clean_table("episodes", raw_table("episodes", [episode(decom="01/04/2016", place="K3")]))
    assert out.cells.empty


def test_code_invalid_in_a_key_column_quarantines_and_names_the_years():
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", dec="01/05/2017", rec="E99"),
            episode(child="2", decom="bad"),
        ],
    )
    out = clean_table("episodes", frame)
    reason = out.quarantine.set_index("CHILD").loc["1", "reason"]
    assert reason == "REC = E99 is not a valid code in 2016-17 to 2017-18"


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
    assert out.quarantine["reason"].tolist() == ["DEC is before DECOM"]


def test_mis_end_before_start_blanks_the_end_and_flags_it():
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
    assert list(out.kept["CHILD"]) == ["1", "2", "3"] and out.quarantine.empty
    assert out.kept["MIS_END"].isna().tolist() == [True, False, True]
    # the end of child 1's episode is unknown (blanked), child 3's is open (blank in the file)
    assert out.kept["MIS_END_BLANKED"].tolist() == [True, False, False]
    assert out.cells[["CHILD", "column", "rule", "value"]].values.tolist() == [
        ["1", "MIS_END", "MIS-END-BEFORE-START", "01/05/2016 09:00"]
    ]
    assert out.kept["MIS_START_TIMED"].all() and not out.kept["MIS_END_TIMED"].iloc[0]


# ---------------------------------------------------------------------------------- duplicates


def test_dup_exact_merges_after_normalisation():
    frame = raw_table(
        "episodes", [episode(child="1"), episode(child=" 001", place="u4"), episode(child="1")]
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 1 and out.merged == 2
    assert out.counts["DUP-EXACT"] == 2
    assert out.rows_in == len(out.kept) + out.merged + len(out.quarantine)


def test_dup_conflict_in_a_key_column_sets_every_copy_aside():
    # child 1: two rows for one DECOM, one ended (REC E11), one open: DEC and REC are key columns
    frame = raw_table(
        "episodes",
        [episode(child="1", dec="01/06/2016", rec="E11"), episode(child="1"), episode(child="2")],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["2"]
    assert out.counts["DUP-CONFLICT"] == 2
    assert set(out.quarantine["reason"]) == {"rows share CHILD+DECOM but differ in a key column"}


def test_dup_conflict_elsewhere_keeps_one_row_with_the_disputed_cells_blanked():
    # child 1: the same episode twice, once in U4 and once in K2 (PLACE is not a key column):
    # one row kept with PLACE blank, the other merged; child 2 untouched
    frame = raw_table(
        "episodes",
        [episode(child="1", place="U4"), episode(child="1", place="K2"), episode(child="2")],
    )
    out = clean_table("episodes", frame)
    assert list(out.kept["CHILD"]) == ["1", "2"] and out.quarantine.empty
    assert out.merged == 1 and out.rows_in == len(out.kept) + out.merged
    assert pd.isna(out.kept["PLACE"].iloc[0]) and out.kept["PLACE"].iloc[1] == "U4"
    cell = out.cells.iloc[0]
    assert (cell["CHILD"], cell["column"], cell["rule"]) == ("1", "PLACE", "DUP-CONFLICT")
    assert cell["reason"] == "rows share CHILD+DECOM but give PLACE as U4 / K2"


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


# ---------------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    "first, second, rule_id",
    [
        (dict(dec=None, rec=None), dict(decom="10/05/2016", rne="P"), "EPI-OPEN-NOT-LAST"),
        (dict(dec="01/05/2016", rec="X1"), dict(decom="10/05/2016", rne="P"), "EPI-GAP"),
        (dict(dec="01/04/2016", rec="E11"), dict(decom="10/05/2016", rne="S"), "EPI-SAME-DAY"),
    ],
)
def test_episode_flags_keep_rows(first, second, rule_id):
    frame = raw_table(
        "episodes", [episode(child="1", decom="01/04/2016", **first), episode(child="1", **second)]
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 2 and out.counts[rule_id] == 1 and out.quarantine.empty


def _flags(out):
    return {r: n for r, n in out.counts.items() if data.rules()[r]["action"] == "flag"}


def test_epi_open_not_last():
    # child 1: an open episode, then another (open, last): only the first is flagged
    # child 2: ends 20/05 with REC E11 (not X1) after the next starts 10/05: flagged, and not
    #          truncated (EPI-OVERLAP corrects X1 episodes only)
    # child 3: one open episode, the last: not flagged
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016"),
            episode(child="1", decom="10/05/2016", rne="P"),
            episode(child="2", decom="01/04/2016", dec="20/05/2016", rec="E11"),
            episode(child="2", decom="10/05/2016", rne="S"),
            episode(child="3", decom="01/04/2016"),
        ],
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 5 and out.quarantine.empty
    assert _flags(out) == {"EPI-OPEN-NOT-LAST": 2}
    assert "EPI-OVERLAP" not in out.counts
    assert out.kept["DEC"].iloc[2] == pd.Timestamp("2016-05-20")


def test_epi_gap():
    # child 1: X1 on 01/05, next starts 10/05: a gap (flagged)
    # child 2: X1 on 10/05, next starts 10/05: continuous care (not flagged)
    # child 3: left care (E11) on 01/05, back on 10/05: a new period, not a gap
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", dec="01/05/2016", rec="X1", reason="CARPL"),
            episode(child="1", decom="10/05/2016", rne="P"),
            episode(child="2", decom="01/04/2016", dec="10/05/2016", rec="X1", reason="CARPL"),
            episode(child="2", decom="10/05/2016", rne="P"),
            episode(child="3", decom="01/04/2016", dec="01/05/2016", rec="E11"),
            episode(child="3", decom="10/05/2016", rne="S"),
        ],
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 6 and out.quarantine.empty
    assert _flags(out) == {"EPI-GAP": 1}


def test_epi_same_day():
    # child 1 starts and ends on 01/04 (flagged); child 2 ends the next day; child 3 is open
    frame = raw_table(
        "episodes",
        [
            episode(child="1", decom="01/04/2016", dec="01/04/2016", rec="E11"),
            episode(child="2", decom="01/04/2016", dec="02/04/2016", rec="E11"),
            episode(child="3", decom="01/04/2016"),
        ],
    )
    out = clean_table("episodes", frame)
    assert len(out.kept) == 3 and out.quarantine.empty
    assert _flags(out) == {"EPI-SAME-DAY": 1}


def test_orphan_flagged_not_dropped():
    frame = raw_table("episodes", [episode(child="1"), episode(child="2")])
    out = clean_table("episodes", frame, child_ids=pd.Index(["1"]))
    assert len(out.kept) == 2 and out.counts["ORPHAN"] == 1
    # without the header's IDs there is nothing to check against
    assert "ORPHAN" not in clean_table("episodes", frame).counts


def test_orphan_counted_per_table_against_the_cleaned_header():
    # the header holds child 1 only; episodes hold children 1 and 2, missing holds child 3:
    # one orphan row in each of episodes and missing, none in the header itself
    raw = RawExtract(
        folder=".",
        tables={
            "header": raw_table("header", [{"CHILD": "1", "SEX": "1", "DOB": "01/01/2010"}]),
            "episodes": raw_table("episodes", [episode(child="1"), episode(child="2")]),
            "missing": raw_table(
                "missing", [{"CHILD": "3", "MISSING": "M", "MIS_START": "01/05/2016 10:00"}]
            ),
        },
    )
    result = clean_extract(raw)
    orphans = {r["table"]: r["rows"] for r in result.summary["rules"] if r["rule"] == "ORPHAN"}
    assert orphans == {"episodes": 1, "missing": 1}
    assert len(result.tables["episodes"]) == 2 and len(result.tables["missing"]) == 1
