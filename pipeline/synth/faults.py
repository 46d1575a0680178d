"""Fault injection: the dirty raw copy of each extract and the log of its faults.

Faults injected into the raw copy, as rates per row of each table (at least one of each kind per
extract; each child carries at most one unrecoverable or structural fault across all tables;
recoverable formatting faults only touch rows without one):

- recoverable: id_format 2%, date_format 3%, code_format 3%, number_format 5% (SDQ scores),
  exact_duplicate 0.5%, episode_overlap 0.4% (of X1 episodes);
- unrecoverable: conflicting_duplicate 0.1%, end_before_start 0.1%, missing_end_before_start
  0.2%, sdq_out_of_range 0.3%, invalid_code 0.1%, invalid_date 0.1%, blank_child 0.05%.

FAULT_RATES holds the rates; docs/architecture.md names the cleaning rule answering each.
Faults stay faults whatever year cleaning judges a record by: an invalid code is invalid in
every collection year the record spans ('ZZ', 'PN9'; 'K3' only on an episode ended before
2024-25). faults.csv (FAULT_COLUMNS) names the column each fault touched, so a fault in a key
column (tables.toml `key_columns`: the row is quarantined) can be told from one elsewhere (the
cell is blanked, the row kept); `recoverable` means cleaning restores the truth's value.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from pipeline import codes

FAULT_RATES = {
    # recoverable (cleaning restores the truth)
    "id_format": 0.02,  # CHILD with spaces, leading zeros or '.0'              -> ID-NORM
    "date_format": 0.03,  # ISO, ' 00:00' time or Excel serial                 -> DATE-NORM
    "code_format": 0.03,  # code lower case or padded                          -> CODE-NORM
    "number_format": 0.05,  # SDQ score as '17.0' or ' 17 '                    -> NUM-NORM
    "exact_duplicate": 0.005,  # a row repeated                                -> DUP-EXACT
    "episode_overlap": 0.004,  # DEC of an X1 episode pushed 1-30 days past the next DECOM
    # unrecoverable (cleaning cannot restore the truth's value: a row with the fault in a key
    # column is quarantined, elsewhere the cell is blanked)
    "conflicting_duplicate": 0.001,  # same key, another PLACE/score/ETHNIC    -> DUP-CONFLICT
    "end_before_start": 0.001,  # episode DEC before DECOM                     -> EPI-END-BEFORE-START
    "missing_end_before_start": 0.002,  # MIS_END before MIS_START             -> MIS-END-BEFORE-START
    "sdq_out_of_range": 0.003,  # score 41, -1, 99 or 'n/a'                    -> SDQ-RANGE
    "invalid_code": 0.001,  # PLACE 'ZZ' / 'K3' ended before 2024-25, REVIEW_CODE 'PN9'-> CODE-INVALID
    "invalid_date": 0.001,  # '31/02/2016' or 'unknown' in a required date      -> DATE-INVALID
    "blank_child": 0.0005,  # CHILD blank                                        -> REQ-MISSING
}
RECOVERABLE = {k: i < 6 for i, k in enumerate(FAULT_RATES)}
# faults.csv: one row per fault; `column` is the column whose cell the fault touched (blank for
# row-level faults: exact duplicates, overlaps, a blank CHILD), so a fault in a key column
# (tables.toml `key_columns`: the row is quarantined) can be told from one elsewhere (the cell is
# blanked, the row kept). A conflicting duplicate names the column its copies disagree in.
FAULT_COLUMNS = ["table", "fault", "recoverable", "CHILD", "KEY", "column"]
CONFLICT_COLUMN = {"episodes": "PLACE", "header": "ETHNIC", "sdq": "SDQ_SCORE", "oc2": "SDQ_SCORE"}

KEY_DATE = {
    "episodes": "DECOM",
    "missing": "MIS_START",
    "sdq": "SDQ_DATE",
    "reviews": "REVIEW",
    "health": "HEALTH_DATE",
    "sw_episodes": "SW_DECOM",
    "dolo": "DOLO_START",
}
DATE_COLUMNS = {
    "header": ["DOB", "MC_DOB"],
    "episodes": ["DECOM", "DEC"],
    "missing": ["DOB"],
    "sdq": ["SDQ_DATE"],
    "oc2": ["DOB"],
    "reviews": ["DOB", "REVIEW"],
    "health": ["HEALTH_DATE"],
    "sw_episodes": ["DOB", "SW_DECOM", "SW_DEC"],
    "dolo": ["DOB", "DOLO_START", "DOLO_END"],
}
DATETIME_COLUMNS = {"missing": ["MIS_START", "MIS_END", "RHI_DATE"]}
CODE_COLUMNS = {
    "header": ["SEX"],
    "episodes": ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"],
    "missing": ["MISSING", "RHI_OFFERED", "RHI_ACCEPTED"],
    "sdq": ["SDQ_REASON"],
    "oc2": ["SDQ_REASON"],
    "reviews": ["REVIEW_CODE"],
    "health": ["HEALTH_TYPE"],
}


def _iso_key(table: str, frame: pd.DataFrame) -> pd.Series:
    """The key date of each row in ISO form ('' for header/oc2), from canonical text."""
    col = KEY_DATE.get(table)
    if col is None:
        return pd.Series("", index=frame.index, dtype=object)
    s = frame[col].astype(str)
    iso = s.str[6:10] + "-" + s.str[3:5] + "-" + s.str[0:2] + s.str[10:]
    return iso.where(s != "", "")


UNRECOVERABLE_TABLES = {
    "conflicting_duplicate": ["episodes", "sdq", "header", "oc2"],
    "end_before_start": ["episodes"],
    "missing_end_before_start": ["missing"],
    "sdq_out_of_range": ["sdq"],
    "invalid_code": ["episodes", "reviews"],
    "invalid_date": ["episodes", "sdq", "reviews", "missing", "sw_episodes"],
    "blank_child": ["episodes", "missing", "sdq", "reviews"],
    "episode_overlap": ["episodes"],
}


def _eligible(kind: str, table: str, df: pd.DataFrame) -> np.ndarray:
    """Rows of `table` a fault of `kind` can go into (a CHILD, and the fields it changes)."""
    ok = df["CHILD"].to_numpy() != ""
    if kind == "conflicting_duplicate" and table in ("sdq", "oc2"):
        ok &= df["SDQ_SCORE"].to_numpy() != ""
    if kind == "end_before_start":
        ok &= df["DEC"].to_numpy() != ""
    if kind == "episode_overlap":
        ok &= (df["DEC"].to_numpy() != "") & (df["REC"].to_numpy() == "X1")
    if kind == "missing_end_before_start":
        ok &= df["MIS_END"].to_numpy() != ""
    if kind == "sdq_out_of_range":
        ok &= df["SDQ_SCORE"].to_numpy() != ""
    return ok


def _shift_date(text: pd.Series, days: np.ndarray) -> np.ndarray:
    """DD/MM/YYYY dates moved by `days`."""
    d = pd.to_datetime(text, format="%d/%m/%Y") + pd.to_timedelta(days, unit="D")
    return d.dt.strftime("%d/%m/%Y").to_numpy(dtype=object)


def _k3_invalid(frame: pd.DataFrame, as_at: pd.Timestamp | None) -> np.ndarray:
    """True where PLACE 'K3' would be invalid in every collection year the episode spans (DECOM
    to DEC; an open one up to the extract's month `as_at`, or for ever without it), as cleaning
    judges codes (tables.toml `code_date`, `code_until`): only episodes ended before 2024-25."""
    decom = pd.to_datetime(frame["DECOM"], format="%d/%m/%Y")
    dec = pd.to_datetime(frame["DEC"].replace("", None), format="%d/%m/%Y")
    if as_at is not None:
        dec = dec.fillna(as_at)
    first = codes.collection_years(decom)
    last = codes.collection_years(dec)
    k3 = pd.Series("K3", index=frame.index, dtype=object)
    return ~codes.valid_in_years("PLACE", k3, first, last).to_numpy()


def table_stream(seed, table: str) -> np.random.Generator:
    """The random stream of one table's faults: seeded by the extract's seed (a sequence of
    integers) and a stable hash of the table's name, so adding, removing or changing a table never
    moves the faults of another."""
    return np.random.default_rng([*np.atleast_1d(seed).tolist(), zlib.crc32(table.encode())])


def inject(tables: dict[str, pd.DataFrame], seed, as_at=None):
    """The dirty copy of one extract, its faults (FAULT_COLUMNS) and each dirty row's true CHILD
    ({table: array}, for the XML form, which nests rows under their child). `seed`: the
    extract's seed (integers), each table drawing from its own stream (table_stream). `as_at`:
    the extract's reference date (the end of open records' spans). A child carries at most one
    unrecoverable or structural fault across all tables (the tables listed per kind in
    UNRECOVERABLE_TABLES, in that order)."""
    streams = {t: table_stream(seed, t) for t in tables}
    dirty = {t: df.copy() for t, df in tables.items()}
    keys = {t: _iso_key(t, df) for t, df in tables.items()}
    touched = {t: np.zeros(len(df), dtype=bool) for t, df in tables.items()}
    extra: dict[str, list[pd.DataFrame]] = {t: [] for t in tables}
    extra_owner: dict[str, list[np.ndarray]] = {t: [] for t in tables}
    log: list[pd.DataFrame] = []
    used = pd.Index([], dtype=object)

    def record(table, kind, rows, column=""):
        log.append(
            pd.DataFrame(
                {
                    "table": table,
                    "fault": kind,
                    "recoverable": RECOVERABLE[kind],
                    "CHILD": tables[table]["CHILD"].to_numpy()[rows],
                    "KEY": keys[table].to_numpy()[rows],
                    "column": column,
                }
            )
        )

    def add_rows(table, frame, rows):
        extra[table].append(frame)
        extra_owner[table].append(tables[table]["CHILD"].to_numpy()[rows])

    def pick(table, kind, ok, minimum):
        rng = streams[table]
        n_ok = int(ok.sum())
        if n_ok == 0:
            return np.zeros(0, dtype=np.int64)
        k = max(int(rng.binomial(n_ok, FAULT_RATES[kind])), minimum)
        rows = np.sort(rng.choice(np.flatnonzero(ok), size=min(k, n_ok), replace=False))
        return rows

    for kind, table_list in UNRECOVERABLE_TABLES.items():
        for i, table in enumerate(table_list):
            if table not in tables:  # a table of later collection years only
                continue
            df = tables[table]
            d = dirty[table]
            rng = streams[table]
            ok = _eligible(kind, table, df) & ~df["CHILD"].isin(used).to_numpy()
            rows = pick(table, kind, ok, 1 if i == 0 else 0)
            # one fault per child
            rows = rows[~pd.Series(df["CHILD"].to_numpy()[rows]).duplicated().to_numpy()]
            if not len(rows):
                continue
            used = used.append(pd.Index(df["CHILD"].to_numpy()[rows]))
            touched[table][rows] = True
            record(table, kind, rows, _fault_column(kind, table, df, rows))
            idx = d.index[rows]
            if kind == "conflicting_duplicate":
                copy = d.loc[idx].copy()
                if table == "episodes":
                    copy["PLACE"] = np.where(copy["PLACE"] == "U4", "U6", "U4")
                elif table == "header":
                    copy["ETHNIC"] = np.where(copy["ETHNIC"] == "WBRI", "WOTH", "WBRI")
                else:
                    score = copy["SDQ_SCORE"].astype(int)
                    copy["SDQ_SCORE"] = ((score + 3) % 41).astype(str)
                add_rows(table, copy, rows)
            elif kind == "end_before_start":
                d.loc[idx, "DEC"] = _shift_date(
                    df.loc[idx, "DECOM"], -rng.integers(1, 30, len(idx))
                )
            elif kind == "episode_overlap":
                d.loc[idx, "DEC"] = _shift_date(df.loc[idx, "DEC"], rng.integers(1, 31, len(idx)))
            elif kind == "missing_end_before_start":
                start = pd.to_datetime(df.loc[idx, "MIS_START"], format="%d/%m/%Y %H:%M")
                end = start - pd.to_timedelta(5 * rng.integers(1, 120, len(idx)), unit="min")
                d.loc[idx, "MIS_END"] = end.dt.strftime("%d/%m/%Y %H:%M")
            elif kind == "sdq_out_of_range":
                d.loc[idx, "SDQ_SCORE"] = np.array(["41", "-1", "99", "n/a"], dtype=object)[
                    rng.integers(0, 4, len(idx))
                ]
            elif kind == "invalid_code":
                # a code invalid in every collection year the record spans ('ZZ', 'PN9' always;
                # 'K3' only on an episode ended before 2024-25), so cleaning rejects it whatever
                # year it judges the record by
                if table == "episodes":
                    k3_bad = _k3_invalid(df.loc[idx], as_at)
                    d.loc[idx, "PLACE"] = np.where(
                        k3_bad & (rng.random(len(idx)) < 0.5), "K3", "ZZ"
                    )
                else:
                    d.loc[idx, "REVIEW_CODE"] = "PN9"
            elif kind == "invalid_date":
                d.loc[idx, KEY_DATE[table]] = np.array(["31/02/2016", "unknown"], dtype=object)[
                    rng.integers(0, 2, len(idx))
                ]
            elif kind == "blank_child":
                d.loc[idx, "CHILD"] = ""

    # recoverable formatting faults, on rows without a structural/unrecoverable fault
    for i, (table, d) in enumerate(dirty.items()):
        df = tables[table]
        rng = streams[table]
        free = ~touched[table]
        rows = pick(table, "id_format", free, 1 if i == 0 else 0)
        if len(rows):
            record(table, "id_format", rows, "CHILD")
            ids = df["CHILD"].to_numpy()[rows].astype(str)
            style = rng.integers(0, 4, len(rows))
            variants = np.select(
                [style == 0, style == 1, style == 2],
                [np.char.add(" ", ids), np.char.add("00", ids), np.char.add(ids, ".0")],
                np.char.add(
                    np.char.add(np.array([s[:3] for s in ids]), " "), np.array([s[3:] for s in ids])
                ),
            )
            d.loc[d.index[rows], "CHILD"] = variants.astype(object)
        cols = DATE_COLUMNS.get(table, []) + DATETIME_COLUMNS.get(table, [])
        rows = pick(table, "date_format", free, 1 if i == 0 else 0)
        if len(rows) and cols:
            col_of = np.array(cols, dtype=object)[rng.integers(0, len(cols), len(rows))]
            for col in cols:
                sel = rows[(col_of == col) & (df[col].to_numpy()[rows] != "")]
                if not len(sel):
                    continue
                record(table, "date_format", sel, col)
                text = df[col].to_numpy()[sel].astype(str)
                idx = d.index[sel]
                if col in DATETIME_COLUMNS.get(table, []):
                    stamp = pd.to_datetime(pd.Series(text), format="%d/%m/%Y %H:%M")
                    d.loc[idx, col] = np.where(
                        rng.random(len(sel)) < 0.5,
                        stamp.dt.strftime("%Y-%m-%d %H:%M"),
                        stamp.dt.strftime("%d/%m/%Y %H:%M:%S"),
                    )
                else:
                    day = pd.to_datetime(pd.Series(text), format="%d/%m/%Y")
                    serial = ((day - pd.Timestamp("1899-12-30")).dt.days).astype(str)
                    style = rng.integers(0, 3, len(sel))
                    d.loc[idx, col] = np.select(
                        [style == 0, style == 1],
                        [
                            day.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
                            np.char.add(text, " 00:00").astype(object),
                        ],
                        serial.to_numpy(dtype=object),
                    )
        ccols = CODE_COLUMNS.get(table, [])
        rows = pick(table, "code_format", free, 1 if i == 0 else 0)
        if len(rows) and ccols:
            col_of = np.array(ccols, dtype=object)[rng.integers(0, len(ccols), len(rows))]
            for col in ccols:
                sel = rows[(col_of == col) & (df[col].to_numpy()[rows] != "")]
                if not len(sel):
                    continue
                record(table, "code_format", sel, col)
                text = df[col].to_numpy()[sel].astype(str)
                lower = (rng.random(len(sel)) < 0.5) & (np.char.lower(text) != text)
                d.loc[d.index[sel], col] = np.where(
                    lower, np.char.lower(text), np.char.add(np.char.add(" ", text), " ")
                )
        if "SDQ_SCORE" in d:
            rows = pick(table, "number_format", free & (df["SDQ_SCORE"].to_numpy() != ""), 1)
            if len(rows):
                record(table, "number_format", rows, "SDQ_SCORE")
                text = df["SDQ_SCORE"].to_numpy()[rows].astype(str)
                d.loc[d.index[rows], "SDQ_SCORE"] = np.where(
                    rng.random(len(rows)) < 0.5,
                    np.char.add(text, ".0"),
                    np.char.add(np.char.add(" ", text), " "),
                )
        rows = pick(table, "exact_duplicate", free, 1 if i == 0 else 0)
        if len(rows):
            record(table, "exact_duplicate", rows)
            add_rows(table, d.iloc[rows], rows)
    owners = {}
    for table, parts in extra.items():
        owners[table] = np.concatenate([tables[table]["CHILD"].to_numpy(), *extra_owner[table]])
        if parts:
            dirty[table] = pd.concat([dirty[table], *parts], ignore_index=True)
    faults = pd.concat(log, ignore_index=True) if log else pd.DataFrame(columns=FAULT_COLUMNS)
    return dirty, faults[FAULT_COLUMNS], owners


def _fault_column(kind: str, table: str, df: pd.DataFrame, rows: np.ndarray) -> str:
    """The column a structural or unrecoverable fault of `kind` touches ('' for row-level ones)."""
    if kind == "conflicting_duplicate":
        return CONFLICT_COLUMN[table]
    if kind == "invalid_code":
        return "PLACE" if table == "episodes" else "REVIEW_CODE"
    if kind == "invalid_date":
        return KEY_DATE[table]
    return {
        "end_before_start": "DEC",
        "missing_end_before_start": "MIS_END",
        "sdq_out_of_range": "SDQ_SCORE",
    }.get(kind, "")
