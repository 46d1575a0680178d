"""Atomic file writes: write to a temporary file in the same folder, then rename over the target.

An interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def atomic_write_bytes(data: bytes, path: str | Path) -> Path:
    """Write `data` to `path` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text to `path` atomically."""
    return atomic_write_bytes(text.encode("utf-8"), path)


def atomic_write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as parquet (pyarrow) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, engine="pyarrow", index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically."""
    return atomic_write_text(frame.to_csv(index=False), path)
