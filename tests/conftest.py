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
    synth.generate(root, seed=11, history_start="2010-04", end="2017-01", months=2, scale=0.25,
                   progress=False)
    return root
