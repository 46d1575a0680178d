"""Read one delimited text file (CSV and its cousins) into text columns, every line accounted for.

Lines are counted from the bytes before any parsing, so a fault in the file can never make rows
disappear while the accounting still balances:

- **Encoding**: UTF-16 by its byte-order mark (or by its zero bytes when it has none); otherwise
  UTF-8 (with or without BOM), and only the lines that are not valid UTF-8 read as Windows-1252.
- **Delimiter**: Excel's `sep=X` first line when present, else whichever of comma, semicolon, tab
  and pipe splits the header line into the most fields.
- **Lines**: blank lines are counted and skipped. A line whose quotes do not close, or which has
  fewer fields than the header (or more, unless the extra fields are empty), is *rejected* with its
  line number, reason and text; the rest of the file is read. A value cannot run across lines, so
  an unclosed quote damages only its own line. The parser's row count is checked against the line
  count; should the two ever differ the file is read again line by line.

The fast path (no quotes, no ragged lines) hands the whole buffer to pyarrow's CSV reader; line
checks are numpy scans of the bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)


class UnreadableFile(ValueError):
    """A file that cannot be read as a delimited text table at all (binary data, no header)."""


@dataclass
class Delimited:
    """One file's header, rows (text, `_line` = physical line number) and what was set aside."""

    names: list[str]
    frame: pd.DataFrame  # one column per header name (position-named c0, c1, ...), plus _line
    encoding: str
    delimiter: str
    records: int  # data lines: every non-blank line after the header (rows + rejected)
    blank_lines: int
    rejected: pd.DataFrame  # _line, reason, text
    notes: tuple[str, ...] = ()


def to_utf8(raw: bytes) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 (no BOM) and a description of the encoding it was in."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16(raw, "utf-16"), "utf-16"
    head = raw[:4000]
    if head.count(0) > len(head) // 4:
        even, odd = head[::2].count(0), head[1::2].count(0)
        return _utf16(raw, "utf-16-be" if even > odd else "utf-16-le"), "utf-16 (no BOM)"
    label = "utf-8"
    if raw.startswith(codecs.BOM_UTF8):
        raw, label = raw[3:], "utf-8-sig"
    if raw.isascii():
        return raw, label
    try:
        raw.decode("utf-8")
        return raw, label
    except UnicodeDecodeError:
        pass
    out, fallback, utf8 = [], 0, 0  # lines read as Windows-1252 / as non-ASCII UTF-8
    for line in raw.split(b"\n"):
        try:
            line.decode("utf-8")
            out.append(line)
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace").encode("utf-8"))
            fallback += 1
    if not utf8:
        return b"\n".join(out), "cp1252"
    return b"\n".join(out), f"{label}, {fallback} line{'s' if fallback != 1 else ''} cp1252"


