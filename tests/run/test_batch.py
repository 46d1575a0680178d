"""Batch runner: papermill execution, HTML without code, failure isolation, skipping, parameters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pipeline.run.batch import check_parameters, run_batch, summary_text
from tests.builders import EPISODE_ROW, EPISODES_CSV, write, write_minimal_month

pytestmark = pytest.mark.slow

PARAMS = (
    'month = "2017-01"\nraw_root = "r"\nprocessed_root = "p"\noutput_root = "o"\nconfig_path = ""'
)


def _notebook(path: Path, *sources: str, params: str = PARAMS) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# Tiny report\n\n## One\n\ntext\n\n## Two"), cell]
    nb.cells += [new_code_cell(s) for s in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _raw(root: Path, *months: str) -> Path:
    for m in months:
        (root / m).mkdir(parents=True, exist_ok=True)
    return root


def _paths(tmp_path: Path, clean: bool = False) -> dict:
    """run_batch's folders under tmp_path (notebooks in nb/, extracts in raw/), quietly."""
    return dict(
        notebooks_dir=tmp_path / "nb",
        raw_root=tmp_path / "raw",
        processed_root=tmp_path / "p",
        output_root=tmp_path / "out",
        progress=False,
        clean=clean,
    )


# ------------------------------------------------------------------ the real notebooks


