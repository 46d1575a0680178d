"""Find and read the tables of a raw extract folder.

A raw extract is a folder of CSV files (and/or `.xlsx` workbooks, one sheet per table, and/or the
903 XML an LA submits to DfE, every table it holds: `pipeline.ingest.xml903`). Tables are
identified by their column headers, not by file name; header names are matched ignoring case, spaces
and underscores. Everything is read as text: typing is the cleaning step's job. Delimited files are
read by `pipeline.ingest.delimited` (encodings, delimiters, every physical line accounted for). The
same table from two files (an XML and a local CSV) is the rows of both.

One bad file never stops the month: a file that cannot be read (binary, corrupt, a workbook that
is not one, columns named twice with different values) is listed with the reason and left out.
Only a mandatory table that cannot be found stops the load (InputError, one line naming the file
and the column where there is one).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import data
from pipeline.ingest import xml903
from pipeline.ingest.delimited import UnreadableFile, read_delimited


class InputError(Exception):
    """A fatal problem with the input extract: reported as one line, exit status 2."""


@dataclass
class FileInfo:
    """What the loader made of one file (or sheet) in the extract folder.

    `records` is the file's own count of data records (physical lines after the header that are
    not blank, or XML record elements); `rows` those read into the table; the difference was
    rejected line by line and goes to the quarantine. `status`: read, ignored (not a 903 table,
    empty) or unreadable (with the reason in `note`).
    """

    file: str
    table: str | None
    rows: int
    encoding: str
    sha256: str
    note: str = ""
    records: int = 0
    status: str = "read"


@dataclass
class RawExtract:
    """Every table found in an extract folder, plus an account of every file.

    A table's frame holds the rows read (text, with `_source` and `_line`) and, for records that
    could not be read at all, a row with `_fault` (the reason) and `_text` (the line as written):
    cleaning quarantines those under ROW-UNREADABLE, so every record is accounted for."""

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    files: list[FileInfo] = field(default_factory=list)

    def unreadable(self) -> list[FileInfo]:
        """The files left out because they could not be read."""
        return [f for f in self.files if f.status == "unreadable"]


def mandatory_tables() -> tuple[str, ...]:
    """The tables every extract must hold (`mandatory = true` in tables.toml)."""
    return tuple(t for t, spec in data.tables().items() if spec.get("mandatory"))


def header_key(name: str) -> str:
    """Normalised form used to match column names: upper case, no spaces/underscores/BOM."""
    return re.sub(r"[\s_\-\ufeff]+", "", str(name)).upper()


def canonical_columns(columns: list[str], table: str) -> list[str]:
    """Map a file's column names onto the spec's names where they match; keep others upper-cased."""
    spec = data.tables()[table]
    known = {header_key(c): c for c in spec["required"] + spec.get("optional", [])}
    return [known.get(header_key(c), str(c).strip().upper()) for c in columns]


def identify(columns: list[str], name_hint: str = "") -> str | None:
    """The table whose required columns are all present (most specific wins), else None."""
    present = {header_key(c) for c in columns}
    matches = [
        (len(spec["required"]), table)
        for table, spec in data.tables().items()
        if {header_key(c) for c in spec["required"]} <= present
    ]
    if not matches:
        return None
    best = max(n for n, _ in matches)
    tied = [t for n, t in matches if n == best]
    named = table_from_name(name_hint)
    return named if named in tied else sorted(tied)[0]


def table_from_name(name: str) -> str | None:
    """The table a file name points at (e.g. 'Missing_Episodes_2017-01.CSV' -> 'missing'), by the
    longest of the tables' names and `file_names` (tables.toml) found in it, if any."""
    hint = header_key(Path(name).stem)
    words = sorted(
        (
            (header_key(word), table)
            for table, spec in data.tables().items()
            for word in [table, *spec.get("file_names", [])]
        ),
        key=lambda pair: -len(pair[0]),
    )
    return next((table for word, table in words if word in hint), None)


def read_excel_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as an all-text DataFrame (blank -> NA)."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_values=[""])
    return {name: df.astype({c: "str" for c in df.columns}) for name, df in sheets.items()}


TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, TypeError)


