"""`--format xml` (pipeline.synth.xml903): one EXPSSDA903 file per month in the DfE's shape (as the
validator's example fake_903.xml and its reader read_xml_from_text), holding the same dirty values
as the CSV form, with the local tables as CSV beside it."""

from __future__ import annotations

import filecmp
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pipeline import synth
from pipeline.synth.write import FILE_NAMES
from pipeline.synth.xml903 import EPISODE_FIELDS, write_xml
from tests.builders import generate_small, truth_table
from tests.synth.test_years import raw_table

HEADER_LEAVES = ["CHILDID", "UPN", "SEX", "DOB", "ETHNIC", "UASC"]
EPISODE_TAGS = [{"PLACE": "PL"}.get(c, c) for c in EPISODE_FIELDS]
HEADER_TAGS = set(HEADER_LEAVES) | {
    "DUC",
    "AREVIEW",
    "MOTHER",
    "MC_DOB",
    "OC2",
    "SW_EPISODE",
    "DOLO",
    # oc3 and ad1 as leaves of HEADER, placed_for_adoption as AD_PLACED
    "IN_TOUCH",
    "ACTIV",
    "ACCOM",
    "DATE_INT",
    "DATE_MATCH",
    "FOSTER_CARE",
    "NB_ADOPTR",
    "SEX_ADOPTR",
    "LS_ADOPTR",
    "AD_PLACED",
}
COUNTED = {  # element path -> the table whose rows it holds
    "CHILD": "header",
    "CHILD/EPISODE": "episodes",
    "CHILD/HEADER/AREVIEW": "reviews",
    "CHILD/HEADER/OC2": "oc2",
    "CHILD/HEADER/SW_EPISODE": "sw_episodes",
    "CHILD/HEADER/DOLO": "dolo",
}


@pytest.fixture(scope="module")
def xml_runs(tmp_path_factory, small, years):
    """The XML form of the `small` (2016-12, 2017-01) and 2027-03 `years` runs: [(csv root, xml
    root, month)]."""
    old = tmp_path_factory.mktemp("xml_2017")
    generate_small(old, output_format="xml")
    new = tmp_path_factory.mktemp("xml_2027")
    generate_small(
        new, history_start="2018-04", end="2027-03", months=1, scale=0.3, output_format="xml"
    )
    return [
        (small[0], old, "2016-12"),
        (small[0], old, "2017-01"),
        (years["2027-03"], new, "2027-03"),
    ]


def _xml_file(root, month):
    files = [p for p in (root / "raw" / month).iterdir() if p.suffix.lower() == ".xml"]
    assert len(files) == 1
    return files[0]


