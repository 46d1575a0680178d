"""Optional means optional: every notebook renders, with plain sentences, when an optional table
(sdq, missing, oc2, reviews, oc3) is absent from the extract, or when all of them are empty."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from pipeline.ingest.load import load_extract
from pipeline.paths import repo_root
from pipeline.run.batch import run_batch, summary_text

pytestmark = pytest.mark.slow

OPTIONAL = ("sdq", "missing", "oc2", "reviews", "oc3")


def _visible_text(page: str) -> str:
    page = re.sub(r"<(style|script|svg)\b.*?</\1>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("case", [*OPTIONAL, "all empty"])
def test_every_notebook_renders_without_an_optional_table(small_synth, tmp_path, case):
    raw = tmp_path / "raw" / "2017-01"
    shutil.copytree(small_synth / "raw" / "2017-01", raw)
    sources = load_extract(raw).sources
    for table in OPTIONAL if case == "all empty" else (case,):
        assert sources.get(table), f"the synthetic extract has no {table} table"
        for name in {Path(s).name for s in sources[table]}:
            if case == "all empty":  # the header line only
                text = (raw / name).read_text(encoding="utf-8-sig")
                (raw / name).write_text(text.splitlines()[0] + "\n", encoding="utf-8")
            else:
                (raw / name).unlink()
    batch = run_batch(
        ["2017-01"],
        notebooks_dir=repo_root() / "notebooks",
        raw_root=tmp_path / "raw",
        processed_root=tmp_path / "p",
        output_root=tmp_path / "out",
        progress=False,
    )
    assert batch.ok, summary_text(batch)
    pages = sorted((tmp_path / "out" / "2017-01").glob("*.html"))
    assert len(pages) == len(list((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    for page in pages:
        text = _visible_text(page.read_text(encoding="utf-8"))
        for bad in ("Traceback", "Error:", "Warning:", "KeyError"):
            assert bad not in text, (page.name, bad)
    if case == "all empty":
        reports = [p for p in pages if p.stem.startswith(("02_", "03_"))]
        assert len(reports) == 2
        for page in reports:  # the SDQ and missing reports say there is no figure
            assert "no figure this month" in _visible_text(page.read_text(encoding="utf-8"))
