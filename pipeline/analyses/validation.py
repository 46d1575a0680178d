"""How often the reports' statistical statements are right: the arithmetic of `make
validate-stats` (tools/validate_stats.py runs it on synthetic LAs).

Each synthetic LA is analysed exactly as a report would be (`pipeline.analyses.results.analyse`).
`statements` reads from that dict every verdict flag and interval a report shows; `estimands`
computes what those intervals estimate from all the LAs' placements pooled (the value the
intervals should cover: with 100 LAs pooled it is known far better than any one LA knows it);
`table` turns the per-LA statements into rates:

- false-positive rate, on LAs generated with no SDQ effect: how often a statement claims an
  effect that is not there (budget: at most 6% for a 5% test over 100 LAs);
- coverage, on LAs generated with the effect: how often a 95% interval holds the pooled value
  (budget: at least 90%);
- power, on LAs with the effect: how often the effect is found (information, no budget);
- missing-month flags on the stationary monthly series of every LA (budget: at most 6%).

This module knows nothing of the generator: the LAs' results and analysis frames come in, rates
go out. Which LAs had an effect is the caller's knowledge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analyses import disruption_sdq as ds
from pipeline.model import vocab

FALSE_POSITIVE_BUDGET = 0.06
COVERAGE_BUDGET = 0.90
CUT_OFFS = (14, 17, 18)
BANDS = (*vocab.SDQ_BANDS, "all")
FRAME_COLUMNS = [
    "CHILD",
    "sdq_score",
    "age_at_start",
    "place_group",
    "disrupted_12m",
    "time_days",
    "event",
    "end_category",
]


def _get(d: dict | None, *keys):
    for k in keys:
        if d is None:
            return None
        d = d[k] if isinstance(d, dict) else (d[k] if isinstance(k, int) and k < len(d) else None)
    return d


def _row(rows: list[dict], key: str, value) -> dict | None:
    return next((r for r in rows if r.get(key) == value), None)


def _excludes(ci, value) -> bool | None:
    lo, hi = (ci or (None, None))[:2]
    if lo is None or hi is None:
        return None
    return bool(lo > value or hi < value)


def statements(result: dict, threshold: int = 18) -> dict:
    """The verdict flags and intervals of one LA's results (`results.analyse`), flat."""
    sdq = result["sdq"]
    s = sdq["summary"]
    out: dict = {"enough": bool(s["enough"]), "n": s["n"], "events": s["disrupted"]}
    t = s.get("targeting") or {}
    out["cut_more"] = t.get("direction") == "more" if t.get("enough") else None
    out["cut_less"] = t.get("direction") == "less" if t.get("enough") else None
    out["cut_significant"] = t.get("significant") if t.get("enough") else None
    for cut in CUT_OFFS:
        row = _row(sdq["thresholds"], "threshold", cut) or {}
        for name, lo, hi, est in (
            ("above", "ci_above_low", "ci_above_high", "rate_above"),
            ("below", "ci_below_low", "ci_below_high", "rate_below"),
            ("diff", "diff_ci_low", "diff_ci_high", "difference"),
            ("sens", "sens_ci_low", "sens_ci_high", "sensitivity"),
        ):
            out[f"t{cut}_{name}"] = row.get(est)
            out[f"t{cut}_{name}_ci"] = (row.get(lo), row.get(hi))
    opt = s.get("optimal") or {}
    out["auc"] = s.get("auc")
    out["auc_ci"] = tuple(s.get("auc_ci") or (None, None))
    out["named"] = bool(opt.get("named")) if opt.get("enough") else None
    out["named_range"] = (opt.get("low"), opt.get("high"))
    for kind in ("logistic", "cox"):
        fit = s.get(kind) or {}
        fitted = fit.get("status") == "fitted"
        out[f"{kind}_fitted"] = fitted if fit else None
        out[f"{kind}_ratio"] = fit.get("ratio") if fitted else None
        out[f"{kind}_ratio_ci"] = (
            (fit.get("ci_low"), fit.get("ci_high")) if fitted else (None, None)
        )
        out[f"{kind}_significant"] = _excludes(out[f"{kind}_ratio_ci"], 1.0) if fitted else None
        out[f"{kind}_dropped"] = bool(fit.get("dropped")) if fitted else None
        out[f"{kind}_pooled"] = bool(fit.get("pooled_groups")) if fitted else None
    bands = s.get("bands") or {}
    p = bands.get("p_value")
    out["bands_significant"] = None if p is None else bool(p < 0.05)
    for band in BANDS:
        row = _row(sdq["band_rates"], "band", band) or {}
        out[f"rate_{band}"] = row.get("rate")
        out[f"rate_{band}_ci"] = (row.get("ci_low"), row.get("ci_high"))
        row = _row(sdq["cumulative_incidence_12m"], "band", band) or {}
        out[f"cif_{band}"] = row.get("cif")
        out[f"cif_{band}_ci"] = (row.get("ci_low"), row.get("ci_high"))
    return out