def test_every_notebook_renders_without_code(rendered_outputs):
    notebooks = sorted((Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks
    for month in ("2016-12", "2017-01"):
        for nb in notebooks:
            page = (rendered_outputs / month / f"{nb.stem}.html").read_text(encoding="utf-8")
            executed = rendered_outputs / month / nb.name
            assert executed.is_file(), "the executed notebook is kept beside its HTML"
            body = page.split("<body", 1)[1]
            assert "jp-InputArea-editor" not in body, f"{nb.name}: code cells in the HTML"
            assert "from pipeline" not in body
            assert "injected-parameters" not in page and "raw_root =" not in page
            assert "Traceback" not in body
            assert "application/vnd.jupyter.stderr" not in body, f"{nb.name}: warnings shown"
            assert "<script src=" not in page, "external scripts in a stakeholder report"
            assert "Provenance" in page
            assert 'id="provenance"' in page or "id='provenance'" in page


def test_quality_report_counts_match_quality_json(rendered_outputs):
    page = (rendered_outputs / "2017-01" / "01_clean_extracts.html").read_text(encoding="utf-8")
    assert "Is this month" in page and "fit to report" in page.lower()
    assert "Row accounting per table" in page
    assert "Contents" in page  # table of contents


def test_index_and_run_log_written(rendered_outputs):
    log = json.loads((rendered_outputs / "last_run.json").read_text())
    assert [m["month"] for m in log] == ["2016-12", "2017-01"]
    assert all(m["ok"] for m in log)


# ------------------------------------------------------------------ runner behaviour (tiny notebooks)


def test_failing_month_isolated_and_named(tmp_path):
    nbdir = tmp_path / "nb"
    _notebook(
        nbdir / "01_tiny.ipynb", "x = 1", "if month == '2017-01':\n    raise ValueError('boom')"
    )
    _raw(tmp_path / "raw", "2016-12", "2017-01")
    batch = run_batch(["2016-12", "2017-01"], **_paths(tmp_path))
    assert not batch.ok
    good, bad = batch.months
    assert good.ok and (tmp_path / "out" / "2016-12" / "01_tiny.html").is_file()
    assert not bad.ok and bad.notebook == "01_tiny.ipynb" and bad.cell == 4
    assert "ValueError: boom" in bad.error
    assert not (tmp_path / "out" / "2017-01" / "01_tiny.html").exists()
    assert (tmp_path / "out" / "2017-01" / "01_tiny.failed.ipynb").is_file()
    text = summary_text(batch)
    assert "FAILED 2017-01: 01_tiny.ipynb cell 4: ValueError: boom" in text


def test_a_month_that_fails_on_rerun_keeps_no_stale_report(tmp_path):
    nbdir = tmp_path / "nb"
    _notebook(nbdir / "01_first.ipynb", "x = 1")
    _notebook(nbdir / "02_second.ipynb", "x = 2")
    _raw(tmp_path / "raw", "2017-01")
    kwargs = _paths(tmp_path)
    assert run_batch(["2017-01"], **kwargs).ok
    month = tmp_path / "out" / "2017-01"
    assert (month / "02_second.html").is_file()
    _notebook(nbdir / "02_second.ipynb", "raise ValueError('now broken')")
    before = (month / "01_first.html").read_text()
    again = run_batch(["2017-01"], **kwargs)
    assert not again.ok
    # the last good set is kept whole, every page marked; the index says so too
    for page in ("01_first.html", "02_second.html"):
        text = (month / page).read_text()
        assert "Not updated: failed on " in text and "02_second.ipynb cell 3" in text
    assert (month / "01_first.html").read_text().replace(before, "") != ""
    assert "Not updated: failed on " in (tmp_path / "out" / "index.html").read_text()
    assert (month / "02_second.failed.ipynb").is_file()
    assert not (month / ".fingerprint").exists()  # so the next run redoes the month
    _notebook(nbdir / "02_second.ipynb", "x = 3")
    assert run_batch(["2017-01"], **kwargs).ok  # replaced whole: no banner, no marker
    assert "Not updated" not in (month / "01_first.html").read_text()
    assert not (month / ".failed.json").exists() and not (month / "02_second.failed.ipynb").exists()
    assert "Not updated" not in (tmp_path / "out" / "index.html").read_text()


def test_missing_month_folder_fails_that_month_only(tmp_path):
    nbdir = tmp_path / "nb"
    _notebook(nbdir / "01_tiny.ipynb", "x = 1")
    _raw(tmp_path / "raw", "2016-12")
    batch = run_batch(["2016-12", "2017-01"], **_paths(tmp_path))
    assert [m.ok for m in batch.months] == [True, False]
    assert "no extract for 2017-01" in batch.months[1].error


def test_unchanged_month_skipped_then_rerun_when_notebook_changes(tmp_path):
    nbdir = tmp_path / "nb"
    _notebook(nbdir / "01_tiny.ipynb", "x = 1")
    _raw(tmp_path / "raw", "2017-01")
    kwargs = _paths(tmp_path)
    first = run_batch(["2017-01"], **kwargs)
    assert first.ok and not first.months[0].skipped
    second = run_batch(["2017-01"], **kwargs)
    assert second.ok and second.months[0].skipped
    assert "unchanged and skipped" in summary_text(second)
    _notebook(nbdir / "01_tiny.ipynb", "x = 2")
    third = run_batch(["2017-01"], **kwargs)
    assert third.ok and not third.months[0].skipped


def test_unknown_parameter_rejected(tmp_path):
    nb = _notebook(tmp_path / "01_tiny.ipynb", "x = 1", params='month = "2017-01"')
    with pytest.raises(ValueError, match="unknown parameter.*output_root"):
        check_parameters(nb, {"month": "2017-01", "output_root": "/o"})
    bare = tmp_path / "02_bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), bare)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        check_parameters(bare, {"month": "2017-01"})


def test_parallel_months_use_absolute_paths(tmp_path, monkeypatch):
    nbdir = tmp_path / "nb"
    _notebook(
        nbdir / "01_tiny.ipynb",
        "import os\nassert os.path.isabs(raw_root) and os.path.isabs(output_root)",
    )
    _raw(tmp_path / "raw", "2016-11", "2016-12", "2017-01")
    monkeypatch.chdir(tmp_path)
    batch = run_batch(
        ["2016-11", "2016-12", "2017-01"],
        notebooks_dir=Path("nb"),
        raw_root=Path("raw"),
        processed_root=Path("proc"),
        output_root=Path("out"),
        jobs=2,
        progress=False,
        clean=False,
    )
    assert batch.ok, summary_text(batch)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir()) == [
        "2016-11",
        "2016-12",
        "2017-01",
    ]


def test_cli_run_exit_status_names_failure(tmp_path, capsys):
    from pipeline.cli import main

    nbdir = tmp_path / "nb"
    _notebook(nbdir / "01_tiny.ipynb", "raise RuntimeError('bad cell')")
    _raw(tmp_path / "raw", "2017-01")
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    code = main(
        [
            "run",
            "--months",
            "2017-01",
            "--notebooks",
            str(nbdir),
            "--raw",
            str(tmp_path / "raw"),
            "--processed",
            str(tmp_path / "p"),
            "--outputs",
            str(tmp_path / "out"),
            "--no-clean",
        ]
    )
    assert code == 1
    assert "FAILED 2017-01: 01_tiny.ipynb cell 3: RuntimeError: bad cell" in capsys.readouterr().out


def test_warm_kernel_resets_namespace_between_notebooks(tmp_path):
    nbdir = tmp_path / "nb"
    _notebook(
        nbdir / "01_sets.ipynb",
        "leak = 1\nimport os\nopen(os.path.join(output_root, month, 'pid'), 'w').write(str(os.getpid()))",
    )
    _notebook(
        nbdir / "02_checks.ipynb",
        "import os\nassert 'leak' not in globals(), 'state leaked between notebooks'\n"
        "assert open(os.path.join(output_root, month, 'pid')).read() == str(os.getpid())",
    )
    _raw(tmp_path / "raw", "2017-01")
    batch = run_batch(["2017-01"], **_paths(tmp_path))
    assert batch.ok, summary_text(batch)  # same kernel process (pid), yet no shared variables


def test_every_month_cleaned_before_any_notebook_and_bad_extract_isolated(tmp_path):
    raw = _raw(tmp_path / "raw", "2016-11", "2016-12", "2017-01")
    for month in ("2016-11", "2017-01"):
        write_minimal_month(raw / month)
    write_minimal_month(raw / "2016-12")
    no_decom = EPISODES_CSV.replace(",DECOM", "") + "1,S,C2,N1,U4,PR1,,,,,,\n"
    write(raw / "2016-12", "episodes.csv", no_decom)
    nbdir = tmp_path / "nb"
    # 2017-01's notebook may run while the other worker still has 2016-11: its cleaning is done
    _notebook(
        nbdir / "01_tiny.ipynb",
        "import os\nif month == '2017-01':\n"
        "    assert os.path.exists(os.path.join(processed_root, '2016-11', 'quality.json'))",
    )
    batch = run_batch(
        ["2016-11", "2016-12", "2017-01"],
        notebooks_dir=nbdir,
        raw_root=raw,
        processed_root=tmp_path / "p",
        output_root=tmp_path / "out",
        jobs=2,
        progress=False,
    )
    ok = {m.month: m.ok for m in batch.months}
    assert ok == {"2016-11": True, "2016-12": False, "2017-01": True}, summary_text(batch)
    bad = batch.months[1]
    assert bad.notebook == "(cleaning)" and "DECOM" in bad.error
    assert (tmp_path / "out" / "2017-01" / "kpis.csv").is_file()


def test_month_redone_when_an_earlier_months_data_changes(tmp_path):
    raw = _raw(tmp_path / "raw", "2016-12", "2017-01")
    for month in ("2016-12", "2017-01"):
        write_minimal_month(raw / month)
    nbdir = tmp_path / "nb"
    _notebook(nbdir / "01_tiny.ipynb", "x = 1")
    kwargs = _paths(tmp_path, clean=True)
    assert run_batch(["2016-12", "2017-01"], **kwargs).ok
    assert all(m.skipped for m in run_batch(["2017-01"], **kwargs).months)
    # December's extract is corrected: January's quality history changes, so January is redone
    write_minimal_month(raw / "2016-12", EPISODE_ROW + EPISODE_ROW)
    again = run_batch(["2016-12", "2017-01"], **kwargs)
    assert [m.skipped for m in again.months] == [False, False]


def test_months_already_cleaned_start_no_cleaning_process(tmp_path, monkeypatch):
    """A re-run whose extracts and code are unchanged hands no month to a worker process: the
    pool is not even created (it used to be, only to compare fingerprints)."""
    import concurrent.futures

    from pipeline.run.batch import clean_months

    raw = _raw(tmp_path / "raw", "2016-12", "2017-01")
    for month in ("2016-12", "2017-01"):
        write_minimal_month(raw / month)
    assert clean_months(["2016-12", "2017-01"], raw, tmp_path / "p", jobs=2) == {}
    assert (tmp_path / "p" / "2017-01" / "quality.json").is_file()

    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started on an unchanged re-run")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    assert clean_months(["2016-12", "2017-01"], raw, tmp_path / "p", jobs=2) == {}
    for month in ("2016-12", "2017-01"):  # changed extracts are cleaned again, in the pool
        write(raw / month, "notes.csv", "a,b\n1,2\n")
    with pytest.raises(AssertionError, match="process pool"):
        clean_months(["2016-12", "2017-01"], raw, tmp_path / "p", jobs=2)
