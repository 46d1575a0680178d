"""The CLI: --help for every command, one-line errors with exit status 2, clean writes outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.cli import main
from tests.builders import EPISODE_ROW, EPISODES_CSV, HEADER_CSV, HEADER_ROW, write


@pytest.mark.parametrize("command", ["synth", "clean", "kpis", "analyse", "run", "bench"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_missing_column_is_one_line_exit_2_no_traceback(tmp_path):
    month = tmp_path / "2017-01"
    month.mkdir()
    write(month, "header.csv", HEADER_CSV + HEADER_ROW)
    write(month, "episodes.csv", EPISODES_CSV.replace(",DECOM", "") + "1,S,C2,N1,U4,PR1,,,,,,\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "clean",
            "--month",
            "2017-01",
            "--raw",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "episodes.csv" in lines[0] and "DECOM" in lines[0]


def test_bad_month_is_one_line_exit_2(capsys):
    assert main(["clean", "--month", "2017-13"]) == 2
    assert "not a month" in capsys.readouterr().err


def test_clean_writes_parquet_and_quality(tmp_path, capsys):
    month = tmp_path / "raw" / "2017-01"
    month.mkdir(parents=True)
    write(month, "header.csv", HEADER_CSV + HEADER_ROW)
    write(month, "episodes.csv", EPISODES_CSV + EPISODE_ROW + EPISODE_ROW)
    assert (
        main(
            [
                "clean",
                "--month",
                "2017-01",
                "--raw",
                str(tmp_path / "raw"),
                "--out",
                str(tmp_path / "processed"),
            ]
        )
        == 0
    )
    out = tmp_path / "processed" / "2017-01"
    assert {p.name for p in out.iterdir()} == {
        "header.parquet",
        "episodes.parquet",
        "quarantine.parquet",
        "cells.parquet",
        "quality.json",
    }
    quality = json.loads((out / "quality.json").read_text())
    assert quality["tables"]["episodes"] == {
        "records_in_files": 2,
        "rows_in": 2,
        "kept": 1,
        "merged": 1,
        "quarantined": 0,
        "corrected_cells": 0,
        "blanked_cells": 0,
    }
    assert "1 merged" in capsys.readouterr().out


@pytest.mark.slow
def test_kpis_writes_every_indicator_with_spec_columns(small_synth, tmp_path, capsys):
    import pandas as pd

    from pipeline import data

    out = tmp_path / "kpis.csv"
    assert (
        main(["kpis", "--month", "2017-01", "--raw", str(small_synth / "raw"), "--out", str(out)])
        == 0
    )
    table = pd.read_csv(out)
    assert list(table.columns[:10]) == [
        "indicator",
        "label",
        "period_end",
        "value",
        "numerator",
        "denominator",
        "unit",
        "higher_is_better",
        "target",
        "rag",
    ]
    assert list(table["indicator"]) == list(data.indicators())
    row = table.set_index("indicator").loc["placements_3plus_pct"]
    assert row["value"] == pytest.approx(100 * row["numerator"] / row["denominator"])
    assert row["target"] == 10.0 and row["rag"] in {"green", "amber", "red"}
    assert table["period_end"].eq("2017-01-31").all()
    assert "indicators ->" in capsys.readouterr().out


def test_relative_paths_are_taken_from_the_working_directory(tmp_path, monkeypatch, capsys):
    month = tmp_path / "jan"
    month.mkdir()
    write(month, "header.csv", HEADER_CSV + HEADER_ROW)
    write(month, "episodes.csv", EPISODES_CSV + EPISODE_ROW)
    monkeypatch.chdir(tmp_path)
    assert main(["kpis", "--month", "2017-01", "--raw", "jan", "--out", "k.csv"]) == 0
    assert (tmp_path / "k.csv").is_file()
    assert main(["clean", "--month", "2017-01", "--raw", "jan", "--out", "processed"]) == 0
    assert (tmp_path / "processed" / "2017-01" / "quality.json").is_file()


def test_defaults_stay_in_the_repository(monkeypatch, tmp_path):
    from pipeline.cli import build_parser
    from pipeline.paths import repo_root

    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["run"])
    assert args.raw == repo_root() / "data" / "raw"
    assert args.outputs == repo_root() / "outputs"
    assert args.config == repo_root() / "config" / "la.toml"


def test_synth_help_documents_the_sdq_effect(capsys):
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    assert "--sdq-effect" in capsys.readouterr().out


@pytest.mark.slow
def test_analyse_writes_the_sdq_and_missing_results_as_json(small_synth, tmp_path, capsys):
    out = tmp_path / "results.json"
    raw = str(small_synth / "raw")
    args = ["analyse", "--month", "2017-01", "--raw", raw, "--out", str(out), "--n-boot", "200"]
    assert main(args) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["month"] == "2017-01" and data["reference_date"] == "2017-01-31"
    assert data["settings"]["bootstrap_samples"] == 200
    summary = data["sdq"]["summary"]
    for key in ("n", "n_children", "disrupted", "rate", "rate_ci", "auc", "auc_ci", "logistic"):
        assert key in summary
    assert [r["threshold"] for r in data["sdq"]["thresholds"]] == list(range(10, 26))
    against = data["missing"]["against_recent"]
    assert against["n_comparisons"] == 6 and len(against["comparisons"]) == 6
    assert "SDQ and missing analyses ->" in capsys.readouterr().out
    # standard output, and the same figures again (the bootstrap is seeded)
    assert main(args[:-4] + ["--n-boot", "200"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again == data