def load_extract(folder: str | Path) -> RawExtract:
    """Read every CSV/XLSX/XML in `folder`, identify tables by header, and check the mandatory ones.

    Raises InputError (one line, naming the file and column where there is one) when a mandatory
    table cannot be found or lacks a required column; any other bad file is listed and left out.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: extract folder not found")
    extract = RawExtract(folder=folder)
    paths = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    )
    for path in paths:
        suffix = path.suffix.lower()
        if suffix == ".xml":
            _add_xml(extract, path)
        elif suffix == ".xlsx":
            _add_workbook(extract, path)
        elif suffix in TEXT_SUFFIXES:
            _add_delimited(extract, path)
    _check_mandatory(extract)
    return extract


def _unreadable(extract: RawExtract, name: str, digest: str, reason: str, encoding: str = ""):
    extract.files.append(
        FileInfo(name, None, 0, encoding, digest, f"unreadable: {reason}", status="unreadable")
    )


def _add_delimited(extract: RawExtract, path: Path) -> None:
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if not content or content.isspace():  # (no copy of the file, as strip() would make)
        extract.files.append(
            FileInfo(path.name, None, 0, "", digest, "empty file, ignored", status="ignored")
        )
        return
    try:
        text = read_delimited(content)
    except UnreadableFile as err:
        _unreadable(extract, path.name, digest, str(err))
        return
    frame = text.frame.drop(columns="_line").set_axis(text.names, axis=1)
    rejected = text.rejected.rename(columns={"reason": "_fault", "text": "_text"})
    _add(
        extract,
        frame,
        path.name,
        text.encoding,
        digest,
        path.name,
        lines=text.frame["_line"],
        rejected=rejected,
        notes=text.notes,
    )


def _add_workbook(extract: RawExtract, path: Path) -> None:
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    try:
        sheets = read_excel_sheets(path)
    except WORKBOOK_ERRORS as err:
        _unreadable(extract, path.name, digest, f"not a readable workbook ({err})")
        return
    for sheet, frame in sheets.items():
        blank = frame.isna().all(axis=1)
        lines = pd.Series(pd.RangeIndex(2, len(frame) + 2), dtype="int64")[~blank.to_numpy()]
        notes = (f"{int(blank.sum())} blank rows skipped",) if blank.any() else ()
        frame = frame[~blank].reset_index(drop=True)
        _add(extract, frame, f"{path.name}[{sheet}]", "xlsx", digest, sheet, lines, notes=notes)


def _check_mandatory(extract: RawExtract) -> None:
    """InputError naming the likeliest file (and its missing column) for an absent mandatory table."""
    for table in mandatory_tables():
        if table in extract.tables:
            continue
        need = data.tables()[table]["required"]
        message = (
            f"{extract.folder}: no {table} table found (a file with columns {', '.join(need)})"
        )
        near = [f for f in extract.files if f.status != "read" and f.note.startswith(table)]
        bad = extract.unreadable()
        if near:
            message = f"{extract.folder / near[0].file}: {near[0].note}"
        elif bad:
            more = f" (and {len(bad) - 1} more unreadable files)" if len(bad) > 1 else ""
            reason = bad[0].note.removeprefix("unreadable: ")
            message = (
                f"{extract.folder / bad[0].file}: {reason}{more}; so no {table} table was found"
            )
        raise InputError(message)


def _add(
    extract: RawExtract,
    frame: pd.DataFrame,
    source: str,
    encoding: str,
    digest: str,
    name_hint: str,
    lines: pd.Series | None = None,
    rejected: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> None:
    """One file's (or sheet's) text table: identified, its columns named as the spec names them,
    its rejected lines kept as fault rows, and registered (or listed as not used, with why)."""
    records = len(frame) + (0 if rejected is None else len(rejected))
    info = FileInfo(source, None, len(frame), encoding, digest, "", records=records)
    table = identify(list(frame.columns), name_hint)
    if table is None:
        info.note, info.status = _why_not(list(frame.columns), name_hint), "ignored"
        if info.note.startswith(tuple(mandatory_tables())):
            info.status = "unreadable"
        extract.files.append(info)
        return
    frame = frame.set_axis(canonical_columns(list(frame.columns), table), axis=1)
    frame, twice = _one_column_each(frame)
    if twice:
        info.note, info.status = f"{table} table: {twice}", "unreadable"
        extract.files.append(info)
        return
    lines = pd.RangeIndex(2, len(frame) + 2) if lines is None else lines.to_numpy()
    frame = frame.assign(_source=source, _line=lines)
    if rejected is not None and len(rejected):
        faults = rejected.assign(_source=source).astype({"_line": "int64"})
        frame = pd.concat([frame, faults], ignore_index=True)
        frame = frame.astype({"_fault": "str", "_text": "str"})
        notes = (*notes, f"{len(rejected)} lines unreadable (quarantined)")
    info.table = table
    info.note = "; ".join(notes) or ("header only" if frame.empty else "")
    _register(extract, table, frame, info)


def _why_not(columns: list[str], name_hint: str) -> str:
    """Why a file is not used: the table its name points at and the column it lacks, if any."""
    named = table_from_name(name_hint)
    if named is None:
        return "not a 903 table, ignored"
    present = {header_key(c) for c in columns}
    missing = [c for c in data.tables()[named]["required"] if header_key(c) not in present]
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    left_out = "" if named in mandatory_tables() else ", not used"
    return f"{named} table is missing column {missing[0]}{more}{left_out}"


def _one_column_each(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Columns named twice: one kept when the copies agree, else the reason the file is refused."""
    dup = frame.columns[frame.columns.duplicated()].unique()
    if len(dup) == 0:
        return frame, ""
    for name in dup:
        where = [i for i, c in enumerate(frame.columns) if c == name]
        first = frame.iloc[:, where[0]]
        if not all(frame.iloc[:, i].equals(first) for i in where[1:]):
            cols = " and ".join(str(i + 1) for i in where)
            return frame, f"columns {cols} are both {name} and hold different values"
    return frame.loc[:, ~frame.columns.duplicated()], ""


