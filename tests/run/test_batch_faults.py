"""Batch faults: a full disk at any write, SIGKILL mid-run, two runs on one output folder, a
refused config, a table that leaves the extract. After each, every month is one consistent set:
the new one whole, or the last good one marked "Not updated", or none; never a mixture."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import pipeline.io
from pipeline.run.batch import run_batch, summary_text
from pipeline.run.failed import MARKER
from pipeline.run.lock import LockHeld, batch_lock
from tests.builders import EPISODE_ROW, EPISODES_CSV, HEADER_CSV, HEADER_ROW, write

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
PARAMS = (
    'month = "2017-01"\nraw_root = "r"\nprocessed_root = "p"\noutput_root = "o"\nconfig_path = ""'
)
SHOW_TOKEN = "import os\nprint('token', open(os.path.join(raw_root, month, 'token.txt')).read())"


def _notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = new_code_cell(PARAMS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# Tiny report\n\n## One"), cell, *map(new_code_cell, sources)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _extract(folder: Path, children: int, token: str = "A") -> None:
    """A month's extract of `children` children, one episode each, and a token file."""
    ids = [str(c) for c in range(1, children + 1)]
    write(folder, "header.csv", HEADER_CSV + "".join(HEADER_ROW.replace("1", c, 1) for c in ids))
    write(
        folder, "episodes.csv", EPISODES_CSV + "".join(EPISODE_ROW.replace("1", c, 1) for c in ids)
    )
    write(folder, "token.txt", token)


def _kwargs(tmp_path: Path, **extra) -> dict:
    return dict(
        notebooks_dir=tmp_path / "nb",
        raw_root=tmp_path / "raw",
        processed_root=tmp_path / "p",
        output_root=tmp_path / "out",
        progress=False,
        **extra,
    )


def _cla(month_dir: Path) -> float:
    kpis = pd.read_csv(month_dir / "kpis.csv").set_index("indicator")
    return float(kpis.loc["cla_count", "value"])


def _assert_consistent(tmp_path: Path, month: str, old: int, new: int) -> str:
    """The month's processed folder and outputs each hold one whole set; returns the outputs'
    state: "new", "marked" (the old set, every page marked) or "withdrawn"."""
    processed = tmp_path / "p" / month
    quality = json.loads((processed / "quality.json").read_text())
    header = pd.read_parquet(processed / "header.parquet")
    assert len(header) == quality["tables"]["header"]["kept"] in (old, new)
    assert not list((tmp_path / "p").glob(".*building*")), "a staging folder was left behind"
    assert not list((tmp_path / "out").glob(".*building*")), "a staging folder was left behind"
    out = tmp_path / "out" / month
    pages = sorted(out.glob("*.html"))
    if (out / MARKER).is_file():
        assert not (out / ".fingerprint").exists()
        assert all("Not updated: failed on " in p.read_text() for p in pages)
        if pages:
            assert _cla(out) == old  # the old set, marked
        index = tmp_path / "out" / "index.html"
        assert not index.exists() or "Not updated: failed on " in index.read_text()
        return "marked" if pages else "withdrawn"
    if not pages:
        return "withdrawn"
    assert [p.name for p in pages] == ["01_a.html", "02_b.html"]
    assert all("Not updated" not in p.read_text() for p in pages)
    assert _cla(out) == new and (out / ".fingerprint").is_file()
    assert len(header) == new  # never new reports from old cleaned data
    return "new"


@pytest.fixture
def month_done(tmp_path):
    """2017-01 reported once from a one-child extract; its state kept aside for each retry."""
    _notebook(tmp_path / "nb" / "01_a.ipynb", "x = 1")
    _notebook(tmp_path / "nb" / "02_b.ipynb", "x = 2")
    _extract(tmp_path / "raw" / "2017-01", 1)
    assert run_batch(["2017-01"], **_kwargs(tmp_path)).ok
    saved = tmp_path / "saved"
    for name in ("p", "out"):
        shutil.copytree(tmp_path / name, saved / name)
    _extract(tmp_path / "raw" / "2017-01", 2, token="B")  # the new extract: two children
    return tmp_path


def _restore(tmp_path: Path) -> None:
    for name in ("p", "out"):
        shutil.rmtree(tmp_path / name)
        shutil.copytree(tmp_path / "saved" / name, tmp_path / name)


def _full_disk(monkeypatch, at: int, stays_full: bool) -> list[int]:
    """Make the `at`-th atomic write of this process fail with ENOSPC (and every later one when
    the disk stays full). Returns the call counter."""
    real = pipeline.io._atomic
    calls = [0]

    def atomic(path, write):
        calls[0] += 1
        if calls[0] == at or (stays_full and calls[0] > at):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, write)

    monkeypatch.setattr(pipeline.io, "_atomic", atomic)
    return calls


