"""Cleaning: raw text tables -> typed tables, with every row accounted for.

Every raw row ends in exactly one of: kept (possibly corrected), merged as an exact duplicate, or
quarantined with a rule id and reason; `rows_in == kept + merged + quarantined` per table. The rules
(ids, actions, descriptions) are data in `pipeline/data/rules.toml`; this module implements them.
Cleaning is idempotent: cleaning clean data changes nothing.
"""

from __future__ import annotations

import json
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import __version__, codes
from pipeline.io import (
    atomic_write_bytes,
    atomic_write_parquet,
    atomic_write_text,
    code_digest,
    digest_files,
)
from pipeline.load import RawExtract, load_extract, table_specs

META = ["_source", "_line"]
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


@lru_cache(maxsize=1)
def rules() -> dict[str, dict]:
    """The cleaning rules: {id: {action, description}} in the order they run."""
    text = files("pipeline").joinpath("data/rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class TableOutcome:
    """What cleaning did to one table."""

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int = 0
    merged: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # rule id -> rows/cells affected


@dataclass
class CleanResult:
    """Typed tables, the quarantine, and the machine-readable quality summary (quality.json)."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    summary: dict


# ---------------------------------------------------------------------------------------------
# value normalisers (vectorised; each returns the new values and a mask of cells it changed)


def normalise_child_id(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ID-NORM: remove spaces and a trailing '.0'; drop leading zeros from all-digit IDs."""
    s = raw.str.replace(" ", "", regex=False).str.strip().str.removesuffix(".0")
    digits = s.str.fullmatch(r"\d+").fillna(False).astype(bool)
    stripped = s.str.lstrip("0").mask(lambda x: x == "", "0")
    s = s.mask(digits, stripped).mask(lambda x: x == "", pd.NA)
    return s, _changed(raw, s)


def normalise_code(raw: pd.Series, upper: bool = True) -> tuple[pd.Series, pd.Series]:
    """CODE-NORM: strip surrounding spaces and (for codes) upper-case; blank becomes missing."""
    s = raw.str.strip()
    if upper:
        s = s.str.upper()
    s = s.mask(s == "", pd.NA)
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
    out = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce").astype("datetime64[ns]")
    timed = pd.Series(False, index=s.index)
    canonical = out.notna()
    todo = s.notna() & out.isna()
    if keep_time and todo.any():  # fast path: canonical 'dd/mm/yyyy HH:MM', mostly distinct values
        stamps = _canonical_datetimes(s[todo])
        idx = stamps.index[stamps.notna()]
        out.loc[idx] = stamps.loc[idx]
        timed.loc[idx] = True
        canonical.loc[idx] = True
        todo.loc[idx] = False
    for fmt, has_time in ALTERNATIVE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(s[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
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


def _canonical_datetimes(s: pd.Series) -> pd.Series:
    """Values of the form 'dd/mm/yyyy HH:MM' as datetimes (NaT otherwise): the date part through
    its few distinct values, the time as minutes, so each distinct timestamp is not strptime'd."""
    shaped = s.str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}").fillna(False).astype(bool)
    if not shaped.any():
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    text = s[shaped]
    (day,) = per_unique(text.str.slice(0, 10), lambda u: (
        pd.to_datetime(u, format="%d/%m/%Y", errors="coerce").astype("datetime64[ns]"),))
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


def _changed(before: pd.Series, after: pd.Series) -> pd.Series:
    both = before.notna() & after.notna()
    differ = (before.astype("str") != after.astype("str")) & both
    return (differ | (before.notna() != after.notna())).fillna(False).astype(bool)


# ---------------------------------------------------------------------------------------------
# per-table cleaning


def clean_table(table: str, frame: pd.DataFrame, child_ids: pd.Index | None = None) -> TableOutcome:
    """Apply every rule to one raw table; return kept rows (typed), quarantined rows and counts."""
    spec = table_specs()[table]
    frame = _with_required_columns(frame, spec)
    rows_in = len(frame)
    counts: dict[str, int] = {}
    reasons = pd.Series(pd.NA, index=frame.index, dtype="str")
    rule_of = pd.Series(pd.NA, index=frame.index, dtype="str")

    def quarantine(rule: str, mask: pd.Series, reason) -> None:
        """Quarantine rows under `rule`; `reason` is text or a function of the selected rows' index."""
        new = mask.fillna(False).astype(bool) & rule_of.isna()
        if not new.any():
            return
        rule_of.loc[new] = rule
        reasons.loc[new] = reason(new[new].index) if callable(reason) else reason
        counts[rule] = counts.get(rule, 0) + int(new.sum())

    def corrected(rule: str, mask: pd.Series) -> None:
        n = int(mask.sum())
        if n:
            counts[rule] = counts.get(rule, 0) + n

    raw = frame
    data = {}
    date_cols = set(spec.get("dates", []))
    datetime_cols = set(spec.get("datetimes", []))
    int_cols = spec.get("integers", {})
    code_cols = spec.get("codes", {})
    for col in [c for c in frame.columns if c not in META]:
        if col == "CHILD":
            data[col], changed = per_unique(raw[col], normalise_child_id)
            corrected("ID-NORM", changed)
        elif col in date_cols or col in datetime_cols:
            keep_time = col in datetime_cols
            values, changed, timed, invalid = per_unique(
                raw[col], lambda u, keep_time=keep_time: parse_dates(u, keep_time)
            )
            data[col] = values
            if keep_time:
                data[f"{col}_TIMED"] = timed
            corrected("DATE-NORM", changed)
            quarantine(
                "DATE-INVALID",
                invalid,
                lambda i, c=col: f"{c} = " + raw.loc[i, c] + " is not a date",
            )
        elif col in int_cols:
            low, high = int_cols[col]
            values, changed, invalid = per_unique(
                raw[col], lambda u, low=low, high=high: parse_whole_numbers(u, low, high)
            )
            data[col] = values
            corrected("NUM-NORM", changed)
            quarantine(
                "SDQ-RANGE",
                invalid,
                lambda i, c=col, lo=low, hi=high: f"{c} = " + raw.loc[i, c] + f" is not {lo}-{hi}",
            )
        else:
            upper = col in code_cols
            data[col], changed = per_unique(
                raw[col], lambda u, upper=upper: normalise_code(u, upper=upper)
            )
            corrected("CODE-NORM", changed)
    clean = pd.DataFrame(data, index=frame.index)

    blank = pd.Series(False, index=frame.index)
    first_blank = pd.Series(pd.NA, index=frame.index, dtype="str")
    for col in spec.get("not_null", []):
        is_blank = raw[col].isna() | (raw[col].str.strip() == "")
        first_blank = first_blank.mask(is_blank & first_blank.isna(), col)
        blank |= is_blank.fillna(True)
    quarantine("REQ-MISSING", blank, lambda i: first_blank[i] + " is blank")

    years = None
    if spec.get("code_date"):
        years = codes.collection_years(clean[spec["code_date"]])
    for col, list_name in code_cols.items():
        if col not in clean:
            continue
        year_series = years if years is not None else pd.Series(np.nan, index=clean.index)
        ok = codes.valid_for_year(list_name, clean[col], year_series)

        def reason(i, c=col, y=year_series, dated=years is not None):
            text = f"{c} = " + clean.loc[i, c].astype("str") + " is not a valid code"
            if dated:
                text = text + " in " + y[i].astype("str") + "-" + (y[i] + 1).astype("str")
            return text

        quarantine("CODE-INVALID", ~ok, reason)

    if table == "episodes":
        quarantine("EPI-END-BEFORE-START", clean["DEC"] < clean["DECOM"], "DEC is before DECOM")
    if table == "missing":
        quarantine(
            "MIS-END-BEFORE-START",
            clean["MIS_END"] < clean["MIS_START"],
            "MIS_END is before MIS_START",
        )

    alive = rule_of.isna()
    value_cols = [c for c in clean.columns if not c.endswith("_TIMED")]
    dup = _duplicated(clean if alive.all() else clean.loc[alive], value_cols, keep="first")
    merged_idx = dup.index[dup]
    merged = len(merged_idx)
    if merged:
        counts["DUP-EXACT"] = merged
    alive.loc[merged_idx] = False
    key = spec.get("key", [])
    if key:
        conflict = _duplicated(clean.loc[alive], key, keep=False)
        quarantine(
            "DUP-CONFLICT",
            conflict.reindex(clean.index, fill_value=False),
            "rows share " + "+".join(key) + " but differ",
        )
    alive = rule_of.isna() & ~clean.index.isin(merged_idx)

    kept = clean if alive.all() else clean.loc[alive]
    if table == "episodes":
        kept = _episode_structure(kept, counts)
    if child_ids is not None and table != "header":
        orphan = ~_isin(kept["CHILD"], child_ids)
        if orphan.any():
            counts["ORPHAN"] = int(orphan.sum())
    if table != "episodes":  # episodes are already in CHILD, DECOM order
        kept = _sort(kept, table)
    kept = kept.reset_index(drop=True)

    q_mask = rule_of.notna()
    quarantined = pd.DataFrame(
        {
            "table": table,
            "source": raw.loc[q_mask, "_source"].astype("str") if "_source" in raw else "",
            "line": raw.loc[q_mask, "_line"].astype("int64") if "_line" in raw else -1,
            "CHILD": clean.loc[q_mask, "CHILD"].astype("str"),
            "rule": rule_of[q_mask],
            "reason": reasons[q_mask],
            "record": _records_json(raw.loc[q_mask]),
        }
    ).reset_index(drop=True)
    return TableOutcome(kept, quarantined, rows_in=rows_in, merged=merged, counts=counts)


def _duplicated(frame: pd.DataFrame, columns: list[str], keep) -> pd.Series:
    """DataFrame.duplicated, made fast: hash rows first, compare exactly only where hashes repeat."""
    if frame.empty:
        return pd.Series(False, index=frame.index)
    hashes = pd.util.hash_pandas_object(frame[columns], index=False)
    candidates = hashes.duplicated(keep=False)
    out = pd.Series(False, index=frame.index)
    if candidates.any():
        out.loc[candidates] = frame.loc[candidates, columns].duplicated(keep=keep)
    return out


def _isin(values: pd.Series, allowed: pd.Index) -> pd.Series:
    """Fast membership test for string columns (pyarrow's hash-based is_in)."""
    found = pc.is_in(
        pa.array(values.astype("str").array), value_set=pa.array(allowed.astype("str"))
    )
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).fillna(False)


def _episode_structure(kept: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    """EPI-OVERLAP (correct), EPI-OPEN-NOT-LAST, EPI-GAP, EPI-SAME-DAY (flags)."""
    order = np.lexsort((kept["DECOM"].to_numpy(), pd.factorize(kept["CHILD"])[0]))
    ep = kept.iloc[order]
    next_start = ep.groupby("CHILD", sort=False)["DECOM"].shift(-1)
    has_next = next_start.notna()
    x1 = ep["REC"].eq("X1").fillna(False).astype(bool)
    overlap = x1 & has_next & (ep["DEC"] > next_start)
    if overlap.any():
        counts["EPI-OVERLAP"] = int(overlap.sum())
        ep = ep.assign(DEC=ep["DEC"].mask(overlap, next_start))
    open_not_last = has_next & (ep["DEC"].isna() | (~x1 & (ep["DEC"] > next_start)))
    gap = x1 & has_next & (next_start > ep["DEC"])
    same_day = ep["DEC"] == ep["DECOM"]
    for rule, mask in (
        ("EPI-OPEN-NOT-LAST", open_not_last),
        ("EPI-GAP", gap),
        ("EPI-SAME-DAY", same_day),
    ):
        n = int(mask.fillna(False).sum())
        if n:
            counts[rule] = n
    return ep


def _with_required_columns(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    missing = [c for c in spec["required"] if c not in frame.columns]
    if missing:
        frame = frame.assign(
            **{c: pd.Series(pd.NA, index=frame.index, dtype="str") for c in missing}
        )
    if "_source" not in frame.columns:
        frame = frame.assign(_source="", _line=pd.RangeIndex(2, len(frame) + 2))
    return frame


def _sort(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    spec = table_specs()[table]
    by = [c for c in ["CHILD", *spec.get("key", []), *spec.get("datetimes", [])[:1]] if c in frame]
    by = list(dict.fromkeys(by))
    return frame.sort_values(by, kind="stable") if by else frame


def _records_json(raw: pd.DataFrame) -> pd.Series:
    cols = [c for c in raw.columns if c not in META]
    if raw.empty:
        return pd.Series([], dtype="str")
    return pd.Series(
        [
            json.dumps(dict(zip(cols, row, strict=True)), default=str)
            for row in raw[cols]
            .astype(object)
            .where(raw[cols].notna(), None)
            .itertuples(index=False)
        ],
        index=raw.index,
        dtype="str",
    )


# ---------------------------------------------------------------------------------------------
# whole extracts


def clean_extract(raw: RawExtract, month: str | None = None) -> CleanResult:
    """Clean every table of a loaded extract (header first, so other tables can check child IDs)."""
    order = sorted(raw.tables, key=lambda t: (t != "header", t))
    outcomes: dict[str, TableOutcome] = {}
    child_ids = None
    if "header" in raw.tables:
        outcomes["header"] = clean_table("header", raw.tables["header"])
        child_ids = pd.Index(outcomes["header"].kept["CHILD"])
    rest = [t for t in order if t != "header"]
    # the other tables are independent given the header's IDs; most of the work is in pyarrow
    # kernels that release the GIL, so two threads use both cores. Results are merged in `order`.
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(rest, pool.map(
            lambda t: clean_table(t, raw.tables[t], child_ids), rest), strict=True))
    outcomes.update(done)
    outcomes = {t: outcomes[t] for t in order}
    tables = {t: o.kept for t, o in outcomes.items()}
    quarantine = pd.concat(
        [o.quarantine for o in outcomes.values()] or [pd.DataFrame()], ignore_index=True
    )
    summary = quality_summary(raw, outcomes, month)
    return CleanResult(tables=tables, quarantine=quarantine, summary=summary)


def quality_summary(raw: RawExtract, outcomes: dict[str, TableOutcome], month: str | None) -> dict:
    """The machine-readable data-quality summary written as quality.json."""
    table_rows = {}
    rule_rows = []
    for table, o in outcomes.items():
        quarantined = len(o.quarantine)
        corrected_cells = sum(n for r, n in o.counts.items() if rules()[r]["action"] == "correct")
        table_rows[table] = {
            "rows_in": o.rows_in,
            "kept": len(o.kept),
            "merged": o.merged,
            "quarantined": quarantined,
            "corrected_cells": corrected_cells,
        }
        for rule_id, spec in rules().items():
            if o.counts.get(rule_id):
                rule_rows.append(
                    {
                        "rule": rule_id,
                        "table": table,
                        "action": spec["action"],
                        "description": spec["description"],
                        "rows": o.counts[rule_id],
                    }
                )
    totals = {
        k: sum(t[k] for t in table_rows.values())
        for k in ("rows_in", "kept", "merged", "quarantined", "corrected_cells")
    }
    return {
        "month": month,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw_dir": str(raw.folder),
        "pipeline_version": __version__,
        "files": [vars(f) for f in raw.files],
        "tables": table_rows,
        "rules": rule_rows,
        "totals": totals,
    }


def clean_month(month: str, raw_dir: str | Path, processed_dir: str | Path) -> CleanResult:
    """Load the extract in `raw_dir`, clean it, and write typed parquet + quarantine + quality.json."""
    result = clean_extract(load_extract(raw_dir), month=month)
    from pipeline.schema import validate_tables  # pandera is slow to import; only needed here

    validate_tables(result.tables)
    write_processed(result, processed_dir)
    return result


def ensure_clean(
    month: str, raw_dir: str | Path, processed_dir: str | Path, read: bool = True
) -> dict[str, pd.DataFrame] | None:
    """The month's cleaned tables: read from `processed_dir` when they were made from the same raw
    files by the same code, otherwise cleaned afresh (and written). `read=False` only brings the
    folder up to date and returns None."""
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"{raw_dir}: no extract folder for {month}")
    raw_files = sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    key = digest_files(raw_files, extra=f"{month}|{code_digest()}")
    stamp = processed_dir / ".fingerprint"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == key:
        return read_processed(processed_dir) if read else None
    result = clean_month(month, raw_dir, processed_dir)
    atomic_write_text(key, stamp)
    return result.tables if read else None


def write_processed(result: CleanResult, out_dir: str | Path) -> None:
    """Write each table as parquet, the quarantine, and quality.json (each file atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in result.tables.items():
        atomic_write_parquet(frame, out / f"{table}.parquet")
    atomic_write_parquet(result.quarantine, out / "quarantine.parquet")
    payload = json.dumps(result.summary, indent=2, default=str).encode("utf-8")
    atomic_write_bytes(payload, out / "quality.json")


def read_processed(processed_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The cleaned tables of one month, as written by `write_processed`."""
    folder = Path(processed_dir)
    if not (folder / "quality.json").is_file():
        raise FileNotFoundError(
            f"{folder}: no cleaned data (run the cleaning for this month first)"
        )
    return {
        p.stem: pd.read_parquet(p)
        for p in sorted(folder.glob("*.parquet"))
        if p.stem != "quarantine"
    }


def to_canonical_text(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A cleaned table written back as canonical 903 text (dd/mm/yyyy dates), e.g. to re-clean it."""
    spec = table_specs()[table]
    out = {}
    for col in frame.columns:
        if col.endswith("_TIMED"):
            continue
        s = frame[col]
        if col in spec.get("datetimes", []):
            timed = frame.get(f"{col}_TIMED", pd.Series(False, index=frame.index))
            text = s.dt.strftime("%d/%m/%Y").where(~timed, s.dt.strftime("%d/%m/%Y %H:%M"))
            out[col] = text.where(s.notna(), pd.NA).astype("str")
        elif col in spec.get("dates", []):
            out[col] = s.dt.strftime("%d/%m/%Y").where(s.notna(), pd.NA).astype("str")
        else:
            out[col] = s.astype("str").where(s.notna(), pd.NA)
    return pd.DataFrame(out, index=frame.index)
