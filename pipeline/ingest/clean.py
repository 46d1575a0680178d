"""Cleaning: raw text tables -> typed tables, with every row accounted for.

Every raw row ends in exactly one of: kept (possibly corrected), merged as an exact duplicate, or
quarantined with a rule id and reason; `rows_in == kept + merged + quarantined` per table. The rules
(ids, actions, descriptions, the tables they apply to, their order) are data in
`pipeline/data/rules.toml`; each is implemented here by one function registered under its id
(`@rule("ID")`). Cleaning is idempotent: cleaning clean data changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import __version__, codes, data
from pipeline.ingest.load import RawExtract
from pipeline.ingest.normalise import (
    normalise_child_id,
    normalise_code,
    parse_dates,
    parse_whole_numbers,
    per_unique,
    per_unique_many,
)
from pipeline.paths import parse_month

META = ["_source", "_line", "_fault", "_text"]  # _fault/_text: lines the loader could not read
FLAGS = ("_TIMED", "_BLANKED")  # per-cell flag columns that follow their column
_STILL_IN_CARE = data.definitions()["care"]["still_in_care_rec"]


CELL_COLUMNS = ["table", "source", "line", "CHILD", "column", "rule", "reason", "value"]


@dataclass
class TableOutcome:
    """What cleaning did to one table."""

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    cells: pd.DataFrame  # the cell audit: one row per blanked cell (CELL_COLUMNS)
    rows_in: int = 0
    merged: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # rule id -> rows/cells affected


@dataclass
class CleanResult:
    """Typed tables, the quarantine, the cell audit and the quality summary (quality.json)."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    cells: pd.DataFrame
    summary: dict


# ---------------------------------------------------------------------------------- the rules


@dataclass
class Work:
    """One table on its way through the rules: its raw text, the typed values built so far, and
    what each rule did (quarantined rows with their rule and reason, counts per rule)."""

    table: str
    spec: dict
    raw: pd.DataFrame
    child_ids: pd.Index | None
    as_at: pd.Timestamp | None = None  # the extract's reference date: where open records end
    values: dict[str, pd.Series] = field(default_factory=dict)
    unreadable: dict[str, pd.Series] = field(default_factory=dict)  # column -> mask
    counts: dict[str, int] = field(default_factory=dict)
    merged: pd.Index | None = None
    dates: dict = field(default_factory=dict)  # column -> its DATE-NORM results, read already
    kept: pd.DataFrame | None = None  # set once the row rules are done
    next_start: pd.Series | None = None  # episodes: the child's next DECOM (structure rules)

    def __post_init__(self) -> None:
        self.rule_of = pd.Series(pd.NA, index=self.raw.index, dtype="str")
        self.reasons = pd.Series(pd.NA, index=self.raw.index, dtype="str")
        self.key_columns = set(self.spec.get("key_columns", []))
        self.blanked: list[tuple[str, str, pd.Series, pd.Series]] = []  # rule, column, rows, why

    @cached_property
    def clean(self) -> pd.DataFrame:
        """The typed values (complete once the normalising rules have run), columns in the raw
        table's order (a datetime's _TIMED after it)."""
        order = []
        for col in self.raw.columns:
            if col in self.values:
                order.append(col)
                order += [f"{col}{s}" for s in FLAGS if f"{col}{s}" in self.values]
        return pd.DataFrame({c: self.values[c] for c in order}, index=self.raw.index)

    def quarantine(self, rule_id: str, mask: pd.Series, reason) -> None:
        """Set rows aside under `rule_id` unless an earlier rule did; `reason` is text or a
        function of the selected rows' index."""
        new = mask.fillna(False).astype(bool) & self.rule_of.isna()
        if not new.any():
            return
        self.rule_of.loc[new] = rule_id
        self.reasons.loc[new] = reason(new[new].index) if callable(reason) else reason
        self.count(rule_id, int(new.sum()))

    def blank(self, rule_id: str, column: str, mask: pd.Series, reason) -> None:
        """Blank one column's cells under `rule_id` (rows not set aside already): the row is kept,
        the cell recorded in the cell audit; `reason` as for `quarantine`."""
        new = mask.fillna(False).astype(bool) & self.rule_of.isna()
        if not new.any():
            return
        why = (
            reason(new[new].index) if callable(reason) else pd.Series(reason, index=new[new].index)
        )
        self.blanked.append((rule_id, column, new, why))
        self.__dict__.pop("clean", None)  # the typed frame is rebuilt with the blanked cells
        self.values[column] = self.values[column].mask(new)
        if f"{column}_TIMED" in self.values:
            self.values[f"{column}_TIMED"] = self.values[f"{column}_TIMED"] & ~new
        if f"{column}_BLANKED" in self.values:
            self.values[f"{column}_BLANKED"] = self.values[f"{column}_BLANKED"] | new

    def reject(self, rule_id: str, column: str, mask: pd.Series, reason) -> None:
        """A fault in `column`: the row is set aside when it is a key column, else the cell is
        blanked (SPEC 4: faults are handled at the smallest unit that contains them)."""
        if column in self.key_columns:
            self.quarantine(rule_id, mask, reason)
        else:
            self.blank(rule_id, column, mask, reason)

    def count(self, rule_id: str, n: int) -> None:
        if n:
            self.counts[rule_id] = self.counts.get(rule_id, 0) + n

    def columns(self, kind: str) -> list[str]:
        """Columns of the table of one kind: 'child', 'date', 'integer' or 'text'."""
        dated = set(self.spec.get("dates", [])) | set(self.spec.get("datetimes", []))
        integers = self.spec.get("integers", {})
        out = []
        for col in self.raw.columns:
            if col in META:
                continue
            found = (
                "child"
                if col == "CHILD"
                else "date"
                if col in dated
                else "integer"
                if col in integers
                else "text"
            )
            if found == kind:
                out.append(col)
        return out