def _utf16(raw: bytes, codec: str) -> bytes:
    try:
        return raw.decode(codec).lstrip("\ufeff").encode("utf-8")
    except UnicodeDecodeError as err:
        raise UnreadableFile(f"not valid UTF-16 at byte {err.start}") from None


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields (comma on a tie)."""
    counts = [(len(_fields(header, d, strict=False)), -i, d) for i, d in enumerate(DELIMITERS)]
    return max(counts)[2]


def _fields(line: str, delimiter: str, strict: bool = True) -> list[str]:
    """One line's fields by the csv module's rules (quotes doubled inside quoted values)."""
    return next(csv.reader([line], delimiter=delimiter, strict=strict), [])


def read_delimited(raw: bytes) -> Delimited:
    """Read a delimited file's bytes (see the module docstring). Raises UnreadableFile."""
    buf, encoding = to_utf8(raw)
    if b"\0" in buf:  # byte searches, not whole-file array passes
        raise UnreadableFile("binary data, not a text table")
    if b"\n" not in buf and b"\r" in buf:
        buf = buf.replace(b"\r", b"\n")  # old Mac line ends
    arr = np.frombuffer(buf, dtype=np.uint8)
    starts, stops = _line_bounds(arr)
    nonblank = np.flatnonzero(stops > starts)
    if len(nonblank) == 0:
        raise UnreadableFile("no header line")
    notes = []
    first = nonblank[0]
    header_line = _line(buf, starts, stops, first)
    sep = _SEP_LINE.match(header_line)
    if sep:
        delimiter = sep.group(1)
        notes.append(f"Excel 'sep={delimiter}' line read")
        if len(nonblank) == 1:
            raise UnreadableFile("no header line after the 'sep=' line")
        first = nonblank[1]
        header_line = _line(buf, starts, stops, first)
    else:
        delimiter = sniff_delimiter(header_line)
    try:
        names = _fields(header_line, delimiter)
    except csv.Error as err:
        raise UnreadableFile(f"header line {first + 1} cannot be read: {err}") from None
    if delimiter != ",":
        notes.append(f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}-delimited")
    data_lines = nonblank[nonblank > first]
    blank = int(np.count_nonzero(stops == starts) - (stops[-1] == starts[-1]))
    if blank:
        notes.append(f"{blank} blank line{'s' if blank != 1 else ''} skipped")
    lines = _Lines(buf, arr, starts, stops, data_lines, delimiter, len(names))
    frame, rejected = lines.read()
    if lines.reread:
        notes.append("read line by line (the fast parser disagreed with the line count)")
    return Delimited(
        names=names,
        frame=frame,
        encoding=encoding,
        delimiter=delimiter,
        records=len(data_lines),
        blank_lines=blank,
        rejected=rejected,
        notes=tuple(notes),
    )


