"""Tables as stakeholders see them: results formatted, small counts suppressed, plain headings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.missing_trends import MonthSummary
from pipeline.config import Settings
from pipeline.ingest.quality import accounting_frame, cells_frame, files_frame, rules_frame
from pipeline.report import disclosure
from pipeline.report.suppression import fmt_count, is_small
from pipeline.stats import pct, wilson_pct


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


def quality_offenders(frame: pd.DataFrame) -> pd.DataFrame:
    """The worst offenders (`ingest.quality.worst_offenders`): rule, table, what it did,
    records touched, share of the month's faults, last month and the change. Record counts, not
    children: shown whole."""
    action = {"quarantine": "Set aside", "merge": "Merged", "correct": "Corrected",
              "flag": "Flagged", "blank": "Cell blanked"}  # fmt: skip
    no_history = frame["previous"].isna().all()
    return pd.DataFrame(
        {
            "Rule": frame["rule"],
            "Table": frame["table"],
            "What it did": frame["action"].map(action).fillna(frame["action"]),
            "What it checks": frame["description"],
            "Records": frame["records"].map("{:,.0f}".format),
            "Share of faults": frame["share_pct"].map("{:.0f}%".format),
            "Last month": "-" if no_history else frame["previous"].map("{:,.0f}".format),
            "Change": "-" if no_history else frame["change"].map("{:+,.0f}".format),
        }
    )


def completeness(frame: pd.DataFrame) -> pd.DataFrame:
    """Completeness of key fields (`analyses.completeness`): table, field, which records should
    have it, how many do, blank, % complete. Record counts: shown whole."""
    return pd.DataFrame(
        {
            "Table": frame["table"],
            "Field": frame["field"],
            "Expected for": frame["expected_for"],
            "Records": frame["records"].map("{:,}".format),
            "Blank": frame["blank"].map("{:,}".format),
            "Complete": frame["complete_pct"].map(lambda v: "-" if pd.isna(v) else f"{v:.1f}%"),
        }
    )


def _attach(frame: pd.DataFrame, layout: disclosure.Layout, positions, derived=()) -> pd.DataFrame:
    """Record what the table's counts add up to (no values) for the page's disclosure audit."""
    frame.attrs["disclosure"] = disclosure.structure(layout, positions, derived)
    return frame


def _row_rates(n_rows: int, columns, counts=(0, 1)) -> list:
    """Derived cells of a rates table laid out as `RateStates.positions`: in each row, the
    `columns` built on that row's n (0) and/or k (1) figures."""
    return [(r, c, [2 * r + i for i in counts]) for r in range(n_rows) for c in columns]


def _mark(value, state: str, settings: Settings) -> str:
    return disclosure.marks([value], [state], settings)[0]


def rate_table(frame: pd.DataFrame, group_label: str, settings: Settings) -> pd.DataFrame:
    """Group, numerator of denominator, rate with 95% Wilson interval, and an all-children row;
    small counts hidden and others withheld so that none can be worked back.

    `frame` columns: group, n (denominator), k (numerator), rate (%), ci_low, ci_high (%)."""
    st = disclosure.protect_rates(frame["n"], frame["k"], settings)
    n_all, k_all = int(frame["n"].sum()), int(frame["k"].sum())
    lo, hi = (float(x) for x in np.ravel(wilson_pct(k_all, n_all)))
    rows = []
    groups = [*frame.itertuples(index=False), None]
    for g, r in enumerate(groups):
        last = r is None
        n, k = (n_all, k_all) if last else (r.n, r.k)
        rate = float(np.ravel(pct(k, n))[0]) if last else r.rate
        low, high = (lo, hi) if last else (r.ci_low, r.ci_high)
        shown = st.rate_shown(None if last else g)
        rows.append(
            {
                group_label: "All children" if last else r.group,
                "Children": _mark(n, st.n_all if last else st.n[g], settings),
                "With 3+ placements": _mark(k, st.k_all if last else st.k[g], settings),
                "Rate": "-" if not n else (f"{float(rate):.1f}%" if shown else "*"),
                "95% interval": "-"
                if not n or pd.isna(low)
                else (f"{float(low):.1f}% to {float(high):.1f}%" if shown else "*"),
            }
        )
    out = pd.DataFrame(rows)
    rows_ = list(range(len(out)))
    return _attach(out, st.layout, st.positions(rows_, 1, 2), _row_rates(len(out), (3, 4)))


