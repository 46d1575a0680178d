"""Atomic file writes: write to a temporary file in the same folder, then rename over the target.

An interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

FILE_MODE = 0o644  # mkstemp creates 0600; outputs are ordinary readable files


def _atomic(path: str | Path, write) -> Path:
    """Call `write(temporary path)` on a temporary file beside `path`, then rename it over `path`;
    on any failure the temporary file is removed and the target left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(data: bytes, path: str | Path) -> Path:
    """Write `data` to `path` atomically."""
    return _atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text to `path` atomically."""
    return atomic_write_bytes(text.encode("utf-8"), path)


def atomic_write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as parquet (pyarrow) atomically."""
    return _atomic(path, lambda tmp: frame.to_parquet(tmp, engine="pyarrow", index=False))


def atomic_write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically."""
    return atomic_write_text(frame.to_csv(index=False), path)


def digest_files(paths, extra: str = "") -> str:
    """SHA-256 over file names and contents (in the given order) plus `extra` text."""
    h = hashlib.sha256(extra.encode("utf-8"))
    for p in paths:
        p = Path(p)
        h.update(p.name.encode("utf-8") + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the pipeline package's code and bundled data: changes when the logic does.
    Computed once per process (the code does not change during a run)."""
    package = Path(__file__).resolve().parent
    not_analysis = {"synth", "bench.py"}  # make data / measure; no effect on a month's figures
    files = sorted(
        p
        for p in package.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".toml", ".j2", ".json", ".csv", ".css"}
        and p.relative_to(package).parts[0] not in not_analysis
    )
    return digest_files(files, extra="\n".join(str(p.relative_to(package)) for p in files))
