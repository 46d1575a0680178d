"""Command-line interface: `python -m pipeline {synth,clean,kpis,analyse,run} --help`.

A thin face over the package. Input problems are reported as one line on stderr with exit status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.paths import MonthError, parse_month, parse_months, resolve


def _month_dir(root: Path, month: str) -> Path:
    """The month's folder: ROOT/YYYY-MM when it exists, else ROOT itself."""
    candidate = root / month
    return candidate if candidate.is_dir() else root


def cmd_synth(args: argparse.Namespace) -> int:
    from pipeline import synth

    scale = synth.NATIONAL_SCALE if args.scale == "national" else float(args.scale)
    started = time.perf_counter()
    summary = synth.generate(
        resolve(args.out),
        seed=args.seed,
        history_start=args.history_start,
        end=args.end,
        months=args.months,
        scale=scale,
        faults=not args.no_faults,
        progress=not args.quiet,
        **({} if args.sdq_effect is None else {"sdq_effect": args.sdq_effect}),
    )
    if not args.quiet:
        print(
            f"synthetic extracts written under {resolve(args.out)} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for line in _summary_lines(summary):
            print(line)
    return 0


def _summary_lines(summary: dict) -> list[str]:
    months = summary.get("months", summary) if isinstance(summary, dict) else {}
    if not isinstance(months, dict):
        return []
    return [f"  {m}: {info}" for m, info in list(months.items())[-3:]]


def cmd_clean(args: argparse.Namespace) -> int:
    from pipeline.ingest.processed import clean_month

    month = str(parse_month(args.month))
    raw_dir = _month_dir(resolve(args.raw), month)
    out_dir = resolve(args.out) / month
    result = clean_month(month, raw_dir, out_dir)
    t = result.summary["totals"]
    print(
        f"{month}: {t['rows_in']} rows in, {t['kept']} kept, {t['merged']} merged, "
        f"{t['quarantined']} quarantined, {t['corrected_cells']} cells corrected -> {out_dir}"
    )
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    from pipeline import model
    from pipeline.config import load_settings
    from pipeline.indicators import kpi_table
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract
    from pipeline.io import atomic_write_csv

    month = str(parse_month(args.month))
    settings = load_settings(args.config)
    result = clean_extract(load_extract(_month_dir(resolve(args.raw), month)), month=month)
    table = kpi_table(model.build(result.tables, settings), month)
    if args.out == "-":
        table.to_csv(sys.stdout, index=False)
    else:
        atomic_write_csv(table, resolve(args.out))
        print(f"{month}: {len(table)} indicators -> {resolve(args.out)}")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    import json

    from pipeline import model
    from pipeline.analyses.results import analyse
    from pipeline.config import load_settings
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract
    from pipeline.io import atomic_write_text

    month = str(parse_month(args.month))
    settings = load_settings(args.config)
    result = clean_extract(load_extract(_month_dir(resolve(args.raw), month)), month=month)
    data = analyse(model.build(result.tables, settings), month, args.n_boot, args.seed)
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        atomic_write_text(text, resolve(args.out))
        print(f"{month}: SDQ and missing analyses -> {resolve(args.out)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.config import load_settings
    from pipeline.run.batch import run_batch, summary_text

    months = args.months or load_settings(args.config).default_months
    if not months:
        raise MonthError("no months given: pass --months or set [reporting] default_months")
    months = parse_months(months)
    result = run_batch(
        months,
        notebooks_dir=resolve(args.notebooks),
        raw_root=resolve(args.raw),
        processed_root=resolve(args.processed),
        output_root=resolve(args.outputs),
        jobs=args.jobs,
        progress=not args.quiet,
        config_path=resolve(args.config) if args.config else None,
        force=args.force,
        clean=not args.no_clean,
    )
    print(summary_text(result))
    return 0 if result.ok else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from pipeline import bench

    return bench.main(
        (["--national"] if args.national else []) + (["--report"] if args.report else [])
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Looked-after children (SSDA903) analysis pack.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "synth", help="write synthetic monthly extracts (dirty) and their clean truth"
    )
    p.add_argument(
        "--out", default="data", help="root folder: writes OUT/raw/YYYY-MM and OUT/truth/YYYY-MM"
    )
    p.add_argument("--seed", type=int, default=903)
    p.add_argument("--end", default="2017-01", help="last reporting month (YYYY-MM)")
    p.add_argument(
        "--months", type=int, default=12, help="number of monthly extracts ending at --end"
    )
    p.add_argument("--history-start", default="2007-04", help="first month of simulated history")
    p.add_argument(
        "--scale", default="1", help="population multiplier, or 'national' (~80,000 looked after)"
    )
    p.add_argument("--no-faults", action="store_true", help="write the truth only, with no faults")
    p.add_argument(
        "--sdq-effect",
        type=float,
        default=None,
        help="log breakdown hazard per point of latent SDQ score (default the calibration's 0.09; 0: none)",
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("clean", help="clean one month's extract into typed parquet + quality.json")
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    p.add_argument("--raw", default="data/raw", help="raw root (RAW/YYYY-MM) or the month's folder")
    p.add_argument("--out", default="data/processed", help="processed root: writes OUT/YYYY-MM/")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("kpis", help="indicators for one month as CSV (cleans in memory first)")
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    p.add_argument("--raw", default="data/raw", help="raw root (RAW/YYYY-MM) or the month's folder")
    p.add_argument("--out", default="-", help="CSV file to write ('-' for standard output)")
    p.add_argument("--config", default=None, help="settings file (default config/la.toml)")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser(
        "analyse",
        help="the SDQ and missing analyses of one month as JSON: estimates, intervals, n, "
        "p-values and verdicts (cleans in memory first)",
    )
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    p.add_argument("--raw", default="data/raw", help="raw root (RAW/YYYY-MM) or the month's folder")
    p.add_argument("--out", default="-", help="JSON file to write ('-' for standard output)")
    p.add_argument("--config", default=None, help="settings file (default config/la.toml)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap samples (AUC, cut-offs)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("run", help="batch: run every notebook for each month and render HTML")
    p.add_argument("--months", default=None, help="e.g. 2016-02:2017-01 (default from config)")
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--raw", default="data/raw")
    p.add_argument("--processed", default="data/processed")
    p.add_argument("--outputs", default="outputs")
    p.add_argument("--jobs", type=int, default=1, help="months run in parallel")
    p.add_argument("--config", default=None, help="settings file (default config/la.toml)")
    p.add_argument("--force", action="store_true", help="re-run months even if unchanged")
    p.add_argument(
        "--no-clean",
        action="store_true",
        help="do not clean the month first (for notebooks that need no cleaned data)",
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "bench", help="print the performance figures (SPEC 10) against their budgets"
    )
    p.add_argument("--national", action="store_true", help="also measure at national scale (slow)")
    p.add_argument("--report", action="store_true", help="also time the 12-month batch run")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipeline.config import ConfigError
    from pipeline.ingest.load import InputError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, ConfigError, MonthError, FileNotFoundError) as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
