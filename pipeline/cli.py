"""Command-line interface: `python -m pipeline {synth,clean,kpis,analyse,run} --help`.

A thin face over the package. Every expected failure is one line on stderr, never a traceback,
with its own exit status (`EXIT`): 1 a month failed in a batch run, 2 input (a missing table,
column, file or month), 3 settings (`--config`), 4 writing (read-only file system, full disk,
an output path that is a folder, standard output closed or full), 5 another batch run holds
the output folder's lock.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from pathlib import Path

from pipeline.paths import MonthError, parse_month, parse_months, resolve

EXIT = {"month failed": 1, "input": 2, "config": 3, "write": 4, "lock": 5, "interrupted": 130}


def _given_path(text: str) -> Path | str:
    """A path typed by the user: relative to the directory they are in ('-' stays standard output).

    Defaults are not typed, so they stay where the repository keeps them (`pipeline.paths.resolve`).
    """
    return text if text == "-" else Path(text).expanduser().resolve()


def _path_option(p: argparse.ArgumentParser, flag: str, default: str | None, help: str) -> None:
    """--flag PATH: relative to the working directory when given, else the repository default."""
    p.add_argument(
        flag,
        type=_given_path,
        default=resolve(default) if default not in (None, "-") else default,
        help=f"{help} (default: {default or 'none'})",
    )


def _month_dir(root: Path, month: str) -> Path:
    """The month's folder: ROOT/YYYY-MM when it exists, else ROOT itself."""
    candidate = root / month
    return candidate if candidate.is_dir() else root


def cmd_synth(args: argparse.Namespace) -> int:
    from pipeline import synth

    scale = synth.NATIONAL_SCALE if args.scale == "national" else float(args.scale)
    started = time.perf_counter()
    summary = synth.generate(
        args.out,
        seed=args.seed,
        history_start=args.history_start,
        end=args.end,
        months=args.months,
        scale=scale,
        faults=not args.no_faults,
        progress=not args.quiet,
        output_format=args.format,
        **({} if args.sdq_effect is None else {"sdq_effect": args.sdq_effect}),
    )
    if not args.quiet:
        print(
            f"synthetic extracts written under {args.out} in {time.perf_counter() - started:.1f} s"
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
    raw_dir = _month_dir(args.raw, month)
    out_dir = args.out / month
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
    from pipeline.io import atomic_write_csv, csv_text

    month = str(parse_month(args.month))
    settings = load_settings(args.config)
    result = clean_extract(load_extract(_month_dir(args.raw, month)), month=month)
    table = kpi_table(model.build(result.tables, settings), month)
    if args.out == "-":
        sys.stdout.write(csv_text(table))
    else:
        atomic_write_csv(table, args.out)
        print(f"{month}: {len(table)} indicators -> {args.out}")
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
    result = clean_extract(load_extract(_month_dir(args.raw, month)), month=month)
    data = analyse(model.build(result.tables, settings), month, args.n_boot, args.seed)
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        atomic_write_text(text, args.out)
        print(f"{month}: SDQ and missing analyses -> {args.out}")
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
        notebooks_dir=args.notebooks,
        raw_root=args.raw,
        processed_root=args.processed,
        output_root=args.outputs,
        jobs=args.jobs,
        progress=not args.quiet,
        config_path=args.config,
        force=args.force,
        clean=not args.no_clean,
        wait=args.wait,
    )
    print(summary_text(result))
    return 0 if result.ok else EXIT["month failed"]


