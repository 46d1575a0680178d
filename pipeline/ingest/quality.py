"""Data-quality figures from the cleaning's quality.json: accounting, rule counts, history, and
whether a month is fit to report (as data: the words are in `pipeline.report.words`).

Counts only: nothing here reads or returns child-level rows (those stay in quarantine.parquet).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import data
from pipeline.config import Settings
from pipeline.paths import parse_month

ACCOUNTING_COLUMNS = [
    "table",
    "records_in_files",
    "rows_in",
    "kept",
    "merged",
    "quarantined",
    "corrected_cells",
    "blanked_cells",
]


def read_quality(processed_dir: str | Path) -> dict:
    """The quality summary of one cleaned month (processed_dir/quality.json)."""
    path = Path(processed_dir) / "quality.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no quality summary (the month has not been cleaned)")
    return json.loads(path.read_text(encoding="utf-8"))


def _share(frame: pd.DataFrame) -> pd.Series:
    return 100 * frame["quarantined"] / frame["rows_in"].where(frame["rows_in"] > 0)


def accounting_frame(summary: dict) -> pd.DataFrame:
    """Rows in, kept, merged, quarantined per table, the share set aside, and whether they add up."""
    frame = pd.DataFrame(
        [{"table": t, **v} for t, v in summary["tables"].items()], columns=ACCOUNTING_COLUMNS
    )
    frame["blanked_cells"] = frame["blanked_cells"].fillna(0).astype("int64")  # older summaries
    frame["quarantined_pct"] = _share(frame)
    frame["balances"] = frame["rows_in"] == frame["kept"] + frame["merged"] + frame["quarantined"]
    in_files = frame["records_in_files"].fillna(frame["rows_in"])  # older summaries
    frame["reconciles"] = in_files == frame["rows_in"]
    return frame


def files_frame(summary: dict) -> pd.DataFrame:
    """One row per file (or sheet) in the extract: table, records, rows read, encoding, status,
    note (why a file was left out, lines set aside, delimiter ...)."""
    columns = ["file", "table", "records", "rows", "encoding", "status", "note"]
    frame = pd.DataFrame(summary.get("files", [])).reindex(columns=columns)
    frame["records"] = frame["records"].fillna(frame["rows"])  # older summaries
    frame["status"] = frame["status"].fillna("read")
    return frame


def cells_frame(summary: dict) -> pd.DataFrame:
    """One row per (rule, table, column) whose cells were blanked, with the number of cells."""
    columns = ["rule", "table", "column", "description", "cells"]
    return pd.DataFrame(summary.get("cells", []), columns=columns)


def rules_frame(summary: dict) -> pd.DataFrame:
    """One row per (rule, table) that fired: action (correct/merge/quarantine/flag) and row count."""
    columns = ["rule", "table", "action", "description", "rows"]
    return pd.DataFrame(summary.get("rules", []), columns=columns)


WORST_OFFENDERS = 10


def worst_offenders(summary: dict, previous: dict | None = None, n: int = WORST_OFFENDERS):
    """The rules and tables that account for most of the month's faults: one row per (rule,
    table) with the records it touched (rows for row rules, cells for blanked cells), its share
    of all touched records, the same figure last month (NaN without one) and the change; the
    `n` largest, largest first. Corrections (a value tidied, nothing lost) are left out: the
    offenders are the faults that cost a row or a value, or that need a look."""

    def touched(s: dict) -> pd.DataFrame:
        rules = rules_frame(s).rename(columns={"rows": "records"})
        cells = cells_frame(s).assign(action="blank").rename(columns={"cells": "records"})
        both = pd.concat([rules, cells], ignore_index=True)
        both = both[both["action"] != "correct"]
        return both.groupby(["rule", "table", "action"], as_index=False, sort=False).agg(
            description=("description", "first"), records=("records", "sum")
        )

    now = touched(summary)
    total = now["records"].sum()
    now["share_pct"] = 100 * now["records"] / total if total else 0.0
    if previous is not None:
        before = touched(previous)[["rule", "table", "action", "records"]]
        now = now.merge(
            before.rename(columns={"records": "previous"}),
            on=["rule", "table", "action"],
            how="left",
        )
        now["previous"] = now["previous"].fillna(0)
    else:
        now["previous"] = float("nan")
    now["change"] = now["records"] - now["previous"]
    return now.sort_values(["records", "rule"], ascending=[False, True], ignore_index=True).head(n)


def history(processed_root: str | Path, month: str, n_months: int = 12) -> pd.DataFrame:
    """Totals per cleaned month up to `month` (months not cleaned yet are left out)."""
    end = parse_month(month)
    rows = []
    for period in pd.period_range(end=end, periods=n_months, freq="M"):
        folder = Path(processed_root) / str(period)
        if (folder / "quality.json").is_file():
            rows.append(
                {"blanked_cells": 0, "month": str(period), **read_quality(folder)["totals"]}
            )
    frame = pd.DataFrame(rows, columns=["month", *ACCOUNTING_COLUMNS[2:]])
    frame["quarantined_pct"] = _share(frame)
    return frame


@dataclass(frozen=True)
class Problem:
    """One reason a month is not fit to report, or carries a caveat.

    kind: 'unbalanced' (row accounting fails for `tables`), 'unreconciled' (the rows cleaned are
    not the records the files hold, for `tables`), 'unreadable_files' (`tables` holds the names of
    files left out as unreadable: a caveat), 'ignored_files' (files not recognised as a 903
    table, so not used: a caveat), 'empty_tables' (tables whose files hold no records, or that
    had rows last month and are absent now: a caveat), 'no_rows' (a mandatory table has no
    usable rows), 'table_share' (a table lost `value` % of its rows, over `limit`), 'total_share'
    (`value` % of all rows set aside, over `limit`), 'share_rose' (from `before` to `value` %).
    """

    kind: str
    tables: tuple[str, ...] = ()
    value: float = math.nan
    limit: float = math.nan
    before: float = math.nan


@dataclass(frozen=True)
class Verdict:
    """Whether a month's data is fit to report, with or without a caveat, and why."""

    fit: bool
    caveat: bool
    share: float  # % of all rows set aside
    tolerance: float  # the caveat threshold (max_quarantined_pct)
    problems: tuple[Problem, ...]


