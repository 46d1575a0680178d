"""The 903 XML as an input (SPEC 3 Formats): DfE's shape, read into the CSV path's raw tables.

The fixture `tests/fixtures/xml/ssda903.xml` is hand-made in the shape of DfE's example (the
validator's `tests/fake_data/fake_903.xml`): four children, every table of the 903. `CSV` below
holds the same values written as the CSV tables an LA would send instead.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import data, model
from pipeline.config import load_settings
from pipeline.indicators import kpi_table
from pipeline.ingest import xml903
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import InputError, load_extract
from tests.builders import write

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "xml" / "ssda903.xml"
TEXT = FIXTURE.read_text(encoding="utf-8")
LINES = TEXT.splitlines()
MONTH = "2024-03"
META = ["_source", "_line"]

CSV = {
    "header": """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
1001,1,15/06/2012,WBRI,A123456789012,,
1002,2,03/03/2007,ABAN,B123456789012,,
1003,1,20/01/2020,MWBC,C123456789012,,
1004,2,11/11/2006,WIRI,D123456789012,1,01/01/2024
""",
    "episodes": """CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
1001,01/04/2022,S,C2,N1,U4,PR1,10/10/2023,X1,CARPL,ZZ1 1AA,ZZ1 2BB,SC000001
1001,10/10/2023,P,C2,N1,U6,PR4,,,,ZZ1 1AA,ZZ3 4DD,SC000002
1002,05/05/2023,S,V2,N4,K2,PR4,01/12/2023,E8,,ZZ5 1AA,ZZ5 6EE,SC000003
1003,01/02/2021,S,C1,N1,U6,PR1,01/06/2021,X1,,ZZ7 1AA,ZZ7 8GG,SC000004
1003,01/06/2021,L,E1,N1,U6,PR1,01/12/2023,X1,CARPL,ZZ7 1AA,ZZ7 8GG,SC000004
1003,01/12/2023,P,E1,N1,A6,PR1,,,,ZZ7 1AA,ZZ9 9HH,
1004,01/09/2022,S,V2,N5,R3,PR4,,,,ZZ2 1AA,ZZ2 3CC,SC000005
""",
    "reviews": """CHILD,DOB,REVIEW,REVIEW_CODE
1001,15/06/2012,20/04/2022,PN1
1001,15/06/2012,15/10/2023,PN2
1002,03/03/2007,01/06/2023,PN5
""",
    "missing": """CHILD,DOB,MISSING,MIS_START,MIS_END
1001,15/06/2012,M,01/02/2024,02/02/2024
1002,03/03/2007,A,12/06/2023,12/06/2023
1002,03/03/2007,M,20/11/2023,
""",
    "uasc": """CHILD,SEX,DOB,DUC
1002,2,03/03/2007,03/03/2025
1004,2,11/11/2006,11/11/2024
""",
    "oc2": """CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"""
    """HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED
1001,15/06/2012,14,,0,0,1,1,1,0,,
""",
    "oc3": """CHILD,DOB,IN_TOUCH,ACTIV,ACCOM
1004,11/11/2006,YES,F2,S1
""",
    "ad1": """CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR
1003,20/01/2020,01/08/2023,01/10/2023,0,2,MF,L0
""",
    "placed_for_adoption": """CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED
1003,20/01/2020,01/12/2023,,
""",
    "previous_permanence": """CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM
1003,20/01/2020,Z1,,
""",
    "sw_episodes": """CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON
1001,15/06/2012,SW01,01/04/2022,30/09/2023,OTHER
1001,15/06/2012,SW02,30/09/2023,,
""",
    "dolo": """CHILD,DOB,DOLO_START,DOLO_END
