"""Every published figure stays put: kpis.csv for the twelve default months (February 2016 to
January 2017) and for the twelve months of the current-year timeline (to October 2026) of the
synthetic LA, against the files recorded in tests/fixtures/kpis/.

A change that moves a figure on purpose regenerates them (`UPDATE_FIGURES=1 pytest
tests/test_figures.py`) and says why in its commit; any other change leaves them byte for byte.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from pipeline import model
from pipeline.config import load_settings
from pipeline.indicators import kpi_table
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent / "fixtures" / "kpis"
TIMELINES = {"default": {"end": "2017-01"}, "current": {"end": "2026-10"}}


@pytest.fixture(scope="module", params=sorted(TIMELINES))
def timeline(request, tmp_path_factory):
    from pipeline import synth

    root = tmp_path_factory.mktemp(f"figures-{request.param}")
    synth.generate(root, progress=False, **TIMELINES[request.param])
    return root / "raw"


def _kpis_csv(raw_month: Path, month: str) -> str:
    settings = load_settings()
    tables = clean_extract(load_extract(raw_month), month=month).tables
    out = io.StringIO()
    kpi_table(model.build(tables, settings), month).to_csv(out, index=False)
    return out.getvalue()


def test_kpis_unchanged_for_every_month(timeline):
    months = sorted(p.name for p in timeline.iterdir())
    assert len(months) == 12
    changed = []
    for month in months:
        now = _kpis_csv(timeline / month, month)
        recorded = FIXTURES / f"{month}.csv"
        if os.environ.get("UPDATE_FIGURES"):
            recorded.write_text(now, encoding="utf-8")
        if now != recorded.read_text(encoding="utf-8"):
            changed.append(month)
    assert not changed, f"kpis.csv changed for {changed} (see tests/test_figures.py)"
