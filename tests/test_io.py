"""pipeline.io: CSV safe for Excel, folders swapped in whole, write errors that name the path."""

from __future__ import annotations

import errno
import os

import pandas as pd
import pytest

from pipeline.io import (
    WriteError,
    atomic_write_csv,
    atomic_write_text,
    excel_safe,
    remove_stale_staging,
    staging_dir,
    swap_in,
)

INJECTIONS = ['=HYPERLINK("http://x","click")', "+SUM(1+1)", "@SUM(1+1)", "-2+3", "\tx", "\r=1"]


def test_text_cells_that_start_a_formula_get_a_quote():
    frame = pd.DataFrame({"CHILD": [*INJECTIONS, "C1", None]})
    frame["as_string"] = frame["CHILD"].astype("string")
    safe = excel_safe(frame)
    for column in ("CHILD", "as_string"):
        assert list(safe[column][: len(INJECTIONS)]) == ["'" + v for v in INJECTIONS]
        assert safe[column].iloc[-2] == "C1" and pd.isna(safe[column].iloc[-1])
    assert list(frame["CHILD"][: len(INJECTIONS)]) == INJECTIONS  # the input is not changed


def test_numbers_stay_numbers():
    frame = pd.DataFrame({"value": [-1.5, 2.0], "n": [-3, 4], "text": ["-3", "+1.5"]})
    safe = excel_safe(frame)
    assert safe["value"].tolist() == [-1.5, 2.0] and safe["n"].tolist() == [-3, 4]
    assert safe["text"].tolist() == ["-3", "+1.5"]  # plain numbers: no formula
    assert atomic_write_csv(frame, "/dev/null")


def test_every_csv_the_pack_writes_is_excel_safe(tmp_path):
    from pipeline.report.restricted import write_restricted

    month_dir = tmp_path / "outputs" / "2017-01"
    path = write_restricted(pd.DataFrame({"CHILD": INJECTIONS[:3]}), month_dir, "list.csv")
    lines = path.read_text().splitlines()[1:]
    assert [line.split(",", 1)[1][:2] for line in lines] == ["\"'", "'+", "'@"]
    back = pd.read_csv(path)
    assert not back["CHILD"].str.match(r"^[=+\-@]").any()


def test_no_csv_written_around_the_helper():
    """Every CSV the package writes goes through pipeline.io (the generator writes raw input)."""
    from pathlib import Path

    package = Path(__file__).parents[1] / "pipeline"
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if ".to_csv(" in p.read_text()
        and p.name != "io.py"
        and p.relative_to(package).parts[0] != "synth"
    ]
    assert offenders == []


def test_swap_in_replaces_a_folder_whole(tmp_path):
    target = tmp_path / "2017-01"
    target.mkdir()
    (target / "old.parquet").write_text("old")
    (target / "quality.json").write_text("old")
    build = staging_dir(target)
    assert build.parent == tmp_path and build.name.startswith(f".2017-01.building-{os.getpid()}-")
    (build / "quality.json").write_text("new")
    swap_in(build, target)
    assert sorted(p.name for p in target.iterdir()) == ["quality.json"]
    assert (target / "quality.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2017-01"]


def test_stale_staging_of_dead_processes_removed(tmp_path):
    dead = tmp_path / ".2017-01.building-999999999-abc"
    alive = tmp_path / f".2017-01.building-{os.getpid()}-abc"
    dead.mkdir()
    alive.mkdir()
    assert remove_stale_staging(tmp_path) == [dead]
    assert alive.is_dir()


@pytest.mark.parametrize(
    "make, code",
    [(lambda p: p.mkdir(), errno.EISDIR), (lambda p: p.parent.rmdir() or p.parent.touch(), None)],
)
def test_write_errors_name_the_target(tmp_path, make, code):
    target = tmp_path / "sub" / "kpis.csv"
    target.parent.mkdir()
    make(target)
    with pytest.raises(WriteError) as err:
        atomic_write_text("x", target)
    assert err.value.filename == str(target)
    assert code is None or err.value.errno == code
    assert [p.name for p in tmp_path.rglob(".*.tmp")] == []


def test_swap_in_without_an_atomic_exchange(tmp_path, monkeypatch):
    import pipeline.io

    monkeypatch.setattr(pipeline.io, "_exchange", lambda a, b: False)
    target = tmp_path / "2017-01"
    target.mkdir()
    (target / "old").write_text("old")
    build = staging_dir(target)
    (build / "new").write_text("new")
    swap_in(build, target)
    assert [p.name for p in target.iterdir()] == ["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2017-01"]