def missing_statements(against: dict) -> dict:
    """The missing-month flags of one `missing_trends.against_recent` result (as data): per
    comparison whether the page calls it unusual and whether its own p-value is below 0.05."""
    out = {"any_unusual": bool(against["any_unusual"]), "n_comparisons": against["n_comparisons"]}
    for c in against["comparisons"]:
        key = f"{c['measure']}|{c['label']}"
        out[f"unusual|{key}"] = bool(c["unusual"])
        out[f"p05|{key}"] = bool(c["test"]["p_value"] is not None and c["test"]["p_value"] < 0.05)
    return out


# ---------------------------------------------------------------------------------- the truth


def estimands(pooled: pd.DataFrame, thresholds=ds.THRESHOLDS) -> dict:
    """What the intervals estimate, from every LA's analysis frame pooled (CHILD made unique
    per LA): rates by band, the cut-offs' rates, differences and sensitivities, the AUC, the
    Youden-optimal cut-off, the odds and hazard ratios per SDQ point and the 12-month
    cumulative incidence by band, each by the estimator the report uses (point estimates)."""
    out: dict = {}
    rates = ds.band_rates(pooled).set_index("band")
    for band in BANDS:
        out[f"rate_{band}"] = float(rates.loc[band, "rate"])
    table = ds.threshold_table(pooled, thresholds).set_index("threshold")
    for cut in CUT_OFFS:
        row = table.loc[cut]
        out[f"t{cut}_above"] = float(row["rate_above"])
        out[f"t{cut}_below"] = float(row["rate_below"])
        out[f"t{cut}_diff"] = float(row["difference"])
        out[f"t{cut}_sens"] = float(row["sensitivity"])
    j = table["youden_j"]
    out["optimum"] = int(j.idxmax())
    out["optimum_near"] = [int(t) for t in j.index[j >= j.max() - 0.02]]
    out["auc"] = ds.auc(pooled)
    out["logistic_ratio"] = ds.logistic_model(pooled, intervals=False).ratio
    out["cox_ratio"] = ds.cox_model(pooled, intervals=False).ratio
    cif = ds.incidence_at(pooled, intervals=False).set_index("band")
    for band in BANDS:
        out[f"cif_{band}"] = float(cif.loc[band, "cif"])
    return out


# ---------------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Check:
    """One line of the table: a statement, what is measured and on which LAs, and its budget."""

    key: str
    statement: str
    measure: str  # 'false_positive', 'coverage', 'power', 'share'
    on: str  # 'null', 'effect', 'all'


def _checks() -> list[Check]:
    c = []
    fp, cov = "false_positive", "coverage"
    c.append(
        Check("cut_more", "cut-off 18: flagged placements disrupt more (p < 0.05)", fp, "null")
    )
    c.append(
        Check("cut_less", "cut-off 18: flagged placements disrupt less (p < 0.05)", fp, "null")
    )
    c.append(Check("cut_significant", "cut-off 18: either direction", fp, "null"))
    c.append(Check("named", "a near-optimal cut-off range is named (AUC CI > 0.5)", fp, "null"))
    c.append(
        Check("logistic_significant", "logistic: odds ratio per point significant", fp, "null")
    )
    c.append(Check("cox_significant", "Cox: hazard ratio per point significant", fp, "null"))
    c.append(Check("bands_significant", "bands differ (cluster-aware log-rank)", fp, "null"))
    for band in BANDS:
        c.append(Check(f"rate_{band}", f"12-month disruption rate, {band}: 95% CI", cov, "effect"))
    for cut in CUT_OFFS:
        c.append(Check(f"t{cut}_above", f"cut-off {cut}: rate if flagged, 95% CI", cov, "effect"))
        c.append(
            Check(f"t{cut}_below", f"cut-off {cut}: rate if not flagged, 95% CI", cov, "effect")
        )
        c.append(
            Check(f"t{cut}_diff", f"cut-off {cut}: difference in rates, 95% CI", cov, "effect")
        )
        c.append(
            Check(
                f"t{cut}_sens", f"cut-off {cut}: share of disruptions caught, 95% CI", cov, "effect"
            )
        )
    c.append(Check("auc", "AUC: 95% CI", cov, "effect"))
    c.append(Check("named_range", "named cut-off range holds a near-optimal score", cov, "effect"))
    c.append(Check("logistic_ratio", "logistic: odds ratio per point, 95% CI", cov, "effect"))
    c.append(Check("cox_ratio", "Cox: hazard ratio per point, 95% CI", cov, "effect"))
    for band in BANDS:
        c.append(Check(f"cif_{band}", f"broken down by 12 months, {band}: 95% CI", cov, "effect"))
    for band in BANDS:
        c.append(Check(f"rate_{band}", f"12-month disruption rate, {band}: 95% CI", cov, "null"))
    for band in BANDS:
        c.append(Check(f"cif_{band}", f"broken down by 12 months, {band}: 95% CI", cov, "null"))
    c.append(Check("cut_more", "cut-off 18: flagged placements disrupt more", "power", "effect"))
    c.append(Check("named", "a near-optimal cut-off range is named", "power", "effect"))
    c.append(Check("logistic_significant", "logistic: odds ratio significant", "power", "effect"))
    c.append(Check("cox_significant", "Cox: hazard ratio significant", "power", "effect"))
    c.append(Check("bands_significant", "bands differ", "power", "effect"))
    c.append(Check("logistic_dropped", "logistic: an adjustment dropped", "share", "all"))
    c.append(Check("logistic_pooled", "logistic: rare placement types pooled", "share", "all"))
    return c