RULES: dict[str, Callable[[Work], None]] = {}


def rule(rule_id: str):
    """Register the implementation of a rules.toml rule."""

    def register(fn: Callable[[Work], None]) -> Callable[[Work], None]:
        if rule_id not in data.rules():
            raise KeyError(f"{rule_id} is not a rule in pipeline/data/rules.toml")
        RULES[rule_id] = fn
        return fn

    return register


def applies(rule_id: str, table: str) -> bool:
    """Whether a rule runs on a table (`tables` in rules.toml; default every table)."""
    return table in data.rules()[rule_id].get("tables", [table])


@rule("ROW-UNREADABLE")
def _row_unreadable(w: Work) -> None:
    if "_fault" in w.raw:
        faults = w.raw["_fault"]
        w.quarantine("ROW-UNREADABLE", faults.notna(), lambda rows: faults[rows])


@rule("ID-NORM")
def _id_norm(w: Work) -> None:
    for col in w.columns("child"):  # string kernels over the whole column: cheaper than hashing
        w.values[col], changed = normalise_child_id(w.raw[col])
        w.count("ID-NORM", int(changed.sum()))


@rule("CODE-NORM")
def _code_norm(w: Work) -> None:
    code_cols = w.spec.get("codes", {})
    for col in w.columns("text"):
        w.values[col], changed = normalise_code(w.raw[col], upper=col in code_cols)
        w.count("CODE-NORM", int(changed.sum()))


@rule("DATE-NORM")
def _date_norm(w: Work) -> None:
    datetimes = set(w.spec.get("datetimes", []))
    for col in w.columns("date"):
        keep_time = col in datetimes
        values, changed, timed, invalid = w.dates.get(col) or per_unique(
            w.raw[col], lambda u, keep_time=keep_time: parse_dates(u, keep_time)
        )
        w.values[col] = values
        if keep_time:
            w.values[f"{col}_TIMED"] = timed
        if col in w.spec.get("flag_blanked", []):
            w.values[f"{col}_BLANKED"] = pd.Series(False, index=w.raw.index)
        w.unreadable[col] = invalid
        w.count("DATE-NORM", int(changed.sum()))


@rule("NUM-NORM")
def _num_norm(w: Work) -> None:
    for col in w.columns("integer"):
        low, high = w.spec["integers"][col]
        values, changed, invalid = per_unique(
            w.raw[col], lambda u, low=low, high=high: parse_whole_numbers(u, low, high)
        )
        w.values[col] = values
        w.unreadable[col] = invalid
        w.count("NUM-NORM", int(changed.sum()))


