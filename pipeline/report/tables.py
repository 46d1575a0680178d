"""Tables as stakeholders see them: results formatted, small counts suppressed, plain headings."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.missing_trends import MonthSummary
from pipeline.config import Settings
from pipeline.ingest.quality import accounting_frame, cells_frame, files_frame, rules_frame
from pipeline.report.suppression import fmt_count, is_small


def quality_accounting(summary: dict) -> pd.DataFrame:
    """Rows in, kept, merged, set aside per table. Row counts are not about children: shown whole."""
    accounts = accounting_frame(summary)
    return pd.DataFrame(
        {
            "Table": accounts["table"],
            "Records in the files": accounts["records_in_files"]
            .fillna(accounts["rows_in"])
            .astype("int64")
            .map("{:,}".format),
            "Rows in": accounts["rows_in"].map("{:,}".format),
            "Kept": accounts["kept"].map("{:,}".format),
            "Merged (duplicates)": accounts["merged"].map("{:,}".format),
            "Set aside": accounts["quarantined"].map("{:,}".format),
            "Set aside %": accounts["quarantined_pct"].map(
                lambda v: "-" if pd.isna(v) else f"{v:.1f}%"
            ),
            "Cells corrected": accounts["corrected_cells"].map("{:,}".format),
            "Cells blanked": accounts["blanked_cells"].map("{:,}".format),
        }
    )


def quality_rules(summary: dict) -> pd.DataFrame:
    """Rows affected per cleaning rule and table."""
    rules = rules_frame(summary)
    return pd.DataFrame(
        {
            "Rule": rules["rule"],
            "Table": rules["table"],
            "Action": rules["action"],
            "What it checks": rules["description"],
            "Rows": rules["rows"].map("{:,}".format),
        }
    )


def quality_files(summary: dict) -> pd.DataFrame:
    """Every file in the extract: what it was read as, its records and rows, and any note (files
    left out are listed with the reason). Row counts are about rows, shown whole."""
    files = files_frame(summary)
    status = {"read": "Read", "ignored": "Not used", "unreadable": "Could not be read"}
    return pd.DataFrame(
        {
            "File": files["file"],
            "Table": files["table"].fillna("-"),
            "Records in file": files["records"].fillna(0).astype("int64").map("{:,}".format),
            "Rows read": files["rows"].fillna(0).astype("int64").map("{:,}".format),
            "Encoding": files["encoding"].fillna("").replace("", "-"),
            "Status": files["status"].map(status).fillna(files["status"]),
            "Note": files["note"].fillna(""),
        }
    )


def quality_cells(summary: dict) -> pd.DataFrame:
    """Cells blanked (the row kept) per rule, table and column."""
    cells = cells_frame(summary)
    return pd.DataFrame(
        {
            "Rule": cells["rule"],
            "Table": cells["table"],
            "Column": cells["column"],
            "What it checks": cells["description"],
            "Cells blanked": cells["cells"].map("{:,}".format),
        }
    )


def rate_table(frame: pd.DataFrame, group_label: str, settings: Settings) -> pd.DataFrame:
    """Group, numerator of denominator, rate with 95% Wilson interval, small counts suppressed.

    `frame` columns: group, n (denominator), k (numerator), rate (%), ci_low, ci_high (%)."""
    rows = []
    for r in frame.itertuples(index=False):
        hidden = is_small(r.k, settings) or is_small(r.n, settings)
        rows.append(
            {
                group_label: r.group,
                "Children": fmt_count(r.n, settings),
                "With 3+ placements": fmt_count(r.k, settings),
                "Rate": "*" if hidden else f"{r.rate:.1f}%",
                "95% interval": "*"
                if hidden or pd.isna(r.ci_low)
                else f"{r.ci_low:.1f}% to {r.ci_high:.1f}%",
            }
        )
    return pd.DataFrame(rows)


def _pct(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{100 * v:.0f}%"


def _rate_ci(k, n, rate, lo, hi, settings: Settings) -> str:
    """'47% (37% to 57%)'; '*' when built on a suppressed count, '-' when undefined."""
    if is_small(k, settings) or is_small(n, settings):
        return "*"
    if pd.isna(rate):
        return "-"
    return f"{_pct(rate)} ({_pct(lo)} to {_pct(hi)})"


def band_rates(rates: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Disruption within 12 months by SDQ band: placements, children, disrupted, rate with its
    95% interval (allowing for children with several placements); small counts suppressed."""
    return pd.DataFrame(
        {
            "SDQ band": rates["label"],
            "Placements": rates["n"].map(lambda n: fmt_count(n, settings)),
            "Children": rates["children"].map(lambda n: fmt_count(n, settings)),
            "Broke down within 12 months": rates["disrupted"].map(lambda n: fmt_count(n, settings)),
            "Rate (95% interval)": [
                _rate_ci(r.disrupted, r.n, r.rate, r.ci_low, r.ci_high, settings)
                for r in rates.itertuples()
            ],
        }
    )


