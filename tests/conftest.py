"""Shared fixtures: one small synthetic extract, generated once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_synth(tmp_path_factory):
    """A small synthetic LA (about a quarter of the default size), two monthly extracts.

    Returns the root holding raw/YYYY-MM and truth/YYYY-MM for 2016-12 and 2017-01.
    """
    synth = pytest.importorskip("pipeline.synth")
    root = tmp_path_factory.mktemp("synth")
    synth.generate(
        root, seed=11, history_start="2010-04", end="2017-01", months=2, scale=0.25, progress=False
    )
    return root


@pytest.fixture(scope="session")
def rendered_outputs(small_synth, tmp_path_factory):
    """Every notebook run by the batch runner for the small synthetic LA's two months.

    Returns the output root (YYYY-MM/ folders, index.html, last_run.json).
    """
    from pipeline.paths import repo_root
    from pipeline.run.batch import run_batch

    work = tmp_path_factory.mktemp("batch")
    out = work / "outputs"
    batch = run_batch(
        ["2016-12", "2017-01"],
        notebooks_dir=repo_root() / "notebooks",
        raw_root=small_synth / "raw",
        processed_root=work / "processed",
        output_root=out,
        jobs=2,
        progress=False,
    )
    assert batch.ok, [(m.month, m.notebook, m.cell, m.error) for m in batch.failed]
    return out