@rule("REQ-MISSING")
def _req_missing(w: Work) -> None:
    blank = pd.Series(False, index=w.raw.index)
    first_blank = pd.Series(pd.NA, index=w.raw.index, dtype="str")
    for col in w.spec.get("not_null", []):
        is_blank = w.raw[col].isna() | (w.raw[col].str.strip() == "")
        first_blank = first_blank.mask(is_blank & first_blank.isna(), col)
        blank |= is_blank.fillna(True)
    w.quarantine("REQ-MISSING", blank, lambda i: first_blank[i] + " is blank")


@rule("DATE-INVALID")
def _date_invalid(w: Work) -> None:
    for col in w.columns("date"):
        w.reject(
            "DATE-INVALID",
            col,
            w.unreadable[col],
            lambda i, c=col: f"{c} = " + w.raw.loc[i, c] + " is not a date",
        )


@rule("SDQ-RANGE")
def _sdq_range(w: Work) -> None:
    for col in w.columns("integer"):
        low, high = w.spec["integers"][col]
        w.reject(
            "SDQ-RANGE",
            col,
            w.unreadable[col],
            lambda i, c=col, rng=f" is not {low}-{high}": f"{c} = " + w.raw.loc[i, c] + rng,
        )


def _collection_year_text(years: pd.Series) -> pd.Series:
    return years.astype("str") + "-" + ((years + 1) % 100).astype("str").str.zfill(2)


@rule("CODE-INVALID")
def _code_invalid(w: Work) -> None:
    start, until = w.spec.get("code_date"), w.spec.get("code_until")
    first = last = None
    if start:
        first = codes.collection_years(w.values[start])
        last = first
        if until:
            end = w.values[until]
            if w.as_at is not None:
                end = end.fillna(w.as_at)  # open: spans up to the extract's month
            last = codes.collection_years(end)
    for col, list_name in w.spec.get("codes", {}).items():
        if col not in w.values:
            continue
        ok = codes.valid_in_years(list_name, w.values[col], first, last)

        def reason(i, c=col):
            text = f"{c} = " + w.values[c][i].astype("str") + " is not a valid code"
            if first is None:
                return text
            span = _collection_year_text(first[i])
            later = last[i].notna() & (last[i] != first[i])
            span = span.mask(later, span + " to " + _collection_year_text(last[i]))
            return text + " in " + span.fillna("any year").astype("str")

        w.reject("CODE-INVALID", col, ~ok, reason)


@rule("EPI-END-BEFORE-START")
def _epi_end_before_start(w: Work) -> None:
    w.quarantine("EPI-END-BEFORE-START", w.values["DEC"] < w.values["DECOM"], "DEC is before DECOM")


@rule("MIS-END-BEFORE-START")
def _mis_end_before_start(w: Work) -> None:
    w.reject(
        "MIS-END-BEFORE-START",
        "MIS_END",
        w.values["MIS_END"] < w.values["MIS_START"],
        "MIS_END is before MIS_START",
    )


@rule("DUP-EXACT")
def _dup_exact(w: Work) -> None:
    clean = w.clean
    alive = w.rule_of.isna()
    value_cols = [c for c in clean.columns if not c.endswith(FLAGS)]
    dup = _duplicated(clean if alive.all() else clean.loc[alive], value_cols, keep="first")
    w.merged = dup.index[dup]
    w.count("DUP-EXACT", len(w.merged))


