"""Fixtures of the synthetic-LA tests."""

from __future__ import annotations

import pytest

from tests.builders import generate_small


@pytest.fixture(scope="package")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_small")
    summary = generate_small(root)
    return root, summary
