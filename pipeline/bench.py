"""Benchmark command: the SPEC 10 performance figures, measured on synthetic data.

`python -m pipeline bench [--national] [--report]` prints each figure against its budget. It is a
command, not a timed test: timings depend on the machine, so they are reported, not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipeline.paths import repo_root

BUDGETS = {
    "kpis_command_la_s": 2.0,
    "kpis_month_la_s": 2.0,
    "kpis_command_national_s": 20.0,
    "kpis_command_national_peak_gb": 6.0,
    "kpis_month_national_s": 20.0,
    "kpis_month_national_peak_gb": 6.0,
    "series_24m_ratio": 2.0,
    "missing_month_national_s": 5.0,
    "clean_vs_pyarrow_ratio": 5.0,
    "report_12_months_s": 60.0,
    "report_rerun_s": 5.0,
}


def _child(code: str) -> dict:
    """Run `code` in a fresh interpreter; return the JSON it prints plus its peak memory (GB)."""
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "out['peak_gb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2\n"
        "print('\\n' + json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_indicators(raw_dir: Path, month: str) -> dict:
    """Clean in memory, then time one month and a 24-month series of every indicator."""
    code = f"""
import time
from pipeline import indicators, model
from pipeline.config import load_settings
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
from pipeline.model.dates import month_ends
settings = load_settings()
t0 = time.perf_counter()
tables = clean_extract(load_extract({str(raw_dir)!r})).tables
t_clean = time.perf_counter() - t0
def timed(refs, themes=indicators.THEMES):
    t0 = time.perf_counter()
    indicators.all_indicators(model.build(tables, settings), refs, themes)
    return time.perf_counter() - t0
t_month = timed(month_ends({month!r}, 1))
t_series = timed(month_ends({month!r}, 24))
t_missing = timed(month_ends({month!r}, 1), (indicators.missing,))
out = dict(clean_s=t_clean, month_s=t_month, series_s=t_series, missing_s=t_missing,
           episodes=len(tables['episodes']), missing_rows=len(tables.get('missing', [])))
"""
    return _child(code)


def time_kpis_command(raw_dir: Path, month: str) -> dict:
    """The whole `python -m pipeline kpis` command in a fresh interpreter (imports, load, clean in
    memory, indicators, CSV): wall time and that interpreter's peak memory."""
    out = Path(tempfile.gettempdir()) / "lac-pack-bench-kpis.csv"
    args = ["kpis", "--month", month, "--raw", str(raw_dir), "--out", str(out)]
    t0 = time.perf_counter()
    result = _child(f"from pipeline.cli import main\nout = dict(status=main({args!r}))")
    result["wall_s"] = time.perf_counter() - t0
    return result


def time_cleaning(raw_dir: Path) -> dict:
    """Cleaning (load + rules) against a plain pyarrow read of the same CSV files."""
    code = f"""
import time
from pathlib import Path
import pyarrow.csv as pacsv
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
files = sorted(p for p in Path({str(raw_dir)!r}).glob('*') if p.suffix.lower() == '.csv' and p.stat().st_size)
t0 = time.perf_counter()
for p in files:  # every file read in full; Windows-1252 files need the encoding named
    try:
        pacsv.read_csv(p)
    except Exception:
        pacsv.read_csv(p, read_options=pacsv.ReadOptions(encoding="cp1252"))
t_read = time.perf_counter() - t0
t0 = time.perf_counter(); clean_extract(load_extract({str(raw_dir)!r})); t_clean = time.perf_counter() - t0
out = dict(pyarrow_s=t_read, clean_s=t_clean, ratio=t_clean / t_read)
"""
    return _child(code)


def time_report(months: str) -> dict:
    """`make report`'s batch (two jobs, as the Makefile runs it) for the months into fresh
    output and processed folders, then an unchanged re-run (after set-up)."""
    root = repo_root()
    work = Path(tempfile.mkdtemp(prefix="lac-pack-bench-report-"))
    cmd = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--months",
        months,
        "--quiet",
        "--jobs",
        "2",
        "--outputs",
        str(work / "outputs"),
        "--processed",
        str(work / "processed"),
    ]
    t0 = time.perf_counter()
    first = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    t_again = time.perf_counter() - t0
    return dict(report_s=t_first, rerun_s=t_again, ok=first.returncode == 0)


def ensure_synth(root: Path, scale: str, months: int, history_start: str) -> Path:
    """Generate synthetic data under `root` unless it is already there; return the raw root."""
    if not (root / "raw").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "synth",
                "--out",
                str(root),
                "--scale",
                scale,
                "--months",
                str(months),
                "--history-start",
                history_start,
                "--quiet",
            ],
            check=True,
        )
    return root / "raw"


def run(national: bool, report: bool, month: str = "2017-01") -> list[dict]:
    """Measure every figure asked for; return rows of (figure, value, budget, verdict)."""
    rows: list[dict] = []
    work = Path(tempfile.gettempdir()) / "lac-pack-bench"
    la_raw = ensure_synth(work / "la", "1", 1, "2007-04") / month
    la = time_indicators(la_raw, month)
    command = time_kpis_command(la_raw, month)
    rows.append(_row("kpis_command_la_s", command["wall_s"], "whole command, cleaning included"))
    rows.append(
        _row("kpis_month_la_s", la["month_s"], f"indicators only, {la['episodes']:,} episodes")
    )
    rows.append(_row("series_24m_ratio", la["series_s"] / max(la["month_s"], 1e-9), "LA scale"))
    cleaning = time_cleaning(la_raw)
    rows.append(_row("clean_vs_pyarrow_ratio", cleaning["ratio"], "LA scale"))
    if national:
        nat_raw = ensure_synth(work / "national", "national", 1, "2012-04") / month
        nat = time_indicators(nat_raw, month)
        command = time_kpis_command(nat_raw, month)
        rows.append(_row("kpis_command_national_s", command["wall_s"], "whole command"))
        rows.append(_row("kpis_command_national_peak_gb", command["peak_gb"], "whole command"))
        rows.append(
            _row(
                "kpis_month_national_s",
                nat["month_s"],
                f"indicators only, {nat['episodes']:,} episodes",
            )
        )
        rows.append(_row("kpis_month_national_peak_gb", nat["peak_gb"], "incl. cleaning in memory"))
        rows.append(
            _row("series_24m_ratio", nat["series_s"] / max(nat["month_s"], 1e-9), "national")
        )
        rows.append(
            _row(
                "missing_month_national_s",
                nat["missing_s"],
                f"{nat['missing_rows']:,} missing rows",
            )
        )
        cleaning = time_cleaning(nat_raw)
        rows.append(_row("clean_vs_pyarrow_ratio", cleaning["ratio"], "national scale"))
    if report:
        from pipeline.config import load_settings

        rep = time_report(load_settings().default_months)
        rows.append(_row("report_12_months_s", rep["report_s"], "ok" if rep["ok"] else "FAILED"))
        rows.append(_row("report_rerun_s", rep["rerun_s"], "unchanged inputs"))
    return rows


def _row(figure: str, value: float, note: str) -> dict:
    budget = BUDGETS[figure]
    return dict(
        figure=figure,
        value=round(value, 2),
        budget=budget,
        verdict="within" if value < budget else "OVER",
        note=note,
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline bench", description=__doc__)
    parser.add_argument("--national", action="store_true", help="also measure at national scale")
    parser.add_argument("--report", action="store_true", help="also time the 12-month batch")
    args = parser.parse_args(argv)
    table = pd.DataFrame(run(args.national, args.report))
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