def cmd_bench(args: argparse.Namespace) -> int:
    from pipeline import bench

    return bench.main(
        (["--national"] if args.national else [])
        + (["--report"] if args.report else [])
        + ["--runs", str(args.runs)]
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
    _path_option(p, "--out", "data", "root folder: writes OUT/raw/YYYY-MM and OUT/truth/YYYY-MM")
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
        "--format",
        choices=["csv", "xml"],
        default="csv",
        help="raw extracts as one CSV per table (default), or the 903 tables as one XML file in "
        "the DfE's shape with the local tables (missing, sdq) as CSV beside it",
    )
    p.add_argument(
        "--sdq-effect",
        type=float,
        default=None,
        help="log breakdown hazard per point of latent SDQ score "
        "(default the calibration's 0.09; 0: none)",
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("clean", help="clean one month's extract into typed parquet + quality.json")
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    _path_option(p, "--raw", "data/raw", "raw root (RAW/YYYY-MM) or the month's folder")
    _path_option(p, "--out", "data/processed", "processed root: writes OUT/YYYY-MM/")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("kpis", help="indicators for one month as CSV (cleans in memory first)")
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    _path_option(p, "--raw", "data/raw", "raw root (RAW/YYYY-MM) or the month's folder")
    _path_option(p, "--out", "-", "CSV file to write ('-' for standard output)")
    _path_option(p, "--config", "config/la.toml", "settings file")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser(
        "analyse",
        help="the SDQ and missing analyses of one month as JSON: estimates, intervals, n, "
        "p-values and verdicts (cleans in memory first)",
    )
    p.add_argument("--month", required=True, help="reporting month YYYY-MM")
    _path_option(p, "--raw", "data/raw", "raw root (RAW/YYYY-MM) or the month's folder")
    _path_option(p, "--out", "-", "JSON file to write ('-' for standard output)")
    _path_option(p, "--config", "config/la.toml", "settings file")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap samples (AUC, cut-offs)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("run", help="batch: run every notebook for each month and render HTML")
    p.add_argument("--months", default=None, help="e.g. 2016-02:2017-01 (default from config)")
    _path_option(p, "--notebooks", "notebooks", "folder of notebooks to run")
    _path_option(p, "--raw", "data/raw", "raw root: RAW/YYYY-MM")
    _path_option(p, "--processed", "data/processed", "processed root: PROCESSED/YYYY-MM")
    _path_option(p, "--outputs", "outputs", "output root: OUTPUTS/YYYY-MM and index.html")
    p.add_argument("--jobs", type=int, default=1, help="months run in parallel")
    _path_option(p, "--config", "config/la.toml", "settings file")
    p.add_argument("--force", action="store_true", help="re-run months even if unchanged")
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another batch run is writing to the same output folder, wait for it to finish "
        "(default: refuse with exit status 5)",
    )
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
    p.add_argument("--runs", type=int, default=3, help="runs of each figure (median, spread)")
    p.set_defaults(func=cmd_bench)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _write_error(exc: OSError) -> str:
    """An operating-system error while writing, as one line naming the path where known."""
    what = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    where = exc.filename or ""
    if exc.errno == errno.EISDIR:
        what = "it is a folder, not a file"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        what = "a part of this path is a file, not a folder"
    return f"cannot write {where}: {what}" if where else f"cannot write: {what}"


def _flush_stdout() -> None:
    """Flush standard output now, so that a closed or full one is reported like any write error;
    afterwards it points at the null device so that the interpreter's own flush at exit is quiet."""
    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise


def main(argv: list[str] | None = None) -> int:
    """Run one command; every expected failure becomes one line on stderr and an exit status."""
    from pipeline.config import ConfigError
    from pipeline.ingest.load import InputError
    from pipeline.io import WriteError
    from pipeline.run.lock import LockHeld

    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        _flush_stdout()
        return status
    except ConfigError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT["config"]
    except WriteError as exc:
        print(f"error: {_write_error(exc)}", file=sys.stderr)
        return EXIT["write"]
    except (InputError, MonthError, FileNotFoundError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT["input"]
    except LockHeld as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT["lock"]
    except OSError as exc:
        try:
            _flush_stdout()
        except OSError:
            pass  # already being reported
        print(f"error: {_write_error(exc)}", file=sys.stderr)
        return EXIT["write"]
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT["interrupted"]
