"""Value normalisers for cleaning: each reads raw text into a typed value and says which cells it
changed and which it could not read. Vectorised: IDs and codes by string kernels over the whole
column; dates and numbers through the distinct values of a column only (`per_unique`), extracts
repeating the same dates many times, with canonical dates read from their digits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
ALTERNATIVE_FORMATS = [  # (strptime format, carries a time of day); canonical dd/mm/yyyy is tried first
    ("%d/%m/%Y %H:%M", True),
    ("%d/%m/%Y %H:%M:%S", True),
    ("%Y-%m-%d", False),
    ("%Y-%m-%d %H:%M:%S", True),
    ("%Y-%m-%d %H:%M", True),
    ("%Y-%m-%dT%H:%M:%S", True),
    ("%Y-%m-%dT%H:%M", True),
]


def normalise_child_id(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ID-NORM: remove spaces and a trailing '.0'; drop leading zeros from all-digit IDs."""
    s = raw.str.replace(" ", "", regex=False).str.strip().str.removesuffix(".0")
    text = _arrow_text(s)
    digits = pc.fill_null(pc.match_substring_regex(text, r"^\d+$"), False)
    stripped = pc.utf8_ltrim(text, "0")
    stripped = pc.if_else(pc.equal(stripped, ""), "0", stripped)
    return _text_series(_blank_as_missing(pc.if_else(digits, stripped, text)), raw.index, raw)


def normalise_code(raw: pd.Series, upper: bool = True) -> tuple[pd.Series, pd.Series]:
    """CODE-NORM: strip surrounding spaces and (for codes) upper-case; blank becomes missing."""
    text = pc.utf8_trim_whitespace(_arrow_text(raw))
    if upper:
        text = pc.utf8_upper(text)
    return _text_series(_blank_as_missing(text), raw.index, raw)