@rule("DUP-CONFLICT")
def _dup_conflict(w: Work) -> None:
    """Rows sharing the table's `unique` columns but differing elsewhere. When they differ in a
    key column nothing says which copy is right: every copy is set aside. When they differ only
    in other columns, one row is kept (the rest merged into it) with those cells blanked."""
    key = w.spec.get("unique", [])
    if not key:
        return
    clean = w.clean
    alive = w.rule_of.isna() & ~clean.index.isin(w.merged)
    conflict = _duplicated(clean.loc[alive], key, keep=False)
    rows = clean.loc[conflict[conflict].index]
    if rows.empty:
        return
    group = rows.groupby(key, sort=False, dropna=False).ngroup()
    others = [c for c in clean.columns if c not in key and not c.endswith(FLAGS)]
    differs = rows[others].groupby(group.to_numpy()).nunique(dropna=False) > 1
    in_key = [c for c in others if c in w.key_columns]
    keyed = differs[in_key].any(axis=1) if in_key else pd.Series(False, index=differs.index)
    doomed = group.isin(keyed.index[keyed]).to_numpy()
    w.quarantine(
        "DUP-CONFLICT",
        pd.Series(doomed, index=rows.index).reindex(clean.index, fill_value=False),
        "rows share " + "+".join(key) + " but differ in a key column",
    )
    mild = rows.loc[~doomed]
    if mild.empty:
        return
    first = ~group.loc[mild.index].duplicated()
    w.merged = w.merged.append(mild.index[~first.to_numpy()])
    kept, kept_group = mild.index[first.to_numpy()], group.loc[mild.index][first].to_numpy()
    for column in others:
        hit = differs.loc[kept_group, column].to_numpy()
        if not hit.any():
            continue
        values = rows[column].astype("str").fillna("(blank)").groupby(group.to_numpy())
        listed = values.agg(lambda v: " / ".join(dict.fromkeys(v)))
        why = pd.Series(
            "rows share "
            + "+".join(key)
            + f" but give {column} as "
            + listed.loc[kept_group].to_numpy(),
            index=kept,
        )
        w.blank(
            "DUP-CONFLICT",
            column,
            pd.Series(hit, index=kept).reindex(clean.index, fill_value=False),
            why,
        )


def _settle(w: Work) -> None:
    """After the row rules: the kept rows in their final order (episodes by child and start,
    other tables as `_sort`), and for episodes each next start. The order is worked out on the
    key columns and the whole frame taken once."""
    clean = w.clean
    rows = np.flatnonzero((w.rule_of.isna() & ~clean.index.isin(w.merged)).to_numpy())
    if w.table == "episodes":
        child = pd.factorize(clean["CHILD"].array[rows])[0]
        rows = rows[np.lexsort((clean["DECOM"].to_numpy()[rows], child))]
    else:
        by = _sort_columns(clean, w.table)
        if by:
            keys = pd.DataFrame({c: clean[c].array[rows] for c in by})
            rows = rows[keys.sort_values(by, kind="stable").index.to_numpy()]
    kept = clean if np.array_equal(rows, np.arange(len(clean))) else clean.iloc[rows]
    if w.table == "episodes":
        w.next_start = kept.groupby("CHILD", sort=False)["DECOM"].shift(-1)
    w.kept = kept


def _x1(ep: pd.DataFrame) -> pd.Series:
    return ep["REC"].eq(_STILL_IN_CARE).fillna(False).astype(bool)


@rule("EPI-OVERLAP")
def _epi_overlap(w: Work) -> None:
    ep, nxt = w.kept, w.next_start
    overlap = _x1(ep) & nxt.notna() & (ep["DEC"] > nxt)
    if overlap.any():
        w.count("EPI-OVERLAP", int(overlap.sum()))
        w.kept = ep.assign(DEC=ep["DEC"].mask(overlap, nxt))


@rule("EPI-OPEN-NOT-LAST")
def _epi_open_not_last(w: Work) -> None:
    ep, nxt = w.kept, w.next_start
    mask = nxt.notna() & (ep["DEC"].isna() | (~_x1(ep) & (ep["DEC"] > nxt)))
    w.count("EPI-OPEN-NOT-LAST", int(mask.fillna(False).sum()))


@rule("EPI-GAP")
def _epi_gap(w: Work) -> None:
    ep, nxt = w.kept, w.next_start
    w.count("EPI-GAP", int((_x1(ep) & nxt.notna() & (nxt > ep["DEC"])).fillna(False).sum()))


@rule("EPI-SAME-DAY")
def _epi_same_day(w: Work) -> None:
    w.count("EPI-SAME-DAY", int((w.kept["DEC"] == w.kept["DECOM"]).fillna(False).sum()))