def verdict(summary: dict, settings: Settings, previous: dict | None = None) -> Verdict:
    """Fit to report unless the accounting fails, a mandatory table has no usable rows or a table
    loses more than `max_table_quarantined_pct` of its rows; a caveat when the overall share set
    aside passes `max_quarantined_pct` or rose by more than that since the previous month."""
    accounts = accounting_frame(summary)
    problems: list[Problem] = []
    if not accounts["balances"].all():
        problems.append(Problem("unbalanced", tuple(accounts.loc[~accounts["balances"], "table"])))
    if not accounts["reconciles"].all():
        problems.append(
            Problem("unreconciled", tuple(accounts.loc[~accounts["reconciles"], "table"]))
        )
    for table in (t for t, spec in data.tables().items() if spec.get("mandatory")):
        row = accounts[accounts["table"] == table]
        if row.empty or int(row["kept"].iloc[0]) == 0:
            problems.append(Problem("no_rows", (table,)))
    over = accounts.dropna(subset=["quarantined_pct"])
    over = over[over["quarantined_pct"] > settings.max_table_quarantined_pct]
    for row in over.itertuples():
        problems.append(
            Problem(
                "table_share", (row.table,), row.quarantined_pct, settings.max_table_quarantined_pct
            )
        )
    fit = not problems
    unreadable = files_frame(summary).query("status == 'unreadable'")
    if len(unreadable):
        problems.append(Problem("unreadable_files", tuple(unreadable["file"])))
    ignored = files_frame(summary).query("status == 'ignored'")
    if len(ignored):
        problems.append(Problem("ignored_files", tuple(ignored["file"])))
    empty = set(accounts.loc[accounts["rows_in"] == 0, "table"])
    if previous is not None:
        before = accounting_frame(previous)
        had = set(before.loc[before["rows_in"] > 0, "table"])
        empty |= had - set(accounts["table"])
    empty -= {p.tables[0] for p in problems if p.kind == "no_rows"}
    if empty:
        problems.append(Problem("empty_tables", tuple(sorted(empty))))
    totals = summary["totals"]
    share = 100 * totals["quarantined"] / totals["rows_in"] if totals["rows_in"] else 0.0
    caveat = False
    if share > settings.max_quarantined_pct:
        caveat = True
        problems.append(Problem("total_share", value=share, limit=settings.max_quarantined_pct))
    if previous is not None and previous["totals"]["rows_in"]:
        before = 100 * previous["totals"]["quarantined"] / previous["totals"]["rows_in"]
        if share - before > settings.max_quarantined_pct:
            caveat = True
            problems.append(Problem("share_rose", value=share, before=before))
    return Verdict(
        fit=fit,
        caveat=caveat or not fit or len(unreadable) > 0 or len(ignored) > 0 or bool(empty),
        share=share,
        tolerance=settings.max_quarantined_pct,
        problems=tuple(problems),
    )
