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

import ctypes
import functools
import hashlib
import json
import os
import queue
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import DEFAULT_CONFIG, load_settings
from pipeline.io import (
    atomic_write_csv,
    atomic_write_text,
    code_digest,
    digest_files,
    remove_stale_staging,
    staging_dir,
    swap_in,
)
from pipeline.paths import resolve
from pipeline.run import PARAMETERS, reading_order
from pipeline.run.failed import mark_failed, read_failure
from pipeline.run.kernel import WarmKernel
from pipeline.run.lock import batch_lock
from pipeline.run.published import record_published


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
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    declared = _declared_parameters(str(notebook), digest)
    if not declared:
        raise ParameterError(f"{notebook.name}: no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise ParameterError(f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}")


@functools.lru_cache(maxsize=64)
def _declared_parameters(notebook: str, digest: str) -> frozenset[str]:
    """The names a notebook's parameters cell declares, read once per notebook content
    (`digest`: of the file's bytes)."""
    import papermill

    return frozenset(papermill.inspect_notebook(notebook))


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


def _unchanged(out_dir: Path, key: str, notebooks: list[Path]) -> bool:
    """Whether the month's published set was made from exactly these inputs and is complete."""
    stamp = out_dir / ".fingerprint"
    return (
        stamp.is_file()
        and stamp.read_text().strip() == key
        and read_failure(out_dir) is None
        and all((out_dir / f"{nb.stem}.html").is_file() for nb in notebooks)
    )


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

    The month's whole set (reports, executed notebooks, kpis.csv, fingerprint; restricted lists go
    to restricted/YYYY-MM beside the outputs, each file written atomically)
    is built in a folder of its own beside `OUTPUT/YYYY-MM` (the notebooks are given that folder's
    root as `output_root`) and swapped in only when complete; on failure the folder is dropped,
    the failing notebook kept as `NN_name.failed.ipynb`, and the month's last good set marked
    (`mark_month_failed`). With `warm`, notebooks run in that reused kernel (namespace reset
    between notebooks); otherwise papermill starts a fresh kernel per notebook."""
    started = time.perf_counter()
    out_dir = output_root / month
    raw_dir = raw_root / month
    config_path = Path(config_path or resolve(DEFAULT_CONFIG))
    result = MonthResult(month=month, ok=False)
    build_root: Path | None = None
    try:
        if not raw_dir.is_dir():
            raise FileNotFoundError(f"{raw_dir}: no extract for {month}")
        key = month_fingerprint(month, raw_dir, notebooks, config_path, processed_root)
        if not force and _unchanged(out_dir, key, notebooks):
            result.ok = result.skipped = True
            result.reports = [f"{nb.stem}.html" for nb in notebooks]
            return result
        import papermill  # only now: an unchanged month needs none of this

        from pipeline.run.render import notebook_title, render_html

        build_root = staging_dir(out_dir)  # unique to this run: partial paths never shared
        build = build_root / month
        build.mkdir()
        roots = {
            "month": month,
            "raw_root": str(raw_root),
            "processed_root": str(processed_root),
            "output_root": str(build_root),
            "config_path": str(config_path) if config_path.is_file() else "",
        }
        parameters = {name: roots[name] for name in PARAMETERS}
        siblings = [(nb.stem, notebook_title(nb)) for nb in reading_order(notebooks)]
        for notebook in notebooks:
            result.notebook = notebook.name
            check_parameters(notebook, parameters)
            executed = build / notebook.name
            partial = build / f".{notebook.stem}.running.ipynb"
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
                out_dir.mkdir(parents=True, exist_ok=True)
                partial.replace(out_dir / f"{notebook.stem}.failed.ipynb")
                return result
            partial.replace(executed)
            html = render_html(executed, notebook_title(notebook), siblings)
            atomic_write_text(html, build / f"{notebook.stem}.html")
            result.reports.append(f"{notebook.stem}.html")
        result.notebook = ""
        if clean and not _kpis_in_kernel(warm, month, processed_root / month, build / "kpis.csv"):
            from pipeline import model
            from pipeline.indicators import kpi_table
            from pipeline.ingest.processed import ensure_clean

            # cleaned before the notebooks ran (run_batch); this reads the tables back
            tables = ensure_clean(month, raw_dir, processed_root / month)
            month_model = model.build(tables, load_settings(config_path))
            atomic_write_csv(kpi_table(month_model, month), build / "kpis.csv")
        atomic_write_text(key, build / ".fingerprint")
        swap_in(build, out_dir)
        result.ok = True
    except Exception as exc:  # one failing month must not stop the batch
        if warm is not None:
            warm.discard()
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        if build_root is not None:
            shutil.rmtree(build_root, ignore_errors=True)
        result.seconds = time.perf_counter() - started
    return result


def _kpis_in_kernel(warm: WarmKernel | None, month: str, processed_dir: Path, path: Path) -> bool:
    """Write the month's kpis.csv in the warm kernel that just ran its notebooks, from the model
    and series they shared (no second model build here); False when it could not."""
    if warm is None:
        return False
    call = f"write_kpis({month!r}, {str(processed_dir)!r}, {str(path)!r})"
    return warm.execute(f"__import__('pipeline.run.month', fromlist=['_']).{call}")


def failure_reason(m: MonthResult) -> str:
    """Where and why a month failed, in one line."""
    where = (
        f"{m.notebook} cell {m.cell}"
        if m.notebook and m.cell is not None
        else m.notebook or "before the notebooks"
    )
    return f"{where}: {m.error}"


def mark_month_failed(out_dir: Path, m: MonthResult) -> str:
    """After a failed run, never leave the month's last good set looking current: mark each of
    its pages and the index ("Not updated: failed on DATE, reason"); if even the marking cannot
    be written (a full disk), withdraw the set instead. Returns "marked" or "withdrawn"."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        mark_failed(out_dir, failure_reason(m))
        return "marked"
    except OSError:
        for stale in [*out_dir.glob("*.html"), out_dir / "kpis.csv", out_dir / ".fingerprint"]:
            stale.unlink(missing_ok=True)
        return "withdrawn"