def thresholds(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The SDQ cut-off table in words: placements at each score, flagged, the disruption rate
    of flagged and other placements and the share of breakdowns caught, each with its 95%
    interval (children, not placements, as the units), and placements flagged per breakdown
    caught. Counts 1-4 are shown as '<5' and rates built on them as '*'."""
    rows = []
    for r in table.itertuples(index=False):
        caught_hidden = is_small(r.disrupted_above, settings)
        rows.append(
            {
                "Cut-off (score at or above)": int(r.threshold),
                "Placements scoring exactly this": fmt_count(r.n_at, settings),
                "Placements flagged": fmt_count(r.n_above, settings),
                "Broke down if flagged": _rate_ci(
                    r.disrupted_above, r.n_above, r.rate_above, r.ci_above_low,
                    r.ci_above_high, settings,
                ),
                "Broke down if not flagged": _rate_ci(
                    r.disrupted_below, r.n_below, r.rate_below, r.ci_below_low,
                    r.ci_below_high, settings,
                ),
                "Breakdowns caught": _rate_ci(
                    r.disrupted_above, r.disrupted_above + r.disrupted_below, r.sensitivity,
                    r.sens_ci_low, r.sens_ci_high, settings,
                ),
                "Flagged per breakdown caught": "*"
                if caught_hidden
                else ("-" if pd.isna(r.flagged_per_caught) else f"{r.flagged_per_caught:.1f}"),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def incidence(inc: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Placements broken down by 12 months by SDQ band (cumulative incidence, other endings
    competing), with the 95% interval; small counts suppressed."""
    return pd.DataFrame(
        {
            "SDQ band": inc["label"],
            "Placements": inc["n"].map(lambda n: fmt_count(n, settings)),
            "Breakdowns in the first 12 months": inc["disruptions"].map(
                lambda n: fmt_count(n, settings)
            ),
            "Broken down by 12 months (95% interval)": [
                _rate_ci(r.disruptions, r.n, r.cif, r.ci_low, r.ci_high, settings)
                for r in inc.itertuples()
            ],
        }
    )


def change_reasons(reasons: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Placement endings by reason, counts suppressed."""
    return reasons.assign(placements=reasons["placements"].map(lambda n: fmt_count(n, settings)))


def missing_breakdown(frame: pd.DataFrame, label: str, settings: Settings) -> pd.DataFrame:
    """A missing breakdown (group, incidents, children, incidents_pct) with small counts hidden."""
    group = frame.columns[0]
    return pd.DataFrame(
        {
            label: frame[group].astype("object").fillna("Not recorded").astype("str"),
            "Incidents": frame["incidents"].map(lambda n: fmt_count(n, settings)),
            "Children": frame["children"].map(lambda n: fmt_count(n, settings)),
            "Share of incidents": [
                "*" if is_small(k, settings) else ("-" if pd.isna(p) else f"{p:.0f}%")
                for k, p in zip(frame["incidents"], frame["incidents_pct"], strict=True)
            ],
        }
    )


def return_interviews(s: MonthSummary, settings: Settings) -> pd.DataFrame:
    """Return home interviews for ended missing episodes starting in the month."""
    rows = [("Missing episodes that have ended", s.ended, None)]
    for value, text in (
        (s.rhi_offered, "Offered a return home interview"),
        (s.rhi_took_place, "Interview took place"),
        (s.rhi_within_72h, "Interview within 72 hours of return"),
    ):
        if value is not None:
            rows.append((text, value, s.ended))
    out = []
    for text, k, n in rows:
        pct = (
            "-"
            if not n
            else ("*" if is_small(k, settings) or is_small(n, settings) else f"{100 * k / n:.0f}%")
        )
        out.append({"": text, "Episodes": fmt_count(k, settings), "Share": pct})
    return pd.DataFrame(out)