1003,20/01/2020,01/01/2024,31/01/2024
""",
}
ELEMENT = {t: e for e, t in reversed(xml903.ELEMENTS.items())}  # table -> its element


def xml_month(root: Path, text: str = TEXT, name: str = "ssda903.xml") -> Path:
    folder = root / MONTH
    write(folder, name, text)
    return folder


def csv_month(root: Path) -> Path:
    folder = root / MONTH
    for table, text in CSV.items():
        write(folder, f"{table}.csv", text)
    return folder


def read(path: Path, vectorised: bool = True) -> xml903.XMLExtract:
    """The reader as loading uses it (vectorised, expat when it must), or expat alone."""
    return xml903.read_903_xml(path) if vectorised else xml903._read(path, path.name, False)


def same_tables(a: dict, b: dict, lines: bool = True) -> None:
    assert list(a) == list(b)
    for table in a:
        x, y = (a[table], b[table]) if lines else (a[table][:-1], b[table][:-1])
        drop = [] if lines else ["_line"]
        pd.testing.assert_frame_equal(x.drop(columns=drop), y.drop(columns=drop), obj=table)


# ---------------------------------------------------------------------------------- the tables


def test_every_table_read_with_its_columns_and_values(tmp_path):
    xml = load_extract(xml_month(tmp_path / "xml"))
    csv = load_extract(csv_month(tmp_path / "csv"))
    assert set(xml.tables) == set(CSV) == set(xml903.TABLES)
    for table, frame in xml.tables.items():
        spec = data.tables()[table]
        assert list(frame.columns) == spec["required"] + META, table
        assert (frame["_source"] == "ssda903.xml").all()
        pd.testing.assert_frame_equal(
            frame.drop(columns=META), csv.tables[table].drop(columns=META), obj=table
        )


def test_values_are_text_and_blanks_are_missing():
    tables = read(FIXTURE).tables
    episodes = tables["episodes"]
    assert episodes["DECOM"].iloc[0] == "01/04/2022" and episodes["PLACE"].iloc[0] == "U4"
    assert pd.isna(episodes["DEC"].iloc[1])  # <DEC />
    assert pd.isna(episodes["URN"].iloc[5])  # <URN />
    assert pd.isna(tables["header"]["MOTHER"].iloc[0])
    assert tables["header"]["SEX"].dtype == "str" and tables["header"]["CHILD"].iloc[3] == "1004"


def test_nested_rows_carry_child_and_dob_from_their_header():
    tables = read(FIXTURE).tables
    header = tables["header"].set_index("CHILD")
    for table in ["reviews", "missing", "uasc", "oc2", "oc3", "ad1", "sw_episodes", "dolo"]:
        frame = tables[table]
        assert frame["CHILD"].notna().all(), table
        assert (frame["DOB"].to_numpy() == header.loc[frame["CHILD"], "DOB"].to_numpy()).all()
    assert list(tables["uasc"]["SEX"]) == ["2", "2"]  # uasc also shares SEX with the header
    assert list(tables["episodes"]["CHILD"]) == ["1001"] * 2 + ["1002"] + ["1003"] * 3 + ["1004"]


def test_uasc_from_the_header_flag_or_a_uasc_element():
    uasc = read(FIXTURE).tables["uasc"]
    # 1001 <UASC />, 1003 <UASC>0</UASC>: no row; 1002 <UASC>1</UASC><DUC>..; 1004 <UASC><DUC>..
    assert list(uasc["CHILD"]) == ["1002", "1004"]
    assert list(uasc["DUC"]) == ["03/03/2025", "11/11/2024"]


def test_line_points_at_the_row_element():
    tables = read(FIXTURE).tables
    for table, frame in tables.items():
        for line in frame["_line"]:
            assert LINES[line - 1].lstrip().startswith(f"<{ELEMENT[table]}"), (table, line)
    assert list(tables["episodes"]["_line"][:2]) == [48, 62]
    assert list(tables["header"]["_line"]) == [4, 78, 119, 195]
    assert list(tables["uasc"]["_line"]) == [84, 201]  # <UASC>1</UASC>; <UASC> holding DUC


def test_fileinfo_records_rows_per_table_and_the_digest(tmp_path):
    import hashlib

    raw = load_extract(xml_month(tmp_path))
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    rows = {f.table: f.rows for f in raw.files}
    assert rows == {t: len(pd.read_csv(pd.io.common.StringIO(c))) for t, c in CSV.items()}
    assert {(f.file, f.sha256, f.encoding) for f in raw.files} == {("ssda903.xml", digest, "utf-8")}
    assert raw.sources["episodes"] == ["ssda903.xml"]


# ---------------------------------------------------------------------------------- the readers


def variant(text: str, how: str) -> str:
    if how == "one line":  # as DfE's example: no white space between tags
        return re.sub(r">\s+<", "><", text)
    if how == "crlf":
        return text.replace("\n", "\r\n")
    if how == "comment":
        return text.replace("<CHILD>", "<!-- a child --><CHILD>", 1)
    if how == "character reference":
        return text.replace("<ETHNIC>WBRI</ETHNIC>", "<ETHNIC>WB&#82;I</ETHNIC>")
    if how == "attributes":
        return text.replace("<EXPSSDA903>", '<EXPSSDA903 version="1">').replace(
            "<CHILD>", '<CHILD n="1">', 1
        )
    if how == "latin-1":
        return text.replace("utf-8", "iso-8859-1")
    if how == "bom":
        return "\ufeff" + text
    if how == "children wrapped":
        return text.replace("<EXPSSDA903>", "<EXPSSDA903><CHILDREN>").replace(
            "</EXPSSDA903>", "</CHILDREN></EXPSSDA903>"
        )
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "reader"),
    [
        ("one line", "vectorised"),
        ("crlf", "vectorised"),
        ("comment", "expat"),
        ("character reference", "expat"),
        ("attributes", "expat"),
        ("latin-1", "expat"),
        ("bom", "vectorised"),
        ("children wrapped", "expat"),
    ],
)
def test_both_readers_give_the_same_tables(tmp_path, how, reader):
    path = tmp_path / "x.xml"
    path.write_text(variant(TEXT, how), encoding="utf-8", newline="")
    found, exact = read(path), read(path, vectorised=False)
    assert (found.reader, exact.reader) == (reader, "expat")
    assert found.sha256 == exact.sha256
    same_tables(found.tables, exact.tables)
    reference = read(FIXTURE).tables
    for table, frame in found.tables.items():
        ref = reference[table].assign(_source="x.xml")
        columns = [c for c in frame.columns if how != "one line" or c != "_line"]
        pd.testing.assert_frame_equal(frame[columns], ref[columns], obj=table)


@pytest.mark.parametrize("workers", [1, 3])
def test_blocks_cut_between_children_read_the_same(monkeypatch, workers):
    whole = read(FIXTURE)
    monkeypatch.setattr(xml903, "BLOCK", 1024)  # about one CHILD a block
    monkeypatch.setattr(xml903, "WORKERS", workers)
    cut = read(FIXTURE)
    assert cut.reader == "vectorised" and cut.sha256 == whole.sha256
    same_tables(cut.tables, whole.tables)
    same_tables(cut.tables, read(FIXTURE, vectorised=False).tables)


def test_the_vectorised_reader_reads_only_what_expat_reads(tmp_path, monkeypatch):
    """Random damage to the fixture: both readers name the same line, or read the same tables."""
    monkeypatch.setattr(xml903, "BLOCK", 1024)
    rng = random.Random(903)
    alphabet = b"<>/ &!?x\n\r\t\"'=AZ09_-:\x01\xc3"
    for i in range(80):
        damaged = bytearray(FIXTURE.read_bytes())
        for _ in range(rng.choice([1, 1, 2])):
            k, op = rng.randrange(len(damaged)), rng.random()
            if op < 0.35:
                del damaged[k]
            elif op < 0.7:
                damaged[k:k] = bytes([rng.choice(alphabet)])
            else:
                damaged[k] = rng.choice(alphabet)
        path = tmp_path / f"{i}.xml"
        path.write_bytes(bytes(damaged))
        outcomes = []
        for vectorised in (True, False):
            try:
                outcomes.append(read(path, vectorised))
            except xml903.XMLFormatError as err:
                outcomes.append((err.line, err.reason))
        fast, exact = outcomes
        if isinstance(exact, tuple):
            assert fast == exact, i
            continue
        assert not isinstance(fast, tuple), (i, fast)
        assert (fast.root, fast.ignored) == (exact.root, exact.ignored), i
        same_tables(fast.tables, exact.tables)


def test_unknown_and_repeated_leaves_and_values_outside_records(tmp_path):
    text = TEXT.replace(
        "<URN>SC000001</URN>", "<URN>SC000009</URN><LOCAL_REF>R1</LOCAL_REF><URN>SC000001</URN>"
    ).replace("<CHILD>", "<CHILD><NOTE>not in a record</NOTE>", 1)
    path = tmp_path / "x.xml"
    path.write_text(text, encoding="utf-8")
    for found in (read(path), read(path, vectorised=False)):
        episodes = found.tables["episodes"]
        assert episodes["URN"].iloc[0] == "SC000001"  # a repeated leaf: the last one
        assert list(episodes.columns[-3:]) == ["LOCAL_REF", *META]  # kept, as a CSV column is
        assert episodes["LOCAL_REF"].iloc[0] == "R1" and episodes["LOCAL_REF"].isna().sum() == 6
        assert found.ignored == 1
    raw = load_extract(xml_month(tmp_path, text))
    assert "1 values outside any 903 record ignored" in raw.files[0].note


# ---------------------------------------------------------------------------------- the extract


def test_xml_and_its_csv_equivalent_give_the_same_cleaned_tables_and_kpis(tmp_path):
    settings = load_settings()
    xml = clean_extract(load_extract(xml_month(tmp_path / "xml")), month=MONTH)
    csv = clean_extract(load_extract(csv_month(tmp_path / "csv")), month=MONTH)
    assert list(xml.tables) == list(csv.tables)
    for table in xml.tables:
        pd.testing.assert_frame_equal(xml.tables[table], csv.tables[table], obj=table)
    assert xml.summary["tables"] == csv.summary["tables"]
    kpis_xml = kpi_table(model.build(xml.tables, settings), MONTH)
    kpis_csv = kpi_table(model.build(csv.tables, settings), MONTH)
    assert len(kpis_xml) > 10 and kpis_xml.loc[0, "value"] == 3  # looked after at 31 March
    pd.testing.assert_frame_equal(kpis_xml, kpis_csv)


def test_quarantine_points_at_the_xml_element(tmp_path):
    bad = TEXT.replace("<DECOM>01/06/2021</DECOM>", "<DECOM>31/02/2021</DECOM>")
    result = clean_extract(load_extract(xml_month(tmp_path, bad)), month=MONTH)
    q = result.quarantine
    row = q[(q["table"] == "episodes") & (q["rule"] == "DATE-INVALID")]
    assert list(row["source"]) == ["ssda903.xml"] and list(row["line"]) == [165]
    assert LINES[164].strip() == "<EPISODE>"


def test_xml_beside_a_local_missing_csv_merges_both(tmp_path):
    folder = xml_month(tmp_path)
    write(
        folder,
        "missing.csv",
        "CHILD,DOB,MISSING,MIS_START,MIS_END,RHI_OFFERED,RHI_ACCEPTED,RHI_DATE\n"
        "1004,11/11/2006,M,02/03/2024 22:10,03/03/2024 09:30,Y,Y,05/03/2024 14:00\n",
    )
    raw = load_extract(folder)
    missing = raw.tables["missing"]
    assert raw.sources["missing"] == ["missing.csv", "ssda903.xml"]
    assert list(missing["CHILD"]) == ["1004", "1001", "1002", "1002"]
    assert list(missing["_source"]) == ["missing.csv"] + ["ssda903.xml"] * 3
    assert list(missing["_line"]) == [2, 19, 90, 95]
    assert missing["RHI_OFFERED"].iloc[0] == "Y" and missing["RHI_OFFERED"][1:].isna().all()
    cleaned = clean_extract(raw, month=MONTH).tables["missing"]
    assert len(cleaned) == 4 and cleaned["MIS_START_TIMED"].sum() == 1


def test_other_xml_is_listed_as_not_a_903_table(tmp_path):
    folder = xml_month(tmp_path)
    write(folder, "lookup.xml", "<?xml version='1.0'?>\n<PROVIDERS><URN>1</URN></PROVIDERS>\n")
    write(folder, "blank.xml", "")
    raw = load_extract(folder)
    notes = {f.file: f.note for f in raw.files if f.table is None}
    assert notes == {
        "lookup.xml": "not a 903 table (XML root PROVIDERS), ignored",
        "blank.xml": "empty file, ignored",
    }
    assert len(raw.tables["episodes"]) == 7


# ---------------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    ("text", "line", "fault"),
    [
        (TEXT[: TEXT.index("<PL>K2</PL>") + 6], 108, "no element found"),  # truncated
        (TEXT.replace("<LS>C1</LS>", "<LS>C1</LC>"), 154, "mismatched tag"),
        (TEXT.replace("<CIN>N4</CIN>", "<CIN N4</CIN>"), 107, "not well-formed"),
        (TEXT.replace("</EXPSSDA903>", "</EXPSSDA903>\n<EXPSSDA903 />"), 228, "junk after"),
    ],
    ids=["truncated", "mismatched end tag", "bad tag", "second root"],
)
def test_malformed_xml_is_one_line_naming_file_and_line(tmp_path, text, line, fault):
    with pytest.raises(InputError) as err:
        load_extract(xml_month(tmp_path, text))
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(tmp_path / MONTH / "ssda903.xml"))
    assert f"malformed XML at line {line}: " in message and fault in message


def test_malformed_xml_reads_as_such_in_both_readers(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text(TEXT.replace("</DECOM>", "</DECOMX>", 3), encoding="utf-8")
    for vectorised in (True, False):
        with pytest.raises(xml903.XMLFormatError, match="line 49: mismatched tag"):
            read(path, vectorised)


# ---------------------------------------------------------------------------------- the CLI


def kpis_command(raw: Path, out: Path) -> subprocess.CompletedProcess:
    args = ["kpis", "--month", MONTH, "--raw", str(raw), "--out", str(out)]
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=root
    )


def test_cli_kpis_on_an_xml_folder_matches_the_csv_folder(tmp_path):
    xml_month(tmp_path / "xml")
    csv_month(tmp_path / "csv")
    ran = [kpis_command(tmp_path / kind, tmp_path / f"{kind}.csv") for kind in ("xml", "csv")]
    assert [r.returncode for r in ran] == [0, 0], [r.stderr for r in ran]
    assert (tmp_path / "xml.csv").read_text() == (tmp_path / "csv.csv").read_text()


def test_cli_kpis_on_malformed_xml_exits_2_with_one_line(tmp_path):
    xml_month(tmp_path, TEXT[: len(TEXT) // 2])
    ran = kpis_command(tmp_path, tmp_path / "kpis.csv")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    assert re.match(r"error: .*ssda903\.xml: malformed XML at line \d+: ", ran.stderr)
    assert not (tmp_path / "kpis.csv").exists()