def test_full_disk_at_any_write_leaves_one_consistent_set(month_done, monkeypatch):
    tmp_path = month_done
    calls = _full_disk(monkeypatch, at=10**9, stays_full=False)
    _restore(tmp_path)
    assert run_batch(["2017-01"], **_kwargs(tmp_path)).ok
    writes = calls[0]
    assert writes >= 8  # processed tables, audits, quality, fingerprint, pages, kpis, index, log
    assert _assert_consistent(tmp_path, "2017-01", 1, 2) == "new"
    seen = set()
    for at in range(1, writes + 1):
        for stays_full in (False, True):
            _restore(tmp_path)
            _full_disk(monkeypatch, at=at, stays_full=stays_full)
            try:
                batch = run_batch(["2017-01"], **_kwargs(tmp_path))
            except OSError as exc:  # the index or the run log could not be written at the end
                assert exc.errno == errno.ENOSPC
            else:
                assert batch.ok or "No space left" in summary_text(batch)
            seen.add(_assert_consistent(tmp_path, "2017-01", 1, 2))
    assert {"marked", "withdrawn"} <= seen


def test_month_failing_in_cleaning_keeps_its_last_set_marked(month_done, monkeypatch):
    tmp_path = month_done
    _full_disk(monkeypatch, at=1, stays_full=False)  # the first write: cleaning the new extract
    batch = run_batch(["2017-01"], **_kwargs(tmp_path))
    assert not batch.ok and batch.months[0].notebook == "(cleaning)"
    page = (tmp_path / "out" / "2017-01" / "01_a.html").read_text()
    assert "Not updated: failed on " in page and "No space left on device" in page
    assert "Not updated: failed on " in (tmp_path / "out" / "index.html").read_text()


# ------------------------------------------------------------------ SIGKILL


