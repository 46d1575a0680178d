"""Benchmark command: the SPEC 10 performance figures, measured on synthetic data.

`python -m pipeline bench [--national] [--report] [--runs N]` prints each figure against its
budget: the median of N runs (each in a fresh interpreter) with the spread (min-max), and the CPU
time (user + system) beside the wall time where a figure is a whole command. It is a command, not
a timed test: timings depend on the machine, so they are reported, not asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipeline.paths import repo_root

BUDGETS = {  # SPEC 10
    "kpis_command_la_s": 1.0,
    "kpis_month_la_s": 1.0,
    "kpis_command_national_s": 5.0,
    "kpis_command_national_peak_gb": 2.5,
    "kpis_month_national_s": 5.0,
    "kpis_month_national_peak_gb": 2.5,
    "series_24m_ratio": 1.5,
    "missing_month_national_s": 5.0,
    "clean_vs_pyarrow_ratio": 5.0,
    "xml_vs_csv_load_ratio": 2.0,
    "report_12_months_s": 30.0,
    "report_rerun_s": 1.0,
}


def _child(code: str) -> dict:
    """Run `code` in a fresh interpreter; return the JSON it prints plus its peak memory (GB)."""
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "out['peak_gb'] = usage.ru_maxrss / 1024**2\n"
        "out['cpu_s'] = usage.ru_utime + usage.ru_stime\n"
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
    """Cleaning (load + rules) against a plain pyarrow read of the same delimited files: every
    file, each in its own encoding (UTF-16 by its byte-order mark, else UTF-8, else
    Windows-1252), lines pyarrow cannot split skipped."""
    code = f"""
import codecs, time
from pathlib import Path
import pyarrow.csv as pacsv
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
files = sorted(p for p in Path({str(raw_dir)!r}).glob('*')
               if p.suffix.lower() in ('.csv', '.txt', '.tsv') and p.stat().st_size)
skip = pacsv.ParseOptions(invalid_row_handler=lambda row: 'skip')
def encodings(path):
    head = path.open('rb').read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return ['utf-16']
    return ['utf8', 'cp1252']
t0 = time.perf_counter()
for p in files:
    for i, encoding in enumerate(encodings(p)):
        try:
            pacsv.read_csv(p, read_options=pacsv.ReadOptions(encoding=encoding), parse_options=skip)
            break
        except Exception:
            if i == len(encodings(p)) - 1:
                raise
t_read = time.perf_counter() - t0
t0 = time.perf_counter(); clean_extract(load_extract({str(raw_dir)!r})); t_clean = time.perf_counter() - t0
out = dict(pyarrow_s=t_read, clean_s=t_clean, ratio=t_clean / t_read, files=len(files))
"""
    return _child(code)


def time_xml_parse(xml_dir: Path, csv_dir: Path) -> dict:
    """Parsing a month's 903 XML against loading the CSVs of the same tables (SPEC 10), each in
    a fresh interpreter; the peak memory is the XML parse's own (the file is streamed)."""
    xml = next(p for p in sorted(xml_dir.iterdir()) if p.suffix.lower() == ".xml")
    parse = _child(
        "import time\nfrom pipeline.ingest.xml903 import read_903_xml\n"
        f"t0 = time.perf_counter(); held = read_903_xml({str(xml)!r}).tables\n"
        "out = dict(xml_s=time.perf_counter() - t0, tables=sorted(held),\n"
        "           rows=sum(len(f) for f in held.values()))"
    )
    code = f"""
import shutil, tempfile, time
from pathlib import Path
from pipeline.ingest.load import load_extract
source = Path({str(csv_dir)!r})
csv = Path(tempfile.mkdtemp(prefix='lac-pack-bench-csv-'))
for f in load_extract(source).files:
    if f.table in {parse["tables"]!r}:
        shutil.copy(source / f.file, csv / f.file)
t0 = time.perf_counter(); load_extract(csv); t_csv = time.perf_counter() - t0
shutil.rmtree(csv)
out = dict(csv_s=t_csv)
"""
    load = _child(code)
    return dict(parse, csv_s=load["csv_s"], ratio=parse["xml_s"] / load["csv_s"])