def _die_with_parent(parent: int) -> None:
    """Pool-worker initializer: the worker is killed when the batch process ends, however it ends
    (Linux: prctl PR_SET_PDEATHSIG); elsewhere a watchdog thread exits once the parent is gone."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


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
    cleaned in separate processes (cleaning is mostly Python-bound); months already cleaned
    from the same files by the same code are not handed to a process at all, so an unchanged
    re-run starts none. Returns {month: error}."""
    from pipeline.ingest.processed import is_current

    args = [
        (m, str(raw_root / m), str(processed_root / m))
        for m in months
        if (raw_root / m).is_dir() and not is_current(m, raw_root / m, processed_root / m)
    ]
    if jobs <= 1 or len(args) <= 1:
        errors = [_clean_job(*a) for a in args]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
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
    wait: bool = False,
) -> BatchResult:
    """Run every notebook for every month (months in parallel with `jobs` threads), rewriting
    `outputs/index.html` as each month is swapped in or marked failed.

    The settings are validated before anything runs (ConfigError) and reach every notebook as
    `config_path`. The output folder's lock is held throughout (LockHeld if another run holds
    it, unless `wait`); folders left by a killed run are removed first."""
    from tqdm.auto import tqdm

    config_path = Path(config_path or resolve(DEFAULT_CONFIG)).resolve()
    load_settings(config_path)  # a refused config stops the batch before any month is touched
    notebooks = discover_notebooks(Path(notebooks_dir))
    paths = {
        "raw_root": Path(raw_root).resolve(),
        "processed_root": Path(processed_root).resolve(),
        "output_root": Path(output_root).resolve(),
    }
    with batch_lock(paths["output_root"], wait=wait):
        remove_stale_staging(paths["output_root"])
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
                            month=month,
                            ok=False,
                            notebook="(cleaning)",
                            error=failed_cleaning[month],
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
                    if not outcome.ok:
                        mark_month_failed(paths["output_root"] / month, outcome)
                    with lock:  # the month's index entry changes with its set
                        results[month] = outcome
                        if not outcome.skipped:
                            try:
                                refresh_index(paths["output_root"], notebooks, config_path)
                            except OSError:
                                pass  # the index is gone, not stale; the end of the batch retries
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
        record_published(paths["output_root"], [m.month for m in batch.months if m.ok])
        unchanged = all(m.skipped for m in batch.months)
        if not unchanged or not (paths["output_root"] / "index.html").is_file():
            refresh_index(paths["output_root"], notebooks, config_path)
        _write_log(batch, paths["output_root"])
    return batch


def refresh_index(output_root: Path, notebooks: list[Path], config_path: Path) -> None:
    """Rewrite outputs/index.html from the month folders as they are now; if it cannot be
    written, remove it rather than leave one that shows superseded figures as current."""
    from pipeline.run.index import write_index

    try:
        write_index(output_root, notebooks, config_path=config_path)
    except OSError:
        (Path(output_root) / "index.html").unlink(missing_ok=True)
        raise


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
        lines.append(f"FAILED {m.month}: {failure_reason(m)}")
    return "\n".join(lines)


def _write_log(batch: BatchResult, output_root: Path) -> None:
    payload = [vars(m) for m in batch.months]
    atomic_write_text(json.dumps(payload, indent=2), output_root / "last_run.json")