@rule("ORPHAN")
def _orphan(w: Work) -> None:
    if w.child_ids is None or w.table == "header":
        return
    w.count("ORPHAN", int((~_isin(w.kept["CHILD"], w.child_ids)).sum()))


ROW_RULES_END = "DUP-CONFLICT"  # the rules up to here decide which rows are kept


def clean_table(
    table: str,
    frame: pd.DataFrame,
    child_ids: pd.Index | None = None,
    as_at: pd.Timestamp | None = None,
    dates: dict | None = None,
) -> TableOutcome:
    """Apply every rule to one raw table; return kept rows (typed), quarantined rows, the cell
    audit and counts. `as_at` (the extract's reference date) ends open records' spans; `dates`
    holds date columns already read (`read_dates`)."""
    spec = data.tables()[table]
    w = Work(table, spec, _with_required_columns(frame, spec), child_ids, as_at, dates=dates or {})
    for rule_id in data.rules():
        if applies(rule_id, table):
            RULES[rule_id](w)
        if rule_id == ROW_RULES_END:
            _settle(w)
    kept = w.kept  # in order (`_settle`)
    raw, q_mask = w.raw, w.rule_of.notna()
    quarantined = pd.DataFrame(
        {
            "table": table,
            "source": raw.loc[q_mask, "_source"].astype("str"),
            "line": raw.loc[q_mask, "_line"].astype("int64"),
            "CHILD": w.values["CHILD"][q_mask].astype("str"),
            "rule": w.rule_of[q_mask],
            "reason": w.reasons[q_mask],
            "record": _records_json(raw.loc[q_mask]),
        }
    ).reset_index(drop=True)
    return TableOutcome(
        kept.reset_index(drop=True),
        quarantined,
        _cell_audit(w),
        rows_in=len(raw),
        merged=len(w.merged),
        counts=w.counts,
    )


def _cell_audit(w: Work) -> pd.DataFrame:
    """One row per cell blanked in a row that was not set aside: where it was, which rule, why,
    and the value as the file gave it."""
    parts = []
    for rule_id, column, rows, why in w.blanked:
        rows = rows & w.rule_of.isna()
        if not rows.any():
            continue
        raw = w.raw.loc[rows]
        parts.append(
            pd.DataFrame(
                {
                    "table": w.table,
                    "source": raw["_source"].astype("str"),
                    "line": raw["_line"].astype("int64"),
                    "CHILD": w.values["CHILD"][rows].astype("str"),
                    "column": column,
                    "rule": rule_id,
                    "reason": why[rows[rows].index].astype("str"),
                    "value": raw[column].astype("str"),
                }
            )
        )
    if not parts:
        return _cell_audit_empty()
    return pd.concat(parts, ignore_index=True)[CELL_COLUMNS]


def _cell_audit_empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "line" else "str") for c in CELL_COLUMNS}
    )


def _duplicated(frame: pd.DataFrame, columns: list[str], keep) -> pd.Series:
    """DataFrame.duplicated over `columns` (missing equals missing), made fast: rows can only be
    equal where their child and their dates and numbers are, so those cheap columns are compared
    first and the text columns only on the rows that repeat them."""
    out = pd.Series(False, index=frame.index)
    if frame.empty:
        return out
    cheap = [c for c in columns if c == "CHILD" or not pd.api.types.is_string_dtype(frame[c])]
    codes = pd.Series(_row_codes(frame, cheap or columns))
    if len(cheap) in (0, len(columns)):
        return pd.Series(codes.duplicated(keep=keep).to_numpy(), index=frame.index)
    candidates = codes.duplicated(keep=False).to_numpy()
    if candidates.any():
        out.iloc[candidates] = frame.loc[candidates, columns].duplicated(keep=keep).to_numpy()
    return out


