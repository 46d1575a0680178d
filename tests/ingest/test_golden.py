"""Guard: cleaning gives the same outputs, byte for byte, as when the digests were recorded.

Two default months of a small synthetic extract and one month of the current-year timeline
(2026-10: social workers and DoLo tables too), fixed seeds, are cleaned by `python -m pipeline
clean`;
the SHA-256 of every parquet file (tables, quarantine, cell audit) and of quality.json (without
its run-specific `created` and `raw_dir`) must match tests/fixtures/golden/clean_digests.json.
The parquet bytes are stable run to run for one pyarrow version, so the files are digested as
written. After a deliberate change to the outputs (or to the generator), record the digests again
with `LAC_GOLDEN_UPDATE=1 pytest tests/ingest/test_golden.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.cli import main

GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden" / "clean_digests.json"
RUNS = {  # month -> (history start, end, months generated)
    "2016-12": ("2012-04", "2017-01", 2),
    "2017-01": ("2012-04", "2017-01", 2),
    "2026-10": ("2020-04", "2026-10", 1),
}
RUN_SPECIFIC = ("created", "raw_dir")  # quality.json keys that name the run, not the data


def _digest(path: Path) -> str:
    if path.name == "quality.json":
        summary = json.loads(path.read_text(encoding="utf-8"))
        for key in RUN_SPECIFIC:
            summary.pop(key, None)
        data = json.dumps(summary, indent=2, sort_keys=True).encode("utf-8")
    else:
        data = path.read_bytes()
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def digests(tmp_path_factory) -> dict[str, dict[str, str]]:
    synth = pytest.importorskip("pipeline.synth")
    base = tmp_path_factory.mktemp("golden")
    out: dict[str, dict[str, str]] = {}
    for month, (start, end, months) in RUNS.items():
        root = base / end
        if not root.is_dir():
            synth.generate(
                root,
                seed=20240,
                history_start=start,
                end=end,
                months=months,
                scale=0.1,
                progress=False,
            )
        status = main(
            ["clean", "--month", month, "--raw", str(root / "raw"), "--out", str(root / "clean")]
        )
        assert status == 0
        folder = root / "clean" / month
        files = sorted([*folder.glob("*.parquet"), folder / "quality.json"])
        out[month] = {p.name: _digest(p) for p in files}
    return out


@pytest.mark.slow
def test_cleaned_outputs_match_the_recorded_digests(digests):
    if os.environ.get("LAC_GOLDEN_UPDATE"):
        GOLDEN.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert digests.keys() == recorded.keys()
    for month in RUNS:
        assert digests[month] == recorded[month], month