def test_one_xml_per_month_in_the_dfe_shape(xml_runs):
    for _, root, month in xml_runs:
        path = _xml_file(root, month)
        assert path.read_bytes().startswith(
            b"<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903>"
        )
        top = ET.parse(path).getroot()
        assert top.tag == "EXPSSDA903" and {c.tag for c in top} == {"CHILD"}
        for child in top:
            tags = [e.tag for e in child]
            assert tags[0] == "HEADER" and set(tags[1:]) <= {"EPISODE"}
            header = child[0]
            assert [e.tag for e in header][:6] == HEADER_LEAVES
            assert {e.tag for e in header} <= HEADER_TAGS
            assert [e.tag for e in header if e.tag in ("MOTHER", "MC_DOB")] == ["MOTHER", "MC_DOB"]
            for episode in child.iter("EPISODE"):
                assert [e.tag for e in episode] == EPISODE_TAGS
        for review in top.iter("AREVIEW"):
            assert [e.tag for e in review] == ["REVIEW", "REVIEW_CODE"]
        for sw in top.iter("SW_EPISODE"):
            assert [e.tag for e in sw] == ["SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]
        for order in top.iter("DOLO"):
            assert [e.tag for e in order] == ["DOLO_START", "DOLO_END"]
        # dates as the example writes them (dd/mm/yyyy), bar the dirty copy's other forms
        decom = [e.text or "" for e in top.iter("DECOM")]
        share = sum(bool(re.fullmatch(r"\d\d/\d\d/\d{4}", d)) for d in decom) / len(decom)
        assert share > 0.9


def test_xml_holds_as_many_elements_as_the_csv_form_has_rows(xml_runs):
    for csv_root, root, month in xml_runs:
        top = ET.parse(_xml_file(root, month)).getroot()
        for path, table in COUNTED.items():
            n = len(top.findall(path))
            names = [f.format(m=month) for f in FILE_NAMES[table]]
            if not any((csv_root / "raw" / month / name).exists() for name in names):
                assert n == 0, (month, table)  # sw_episodes before 2023-24, dolo before 2026-27
                continue
            assert n == len(raw_table(csv_root, month, table)), (month, table)
        if month == "2027-03":
            assert len(top.findall("CHILD/HEADER/SW_EPISODE")) > 100


def test_xml_carries_the_dirty_values_of_the_csv_form(xml_runs):
    for csv_root, root, month in xml_runs:
        top = ET.parse(_xml_file(root, month)).getroot()
        episodes = pd.DataFrame(
            [{e.tag: e.text or "" for e in ep} for ep in top.iter("EPISODE")]
        ).rename(columns={"PL": "PLACE"})
        csv = raw_table(csv_root, month, "episodes")[EPISODE_FIELDS]
        assert episodes.value_counts().sort_index().equals(csv.value_counts().sort_index())
        header = pd.DataFrame(
            [{e.tag: e.text or "" for e in h if len(e) == 0} for h in top.iter("HEADER")]
        ).rename(columns={"CHILDID": "CHILD"})
        cols = synth.TABLE_COLUMNS["header"]
        csv = raw_table(csv_root, month, "header")[cols]
        assert header[cols].values.tolist() == csv.values.tolist()  # in the same order


def test_local_tables_stay_csv_and_the_truth_is_the_same(xml_runs):
    for csv_root, root, month in xml_runs:
        raw = {p.name for p in (root / "raw" / month).iterdir()}
        p = pd.Period(month, freq="M")
        index = p.year * 12 + p.month
        local = [FILE_NAMES[t][index % 3].format(m=month) for t in ("missing", "sdq", "health")]
        assert set(local) <= raw and {"prev_perm.csv", "notes.csv"} <= raw
        assert len(raw) == 6  # the XML, missing, sdq, health, the stray prev_perm.csv, notes.csv
        _, mismatch, errors = filecmp.cmpfiles(
            csv_root / "raw" / month, root / "raw" / month, local, shallow=False
        )
        assert mismatch == [] and errors == []
        truth = sorted(p.name for p in (root / "truth" / month).iterdir())
        assert truth == sorted(p.name for p in (csv_root / "truth" / month).iterdir())
        for name in truth:
            if name != "faults.csv":
                assert (root / "truth" / month / name).read_bytes() == (
                    csv_root / "truth" / month / name
                ).read_bytes()
        # faults.csv: the CSV form's, less those of cells the XML has no place for
        xml_faults = truth_table(root, month, "faults")
        csv_faults = truth_table(csv_root, month, "faults")
        assert len(xml_faults.merge(csv_faults)) == len(xml_faults) < len(csv_faults)
        nested = xml_faults["table"].isin(["episodes", "reviews", "oc2", "sw_episodes", "dolo"])
        assert not (nested & xml_faults["column"].isin(["CHILD", "DOB"])).any()
        assert not (nested & xml_faults["fault"].eq("blank_child")).any()
        assert xml_faults["fault"].isin(["id_format", "invalid_date"]).any()


def test_xml_is_deterministic(xml_runs, tmp_path):
    _, root, month = xml_runs[-1]
    generate_small(
        tmp_path, history_start="2018-04", end="2027-03", months=1, scale=0.3, output_format="xml"
    )
    assert _xml_file(tmp_path, month).read_bytes() == _xml_file(root, month).read_bytes()


def test_write_xml_hand_checked(tmp_path):
    """Two children, the second's header row duplicated, a review with a blank code, an episode
    with '&' in a postcode, a UASC child and an OC3 row: the file, character by character."""
    header = pd.DataFrame(
        {
            "CHILD": ["7", "8", "8"],
            "SEX": ["M", "F", "F"],
            "DOB": ["01/02/2010", "03/04/2008", "03/04/2008"],
            "ETHNIC": ["WBRI", "BAFR", "BAFR"],
            "UPN": ["A1", "", ""],
            "MOTHER": ["", "0", "0"],
            "MC_DOB": ["", "", ""],
        }
    )
    ep = {c: [""] for c in synth.TABLE_COLUMNS["episodes"]}
    ep.update(CHILD=["8"], DECOM=["05/06/2024"], RNE=["S"], PLACE=["U4"], PL_POST=["A&B 1"])
    tables = {
        "header": header,
        "episodes": pd.DataFrame(ep),
        "reviews": pd.DataFrame(
            {
                "CHILD": ["7", "7"],
                "DOB": ["", ""],
                "REVIEW": ["01/01/2025", "02/02/2025"],
                "REVIEW_CODE": ["PN1", ""],
            }
        ),
        "uasc": pd.DataFrame({"CHILD": ["8"], "SEX": ["F"], "DOB": [""], "DUC": ["01/01/2026"]}),
        "oc3": pd.DataFrame(
            {"CHILD": ["7"], "DOB": [""], "IN_TOUCH": ["YES"], "ACTIV": ["F1"], "ACCOM": ["B1"]}
        ),
        "missing": pd.DataFrame({"CHILD": ["7"]}),  # local: not in the XML
    }
    path = tmp_path / "x.xml"
    write_xml(path, tables)
    child7 = (
        "<CHILD><HEADER><CHILDID>7</CHILDID><UPN>A1</UPN><SEX>M</SEX><DOB>01/02/2010</DOB>"
        "<ETHNIC>WBRI</ETHNIC><UASC /><IN_TOUCH>YES</IN_TOUCH><ACTIV>F1</ACTIV><ACCOM>B1</ACCOM>"
        "<AREVIEW><REVIEW>01/01/2025</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>"
        "<AREVIEW><REVIEW>02/02/2025</REVIEW><REVIEW_CODE /></AREVIEW>"
        "<MOTHER /><MC_DOB /></HEADER></CHILD>"
    )
    head8 = (
        "<CHILD><HEADER><CHILDID>8</CHILDID><UPN /><SEX>F</SEX><DOB>03/04/2008</DOB>"
        "<ETHNIC>BAFR</ETHNIC><UASC>1</UASC><DUC>01/01/2026</DUC><MOTHER>0</MOTHER><MC_DOB />"
        "</HEADER>"
    )
    episode = (
        "<EPISODE><DECOM>05/06/2024</DECOM><RNE>S</RNE><LS /><CIN /><PL>U4</PL>"
        "<PL_POST>A&amp;B 1</PL_POST><HOME_POST /><URN /><PLACE_PROVIDER /><DEC /><REC />"
        "<REASON_PLACE_CHANGE /></EPISODE>"
    )
    dup8 = (
        "<CHILD><HEADER><CHILDID>8</CHILDID><UPN /><SEX>F</SEX><DOB>03/04/2008</DOB>"
        "<ETHNIC>BAFR</ETHNIC><UASC /><MOTHER>0</MOTHER><MC_DOB /></HEADER></CHILD>"
    )
    expected = (
        "<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903>"
        + child7
        + head8
        + episode
        + "</CHILD>"
        + dup8
        + "</EXPSSDA903>"
    )
    assert path.read_text("ascii") == expected
    assert len(ET.parse(path).getroot()) == len(header)  # well formed, a CHILD per header row