_DELIMITER_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop byte offsets of every physical line (stop excludes the CR LF)."""
    ends = np.flatnonzero(arr == 10)
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(arr)]])
    has_cr = (stops > starts) & (arr[np.maximum(stops - 1, 0)] == 13)
    return starts, stops - has_cr


def _line(buf: bytes, starts, stops, i: int) -> str:
    return buf[starts[i] : stops[i]].decode("utf-8")


class _Lines:
    """The data lines of one file: checked, then parsed by pyarrow (or, as a fallback, by csv).

    Fast path: only lines holding a quote are looked at one by one; pyarrow reads the rest and
    names any row with the wrong number of fields, which sends the file down the slow path
    (fields counted per line from the delimiters' positions)."""

    def __init__(self, buf, arr, starts, stops, rows, delimiter: str, n_fields: int):
        self.buf, self.arr, self.starts, self.stops, self.rows = buf, arr, starts, stops, rows
        self.delimiter, self.n = delimiter, n_fields
        self.reread = False

    def read(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        fixed: dict[int, str] = {}  # line index -> rewritten text (extra empty fields dropped)
        reasons: dict[int, str] = {}
        quoted = self._lines_with(ord('"'))
        for i in quoted:
            self._check_quoted(int(i), fixed, reasons)
        good = self._without(reasons)
        frame = self._parse(good, fixed) if not reasons else None
        if frame is None:
            counts = self._field_counts()
            plain = np.setdiff1d(self.rows, quoted, assume_unique=True)
            for i in plain[counts[np.searchsorted(self.rows, plain)] != self.n]:
                values = _line(self.buf, self.starts, self.stops, int(i)).split(self.delimiter)
                self._fit(int(i), values, fixed, reasons)
            good = self._without(reasons)
            frame = self._parse(good, fixed)
            if frame is None:
                frame = self._parse_by_line(good, fixed)
        bad = np.sort(np.fromiter(reasons, dtype=np.int64, count=len(reasons)))
        rejected = pd.DataFrame(
            {
                "_line": pd.array(bad + 1, dtype="int64"),
                "reason": pd.array([reasons[i] for i in bad], dtype="str"),
                "text": pd.array(
                    [_line(self.buf, self.starts, self.stops, i)[:500] for i in bad], dtype="str"
                ),
            }
        )
        return frame, rejected

    def _without(self, reasons: dict) -> np.ndarray:
        if not reasons:
            return self.rows
        bad = np.fromiter(reasons, dtype=np.int64, count=len(reasons))
        return np.setdiff1d(self.rows, bad, assume_unique=True)

    def _lines_with(self, byte: int) -> np.ndarray:
        """The data lines holding `byte` at least once."""
        if bytes((byte,)) not in self.buf:
            return np.empty(0, dtype=np.int64)
        where = np.flatnonzero(self.arr == byte)
        line = np.unique(np.searchsorted(self.starts, where, side="right") - 1)
        return np.intersect1d(line, self.rows, assume_unique=True)

    def _field_counts(self) -> np.ndarray:
        """Fields per data line, counting delimiters (exact for lines without quotes)."""
        where = np.flatnonzero(self.arr == ord(self.delimiter))
        line = np.searchsorted(self.starts, where, side="right") - 1
        return np.bincount(line, minlength=len(self.starts))[self.rows] + 1

    def _check_quoted(self, i: int, fixed: dict, reasons: dict) -> None:
        text = _line(self.buf, self.starts, self.stops, i)
        try:
            values = _fields(text, self.delimiter)
        except csv.Error:
            reasons[i] = "unclosed or misplaced quote"
            return
        self._fit(i, values, fixed, reasons)

    def _fit(self, i: int, values: list[str], fixed: dict, reasons: dict) -> None:
        """A line with the wrong number of fields: trailing empty extras are dropped, else it is
        rejected."""
        if len(values) == self.n:
            return
        if len(values) > self.n and not any(v.strip() for v in values[self.n :]):
            out = io.StringIO()
            csv.writer(out, delimiter=self.delimiter, lineterminator="").writerow(values[: self.n])
            fixed[i] = out.getvalue()
        else:
            reasons[i] = f"{len(values)} fields where the header has {self.n}"

    def _columns(self) -> list[str]:
        return [f"c{j}" for j in range(self.n)]

    def _parse(self, good: np.ndarray, fixed: dict) -> pd.DataFrame | None:
        """pyarrow's reading of the good lines; None when it finds a row of the wrong width or
        its row count differs from the lines given."""
        columns = self._columns()
        lines = pd.array(good + 1, dtype="int64")
        if len(good) == 0:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in columns} | {"_line": lines})
        invalid = []
        try:
            table = pacsv.read_csv(
                pa.BufferReader(self._payload(good, fixed)),  # read in place, not copied
                read_options=pacsv.ReadOptions(column_names=columns),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter,
                    newlines_in_values=False,
                    invalid_row_handler=lambda row: invalid.append(row) or "skip",
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.large_string() for c in columns},  # pandas text
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid:
            return None
        if invalid or table.num_rows != len(good):
            return None
        frame = table.to_pandas().astype({c: "str" for c in columns})
        return frame.assign(_line=lines)

    def _parse_by_line(self, good: np.ndarray, fixed: dict) -> pd.DataFrame:
        """The fallback: every good line through the csv module."""
        self.reread = True
        rows = [fixed.get(int(i)) or _line(self.buf, self.starts, self.stops, i) for i in good]
        values = [_fields(r, self.delimiter, strict=False)[: self.n] for r in rows]
        frame = pd.DataFrame(values, columns=self._columns()).replace("", pd.NA).astype("str")
        return frame.assign(_line=pd.array(good + 1, dtype="int64"))

    def _payload(self, good: np.ndarray, fixed: dict) -> bytes | memoryview:
        """The good lines as one buffer: a view of the file when they run unbroken, else the
        runs of consecutive lines joined (rewritten lines joined in by hand)."""
        first, last = good[0], good[-1]
        if not fixed and last - first + 1 == len(good):
            return memoryview(self.buf)[self.starts[first] : self.stops[last]]
        if fixed:
            parts = [
                fixed[int(i)].encode("utf-8")
                if int(i) in fixed
                else self.buf[self.starts[i] : self.stops[i]]
                for i in good
            ]
            return b"\n".join(parts)
        # runs of consecutive good lines, each one slice of the file with its line ends
        breaks = np.flatnonzero(np.diff(good) != 1)
        run_first = good[np.r_[0, breaks + 1]]
        run_last = good[np.r_[breaks, len(good) - 1]]
        ends = np.append(self.starts[1:], len(self.arr))
        return b"".join(
            self.buf[a:b] for a, b in zip(self.starts[run_first], ends[run_last], strict=True)
        )