def three_plus_moves(frame: pd.DataFrame, group_label: str, settings: Settings) -> pd.DataFrame:
    """Children with 3+ placements by group (`analyses.stability.three_plus_breakdown`), split
    into those with an unplanned move in the year and those whose moves were all planned or a
    change of status, with the totals; protected so that no hidden count can be worked back
    from the row, column or grand totals."""
    unplanned = [int(v) for v in frame["k_unplanned"]]
    planned = [int(k) - u for k, u in zip(frame["k"], unplanned, strict=True)]
    n = len(frame)
    layout = disclosure.two_way_layout(n, 2)
    cells = [v for pair in zip(unplanned, planned, strict=True) for v in pair]
    values = [
        *cells,
        *(u + p for u, p in zip(unplanned, planned, strict=True)),
        sum(unplanned),
        sum(planned),
        sum(unplanned) + sum(planned),
    ]
    states = disclosure.protect(layout, values, settings)
    shown = disclosure.marks(values, states, settings)
    cell = [shown[: 2 * n][i::2] for i in (0, 1)]
    out = pd.DataFrame(
        {
            group_label: [*frame["group"].astype("str"), "All children"],
            "With 3+ placements": [*shown[2 * n : 3 * n], shown[-1]],
            "With an unplanned move": [*cell[0], shown[3 * n]],
            "Planned moves only": [*cell[1], shown[3 * n + 1]],
        }
    )
    positions = [(g, 2 + j) for g in range(n) for j in range(2)]
    positions += [(g, 1) for g in range(n)] + [(n, 2), (n, 3), (n, 1)]
    return _attach(out, layout, positions)