def _descendants(pid: int) -> set[int]:
    """Every live descendant of `pid` (from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _run_cli(tmp_path: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "pipeline", "run", "--months", "2016-12:2017-01"]
    for flag, name in (("--notebooks", "nb"), ("--raw", "raw"), ("--processed", "p")):
        command += [flag, str(tmp_path / name)]
    command += ["--outputs", str(tmp_path / "out"), "--quiet", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 60) -> set[int]:
    """SIGKILL `proc` once `ready()` holds; returns the descendants it had at that moment."""
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    children = _descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return children


def _assert_orphans_end(children: set[int]) -> None:
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in children if _alive(p)], "processes outlived the killed batch"


def _tokens(tmp_path: Path, month: str) -> set[str]:
    pages = sorted((tmp_path / "out" / month).glob("*.html"))
    return {t for p in pages for t in ("A", "B") if f"token {t}" in p.read_text()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_mid_run_then_rerun_gives_one_consistent_set_per_month(tmp_path):
    _notebook(tmp_path / "nb" / "01_a.ipynb", SHOW_TOKEN)
    _notebook(tmp_path / "nb" / "02_b.ipynb", "import time\ntime.sleep(1)", SHOW_TOKEN)
    for month in ("2016-12", "2017-01"):
        _extract(tmp_path / "raw" / month, 1, token="A")
    first = _run_cli(tmp_path)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    for month in ("2016-12", "2017-01"):
        assert _tokens(tmp_path, month) == {"A"}
        _extract(tmp_path / "raw" / month, 2, token="B")

    # killed while cleaning, with two pool workers: they end with it
    proc = _run_cli(tmp_path, "--jobs", "2")
    workers = _kill_when(proc, lambda: len(_descendants(proc.pid)) >= 2)
    assert workers
    _assert_orphans_end(workers)

    # killed while a month is half built: its first new page exists, its second does not yet
    proc = _run_cli(tmp_path)
    out = tmp_path / "out"
    children = _kill_when(proc, lambda: any(out.glob(".2016-12.building-*/2016-12/01_a.html")))
    _assert_orphans_end(children)  # the kernel too
    for month in ("2016-12", "2017-01"):
        assert len(_tokens(tmp_path, month)) == 1  # old or new, never one of each
        quality = json.loads((tmp_path / "p" / month / "quality.json").read_text())
        header = pd.read_parquet(tmp_path / "p" / month / "header.parquet")
        assert len(header) == quality["tables"]["header"]["kept"]

    again = _run_cli(tmp_path)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    for month in ("2016-12", "2017-01"):
        assert _tokens(tmp_path, month) == {"B"}
        assert _cla(out / month) == 2
    assert not list(out.glob(".*building*")) and not list((tmp_path / "p").glob(".*building*"))
    index = (out / "index.html").read_text()
    assert "December 2016" in index and "January 2017" in index and "Not updated" not in index


# ------------------------------------------------------------------ lock, config, exit codes


def test_second_run_on_one_output_folder_refuses_or_waits(tmp_path, capsys):
    from pipeline.cli import main

    _notebook(tmp_path / "nb" / "01_a.ipynb", "x = 1")
    _extract(tmp_path / "raw" / "2017-01", 1)
    with batch_lock(tmp_path / "out"):
        with pytest.raises(LockHeld, match="another batch run"):
            run_batch(["2017-01"], **_kwargs(tmp_path))
        args = ["run", "--months", "2017-01", "--quiet", "--notebooks", str(tmp_path / "nb")]
        args += ["--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p")]
        args += ["--outputs", str(tmp_path / "out")]
        assert main(args) == 5
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--wait" in err and str(os.getpid()) in err
    assert not (tmp_path / "out" / "2017-01").exists()

    held = threading.Event()

    def hold() -> None:
        with batch_lock(tmp_path / "out"):
            held.set()
            time.sleep(1.5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    started = time.monotonic()
    assert run_batch(["2017-01"], **_kwargs(tmp_path, wait=True)).ok
    assert time.monotonic() - started >= 1.0  # it waited for the other run
    holder.join()


def test_refused_config_stops_before_any_month_and_reaches_every_notebook(tmp_path, capsys):
    from pipeline.cli import main

    config = tmp_path / "la.toml"
    config.write_text(
        (ROOT / "config" / "la.toml")
        .read_text(encoding="utf-8")
        .replace('"Synthetic Borough Council"', '"Testshire"')
    )
    check = (
        "from pipeline.config import load_settings\n"
        f"assert config_path == {str(config)!r}, config_path\n"
        "assert load_settings(config_path).la_name == 'Testshire'"
    )
    _notebook(tmp_path / "nb" / "01_a.ipynb", check)
    _extract(tmp_path / "raw" / "2017-01", 1)
    args = ["run", "--months", "2017-01", "--quiet", "--notebooks", str(tmp_path / "nb")]
    args += ["--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "p")]
    args += ["--outputs", str(tmp_path / "out")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[suppression]\nthreshold = "many"\n')
    assert main([*args, "--config", str(bad)]) == 3
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "p").exists()
    assert main([*args, "--config", str(config)]) == 0, capsys.readouterr()


def _cli(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def test_write_errors_are_one_line_exit_4(tmp_path):
    _extract(tmp_path / "raw" / "2017-01", 1)
    base = ["kpis", "--month", "2017-01", "--raw", str(tmp_path / "raw")]
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("")
    with open("/dev/full", "w") as full:
        cases = {
            "a folder": _cli(*base, "--out", str(tmp_path / "folder")),
            "under a file": _cli(*base, "--out", str(tmp_path / "file" / "k.csv")),
            "stdout full": _cli(*base, stdout=full),
        }
    for case, proc in cases.items():
        assert proc.returncode == 4, (case, proc.stderr)
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert "is a folder" in cases["a folder"].stderr
    assert "No space left" in cases["stdout full"].stderr


def test_input_and_config_errors_have_their_own_status(tmp_path):
    (tmp_path / "raw" / "2017-01").mkdir(parents=True)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"la_name = 'Z\xf6e'\n")  # not UTF-8
    input_error = _cli("kpis", "--month", "2017-01", "--raw", str(tmp_path / "raw"))
    config_error = _cli("kpis", "--month", "2017-01", "--config", str(bad))
    assert input_error.returncode == 2 and config_error.returncode == 3, config_error.stderr
    for proc in (input_error, config_error):
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ stale tables


def test_a_table_that_leaves_the_extract_leaves_processed_and_the_figures(small_synth, tmp_path):
    raw = tmp_path / "raw" / "2017-01"
    shutil.copytree(small_synth / "raw" / "2017-01", raw)
    _notebook(tmp_path / "nb" / "01_a.ipynb", "x = 1")
    assert run_batch(["2017-01"], **_kwargs(tmp_path)).ok
    kpis = tmp_path / "out" / "2017-01" / "kpis.csv"
    before = pd.read_csv(kpis).set_index("indicator")["value"]
    assert (tmp_path / "p" / "2017-01" / "missing.parquet").is_file()
    assert before["missing_incidents"] > 0
    from pipeline.ingest.load import load_extract

    missing_files = {Path(s).name for s in load_extract(raw).sources["missing"]}
    for name in missing_files:
        (raw / name).unlink()
    assert run_batch(["2017-01"], **_kwargs(tmp_path)).ok
    assert not (tmp_path / "p" / "2017-01" / "missing.parquet").exists()
    after = pd.read_csv(kpis).set_index("indicator")["value"]
    assert not after["missing_incidents"] > 0
    assert (before["cla_count"], before["missing_incidents"]) != (
        after["cla_count"],
        after["missing_incidents"],
    )