def _row_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per row, equal exactly where the rows' values in `columns` are: each column
    factorised (missing a value of its own), the codes combined column by column and renumbered
    before they could overflow."""
    codes, distinct = np.zeros(len(frame), dtype=np.int64), 1
    for col in columns:
        column, n = _column_codes(frame[col])
        if distinct * n >= 2**62:
            codes, uniques_so_far = pd.factorize(codes)
            distinct = len(uniques_so_far)
        codes = codes * n + column
        distinct *= n
    return codes


_WHOLE_NUMBER = r"^(0|[1-9][0-9]{0,17})$"  # digits that read back as the same int64, one to one


def _column_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes 0..n-1 equal exactly where the values are (missing is a value of its own), and n.
    Text written as a plain whole number (child IDs, mostly) is read as that number rather than
    hashed as text; other text is hashed apart from it."""
    if not pd.api.types.is_string_dtype(values):
        column, uniques = pd.factorize(values, use_na_sentinel=True)
        return column + 1, len(uniques) + 1
    text = pa.array(values.array)
    number = pc.fill_null(pc.match_substring_regex(text, _WHOLE_NUMBER), False)
    number = number.to_numpy(zero_copy_only=False)
    keys = np.zeros(len(values), dtype=np.int64)
    keys[number] = pc.cast(text.filter(pa.array(number)), pa.int64()).to_numpy(zero_copy_only=False)
    if not number.all():  # other text (and missing) below zero, numbered apart from the numbers
        other, _ = pd.factorize(values[~number], use_na_sentinel=False)
        keys[~number] = -1 - other
    column, uniques = pd.factorize(keys)
    return column, len(uniques)


def _isin(values: pd.Series, allowed: pd.Index) -> pd.Series:
    """Fast membership test for string columns (pyarrow's hash-based is_in). Building the hash
    table is the dear part: with fewer values than allowed keys (a small table against the
    header's IDs), the values' distinct text is hashed and the keys looked up in it instead."""
    text, keys = (_one_chunk(pa.array(x.astype("str").array)) for x in (values, allowed))
    if len(text) >= len(keys):
        found = pc.is_in(text, value_set=keys).to_numpy(zero_copy_only=False)
    else:
        encoded = pc.dictionary_encode(text)
        seen = np.zeros(len(encoded.dictionary) + 1, dtype=bool)  # the extra slot: missing
        hit = pc.index_in(keys, value_set=encoded.dictionary).drop_null()
        seen[hit.to_numpy(zero_copy_only=False)] = True
        found = seen[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)]
    return pd.Series(found, index=values.index, dtype=bool)