def _pct(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{100 * v:.0f}%"


def _rate_ci(rate, lo, hi, shown: bool) -> str:
    """'47% (37% to 57%)'; '*' when built on a hidden count, '-' when undefined."""
    if not shown:
        return "*"
    if pd.isna(rate):
        return "-"
    return f"{_pct(rate)} ({_pct(lo)} to {_pct(hi)})"


def _band_protect(rates: pd.DataFrame, k: str, settings: Settings) -> disclosure.RateStates:
    """States for a by-band table whose last row is all scores: placements n, the count `k`,
    and children (a child can have placements in several bands)."""
    bands = rates.iloc[:-1]
    return disclosure.protect_rates(
        bands["n"], bands[k], settings, extra=rates["children"].tolist()
    )


def band_states(rates: pd.DataFrame, settings: Settings, k: str = "disrupted"):
    """Per row of a by-band table (bands then all scores): the placements as shown, and whether
    the rate may be shown. Charts use this so that they hide what the table hides."""
    st = _band_protect(rates, k, settings)
    n_states = [*st.n, st.n_all]
    n_text = [_mark(v, s, settings) for v, s in zip(rates["n"], n_states, strict=True)]
    shown = [st.rate_shown(g) for g in range(len(rates) - 1)] + [st.rate_shown()]
    return n_text, shown


def _band_table(rates: pd.DataFrame, k: str, k_label: str, rate_cols, rate_label, settings):
    st = _band_protect(rates, k, settings)
    n_states, k_states = [*st.n, st.n_all], [*st.k, st.k_all]
    shown = [st.rate_shown(g) for g in range(len(rates) - 1)] + [st.rate_shown()]
    rate, lo, hi = rate_cols
    out = pd.DataFrame(
        {
            "SDQ band": [*rates["label"].iloc[:-1], "All scores"],
            "Placements": disclosure.marks(rates["n"], n_states, settings),
            "Children": disclosure.marks(rates["children"], st.extra, settings),
            k_label: disclosure.marks(rates[k], k_states, settings),
            rate_label: [
                _rate_ci(r[rate], r[lo], r[hi], ok)
                for (_, r), ok in zip(rates.iterrows(), shown, strict=True)
            ],
        }
    )
    positions = st.positions(list(range(len(out))), 1, 3, extra_col=2)
    return _attach(out, st.layout, positions, _row_rates(len(out), (4,)))


def band_rates(rates: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Disruption within 12 months by SDQ band and for all scores: placements, children,
    disrupted, rate with its 95% interval (allowing for children with several placements)."""
    return _band_table(
        rates, "disrupted", "Broke down within 12 months", ("rate", "ci_low", "ci_high"),
        "Rate (95% interval)", settings,
    )  # fmt: skip


def thresholds(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The SDQ cut-off table in words, at the cut-offs given (`disruption_sdq.cutoffs_to_show`
    keeps only those whose counts cannot reveal a small number): placements from each cut-off
    up to the next, flagged, the disruption rate of flagged and other placements and the share
    of breakdowns caught, each with its 95% interval (children, not placements, as the units),
    and placements flagged per breakdown caught. A rate built on a small count is '*'."""
    t = table.sort_values("threshold").reset_index(drop=True)
    band = t["n_above"] - t["n_above"].shift(-1, fill_value=0)
    rows = []
    for i, r in enumerate(t.itertuples(index=False)):
        upper = f"{int(t['threshold'].iloc[i + 1]) - 1}" if i + 1 < len(t) else "40"
        small = [is_small(x, settings) for x in (r.disrupted_above, r.n_above, r.n_below)]
        rows.append(
            {
                "Cut-off (score at or above)": int(r.threshold),
                "Placements scoring in this range": f"{fmt_count(band.iloc[i], settings)} "
                f"({int(r.threshold)}-{upper})",
                "Placements flagged": fmt_count(r.n_above, settings),
                "Broke down if flagged": _rate_ci(
                    r.rate_above, r.ci_above_low, r.ci_above_high, not (small[0] or small[1])
                ),
                "Broke down if not flagged": _rate_ci(
                    r.rate_below, r.ci_below_low, r.ci_below_high,
                    not (is_small(r.disrupted_below, settings) or small[2]),
                ),
                "Breakdowns caught": _rate_ci(
                    r.sensitivity, r.sens_ci_low, r.sens_ci_high,
                    not (small[0] or is_small(r.disrupted_below, settings)),
                ),
                "Flagged per breakdown caught": "*"
                if small[0]
                else ("-" if pd.isna(r.flagged_per_caught) else f"{r.flagged_per_caught:.1f}"),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def incidence(inc: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Placements broken down by 12 months by SDQ band (cumulative incidence, other endings
    competing), with the 95% interval; counts protected as in `band_rates`."""
    return _band_table(
        inc, "disruptions", "Breakdowns in the first 12 months", ("cif", "ci_low", "ci_high"),
        "Broken down by 12 months (95% interval)", settings,
    )  # fmt: skip


def change_reasons(reasons: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Placement endings by reason, with a subtotal per kind of ending and the total; counts
    protected so that no hidden count follows from the subtotals."""
    parents = reasons["Ending"].tolist()
    layout = disclosure.nested_layout(parents)
    order = list(dict.fromkeys(parents))
    subtotals = [int(reasons.loc[reasons["Ending"] == e, "placements"].sum()) for e in order]
    values = [*reasons["placements"].astype(int), *subtotals, int(reasons["placements"].sum())]
    text = disclosure.marks(values, disclosure.protect(layout, values, settings), settings)
    rows, positions = [], [None] * len(values)
    for j, ending in enumerate(order):
        for i in (i for i, p in enumerate(parents) if p == ending):
            positions[i] = (len(rows), 2)
            rows.append(
                {"Ending": ending, "Reason": reasons["Reason"].iloc[i], "Placements": text[i]}
            )
        positions[len(parents) + j] = (len(rows), 2)
        rows.append(
            {"Ending": ending, "Reason": "All reasons", "Placements": text[len(parents) + j]}
        )
    positions[-1] = (len(rows), 2)
    rows.append({"Ending": "All endings", "Reason": "", "Placements": text[-1]})
    return _attach(
        pd.DataFrame(rows, columns=["Ending", "Reason", "Placements"]), layout, positions
    )


def missing_breakdown(frame: pd.DataFrame, label: str, settings: Settings) -> pd.DataFrame:
    """A missing breakdown (group, incidents, children, incidents_pct) with an all-groups row;
    counts protected so that none can be worked back from the others or the totals. The
    children total is `frame.attrs['children']` (a child can fall in two groups)."""
    group = frame.columns[0]
    children_all = int(frame.attrs.get("children", frame["children"].sum()))
    st = disclosure.protect_rates(frame["incidents"], frame["children"], settings, children_all)
    total = int(frame["incidents"].sum())
    shares = [*frame["incidents_pct"], 100.0 if total else float("nan")]
    inc_states = [*st.n, st.n_all]
    out = pd.DataFrame(
        {
            label: [*frame[group].astype("object").fillna("Not recorded").astype("str"), "All"],
            "Incidents": disclosure.marks([*frame["incidents"], total], inc_states, settings),
            "Children": disclosure.marks(
                [*frame["children"], children_all], [*st.k, st.k_all], settings
            ),
            "Share of incidents": [
                "*" if state != disclosure.SHOWN else ("-" if pd.isna(p) else f"{p:.0f}%")
                for state, p in zip(inc_states, shares, strict=True)
            ],
        }
    )
    positions = st.positions(list(range(len(out))), 1, 2)
    return _attach(out, st.layout, positions, _row_rates(len(out), (3,), counts=(0,)))


def return_interviews(s: MonthSummary, settings: Settings) -> pd.DataFrame:
    """Return home interviews for ended missing episodes starting in the month. Each count is
    part of the one above it (interviews held were offered; within 72 hours were held), so the
    counts are protected as nested: a hidden one cannot be pinned between its neighbours."""
    rows = [("Missing episodes that have ended", s.ended)]
    for value, text in (
        (s.rhi_offered, "Offered a return home interview"),
        (s.rhi_took_place, "Interview took place"),
        (s.rhi_within_72h, "Interview within 72 hours of return"),
    ):
        if value is not None:
            rows.append((text, value))
    values = [int(k) for _, k in rows]
    nested = all(a >= b for a, b in zip(values, values[1:], strict=False))
    n = len(values)
    layout = disclosure.Layout(
        n, tuple(tuple(range(i, n)) if nested else (i,) for i in range(n))
    )  # nested: base cell i = episodes reaching step i but not step i + 1
    states = disclosure.protect(layout, values, settings)
    text = disclosure.marks(values, states, settings)
    shown = [st == disclosure.SHOWN for st in states]
    out = pd.DataFrame(
        {
            "": [t for t, _ in rows],
            "Episodes": text,
            "Share": [
                "-"
                if i == 0 or not values[0]
                else (f"{100 * k / values[0]:.0f}%" if shown[i] and shown[0] else "*")
                for i, k in enumerate(values)
            ],
        }
    )
    derived = [(i, 2, [0, i]) for i in range(1, n)]
    return _attach(out, layout, [(i, 1) for i in range(n)], derived)


# ------------------------------------------------------------------ corporate parenting scorecard


def breakdown(frame: pd.DataFrame, label: str, settings: Settings) -> pd.DataFrame:
    """Who is in care by one breakdown (`analyses.scorecard.breakdown`): children looked after
    at R and, when the frame has them, those who started in the year, each with its share and
    an all-children row; small counts hidden and enough others withheld that none can be
    worked back from the totals."""
    columns = [c for c in ("looked_after", "entrants") if c in frame]
    titles = {"looked_after": "Looked after", "entrants": "Started in the last 12 months"}
    n = len(frame)
    layouts, states, totals = [], [], []
    for c in columns:
        values = [int(v) for v in frame[c]]
        totals.append(sum(values))
        layout = disclosure.breakdown_layout(n)
        layouts.append(layout)
        states.append(disclosure.protect(layout, [*values, totals[-1]], settings))
    out = {label: [*frame["group"].astype("str"), "All children"]}
    positions, derived = [], []
    for j, c in enumerate(columns):
        values = [*frame[c].astype("int64"), totals[j]]
        count_col, share_col = 1 + 2 * j, 2 + 2 * j
        out[titles[c]] = disclosure.marks(values, states[j], settings)
        shares = []
        for g, (v, state) in enumerate(zip(values, states[j], strict=True)):
            total_ok = states[j][n] == disclosure.SHOWN
            shown = state == disclosure.SHOWN and total_ok and totals[j] > 0
            shares.append(
                f"{100 * v / totals[j]:.0f}%" if shown else ("-" if not totals[j] else "*")
            )
            if g < n:
                derived.append((g, share_col, [j * (n + 1) + g, j * (n + 1) + n]))
        out["Share" if len(columns) == 1 else f"Share ({titles[c].lower()})"] = shares
        positions += [(g, count_col) for g in range(n + 1)]
    table = pd.DataFrame(out)
    return _attach(table, disclosure.combine(*layouts), positions, derived)


def ceased_reasons(figures: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Why children left care in the year (the `ceased_<group>_pct` headline rows): periods
    ending by reason group, share, and the total; protected like any breakdown."""
    rows = figures[figures["indicator"].str.startswith("ceased_")]
    counts = [int(v) for v in rows["numerator"].fillna(0)]
    total = int(rows["denominator"].dropna().max()) if rows["denominator"].notna().any() else 0
    n = len(counts)
    layout = disclosure.breakdown_layout(n)
    states = disclosure.protect(layout, [*counts, total], settings)
    reason = [lab.split(": ", 1)[-1] for lab in rows["label"]]
    shares = [
        f"{100 * v / total:.0f}%"
        if total and s == disclosure.SHOWN and states[n] == disclosure.SHOWN
        else ("-" if not total else "*")
        for v, s in zip([*counts, total], states, strict=True)
    ]
    table = pd.DataFrame(
        {
            "Reason care ended": [*(r[:1].upper() + r[1:] for r in reason), "All reasons"],
            "Periods of care": disclosure.marks([*counts, total], states, settings),
            "Share": shares,
        }
    )
    derived = [(g, 2, [g, n]) for g in range(n)]
    return _attach(table, layout, [(g, 1) for g in range(n + 1)], derived)


def rates_by_group(
    frame: pd.DataFrame, group_label: str, n_label: str, k_label: str, settings: Settings
) -> pd.DataFrame:
    """Rates k of n by group with 95% intervals, the all-groups row last (`frame` columns:
    group, n, k; its last row is the all-groups figure, which may be less than the sum when a
    person can fall in two groups). Small counts hidden, others withheld so that none can be
    worked back; rates withheld with their counts."""
    groups, total = frame.iloc[:-1], frame.iloc[-1]
    st = disclosure.protect_rates(groups["n"], groups["k"], settings, k_all=int(total["k"]))
    rows = []
    for g, r in enumerate(frame.itertuples(index=False)):
        last = g == len(frame) - 1
        n_state, k_state = (st.n_all, st.k_all) if last else (st.n[g], st.k[g])
        shown = st.rate_shown(None if last else g)
        lo, hi = (float(x) for x in np.ravel(wilson_pct(r.k, r.n)))
        rows.append(
            {
                group_label: r.group,
                n_label: _mark(r.n, n_state, settings),
                k_label: _mark(r.k, k_state, settings),
                "Rate": "-" if not r.n else (f"{100 * r.k / r.n:.1f}%" if shown else "*"),
                "95% interval": "-" if not r.n else (f"{lo:.1f}% to {hi:.1f}%" if shown else "*"),
            }
        )
    out = pd.DataFrame(rows)
    rows_ = list(range(len(out)))
    return _attach(out, st.layout, st.positions(rows_, 1, 2), _row_rates(len(out), (3, 4)))
