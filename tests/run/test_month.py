"""open_month (pipeline.run.month): what every notebook's set-up cell gets."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.run import PARAMETERS
from pipeline.run.month import open_month

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def january(small_synth, tmp_path_factory):
    out = tmp_path_factory.mktemp("month")
    processed = out / "processed"
    open_month("x", "2016-12", small_synth / "raw", processed, out / "outputs")  # last month first
    return open_month("02_x", "2017-01", small_synth / "raw", processed, out / "outputs")


def test_open_month_cleans_reads_and_models(january):
    assert january.month == "2017-01" and january.ref_date == pd.Timestamp("2017-01-31")
    assert {"header", "episodes", "missing", "sdq"} <= set(january.tables)
    assert len(january.model.periods) > 0 and january.quality["month"] == "2017-01"
    assert january.output_dir.name == "2017-01"
    assert tuple(january.context.parameters) == PARAMETERS
    assert january.context.notebook == "02_x"


def test_the_verdict_compares_with_the_previous_cleaned_month(january, small_synth, monkeypatch):
    from pipeline.ingest import quality

    assert january.quality_history["month"].tolist() == ["2016-12", "2017-01"]
    share = 100 * january.quality["totals"]["quarantined"] / january.quality["totals"]["rows_in"]
    assert january.verdict.share == pytest.approx(share)
    seen = []
    real = quality.verdict
    monkeypatch.setattr(
        quality,
        "verdict",
        lambda s, settings, previous: seen.append(previous) or real(s, settings, previous),
    )
    processed = january.output_dir.parents[1] / "processed"
    open_month("x", "2017-01", small_synth / "raw", processed, january.output_dir.parent)
    assert seen[0]["month"] == "2016-12"  # every report's caveat weighs last month's quality


def test_the_series_is_computed_once_per_length(january):
    series = january.series(13)
    assert series is january.series(13)
    assert series["period_end"].nunique() == 13
    assert series["period_end"].max() == pd.Timestamp("2017-01-31")


def test_the_next_notebook_of_the_month_reuses_the_model_and_series(january, small_synth):
    """A month's notebooks run in one kernel: the second opens the same cleaned data with the same
    settings and gets the same model and series; other settings or another month rebuild."""
    from pipeline.config import Settings

    processed = january.output_dir.parents[1] / "processed"
    out = january.output_dir.parent
    again = open_month("03_y", "2017-01", small_synth / "raw", processed, out)
    assert again.model is january.model
    assert again.series(13) is january.series(13)
    short = again.series(7)  # the tail of the longer series, not a recomputation
    assert short["period_end"].nunique() == 7
    assert short.equals(
        january.series(13)[
            january.series(13)["period_end"] >= short["period_end"].min()
        ].reset_index(drop=True)
    )
    other = open_month(
        "03_y", "2017-01", small_synth / "raw", processed, out, settings=Settings(sdq_threshold=17)
    )
    assert other.model is not january.model and other.settings.sdq_threshold == 17
    earlier = open_month("03_y", "2016-12", small_synth / "raw", processed, out)
    assert earlier.model is not january.model and earlier.month == "2016-12"