def time_duckdb(raw_dir: Path, month: str) -> dict | None:
    """The practical floor (SPEC 10): a minimal DuckDB query of three indicators on the same files
    (looked after at the month's end, 3+ placements in the 12 months to it, missing incidents
    starting in the month), no cleaning beyond reading the dates. None without DuckDB (the
    `bench` extra)."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return None
    folder = str(raw_dir)
    code = f"""
import time
from pathlib import Path
import duckdb
import pandas as pd
month_end = (pd.Period({month!r}, 'M').to_timestamp(how='end').normalize()).date()
folder = Path({folder!r})
def find(word):
    return str(next(p for p in sorted(folder.iterdir()) if word in p.name.lower()))
t0 = time.perf_counter()
con = duckdb.connect()
date = "try_strptime(trim({{}}), '%d/%m/%Y')"
con.execute(f\"\"\"create view ep as select CHILD, {{date.format('DECOM')}} as decom,
    {{date.format('DEC')}} as dec from read_csv('{{find('episode')}}', all_varchar=true,
    ignore_errors=true)\"\"\")
la = con.execute(f\"\"\"select count(distinct CHILD) from ep where decom <= DATE '{{month_end}}'
    and (dec is null or dec > DATE '{{month_end}}')\"\"\").fetchone()[0]
three = con.execute(f\"\"\"with open as (select distinct CHILD from ep where decom <= DATE '{{month_end}}'
    and (dec is null or dec > DATE '{{month_end}}')), moves as (select CHILD, count(*) n from ep
    where decom <= DATE '{{month_end}}' and (dec is null or dec > DATE '{{month_end}}' - interval 1 year)
    group by CHILD) select 100.0 * count(*) filter (where n >= 3) / count(*) from open join moves
    using (CHILD)\"\"\").fetchone()[0]
missing = con.execute(f\"\"\"select count(*) from read_csv('{{find('missing')}}', all_varchar=true,
    ignore_errors=true) where upper(trim(MISSING)) = 'M' and date_trunc('month',
    try_strptime(trim(MIS_START), '%d/%m/%Y %H:%M')) = DATE '{{month_end.replace(day=1)}}'\"\"\").fetchone()[0]
out = dict(duckdb_s=time.perf_counter() - t0, looked_after=la, placements_3plus_pct=three,
           missing_incidents=missing)
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


def ensure_synth(root: Path, scale: str, months: int, history_start: str, fmt: str = "csv") -> Path:
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
                "--format",
                fmt,
                "--quiet",
            ],
            check=True,
        )
    return root / "raw"


def _runs(measure, n: int) -> list[dict]:
    return [measure() for _ in range(n)]


def _median(results: list[dict], key: str) -> tuple[float, float, float]:
    """Median, min and max of one figure over the runs."""
    return _spread([r[key] for r in results])


