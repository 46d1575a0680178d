"""A corpus of bad input files, each run through `python -m pipeline clean` (in process, so any
uncaught exception fails the test): never a traceback, an expected failure is one line with exit
status 2 naming the file, and every physical record of every file read is accounted for (kept,
merged or quarantined), counted here from the bytes independently of the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.builders import write

MONTH = "2017-01"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + "".join(
    f"{c},1,01/01/2010,WBRI,,,\n" for c in range(1, 6)
)
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    + "".join(f"{c},01/04/2016,S,C2,N1,U4,PR1,,,,ZZ1 1AA,ZZ1 2BB,SC1\n" for c in range(1, 6))
)
MISSING = "CHILD,DOB,MISSING,MIS_START,MIS_END\n" + "".join(
    f"{c},01/01/2010,M,0{c}/01/2017,0{c}/01/2017\n" for c in range(1, 6)
)
SDQ = "CHILD,DOB,SDQ_DATE,SDQ_SCORE,SDQ_REASON\n" + "".join(
    f"{c},01/01/2010,01/06/2016,1{c},SDQ1\n" for c in range(1, 6)
)
BASE = {"header.csv": HEADER, "episodes.csv": EPISODES, "missing.csv": MISSING, "sdq.csv": SDQ}


def _lines(text: str, n: int, change) -> str:
    lines = text.split("\n")
    lines[n] = change(lines[n])
    return "\n".join(lines)


def _swallow_row_one(text: str) -> str:
    return _lines(text, 1, lambda line: line.replace(",01/04", ',"01/04', 1))


def _drop_last_column(text: str) -> str:
    return "".join(line[: line.rindex(",")] + "\n" for line in text.strip("\n").split("\n"))


def _twice(text: str, same: bool) -> str:
    """`text` with its fifth column repeated at the end (changed in the first row unless `same`)."""
    out = []
    for i, line in enumerate(text.strip("\n").split("\n")):
        fields = line.split(",")
        extra = fields[4] if same or i != 1 else fields[4] + "X"
        out.append(",".join([*fields, extra]))
    return "\n".join(out) + "\n"


# name -> (files to write: name -> str (UTF-8) or bytes, expected exit status, what to check)
CASES = {
    "unclosed quote on one episode line": (
        {"episodes.csv": _swallow_row_one(EPISODES)},
        0,
        lambda q: (
            q["tables"]["episodes"]["quarantined"] == 1 and q["tables"]["episodes"]["kept"] == 4
        ),
    ),
    "ragged rows: one short, one long, one with empty extras": (
        {
            "episodes.csv": _lines(
                _lines(_lines(EPISODES, 1, lambda s: s[: s.rindex(",")]), 2, lambda s: s + ",X"),
                3,
                lambda s: s + ",,",
            )
        },
        0,
        lambda q: (
            q["tables"]["episodes"]["quarantined"] == 2 and q["tables"]["episodes"]["kept"] == 3
        ),
    ),
    "semicolon-delimited missing table": (
        {"missing.csv": MISSING.replace(",", ";")},
        0,
        lambda q: q["tables"]["missing"]["kept"] == 5,
    ),
    "tab-delimited sdq table": (
        {"sdq.csv": SDQ.replace(",", "\t")},
        0,
        lambda q: q["tables"]["sdq"]["kept"] == 5,
    ),
    "Excel sep= first line": (
        {"missing.csv": "sep=;\n" + MISSING.replace(",", ";")},
        0,
        lambda q: q["tables"]["missing"]["kept"] == 5,
    ),
    "UTF-16 with BOM": (
        {"header.csv": HEADER.encode("utf-16")},
        0,
        lambda q: q["tables"]["header"]["kept"] == 5,
    ),
    "a few Windows-1252 lines in a UTF-8 file": (
        {
            "header.csv": (HEADER + "6,1,01/01/2010,Zoë,,,\n").encode()
            + "7,1,01/01/2010,Zoë,,,\n".encode("cp1252")
        },
        0,
        lambda q: (
            q["tables"]["header"]["rows_in"] == 7
            and "1 line cp1252" in _file(q, "header.csv")["encoding"]
        ),
    ),
    "blank lines and CRLF": (
        {"episodes.csv": EPISODES.replace("\n", "\r\n").replace("\r\n2,", "\r\n\r\n2,")},
        0,
        lambda q: q["tables"]["episodes"]["kept"] == 5,
    ),
    "random bytes beside valid tables": (
        {"junk.csv": bytes(range(256)) * 20},
        0,
        lambda q: _file(q, "junk.csv")["status"] == "unreadable",
    ),
    "truncated workbook beside valid tables": (
        {"extra.xlsx": b"PK\x03\x04" + b"\x00" * 50},
        0,
        lambda q: _file(q, "extra.xlsx")["status"] == "unreadable",
    ),
    "text pretending to be a workbook": (
        {"extra.xlsx": b"CHILD,SEX\n1,1\n"},
        0,
        lambda q: _file(q, "extra.xlsx")["status"] == "unreadable",
    ),
    "zero-byte and header-only optional files": (
        {"oc3.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n", "notes.csv": b""},
        0,
        lambda q: q["tables"]["oc3"]["rows_in"] == 0,
    ),
    "a column named twice with the same values": (
        {"sdq.csv": _twice(SDQ, same=True)},
        0,
        lambda q: q["tables"]["sdq"]["kept"] == 5,
    ),
    "an optional table with a column named twice, values differing": (
        {"sdq.csv": _twice(SDQ, same=False)},
        0,
        lambda q: _file(q, "sdq.csv")["status"] == "unreadable" and "sdq" not in q["tables"],
    ),
    "missing_episodes file lacking a column": (
        {"missing.csv": None, "missing_episodes_2017-01.csv": _drop_last_column(MISSING)},
        0,
        lambda q: "missing column MIS_END" in _file(q, "missing_episodes_2017-01.csv")["note"],
    ),
    "a quote inside a value, and a quoted delimiter": (
        {"header.csv": HEADER + '6,1,01/01/2010,O"BR,,,\n7,1,01/01/2010,"W,BRI",,,\n'},
        0,
        lambda q: q["tables"]["header"]["rows_in"] == 7,
    ),
    "no header table": ({"header.csv": None}, 2, "no header table found"),
    "episodes under an odd name without URN": (
        {"episodes.csv": None, "placements_jan.csv": _drop_last_column(EPISODES)},
        2,
        "placements_jan.csv: episodes table is missing column URN",
    ),
    "header table as random bytes": (
        {"header.csv": bytes(range(256)) * 20},
        2,
        "header.csv: binary data",
    ),
    "episodes with a column named twice, values differing": (
        {"episodes.csv": _twice(EPISODES, same=False)},
        2,
        "episodes.csv: episodes table: columns 5 and 14 are both CIN",
    ),
}


def _file(quality: dict, name: str) -> dict:
    return next(f for f in quality["files"] if f["file"] == name)


def _physical_records(content: bytes) -> int:
    """Data records of a delimited file, counted from its bytes: non-blank lines after the header
    (and after Excel's sep= line)."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = content.decode("utf-16")
    else:
        text = content.decode("latin-1")
    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    if lines and lines[0].lower().startswith("sep="):
        lines = lines[1:]
    return max(len(lines) - 1, 0)


def _month(tmp_path: Path, files: dict) -> Path:
    folder = tmp_path / "raw" / MONTH
    for name, text in {**BASE, **files}.items():
        if text is None:
            continue
        if isinstance(text, bytes):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(text)
        else:
            write(folder, name, text)
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, tmp_path, capsys):
    files, status, check = CASES[case]
    folder = _month(tmp_path, files)
    out = tmp_path / "processed"
    code = main(["clean", "--month", MONTH, "--raw", str(folder), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == status, err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("error: ") and check in err, err
        return
    quality = json.loads((out / MONTH / "quality.json").read_text(encoding="utf-8"))
    for table, t in quality["tables"].items():
        assert t["rows_in"] == t["kept"] + t["merged"] + t["quarantined"], table
        assert t["rows_in"] == t["records_in_files"], table
    for f in quality["files"]:
        if f["status"] == "read" and not f["file"].endswith((".xlsx", ".xml")):
            assert f["records"] == _physical_records((folder / f["file"]).read_bytes()), f
    assert check(quality), quality["files"]


def test_an_unreadable_file_is_a_caveat_not_a_failure(tmp_path):
    from pipeline.config import load_settings
    from pipeline.ingest.quality import verdict

    folder = _month(tmp_path, {"junk.csv": bytes(range(256)) * 20})
    out = tmp_path / "processed"
    assert main(["clean", "--month", MONTH, "--raw", str(folder), "--out", str(out)]) == 0
    quality = json.loads((out / MONTH / "quality.json").read_text(encoding="utf-8"))
    v = verdict(quality, load_settings())
    assert v.fit and v.caveat
    assert [p.kind for p in v.problems] == ["unreadable_files"]
    assert v.problems[0].tables == ("junk.csv",)
