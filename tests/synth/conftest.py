"""Fixtures of the synthetic-LA tests."""

from __future__ import annotations

import pytest

from tests.builders import generate_small


@pytest.fixture(scope="package")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_small")
    summary = generate_small(root)
    return root, summary


# extracts either side of the collection-year changes: (end, months) of each small run
YEAR_RUNS = [("2023-04", 2), ("2024-04", 2), ("2026-04", 2), ("2027-03", 1)]


@pytest.fixture(scope="package")
def years(tmp_path_factory):
    """Small runs whose extracts straddle 1 April 2023 (SWEpisodes), 2024 (SEX M/F/U) and 2026
    (DoLo): {month: root} for 2023-03, 2023-04, 2024-03, 2024-04, 2026-03, 2026-04, 2027-03."""
    out = {}
    for end, months in YEAR_RUNS:
        root = tmp_path_factory.mktemp(f"synth_{end}")
        summary = generate_small(root, history_start="2018-04", end=end, months=months, scale=0.3)
        out.update({month: root for month in summary["months"]})
    return out
