"""Monthly batch: clean each month, execute every notebook with papermill, render stakeholder HTML.

First every month's `data/processed/YYYY-MM/` is brought up to date (so a month's quality history
never depends on worker order), then for each month each `notebooks/NN_*.ipynb`
runs with parameters month/raw_root/processed_root/output_root (absolute paths), the executed
notebook is kept in `outputs/YYYY-MM/`, and HTML is rendered without input cells or the parameters
cells. A failing month is recorded with its failing cell and the batch carries on; months whose
inputs, code, notebooks and settings are unchanged are skipped. Every file is written atomically.
Months run in threads, so nothing here changes the process's working directory: every path passed
on is absolute (papermill's `cwd=` would os.chdir, a race between threads).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import DEFAULT_CONFIG, load_settings
from pipeline.io import atomic_write_csv, atomic_write_text, code_digest, digest_files
from pipeline.paths import resolve
from pipeline.run import PARAMETERS
from pipeline.run.kernel import WarmKernel


class ParameterError(ValueError):
    """A notebook's parameters cell does not match what the runner passes."""


@dataclass
class MonthResult:
    month: str
    ok: bool
    skipped: bool = False
    seconds: float = 0.0
    reports: list[str] = field(default_factory=list)
    notebook: str = ""  # the failing notebook
    cell: int | None = None  # the failing cell's index
    error: str = ""


@dataclass
class BatchResult:
    months: list[MonthResult]

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.months)

    @property
    def failed(self) -> list[MonthResult]:
        return [m for m in self.months if not m.ok]