CHECKS = _checks()


def _covered(ci, value) -> bool | None:
    if ci is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    lo, hi = ci
    if lo is None or hi is None:
        return None
    if isinstance(value, list):  # a named range holds any of the near-optimal cut-offs
        return any(lo <= v <= hi for v in value)
    return bool(lo - 1e-12 <= value <= hi + 1e-12)


def _rate(values: list) -> tuple[float, int]:
    known = [bool(v) for v in values if v is not None]
    return (float(np.mean(known)) if known else math.nan), len(known)


def table(
    null: list[dict], effect: list[dict], truth_null: dict, truth_effect: dict
) -> pd.DataFrame:
    """The rates of every check over the LAs' `statements`, with the budget and whether it is
    met. Columns: statement, measure, on, rate, las (LAs the rate is over), budget, ok."""
    rows = []
    for check in CHECKS:
        las = {"null": null, "effect": effect, "all": null + effect}[check.on]
        truth = truth_null if check.on == "null" else truth_effect
        if check.measure == "coverage":
            if check.key == "named_range":
                values = [
                    _covered(s["named_range"], truth["optimum_near"]) if s["named"] else None
                    for s in las
                ]
            else:
                values = [_covered(s.get(f"{check.key}_ci"), truth.get(check.key)) for s in las]
        else:
            values = [s.get(check.key) for s in las]
        value, n = _rate(values)
        budget, ok = "", None
        if check.measure == "false_positive":
            budget, ok = f"<= {FALSE_POSITIVE_BUDGET:.0%}", bool(value <= FALSE_POSITIVE_BUDGET)
        elif check.measure == "coverage":
            budget, ok = f">= {COVERAGE_BUDGET:.0%}", bool(value >= COVERAGE_BUDGET)
        rows.append(
            {
                "statement": check.statement,
                "measure": check.measure,
                "on": check.on,
                "rate": value,
                "las": n,
                "budget": budget,
                "ok": ok,
            }
        )
    return pd.DataFrame(rows)


def missing_table(flags: list[dict]) -> pd.DataFrame:
    """Missing-month flag rates over every (LA, month) evaluated on stationary series: the
    page's verdict (any comparison called unusual; budget 6%), each comparison's 'unusual', and
    each comparison's own p < 0.05 (information: what an unadjusted reading would flag)."""
    keys = sorted({k for f in flags for k in f if "|" in k})
    rows = [
        {
            "statement": "the page calls the month unusual (any comparison)",
            "measure": "false_positive",
            "rate": float(np.mean([f["any_unusual"] for f in flags])) if flags else math.nan,
            "months": len(flags),
        }
    ]
    for key in keys:
        kind, measure, label = key.split("|")
        what = "called unusual" if kind == "unusual" else "own p < 0.05 (unadjusted)"
        rows.append(
            {
                "statement": f"{measure.replace('missing_', '')} against {label}: {what}",
                "measure": "false_positive" if kind == "unusual" else "information",
                "rate": float(np.mean([f[key] for f in flags if key in f])),
                "months": sum(key in f for f in flags),
            }
        )
    out = pd.DataFrame(rows)
    fp = out["measure"] == "false_positive"
    out["budget"] = np.where(fp, f"<= {FALSE_POSITIVE_BUDGET:.0%}", "")
    out["ok"] = np.where(fp, out["rate"] <= FALSE_POSITIVE_BUDGET, None)
    return out


def bias_table(effect: list[dict], truth_effect: dict) -> pd.DataFrame:
    """The 12-month cumulative incidence by band (mean over LAs) against the pooled share of
    placements with a full 12 months of follow-up that disrupted within them: what the chart's
    'broken down by 12 months' should match."""
    rows = []
    for band in BANDS:
        mean = np.nanmean([s[f"cif_{band}"] for s in effect if s[f"cif_{band}"] is not None])
        observed = truth_effect[f"rate_{band}"]
        rows.append(
            {
                "band": band,
                "cumulative_incidence_12m": mean,
                "observed_12m_rate": observed,
                "relative_difference": mean / observed - 1 if observed else math.nan,
            }
        )
    return pd.DataFrame(rows)
