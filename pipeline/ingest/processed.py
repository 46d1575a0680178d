"""The processed folder of a month (`data/processed/YYYY-MM/`): cleaned tables as parquet, the
quarantine and quality.json, rebuilt when the raw files or the code change.

The folder is always rebuilt whole from the current extract: the new version is written in a
folder beside it and swapped in at the end, so a table that has left the extract leaves the
folder, and an interrupted or failed cleaning leaves the previous version as it was (never a new
header.parquet beside an old quality.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from pipeline.ingest.clean import CleanResult, clean_extract
from pipeline.ingest.load import load_extract
from pipeline.io import (
    atomic_write_bytes,
    atomic_write_parquet,
    atomic_write_text,
    code_digest,
    digest_files,
    remove_stale_staging,
    staging_dir,
    swap_in,
)

AUDITS = ("quarantine", "cells")  # beside the tables: rows set aside, cells blanked


def clean_month(
    month: str, raw_dir: str | Path, processed_dir: str | Path, fingerprint: str = ""
) -> CleanResult:
    """Load the extract in `raw_dir`, clean it, and replace `processed_dir` as a whole by typed
    parquet + quarantine + quality.json (+ `.fingerprint` when given)."""
    result = clean_extract(load_extract(raw_dir), month=month)
    from pipeline.ingest.schema import validate_tables  # pandera is slow to import

    validate_tables(result.tables)
    processed_dir = Path(processed_dir)
    if processed_dir.parent.is_dir():
        remove_stale_staging(processed_dir.parent)  # left by a killed run
    build = staging_dir(processed_dir)
    try:
        write_processed(result, build)
        if fingerprint:
            atomic_write_text(fingerprint, build / ".fingerprint")
        swap_in(build, processed_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)  # gone already unless something failed
    return result


def clean_key(month: str, raw_dir: Path) -> str:
    """The digest a month's processed folder is made from: its raw files and the code."""
    raw_files = sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    return digest_files(raw_files, extra=f"{month}|{code_digest()}")


def is_current(month: str, raw_dir: str | Path, processed_dir: str | Path) -> bool:
    """Whether `processed_dir` was made from these raw files by this code (nothing to clean)."""
    raw_dir, stamp = Path(raw_dir), Path(processed_dir) / ".fingerprint"
    if not raw_dir.is_dir() or not stamp.is_file():
        return False
    return stamp.read_text(encoding="utf-8").strip() == clean_key(month, raw_dir)


def ensure_clean(
    month: str, raw_dir: str | Path, processed_dir: str | Path, read: bool = True
) -> dict[str, pd.DataFrame] | None:
    """The month's cleaned tables: read from `processed_dir` when they were made from the same raw
    files by the same code, otherwise cleaned afresh (and written). `read=False` only brings the
    folder up to date and returns None."""
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"{raw_dir}: no extract folder for {month}")
    key = clean_key(month, raw_dir)
    stamp = processed_dir / ".fingerprint"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == key:
        return read_processed(processed_dir) if read else None
    result = clean_month(month, raw_dir, processed_dir, fingerprint=key)
    return result.tables if read else None


def write_processed(result: CleanResult, out_dir: str | Path) -> None:
    """Write each table as parquet, the quarantine, the cell audit and quality.json (each file
    atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in result.tables.items():
        atomic_write_parquet(frame, out / f"{table}.parquet")
    atomic_write_parquet(result.quarantine, out / "quarantine.parquet")
    atomic_write_parquet(result.cells, out / "cells.parquet")
    payload = json.dumps(result.summary, indent=2, default=str).encode("utf-8")
    atomic_write_bytes(payload, out / "quality.json")


def read_processed(processed_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The cleaned tables of one month, as written by `write_processed`."""
    folder = Path(processed_dir)
    if not (folder / "quality.json").is_file():
        raise FileNotFoundError(
            f"{folder}: no cleaned data (run the cleaning for this month first)"
        )
    return {
        p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet")) if p.stem not in AUDITS
    }