def _arrow_text(s: pd.Series) -> pa.Array:
    """A text column as one Arrow array (pandas' own Arrow data, no copy)."""
    text = pa.array(s.astype("str").array)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _blank_as_missing(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def _text_series(text: pa.Array, index: pd.Index, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The normalised text as a pandas text column, and which cells it changed."""
    s = pd.Series(pd.array(text, dtype="str"), index=index)
    return s, _changed(raw, s)


def parse_dates(
    raw: pd.Series, keep_time: bool
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """DATE-NORM: read dd/mm/yyyy, dd/mm/yyyy HH:MM, ISO forms and Excel serial numbers.

    Returns (values as datetime64[ns], changed-from-canonical mask, timed mask, invalid mask).
    Without `keep_time` the time of day is dropped. Canonical text is dd/mm/yyyy, or
    dd/mm/yyyy HH:MM for a timed value in a date-time column.
    """
    s = raw.str.strip().mask(lambda x: x == "", pd.NA)
    out = _shaped_dates(s, with_time=False)
    shaped_stamps = _shaped_dates(s, with_time=True) if keep_time else None
    rest = s.notna() & out.isna()
    if keep_time:
        rest &= shaped_stamps.isna()  # read below; the date-only format reads none of them
    if rest.any():  # any other text the canonical format may still read (e.g. '1/2/2016')
        out = out.mask(
            rest,
            _as_ns(pd.to_datetime(s[rest], format="%d/%m/%Y", errors="coerce")),
        )
    timed = pd.Series(False, index=s.index)
    canonical = out.notna()
    todo = s.notna() & out.isna()
    if keep_time and todo.any():  # canonical 'dd/mm/yyyy HH:MM', mostly distinct values
        stamps = shaped_stamps[todo]
        rest = stamps.isna()
        if rest.any():
            stamps = stamps.mask(rest, _canonical_datetimes(s[todo][rest]))
        hit = stamps.notna().reindex(s.index, fill_value=False)
        out = out.mask(hit, stamps.reindex(s.index))
        timed |= hit
        canonical |= hit
        todo &= ~hit
    left = np.flatnonzero(todo.to_numpy(dtype=bool))
    literals = _literals_present(s.iloc[left]) if len(left) else {}
    for fmt, has_time in ALTERNATIVE_FORMATS:
        if not todo.any():
            break
        maybe = np.zeros(len(s), dtype=bool)
        maybe[left[np.logical_and.reduce([literals[c] for c in _literals(fmt)])]] = True
        maybe &= todo.to_numpy(dtype=bool)
        if not maybe.any():  # no value has every character the format writes: none can match
            continue
        parsed = _as_ns(pd.to_datetime(s[maybe], format=fmt, errors="coerce"))
        hit = parsed.notna()
        idx = parsed.index[hit]
        out.loc[idx] = parsed[hit]
        timed.loc[idx] = has_time
        if keep_time and fmt == "%d/%m/%Y %H:%M":
            canonical.loc[idx] = True
        todo.loc[idx] = False
    if todo.any():
        serial_text = s[todo]
        is_serial = serial_text.str.fullmatch(r"\d{4,5}(\.\d+)?").fillna(False).astype(bool)
        days = pd.to_numeric(serial_text[is_serial], errors="coerce")
        days = days[(days >= 1) & (days < 80000)]
        stamps = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("min")
        out.loc[stamps.index] = stamps.astype("datetime64[ns]")
        timed.loc[stamps.index] = (days % 1) != 0
        todo.loc[stamps.index] = False
    if keep_time:
        timed = timed & out.notna()
    else:
        out = out.dt.normalize()
        timed = pd.Series(False, index=s.index)
    changed = (out.notna() & ~canonical) | _changed(raw, s)
    return out, changed & out.notna(), timed, todo


def _literals(fmt: str) -> set[str]:
    """The characters a strptime format writes as they are (its directives taken out)."""
    return set(re.sub(r"%[A-Za-z]", "", fmt))


FORMAT_LITERALS = sorted(set().union(*(_literals(f) for f, _ in ALTERNATIVE_FORMATS)))


def _literals_present(s: pd.Series) -> dict[str, np.ndarray]:
    """For each character the alternative formats write: which values contain it (as strptime
    reads the format: a space is any whitespace, letters either case)."""
    text = pa.array(s.array)
    found = {
        c: pc.match_substring_regex(text, r"\s")
        if c == " "
        else pc.match_substring(text, c, ignore_case=True)
        for c in FORMAT_LITERALS
    }
    return {c: pc.fill_null(f, False).to_numpy(zero_copy_only=False) for c, f in found.items()}


def _as_ns(parsed: pd.Series) -> pd.Series:
    """Parsed dates as datetime64[ns]; a date outside what that holds (before 1677 or after
    2262, e.g. a mistyped year 3016) is unreadable (NaT), not a crash."""
    inside = parsed.isna() | ((parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max))
    return parsed.where(inside).astype("datetime64[ns]")


SHAPES = {  # the canonical forms, read from their digits (ASCII only)
    False: r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$",
    True: r"^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}$",
}
YEARS = (1678, 2261)  # whole years a datetime64[ns] holds; other years take the general parser


def _shaped_dates(s: pd.Series, with_time: bool) -> pd.Series:
    """Values written exactly 'dd/mm/yyyy' (or 'dd/mm/yyyy HH:MM') read by arithmetic on their
    digits, whole column at once: datetime64[ns], NaT for any other text and for digits that are
    not a calendar date or time (those are left to the general parser, which decides them)."""
    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    text = pa.array(s.array)  # the column as Arrow, no copy
    shaped = pc.fill_null(pc.match_substring_regex(text, SHAPES[with_time]), False)
    rows = np.flatnonzero(shaped.to_numpy(zero_copy_only=False))
    if len(rows):
        text = text.filter(shaped)
        day, month, year = _digits(text, 0, 2), _digits(text, 3, 5), _digits(text, 6, 10)
        ok = (year >= YEARS[0]) & (year <= YEARS[1]) & (month >= 1) & (month <= 12) & (day >= 1)
        months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
        dates = months.astype("datetime64[D]") + np.where(ok, day - 1, 0)
        ok &= dates.astype("datetime64[M]") == months  # e.g. 31/02 runs into March
        stamps = dates.astype("datetime64[ns]")
        if with_time:
            hours, minutes = _digits(text, 11, 13), _digits(text, 14, 16)
            ok &= (hours < 24) & (minutes < 60)
            stamps = stamps + ((hours * 60 + minutes) * 60_000_000_000).astype("timedelta64[ns]")
        out[rows[ok]] = stamps[ok]
    return pd.Series(out, index=s.index)


def _digits(text: pa.Array, start: int, stop: int) -> np.ndarray:
    """The number written in characters start:stop of each (ASCII-digit) value."""
    return pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64()).to_numpy(
        zero_copy_only=False
    )


def _canonical_datetimes(s: pd.Series) -> pd.Series:
    """Values of the form 'dd/mm/yyyy HH:MM' as datetimes (NaT otherwise): the date part through
    its few distinct values, the time as minutes, so each distinct timestamp is not strptime'd."""
    shaped = s.str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}").fillna(False).astype(bool)
    if not shaped.any():
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    text = s[shaped]
    (day,) = per_unique(
        text.str.slice(0, 10),
        lambda u: (_as_ns(pd.to_datetime(u, format="%d/%m/%Y", errors="coerce")),),
    )
    hours = pd.to_numeric(text.str.slice(11, 13)).astype("int64")
    minutes = pd.to_numeric(text.str.slice(14, 16)).astype("int64")
    ok = (hours < 24) & (minutes < 60) & day.notna()
    stamps = day + pd.to_timedelta(hours * 60 + minutes, unit="min")
    return stamps.where(ok).astype("datetime64[ns]").reindex(s.index)


def parse_whole_numbers(
    raw: pd.Series, low: int, high: int
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """NUM-NORM: read whole numbers written as '17', ' 17 ' or '17.0'.

    Returns (Int64 values, changed mask, invalid mask: non-blank but not a whole number in range).
    """
    s = raw.str.strip().mask(lambda x: x == "", pd.NA)
    num = pd.to_numeric(s, errors="coerce")
    ok = num.notna() & (num == num.round()) & (num >= low) & (num <= high)
    values = num.where(ok).round().astype("Int64")
    canonical_text = values.astype("str")
    changed = ok & (canonical_text != raw)
    invalid = s.notna() & ~ok
    return values, changed.fillna(False).astype(bool), invalid


def per_unique(raw: pd.Series, fn) -> tuple[pd.Series, ...]:
    """Apply a vectorised normaliser to the distinct values only, then spread the results back.

    Extracts repeat the same dates, codes and IDs many times; normalising each distinct value once
    is what keeps cleaning close to the speed of reading the file.
    """
    codes_, uniques = pd.factorize(raw, use_na_sentinel=True)
    distinct = pd.concat(
        [pd.Series(uniques, dtype="str"), pd.Series([pd.NA], dtype="str")], ignore_index=True
    )
    positions = np.where(codes_ < 0, len(uniques), codes_)
    results = fn(distinct)
    return tuple(r.iloc[positions].set_axis(raw.index) for r in results)


def per_unique_many(columns: list[pd.Series], fn) -> list[tuple[pd.Series, ...]]:
    """`per_unique` over several columns at once: their distinct values normalised in one call,
    each column's results spread back (on its own index). At LA scale the cost of a call, not of
    its values, is most of the work; the columns of an extract share most of their dates."""
    if not columns:
        return []
    joined = pd.concat([c.reset_index(drop=True) for c in columns], ignore_index=True)
    results = per_unique(joined, fn)
    bounds = np.cumsum([0, *(len(c) for c in columns)])
    return [
        tuple(r.iloc[a:b].set_axis(c.index) for r in results)
        for c, a, b in zip(columns, bounds[:-1], bounds[1:], strict=True)
    ]


def _changed(before: pd.Series, after: pd.Series) -> pd.Series:
    """Which cells the normaliser changed: different text, or a value made missing (or the
    reverse). Compared in Arrow, as the text is held."""
    a, b = _arrow_text(before), _arrow_text(after)
    differ = pc.fill_null(pc.not_equal(a, b), False)
    appeared = pc.not_equal(pc.is_null(a), pc.is_null(b))
    return pd.Series(pc.or_(differ, appeared).to_numpy(zero_copy_only=False), index=before.index)
