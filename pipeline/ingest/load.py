"""Find and read the tables of a raw extract folder.

A raw extract is a folder of CSV files (and/or `.xlsx` workbooks, one sheet per table, and/or the
903 XML an LA submits to DfE, every table it holds: `pipeline.ingest.xml903`). Tables are
identified by their column headers, not by file name; header names are matched ignoring case, spaces
and underscores. Everything is read as text: typing is the cleaning step's job. Encodings: UTF-8 with
or without BOM, else Windows-1252. The same table from two files (an XML and a local CSV) is the
rows of both.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline import data
from pipeline.ingest import xml903


class InputError(Exception):
    """A fatal problem with the input extract: reported as one line, exit status 2."""


@dataclass
class FileInfo:
    """What the loader made of one file in the extract folder."""

    file: str
    table: str | None
    rows: int
    encoding: str
    sha256: str
    note: str = ""


@dataclass
class RawExtract:
    """Every table found in an extract folder, plus an account of every file."""

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    files: list[FileInfo] = field(default_factory=list)


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
    hint = header_key(name_hint)
    for table in tied:
        if header_key(table) in hint:
            return table
    return sorted(tied)[0]


def table_from_name(name: str) -> str | None:
    """The table a file name points at (e.g. 'Episodes_2017-01.CSV' -> 'episodes'), if any."""
    hint = header_key(Path(name).stem)
    aliases = {
        "placedadoption": "placed_for_adoption",
        "prevperm": "previous_permanence",
        "swepisodes": "sw_episodes",
        "missingepisodes": "missing",
    }
    for alias, table in aliases.items():
        if alias in hint:
            return table
    for table in sorted(data.tables(), key=len, reverse=True):
        if header_key(table) in hint:
            return table
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (BOM stripped) if it decodes, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_csv_text(data: bytes) -> tuple[pd.DataFrame, str]:
    """Read CSV bytes into an all-text DataFrame (blank -> NA) with pyarrow; return it and the encoding."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    names = (
        next(
            iter(
                pd.read_csv(io.StringIO(first_line), header=None, dtype=str).itertuples(index=False)
            ),
            (),
        )
        if first_line.strip()
        else ()
    )
    names = [str(n) if not pd.isna(n) else f"UNNAMED_{i}" for i, n in enumerate(names)]
    if not names:
        return pd.DataFrame(), encoding
    payload = text.encode("utf-8")
    table = pacsv.read_csv(
        io.BytesIO(payload),
        read_options=pacsv.ReadOptions(column_names=_unique(names), skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in _unique(names)},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    frame = table.to_pandas()
    frame = frame.astype({c: "str" for c in frame.columns})
    frame.columns = names
    return frame, encoding


def read_excel_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as an all-text DataFrame (blank -> NA)."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_values=[""])
    return {name: df.astype({c: "str" for c in df.columns}) for name, df in sheets.items()}


def load_extract(folder: str | Path) -> RawExtract:
    """Read every CSV/XLSX in `folder`, identify tables by header, and check the mandatory ones.

    Raises InputError (one line, naming file and column) when a mandatory table or a required
    column is missing.
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
        if suffix not in {".csv", ".xlsx", ".xml"}:
            continue
        if suffix == ".xml":
            _add_xml(extract, path)
            continue
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if suffix == ".xlsx":
            for sheet, frame in read_excel_sheets(path).items():
                _add(extract, frame, f"{path.name}[{sheet}]", "xlsx", digest, sheet)
            continue
        if not content.strip():
            extract.files.append(FileInfo(path.name, None, 0, "", digest, "empty file, ignored"))
            continue
        frame, encoding = read_csv_text(content)
        _add(extract, frame, path.name, encoding, digest, path.name)
    for table in mandatory_tables():
        if table not in extract.tables:
            need = ", ".join(data.tables()[table]["required"])
            raise InputError(f"{folder}: no {table} table found (a CSV with columns {need})")
    return extract


def _add(
    extract: RawExtract,
    frame: pd.DataFrame,
    source: str,
    encoding: str,
    digest: str,
    name_hint: str,
) -> None:
    table = identify(list(frame.columns), name_hint)
    if table is None:
        named = table_from_name(name_hint)
        if named is not None:
            present = {header_key(c) for c in frame.columns}
            missing = [c for c in data.tables()[named]["required"] if header_key(c) not in present]
            if named in mandatory_tables() or len(missing) < len(data.tables()[named]["required"]):
                raise InputError(
                    f"{extract.folder / source}: {named} table is missing column {missing[0]}"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                )
        extract.files.append(
            FileInfo(source, None, len(frame), encoding, digest, "not a 903 table, ignored")
        )
        return
    frame = frame.set_axis(canonical_columns(list(frame.columns), table), axis=1)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame.assign(_source=source, _line=pd.RangeIndex(2, len(frame) + 2))
    _register(extract, table, frame, source, encoding, digest, "header only" if frame.empty else "")


def _add_xml(extract: RawExtract, path: Path) -> None:
    """Every table a 903 XML file holds (one FileInfo per table: its rows, the file's digest)."""
    if path.stat().st_size == 0:
        digest = hashlib.sha256(b"").hexdigest()
        extract.files.append(FileInfo(path.name, None, 0, "", digest, "empty file, ignored"))
        return
    try:
        found = xml903.read_903_xml(path)
    except xml903.XMLFormatError as err:
        raise InputError(str(err)) from None
    if not found.is_903:
        note = f"not a 903 table (XML root {found.root}), ignored"
        extract.files.append(FileInfo(path.name, None, 0, found.encoding, found.sha256, note))
        return
    note = "903 XML"
    if found.ignored:
        note += f"; {found.ignored} values outside any 903 record ignored"
    if not found.tables:
        extract.files.append(FileInfo(path.name, None, 0, found.encoding, found.sha256, note))
    for table, frame in found.tables.items():
        _register(extract, table, frame, path.name, found.encoding, found.sha256, note)


def _register(
    extract: RawExtract,
    table: str,
    frame: pd.DataFrame,
    source: str,
    encoding: str,
    digest: str,
    note: str,
) -> None:
    """Add one file's rows of a table (with _source, _line) to the extract."""
    extract.files.append(FileInfo(source, table, len(frame), encoding, digest, note))
    if table in extract.tables:
        frame = pd.concat([extract.tables[table], frame], ignore_index=True)
    extract.tables[table] = frame
    extract.sources.setdefault(table, []).append(source)


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
