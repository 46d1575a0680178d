"""Data-quality figures from the cleaning's quality.json: accounting, rule counts, history, verdict.

Counts only: nothing here reads or returns child-level rows (those stay in quarantine.parquet).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.config import Settings
from pipeline.paths import parse_month

ACCOUNTING_COLUMNS = ["table", "rows_in", "kept", "merged", "quarantined", "corrected_cells"]


def read_quality(processed_dir: str | Path) -> dict:
    """The quality summary of one cleaned month (processed_dir/quality.json)."""
    path = Path(processed_dir) / "quality.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no quality summary (the month has not been cleaned)")
    return json.loads(path.read_text(encoding="utf-8"))


def accounting_frame(summary: dict) -> pd.DataFrame:
    """Rows in, kept, merged, quarantined per table, plus a check that they add up."""
    frame = pd.DataFrame(
        [{"table": t, **v} for t, v in summary["tables"].items()], columns=ACCOUNTING_COLUMNS
    )
    frame["quarantined_pct"] = 100 * frame["quarantined"] / frame["rows_in"].where(
        frame["rows_in"] > 0
    )
    frame["balances"] = frame["rows_in"] == frame["kept"] + frame["merged"] + frame["quarantined"]
    return frame


def rules_frame(summary: dict) -> pd.DataFrame:
    """One row per (rule, table) that fired: action (correct/merge/quarantine/flag) and row count."""
    columns = ["rule", "table", "action", "description", "rows"]
    return pd.DataFrame(summary.get("rules", []), columns=columns)


def history(processed_root: str | Path, month: str, n_months: int = 12) -> pd.DataFrame:
    """Totals per cleaned month up to `month` (months not cleaned yet are left out)."""
    end = parse_month(month)
    rows = []
    for period in pd.period_range(end=end, periods=n_months, freq="M"):
        folder = Path(processed_root) / str(period)
        if (folder / "quality.json").is_file():
            totals = read_quality(folder)["totals"]
            rows.append({"month": str(period), **totals})
    frame = pd.DataFrame(
        rows, columns=["month", "rows_in", "kept", "merged", "quarantined", "corrected_cells"]
    )
    frame["quarantined_pct"] = 100 * frame["quarantined"] / frame["rows_in"].where(
        frame["rows_in"] > 0
    )
    return frame


@dataclass(frozen=True)
class Verdict:
    """Whether a month's data is fit to report, and why, in plain English."""

    fit: bool
    caveat: bool
    headline: str
    reasons: tuple[str, ...]


def verdict(summary: dict, settings: Settings, previous: dict | None = None) -> Verdict:
    """Fit to report unless a table loses more than `max_table_quarantined_pct` of its rows or a
    required table is empty; a caveat when the overall quarantine share passes
    `max_quarantined_pct` or rose by more than that since the previous month."""
    accounts = accounting_frame(summary)
    reasons = []
    fit = True
    caveat = False
    if not accounts["balances"].all():
        fit = False
        bad = ", ".join(accounts.loc[~accounts["balances"], "table"])
        reasons.append(f"row accounting does not balance for {bad}")
    for table in ("header", "episodes"):
        row = accounts[accounts["table"] == table]
        if row.empty or int(row["kept"].iloc[0]) == 0:
            fit = False
            reasons.append(f"no usable {table} rows")
    worst = accounts.dropna(subset=["quarantined_pct"])
    worst = worst[worst["quarantined_pct"] > settings.max_table_quarantined_pct]
    for row in worst.itertuples():
        fit = False
        reasons.append(
            f"{row.quarantined_pct:.1f}% of {row.table} rows were set aside "
            f"(limit {settings.max_table_quarantined_pct:g}%)"
        )
    totals = summary["totals"]
    share = 100 * totals["quarantined"] / totals["rows_in"] if totals["rows_in"] else 0.0
    if share > settings.max_quarantined_pct:
        caveat = True
        reasons.append(
            f"{share:.1f}% of all rows were set aside (caveat above "
            f"{settings.max_quarantined_pct:g}%)"
        )
    if previous is not None and previous["totals"]["rows_in"]:
        before = 100 * previous["totals"]["quarantined"] / previous["totals"]["rows_in"]
        if share - before > settings.max_quarantined_pct:
            caveat = True
            reasons.append(f"the share set aside rose from {before:.1f}% to {share:.1f}%")
    if not fit:
        headline = "Not fit to report: figures for this month should not be published."
    elif caveat:
        headline = "Fit to report with a caveat: read the figures with the notes below in mind."
    else:
        headline = (
            f"Fit to report: {share:.1f}% of rows were set aside, within the "
            f"{settings.max_quarantined_pct:g}% tolerance."
        )
    return Verdict(fit=fit, caveat=caveat or not fit, headline=headline, reasons=tuple(reasons))


def report_tables(summary: dict, settings: Settings) -> dict[str, pd.DataFrame]:
    """The data-quality report's tables, formatted for stakeholders (small counts suppressed)."""
    from pipeline.report import fmt_count

    def count(n):
        return fmt_count(n, settings)

    accounts = accounting_frame(summary)
    accounting = pd.DataFrame({
        "Table": accounts["table"],
        "Rows in": accounts["rows_in"].map(count),
        "Kept": accounts["kept"].map(count),
        "Merged (duplicates)": accounts["merged"].map(count),
        "Set aside": accounts["quarantined"].map(count),
        "Set aside %": accounts["quarantined_pct"].map(lambda v: "-" if pd.isna(v) else f"{v:.1f}%"),
        "Cells corrected": accounts["corrected_cells"].map(count),
    })
    rules = rules_frame(summary)
    by_rule = pd.DataFrame({
        "Rule": rules["rule"],
        "Table": rules["table"],
        "Action": rules["action"],
        "What it checks": rules["description"],
        "Rows": rules["rows"].map(count),
    })
    return {"accounting": accounting, "rules": by_rule}


def history_chart(frame: pd.DataFrame):
    """Share of rows set aside per month, as a bar chart."""
    import matplotlib.pyplot as plt

    from pipeline.report import PALETTE

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(frame["month"], frame["quarantined_pct"], color=PALETTE["blue"])
    ax.set_ylabel("Rows set aside (%)")
    ax.set_xlabel("Reporting month")
    ax.tick_params(axis="x", rotation=45)
    return fig


def history_sentence(frame: pd.DataFrame) -> str:
    """Plain-English month-on-month change in the share of rows set aside."""
    if len(frame) < 2:
        return "This is the first cleaned month, so there is no earlier month to compare with."
    now, before = frame.iloc[-1], frame.iloc[-2]
    change = now["quarantined_pct"] - before["quarantined_pct"]
    direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
    detail = "" if direction == "unchanged" else f" ({direction} {abs(change):.2f} percentage points)"
    return (
        f"In {now['month']}, {now['quarantined_pct']:.2f}% of rows were set aside, against "
        f"{before['quarantined_pct']:.2f}% in {before['month']}{detail}. Over the "
        f"{len(frame)} months shown the share ranged from {frame['quarantined_pct'].min():.2f}% "
        f"to {frame['quarantined_pct'].max():.2f}%."
    )