def _add_xml(extract: RawExtract, path: Path) -> None:
    """Every table a 903 XML file holds (one FileInfo per table: its rows, the file's digest)."""
    if path.stat().st_size == 0:
        digest = hashlib.sha256(b"").hexdigest()
        extract.files.append(
            FileInfo(path.name, None, 0, "", digest, "empty file, ignored", status="ignored")
        )
        return
    try:
        found = xml903.read_903_xml(path)
    except xml903.XMLFormatError as err:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        _unreadable(extract, path.name, digest, f"malformed XML at line {err.line}: {err.reason}")
        return
    if not found.is_903:
        note = f"not a 903 table (XML root {found.root}), ignored"
        extract.files.append(
            FileInfo(path.name, None, 0, found.encoding, found.sha256, note, status="ignored")
        )
        return
    note = "903 XML"
    if found.ignored:
        note += f"; {found.ignored} values outside any 903 record ignored"
    if not found.tables:
        extract.files.append(FileInfo(path.name, None, 0, found.encoding, found.sha256, note))
    for table, frame in found.tables.items():
        info = FileInfo(
            path.name, table, len(frame), found.encoding, found.sha256, note, records=len(frame)
        )
        _register(extract, table, frame, info)


def _register(extract: RawExtract, table: str, frame: pd.DataFrame, info: FileInfo) -> None:
    """Add one file's rows of a table (with _source, _line) to the extract."""
    extract.files.append(info)
    if table in extract.tables:
        frame = pd.concat([extract.tables[table], frame], ignore_index=True)
    extract.tables[table] = frame
    extract.sources.setdefault(table, []).append(info.file)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out


def extract_from_frames(tables: dict[str, pd.DataFrame], name: str = "memory") -> RawExtract:
    """A RawExtract of text tables held in memory (e.g. the generator's truth): each frame is read
    as a file of that name would be (blank strings are missing, headers matched), without files.
    Raises InputError as load_extract does when a mandatory table is absent."""
    extract = RawExtract(folder=Path(name))
    for table, frame in tables.items():
        text = frame.astype("str").replace("", pd.NA).astype("str")
        _add(extract, text, f"{table}.csv", "utf-8", "", table)
    for table in mandatory_tables():
        if table not in extract.tables:
            need = ", ".join(data.tables()[table]["required"])
            raise InputError(f"{name}: no {table} table found (a frame with columns {need})")
    return extract