def run(national: bool, report: bool, month: str = "2017-01", runs: int = 3) -> list[dict]:
    """Measure every figure asked for, `runs` times each; return rows of (figure, median, spread,
    budget, verdict, note)."""
    rows: list[dict] = []
    work = Path(tempfile.gettempdir()) / "lac-pack-bench"
    scales = [("LA", ensure_synth(work / "la", "1", 1, "2007-04") / month)]
    if national:
        scales.append(
            ("national", ensure_synth(work / "national", "national", 1, "2012-04") / month)
        )
    for scale, raw_dir in scales:
        key = "la" if scale == "LA" else "national"
        ind = _runs(lambda raw_dir=raw_dir: time_indicators(raw_dir, month), runs)
        command = _runs(lambda raw_dir=raw_dir: time_kpis_command(raw_dir, month), runs)
        cpu = _median(command, "cpu_s")
        rows.append(
            _row(
                f"kpis_command_{key}_s",
                _median(command, "wall_s"),
                f"whole command; CPU {cpu[0]:.2f} s ({cpu[1]:.2f}-{cpu[2]:.2f})",
            )
        )
        if key == "national":
            rows.append(_row(f"kpis_command_{key}_peak_gb", _median(command, "peak_gb"), ""))
        episodes = ind[0]["episodes"]
        rows.append(
            _row(
                f"kpis_month_{key}_s",
                _median(ind, "month_s"),
                f"indicators only, {episodes:,} episodes",
            )
        )
        if key == "national":
            rows.append(
                _row(
                    f"kpis_month_{key}_peak_gb", _median(ind, "peak_gb"), "incl. cleaning in memory"
                )
            )
        ratios = [r["series_s"] / max(r["month_s"], 1e-9) for r in ind]
        rows.append(_row("series_24m_ratio", _spread(ratios), scale))
        if key == "national":
            rows.append(
                _row(
                    "missing_month_national_s",
                    _median(ind, "missing_s"),
                    f"{ind[0]['missing_rows']:,} missing rows",
                )
            )
        cleaning = _runs(lambda raw_dir=raw_dir: time_cleaning(raw_dir), runs)
        read, clean = _median(cleaning, "pyarrow_s"), _median(cleaning, "clean_s")
        rows.append(
            _row(
                "clean_vs_pyarrow_ratio",
                _median(cleaning, "ratio"),
                f"{scale}: clean {clean[0]:.2f} s, pyarrow read {read[0]:.2f} s "
                f"({cleaning[0]['files']} files)",
            )
        )
        if key != "national":
            continue
        xml_dir = ensure_synth(work / "national-xml", "national", 1, "2012-04", "xml") / month
        xml = _runs(lambda x=xml_dir, c=raw_dir: time_xml_parse(x, c), runs)
        xml_s, csv_s = _median(xml, "xml_s"), _median(xml, "csv_s")
        xml_gb = _median(xml, "peak_gb")
        rows.append(
            _row(
                "xml_vs_csv_load_ratio",
                _median(xml, "ratio"),
                f"XML parse {xml_s[0]:.2f} s (peak {xml_gb[0]:.2f} GB), CSV load of the same "
                f"{len(xml[0]['tables'])} tables {csv_s[0]:.2f} s; {xml[0]['rows']:,} rows",
            )
        )
        floor = _runs(lambda raw_dir=raw_dir: time_duckdb(raw_dir, month), runs)
        if floor[0] is None:
            print("DuckDB not installed (pip install -e '.[bench]'): no side-by-side floor")
        else:
            wall = _median(floor, "duckdb_s")
            rows.append(
                dict(
                    figure="duckdb_3_indicators_s",
                    value=round(wall[0], 2),
                    spread=f"{wall[1]:.2f}-{wall[2]:.2f}",
                    budget="",
                    verdict="floor",
                    note=f"kpis command / floor {_median(command, 'wall_s')[0] / wall[0]:.1f}x; "
                    f"{floor[0]['looked_after']:,} looked after, "
                    f"{floor[0]['missing_incidents']:,} missing incidents",
                )
            )
    if report:
        from pipeline.config import load_settings

        rep = _runs(lambda: time_report(load_settings().default_months), runs)
        ok = all(r["ok"] for r in rep)
        rows.append(_row("report_12_months_s", _median(rep, "report_s"), "ok" if ok else "FAILED"))
        rows.append(_row("report_rerun_s", _median(rep, "rerun_s"), "unchanged inputs"))
    return rows


def _spread(values: list[float]) -> tuple[float, float, float]:
    """Median, min and max."""
    return statistics.median(values), min(values), max(values)


def _row(figure: str, measured: tuple[float, float, float], note: str) -> dict:
    """One figure: its median against the budget, with the spread (min-max) over the runs."""
    value, low, high = measured
    budget = BUDGETS[figure]
    return dict(
        figure=figure,
        value=round(value, 2),
        spread=f"{low:.2f}-{high:.2f}",
        budget=budget,
        verdict="within" if value < budget else "OVER",
        note=note,
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline bench", description=__doc__)
    parser.add_argument("--national", action="store_true", help="also measure at national scale")
    parser.add_argument("--report", action="store_true", help="also time the 12-month batch")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each figure (median and spread reported)"
    )
    args = parser.parse_args(argv)
    table = pd.DataFrame(run(args.national, args.report, runs=max(1, args.runs)))
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