def discover_notebooks(notebooks_dir: Path) -> list[Path]:
    """Report notebooks in run order: files named NN_*.ipynb."""
    found = sorted(Path(notebooks_dir).resolve().glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"{notebooks_dir}: no notebooks named NN_*.ipynb")
    return found


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Reject parameter names the notebook's `parameters` cell does not declare (papermill would
    only warn), and notebooks without a tagged parameters cell."""
    import papermill

    declared = set(papermill.inspect_notebook(str(notebook)))
    if not declared:
        raise ParameterError(f"{notebook.name}: no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise ParameterError(f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}")


def _source_cell_number(notebook: Path, cell_index: int) -> int:
    """1-based position, in the notebook as the analyst sees it, of the cell that papermill ran
    as `cell_index` (papermill runs an injected-parameters cell just after the parameters cell)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    tagged = [
        i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    shift = 1 if tagged and cell_index > tagged[0] else 0
    return cell_index - shift + 1


def month_fingerprint(
    month: str,
    raw_dir: Path,
    notebooks: list[Path],
    config_path: Path,
    processed_root: Path | None = None,
) -> str:
    """Digest of everything a month's outputs depend on: raw files, notebooks, code, settings, and
    the cleaned state of the 12 months before (the data-quality report charts their history)."""
    raw = sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [*raw, *notebooks] + ([config_path] if config_path.is_file() else [])
    earlier = ""
    if processed_root is not None:
        for back in range(1, 13):
            stamp = processed_root / str(pd.Period(month, freq="M") - back) / ".fingerprint"
            earlier += stamp.read_text(encoding="utf-8") if stamp.is_file() else "-"
    return digest_files(files, extra=f"{month}|{code_digest()}|{earlier}")


def run_month(
    month: str,
    notebooks: list[Path],
    *,
    raw_root: Path,
    processed_root: Path,
    output_root: Path,
    kernel: str = "python3",
    config_path: Path | None = None,
    force: bool = False,
    clean: bool = True,
    warm: WarmKernel | None = None,
) -> MonthResult:
    """Clean one month and run every notebook for it; never raises for a notebook failure.

    With `warm`, notebooks run in that reused kernel (namespace reset between notebooks);
    otherwise papermill starts a fresh kernel per notebook."""
    started = time.perf_counter()
    out_dir = output_root / month
    raw_dir = raw_root / month
    config_path = config_path or resolve(DEFAULT_CONFIG)
    result = MonthResult(month=month, ok=False)
    try:
        if not raw_dir.is_dir():
            raise FileNotFoundError(f"{raw_dir}: no extract for {month}")
        key = month_fingerprint(month, raw_dir, notebooks, config_path, processed_root)
        stamp = out_dir / ".fingerprint"
        expected = [out_dir / f"{nb.stem}.html" for nb in notebooks]
        if (
            not force
            and stamp.is_file()
            and stamp.read_text().strip() == key
            and all(p.is_file() for p in expected)
        ):
            result.ok = result.skipped = True
            result.reports = [p.name for p in expected]
            return result
        import papermill  # only now: an unchanged month needs none of this

        from pipeline.run.render import notebook_title, render_html

        stamp.unlink(missing_ok=True)  # this month is being redone: not complete until the end
        out_dir.mkdir(parents=True, exist_ok=True)
        roots = {"raw_root": raw_root, "processed_root": processed_root, "output_root": output_root}
        parameters = {name: month if name == "month" else str(roots[name]) for name in PARAMETERS}
        siblings = [(nb.stem, notebook_title(nb)) for nb in notebooks]
        for position, notebook in enumerate(notebooks):
            result.notebook = notebook.name
            check_parameters(notebook, parameters)
            executed = out_dir / notebook.name
            partial = out_dir / f".{notebook.stem}.running.ipynb"
            try:
                extra = {"km": warm.manager()} if warm is not None else {}
                papermill.execute_notebook(
                    str(notebook),
                    str(partial),
                    parameters=parameters,
                    kernel_name=kernel,
                    progress_bar=False,
                    log_output=False,  # no cwd=: papermill would os.chdir
                    request_save_on_cell_execute=False,  # written once at the end, then renamed
                    **extra,
                )
            except papermill.PapermillExecutionError as exc:
                if warm is not None:
                    warm.discard()
                result.cell = _source_cell_number(notebook, exc.cell_index)
                result.error = f"{exc.ename}: {exc.evalue}"
                partial.replace(out_dir / f"{notebook.stem}.failed.ipynb")
                for stale in notebooks[position:]:  # no report from an earlier run may remain
                    (out_dir / f"{stale.stem}.html").unlink(missing_ok=True)
                    (out_dir / stale.name).unlink(missing_ok=True)
                return result
            partial.replace(executed)
            html = render_html(executed, notebook_title(notebook), siblings)
            atomic_write_text(html, out_dir / f"{notebook.stem}.html")
            (out_dir / f"{notebook.stem}.failed.ipynb").unlink(missing_ok=True)
            result.reports.append(f"{notebook.stem}.html")
        result.notebook = ""
        if clean:  # cleaned before the notebooks ran (run_batch); this reads the tables back
            from pipeline import model
            from pipeline.indicators import kpi_table
            from pipeline.ingest.processed import ensure_clean

            tables = ensure_clean(month, raw_dir, processed_root / month)
            month_model = model.build(tables, load_settings(config_path))
            atomic_write_csv(kpi_table(month_model, month), out_dir / "kpis.csv")
        atomic_write_text(key, stamp)
        result.ok = True
    except Exception as exc:  # one failing month must not stop the batch
        if warm is not None:
            warm.discard()
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _clean_job(month: str, raw_dir: str, processed_dir: str) -> str:
    """Bring one month's cleaned tables up to date; '' when fine, else the error in one line."""
    from pipeline.ingest.processed import ensure_clean

    try:
        ensure_clean(month, Path(raw_dir), Path(processed_dir), read=False)
    except Exception as exc:  # reported against the month; the batch goes on
        return f"{type(exc).__name__}: {exc}"
    return ""


def clean_months(months: list[str], raw_root: Path, processed_root: Path, jobs: int = 1) -> dict:
    """Clean every month before any notebook runs, so each month's data-quality history sees the
    months before it whatever order the workers take them in. With jobs > 1 the months are
    cleaned in separate processes (cleaning is mostly Python-bound). Returns {month: error}."""
    args = [
        (m, str(raw_root / m), str(processed_root / m)) for m in months if (raw_root / m).is_dir()
    ]
    if jobs <= 1 or len(args) <= 1:
        errors = [_clean_job(*a) for a in args]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            errors = list(pool.map(_clean_job, *zip(*args, strict=True)))
    return {a[0]: e for a, e in zip(args, errors, strict=True) if e}


def run_batch(
    months: list[str],
    *,
    notebooks_dir: Path,
    raw_root: Path,
    processed_root: Path,
    output_root: Path,
    jobs: int = 1,
    progress: bool = True,
    kernel: str = "python3",
    config_path: Path | None = None,
    force: bool = False,
    clean: bool = True,
) -> BatchResult:
    """Run every notebook for every month (months in parallel with `jobs` threads), then write
    `outputs/index.html`; print a summary naming any failed month and its failing cell."""
    from tqdm.auto import tqdm

    notebooks = discover_notebooks(Path(notebooks_dir))
    paths = {
        "raw_root": Path(raw_root).resolve(),
        "processed_root": Path(processed_root).resolve(),
        "output_root": Path(output_root).resolve(),
    }
    failed_cleaning = (
        clean_months(months, paths["raw_root"], paths["processed_root"], jobs) if clean else {}
    )
    results: dict[str, MonthResult] = {}
    bar = tqdm(total=len(months), desc="months", unit="month", disable=not progress)
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for month in months:
        todo.put(month)
    lock = threading.Lock()

    def worker() -> None:
        warm = WarmKernel(kernel)  # one kernel per worker thread, reused across its months
        try:
            while True:
                try:
                    month = todo.get_nowait()
                except queue.Empty:
                    return
                if month in failed_cleaning:
                    outcome = MonthResult(
                        month=month, ok=False, notebook="(cleaning)", error=failed_cleaning[month]
                    )
                else:
                    outcome = run_month(
                        month,
                        notebooks,
                        kernel=kernel,
                        config_path=config_path,
                        force=force,
                        clean=clean,
                        warm=warm,
                        **paths,
                    )
                with lock:
                    results[month] = outcome
                    state = "skipped" if outcome.skipped else "ok" if outcome.ok else "FAILED"
                    bar.set_postfix_str(f"{month} {state}")
                    bar.update(1)
        finally:
            warm.discard()

    threads = [threading.Thread(target=worker, name=f"batch-{i}") for i in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bar.close()
    batch = BatchResult([results[m] for m in months])
    from pipeline.run.index import write_index

    write_index(paths["output_root"], notebooks, config_path=config_path)
    _write_log(batch, paths["output_root"])
    return batch


def summary_text(batch: BatchResult) -> str:
    """What happened, one line per month that was skipped or failed."""
    done = [m for m in batch.months if m.ok and not m.skipped]
    skipped = [m for m in batch.months if m.skipped]
    lines = [
        f"{len(done)} month(s) reported, {len(skipped)} unchanged and skipped, "
        f"{len(batch.failed)} failed"
    ]
    if skipped:
        lines.append(
            "skipped (inputs, code, notebooks and settings unchanged): "
            + ", ".join(m.month for m in skipped)
        )
    for m in batch.failed:
        where = (
            f"{m.notebook} cell {m.cell}"
            if m.notebook and m.cell is not None
            else m.notebook or "before the notebooks"
        )
        lines.append(f"FAILED {m.month}: {where}: {m.error}")
    return "\n".join(lines)


def _write_log(batch: BatchResult, output_root: Path) -> None:
    payload = [vars(m) for m in batch.months]
    atomic_write_text(json.dumps(payload, indent=2), output_root / "last_run.json")
