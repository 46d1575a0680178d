"""Loader behaviour: tables found by header, encodings, names, empty files, xlsx, fatal errors."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import data
from pipeline.ingest.load import InputError, header_key, identify, load_extract, mandatory_tables
from tests.builders import EPISODE_ROW, EPISODES_CSV, HEADER_CSV, write


@pytest.fixture
def extract(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV + "1,1,01/01/2010,WBRI,,,\n")
    write(tmp_path, "episodes.csv", EPISODES_CSV + EPISODE_ROW)
    return tmp_path


def test_tables_identified_by_header_not_file_name(extract):
    (extract / "episodes.csv").rename(extract / "Extract_B_2017-01.CSV")
    raw = load_extract(extract)
    assert set(raw.tables) == {"header", "episodes"}
    assert raw.sources["episodes"] == ["Extract_B_2017-01.CSV"]


def test_header_names_match_ignoring_case_and_spaces(extract):
    write(
        extract,
        "episodes.csv",
        EPISODES_CSV.replace("CHILD", " Child ")
        .replace("DECOM", "Decom")
        .replace("PLACE_PROVIDER", "place provider")
        + EPISODE_ROW,
    )
    raw = load_extract(extract)
    assert "DECOM" in raw.tables["episodes"] and "PLACE_PROVIDER" in raw.tables["episodes"]
    assert raw.tables["episodes"]["CHILD"].iloc[0] == "1"


def test_utf8_bom_and_windows_1252(extract):
    write(extract, "header.csv", "\ufeff" + HEADER_CSV + "1,1,01/01/2010,WBRI,,,\n", "utf-8")
    write(
        extract,
        "reviews.csv",
        "CHILD,DOB,REVIEW,REVIEW_CODE,NOTE\n1,01/01/2010,01/05/2016,PN1,Zoë café\n",
        "cp1252",
    )
    raw = load_extract(extract)
    info = {f.file: f.encoding for f in raw.files}
    assert info["header.csv"] == "utf-8-sig" and info["reviews.csv"] == "cp1252"
    assert list(raw.tables["header"].columns[:1]) == ["CHILD"]
    assert raw.tables["reviews"]["NOTE"].iloc[0] == "Zoë café"


def test_empty_and_header_only_files(extract):
    write(extract, "notes.csv", "")
    write(extract, "blank.csv", " \r\n\t\n")
    write(extract, "oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n")
    raw = load_extract(extract)
    notes = {f.file: f.note for f in raw.files}
    assert notes["notes.csv"] == notes["blank.csv"] == "empty file, ignored"
    assert notes["oc3.csv"] == "header only"
    assert raw.tables["oc3"].empty


def test_blank_cells_are_missing_and_values_are_text(extract):
    raw = load_extract(extract)
    ep = raw.tables["episodes"]
    assert pd.isna(ep["DEC"].iloc[0])
    assert ep["DECOM"].iloc[0] == "01/04/2016"


def test_xlsx_one_sheet_per_table(tmp_path):
    header = pd.DataFrame(
        {
            "CHILD": ["7"],
            "SEX": ["2"],
            "DOB": ["01/01/2012"],
            "ETHNIC": ["WBRI"],
            "UPN": [""],
            "MOTHER": [""],
            "MC_DOB": [""],
        }
    )
    episodes = pd.DataFrame(
        [EPISODE_ROW.strip().split(",")], columns=EPISODES_CSV.strip().split(",")
    )
    with pd.ExcelWriter(tmp_path / "extract.xlsx") as xl:
        header.to_excel(xl, sheet_name="Header", index=False)
        episodes.to_excel(xl, sheet_name="Sheet2", index=False)
    raw = load_extract(tmp_path)
    assert set(raw.tables) == {"header", "episodes"}
    assert raw.tables["header"]["CHILD"].iloc[0] == "7"


def test_mandatory_tables_are_the_ones_tables_toml_marks():
    # tables.toml sets `mandatory = true` on [header] and [episodes] only
    assert mandatory_tables() == ("header", "episodes")
    assert all(data.tables()[t].get("mandatory") for t in mandatory_tables())


def test_missing_mandatory_table_is_one_line_error(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV)
    with pytest.raises(InputError) as err:
        load_extract(tmp_path)
    assert "no episodes table" in str(err.value) and "\n" not in str(err.value)


def test_folder_without_tables_is_one_line_error(tmp_path):
    # no file at all: the first mandatory table in tables.toml order (header) is the one named
    with pytest.raises(InputError) as err:
        load_extract(tmp_path)
    assert "no header table found" in str(err.value) and "\n" not in str(err.value)


def test_absent_folder_is_one_line_error(tmp_path):
    with pytest.raises(InputError, match="absent: extract folder not found$"):
        load_extract(tmp_path / "absent")


def test_missing_required_column_names_file_and_column(extract):
    write(extract, "episodes.csv", EPISODES_CSV.replace(",DECOM", "") + "1,S,C2,N1,U4,PR1,,,,,,\n")
    with pytest.raises(InputError, match=r"episodes\.csv: episodes table is missing column DECOM"):
        load_extract(extract)


def test_identify_prefers_most_specific_table():
    assert identify(["CHILD", "SDQ_DATE", "SDQ_SCORE", "SDQ_REASON"]) == "sdq"
    assert identify(["CHILD", "SEX", "DOB", "DUC"]) == "uasc"
    assert identify(["FOO", "BAR"]) is None
    assert header_key(" mis start ") == header_key("MIS_START")


def test_extract_from_frames_reads_like_files(extract):
    from pipeline.ingest.load import extract_from_frames

    on_disk = load_extract(extract)
    frames = {
        t: f.drop(columns=["_source", "_line"]).astype(object).fillna("")
        for t, f in on_disk.tables.items()
    }
    frames["episodes"].columns = [c.lower() for c in frames["episodes"].columns]  # names matched
    memory = extract_from_frames(frames)
    for table, frame in on_disk.tables.items():
        got = memory.tables[table]
        assert list(got.columns) == list(frame.columns)
        pd.testing.assert_frame_equal(
            got.drop(columns="_source"), frame.drop(columns="_source"), check_dtype=True
        )
    assert memory.tables["header"]["_source"].iloc[0] == "header.csv"
    with pytest.raises(InputError, match="no episodes table"):
        extract_from_frames({"header": frames["header"]})


@pytest.mark.parametrize(
    "name, table",
    [
        ("missing_episodes_2017-01.csv", "missing"),
        ("MISSING.CSV", "missing"),
        ("Episodes_2017-01.CSV", "episodes"),
        ("placed_adoption.csv", "placed_for_adoption"),
        ("social_workers_2026-10.csv", "sw_episodes"),
        ("SW_Episodes.csv", "sw_episodes"),
        ("notes.csv", None),
    ],
)
def test_a_file_name_points_at_its_table_longest_name_first(name, table):
    from pipeline.ingest.load import table_from_name

    assert table_from_name(name) == table
