"""Do the reports' statistical statements keep their error rates? (`make validate-stats`)

Generates N synthetic LAs with no SDQ effect on placement breakdown and N with the generator's
effect (`--effect`, log-hazard per point of latent SDQ; calibration 0.09), all in memory (the
truth of the reference month, cleaned and modelled as a real extract would be), analyses each
exactly as the reports do (`pipeline.analyses.results.analyse`, reference date 31 January 2017
by default) and prints, per statement, the false-positive rate on the LAs without the effect,
the coverage of the 95% intervals on the LAs with it (against the value all LAs' placements
pooled give), the power, and the missing-month flag rate on the LAs' stationary monthly series
(each of the last `--months` months taken as "this month").

    python tools/validate_stats.py --n 100 --seed 2017 --jobs 2

Exit status 0 when every budget is met (false positives <= 6%, coverage >= 90%), 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

MONTH = "2017-01"
SDQ_EFFECT = 0.09  # pipeline.synth.calibration.SDQ_LOG_HAZARD_PER_POINT


def one_la(job: tuple) -> tuple[dict, pd.DataFrame, list[dict]]:
    """Generate, clean, model and analyse one synthetic LA: its statements, its analysis frame
    (CHILD made unique to the LA) and its missing-month flags."""
    seed, effect, month, n_boot, months = job
    warnings.filterwarnings("ignore")
    from pipeline import model, synth
    from pipeline.analyses import disruption_sdq, missing_trends, results, validation
    from pipeline.config import Settings
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import extract_from_frames

    tables = synth.truth_tables(seed=seed, end=month, sdq_effect=effect)
    m = model.build(clean_extract(extract_from_frames(tables), month=month).tables, Settings())
    result = results.analyse(m, month, n_boot=n_boot, seed=seed)
    statement = validation.statements(result, m.settings.sdq_threshold)
    statement.update(seed=seed, effect=effect)
    ref = pd.Period(month, freq="M").to_timestamp(how="end").normalize()
    frame = disruption_sdq.analysis_frame(m.placements, m.sdq_scores, ref, m.settings)
    frame = frame[validation.FRAME_COLUMNS].assign(CHILD=f"{seed}:" + frame["CHILD"].astype(str))
    series = missing_trends.monthly_series(m, month, 24 + months - 1)
    flags = []
    for k in range(months):
        window = series.iloc[k : k + 24].reset_index(drop=True)
        against = results.as_data(missing_trends.against_recent(window))
        flags.append(validation.missing_statements(against))
    return statement, frame, flags


def run(
    n: int = 100,
    seed: int = 2017,
    jobs: int = 2,
    effect: float = SDQ_EFFECT,
    month: str = MONTH,
    n_boot: int = 1000,
    months: int = 6,
    progress: bool = True,
) -> dict:
    """Run the check; returns {"table", "missing", "bias", "seconds", "null", "effect"}."""
    from pipeline.analyses import validation

    started = time.perf_counter()
    work = [(seed + i, 0.0, month, n_boot, months) for i in range(n)]
    work += [(seed + 100_000 + i, effect, month, n_boot, months) for i in range(n)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            done = pool.map(one_la, work, chunksize=max(1, len(work) // (8 * jobs)))
            out = _collect(done, len(work), progress)
    else:
        out = _collect(map(one_la, work), len(work), progress)
    null = [s for s, _, _ in out if s["effect"] == 0]
    eff = [s for s, _, _ in out if s["effect"] != 0]
    pooled_null = pd.concat([f for s, f, _ in out if s["effect"] == 0], ignore_index=True)
    pooled_eff = pd.concat([f for s, f, _ in out if s["effect"] != 0], ignore_index=True)
    truth_null = validation.estimands(pooled_null)
    truth_eff = validation.estimands(pooled_eff)
    flags = [f for _, _, fl in out for f in fl]
    return {
        "table": validation.table(null, eff, truth_null, truth_eff),
        "missing": validation.missing_table(flags),
        "bias": validation.bias_table(eff, truth_eff),
        "truth": {"null": truth_null, "effect": truth_eff},
        "null": null,
        "effect": eff,
        "seconds": time.perf_counter() - started,
    }


def _collect(results, total: int, progress: bool) -> list:
    out = []
    for item in results:
        out.append(item)
        if progress:
            print(f"\r  {len(out)}/{total} LAs", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return out


def report(result: dict, n: int) -> str:
    """The printed tables."""
    t = result["table"].copy()
    t["rate"] = (100 * t["rate"]).map(lambda v: "-" if pd.isna(v) else f"{v:.1f}%")
    t["ok"] = t["ok"].map({True: "yes", False: "NO", None: ""})
    m = result["missing"].copy()
    m["rate"] = (100 * m["rate"]).map(lambda v: f"{v:.1f}%")
    m["ok"] = m["ok"].map({True: "yes", False: "NO", None: ""})
    b = result["bias"].copy()
    truth = result["truth"]["effect"]
    lines = [
        f"Statistical statements on {n} synthetic LAs without and {n} with the SDQ effect "
        f"(reference date {MONTH}); {result['seconds']:.0f} s",
        "",
        t.to_string(index=False),
        "",
        "Missing-month flags on stationary monthly series:",
        m.to_string(index=False),
        "",
        "Broken down by 12 months (cumulative incidence, other endings competing) against the "
        "pooled 12-month rate, LAs with the effect:",
        b.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
        "",
        f"Pooled values (with the effect): odds ratio {truth['logistic_ratio']:.4f}, hazard "
        f"ratio {truth['cox_ratio']:.4f}, AUC {truth['auc']:.3f}, Youden-optimal cut-off "
        f"{truth['optimum']} (within 0.02 of its J: {truth['optimum_near']})",
    ]
    return "\n".join(lines)


def ok(result: dict) -> bool:
    checks = pd.concat([result["table"]["ok"], result["missing"]["ok"]])
    return all(v is not False for v in checks if v is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="LAs without and with the effect")
    parser.add_argument("--seed", type=int, default=2017, help="first LA's seed")
    parser.add_argument("--jobs", type=int, default=2, help="processes")
    parser.add_argument(
        "--effect", type=float, default=SDQ_EFFECT, help="SDQ effect of the LAs with it"
    )
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap samples per LA")
    parser.add_argument("--months", type=int, default=6, help="months per LA for the missing flags")
    parser.add_argument("--csv", default=None, help="also write the per-LA statements here")
    args = parser.parse_args(argv)
    result = run(args.n, args.seed, args.jobs, args.effect, MONTH, args.n_boot, args.months)
    print(report(result, args.n))
    if args.csv:
        from pipeline.io import atomic_write_csv  # the pack's one CSV writer (Excel-safe)

        atomic_write_csv(pd.DataFrame(result["null"] + result["effect"]), args.csv)
    return 0 if ok(result) else 1


if __name__ == "__main__":
    sys.exit(main())