def _one_chunk(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def read_dates(tables: dict[str, pd.DataFrame], names, keep_time: bool) -> dict:
    """DATE-NORM's results for the date columns (`keep_time`: the date-time ones) of the tables
    `names`, {(table, column): (values, changed, timed, invalid)}: every column's distinct
    values read in one call (`per_unique_many`)."""
    columns = []
    for table in names:
        spec = data.tables()[table]
        datetimes = set(spec.get("datetimes", []))
        dated = set(spec.get("dates", [])) | datetimes
        columns += [
            (table, c)
            for c in tables[table].columns
            if c in dated and c not in META and (c in datetimes) == keep_time
        ]
    read = per_unique_many([tables[t][c] for t, c in columns], lambda u: parse_dates(u, keep_time))
    return dict(zip(columns, read, strict=True))


def _with_required_columns(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    missing = [c for c in spec["required"] if c not in frame.columns]
    if missing:
        frame = frame.assign(
            **{c: pd.Series(pd.NA, index=frame.index, dtype="str") for c in missing}
        )
    if "_source" not in frame.columns:
        frame = frame.assign(_source="", _line=pd.RangeIndex(2, len(frame) + 2))
    return frame


def _sort_columns(frame: pd.DataFrame, table: str) -> list[str]:
    """What a cleaned table (other than episodes) is sorted by: the child, the table's unique
    columns, then its first date-time."""
    spec = data.tables()[table]
    by = [
        c for c in ["CHILD", *spec.get("unique", []), *spec.get("datetimes", [])[:1]] if c in frame
    ]
    return list(dict.fromkeys(by))


def _records_json(raw: pd.DataFrame) -> pd.Series:
    """Each row as the file gave it: its values as JSON, or the unreadable line's text."""
    cols = [c for c in raw.columns if c not in META]
    if raw.empty:
        return pd.Series([], dtype="str")
    records = pd.Series(
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
    if "_text" in raw:
        records = raw["_text"].where(raw["_text"].notna(), records).astype("str")
    return records


# ---------------------------------------------------------------------------------- extracts


def clean_extract(raw: RawExtract, month: str | None = None) -> CleanResult:
    """Clean every table of a loaded extract (header first, so other tables can check child IDs).
    With `month`, open records are judged up to its last day."""
    as_at = parse_month(month).to_timestamp(how="end").normalize() if month else None
    order = sorted(raw.tables, key=lambda t: (t != "header", t))
    outcomes: dict[str, TableOutcome] = {}
    child_ids = None
    rest = [t for t in order if t != "header"]
    # the other tables are independent given the header's IDs; most of the work is in pyarrow
    # kernels that release the GIL, so two threads use both cores. Their dates are read first,
    # all tables at once (while the header is cleaned). Results are merged in `order`.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = [pool.submit(read_dates, raw.tables, rest, k) for k in (False, True)]
        if "header" in raw.tables:
            outcomes["header"] = clean_table("header", raw.tables["header"], as_at=as_at)
            child_ids = pd.Index(outcomes["header"].kept["CHILD"])
        dates: dict[str, dict] = {t: {} for t in rest}
        for done_reading in reading:
            for (t, col), results in done_reading.result().items():
                dates[t][col] = results
        done = dict(
            zip(
                rest,
                pool.map(lambda t: clean_table(t, raw.tables[t], child_ids, as_at, dates[t]), rest),
                strict=True,
            )
        )
    outcomes.update(done)
    outcomes = {t: outcomes[t] for t in order}
    tables = {t: o.kept for t, o in outcomes.items()}
    quarantine = pd.concat(
        [o.quarantine for o in outcomes.values()] or [pd.DataFrame()], ignore_index=True
    )
    cells = pd.concat(
        [o.cells for o in outcomes.values()] or [_cell_audit_empty()], ignore_index=True
    )
    summary = quality_summary(raw, outcomes, month)
    return CleanResult(tables=tables, quarantine=quarantine, cells=cells, summary=summary)


def quality_summary(raw: RawExtract, outcomes: dict[str, TableOutcome], month: str | None) -> dict:
    """The machine-readable data-quality summary written as quality.json."""
    rules = data.rules()
    records: dict[str, int] = {}  # each table's records as its files counted them, before parsing
    for f in raw.files:
        if f.table is not None:
            records[f.table] = records.get(f.table, 0) + f.records
    table_rows = {}
    rule_rows = []
    cell_rows = []
    for table, o in outcomes.items():
        corrected_cells = sum(n for r, n in o.counts.items() if rules[r]["action"] == "correct")
        table_rows[table] = {
            "records_in_files": records.get(table, o.rows_in),
            "rows_in": o.rows_in,
            "kept": len(o.kept),
            "merged": o.merged,
            "quarantined": len(o.quarantine),
            "corrected_cells": corrected_cells,
            "blanked_cells": len(o.cells),
        }
        per_cell = o.cells.groupby(["rule", "column"], sort=False).size()
        for (rule_id, column), n in per_cell.items():
            cell_rows.append(
                {
                    "rule": rule_id,
                    "table": table,
                    "column": column,
                    "description": rules[rule_id]["description"],
                    "cells": int(n),
                }
            )
        quarantined_by = o.quarantine["rule"].value_counts().to_dict()
        for rule_id, spec in rules.items():
            if spec["action"] in ("reject", "blank"):
                if quarantined_by.get(rule_id):
                    rule_rows.append(
                        {
                            "rule": rule_id,
                            "table": table,
                            "action": "quarantine",
                            "description": spec["description"],
                            "rows": int(quarantined_by[rule_id]),
                        }
                    )
                continue
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
        for k in ("rows_in", "kept", "merged", "quarantined", "corrected_cells", "blanked_cells")
    }
    return {
        "month": month,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw_dir": str(raw.folder),
        "pipeline_version": __version__,
        "files": [vars(f) for f in raw.files],
        "tables": table_rows,
        "rules": rule_rows,
        "cells": cell_rows,
        "totals": totals,
    }


def to_canonical_text(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A cleaned table written back as canonical 903 text (dd/mm/yyyy dates), e.g. to re-clean it."""
    spec = data.tables()[table]
    out = {}
    for col in frame.columns:
        if col.endswith(FLAGS):
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
