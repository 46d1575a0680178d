"""Atomic file writes: write to a temporary file in the same folder, then rename over the target.

An interrupted run never leaves a half-written file that looks complete. Whole folders are built
beside their target and swapped in (`swap_in`), and every CSV the pack writes is made safe to
open in Excel (`excel_safe`).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

FILE_MODE = 0o644  # mkstemp creates 0600; outputs are ordinary readable files


class WriteError(OSError):
    """An output could not be written (read-only file system, full disk, a folder in the way):
    the operating system's error with the target path as its filename."""


def _atomic(path: str | Path, write) -> Path:
    """Call `write(temporary path)` on a temporary file beside `path`, then rename it over `path`;
    on any failure the temporary file is removed and the target left as it was. Operating-system
    errors are raised as WriteError naming `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror, str(path)) from exc
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(exc.errno, exc.strerror, str(path)) from exc
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


FORMULA_START = r"^[=+\-@\t\r]"  # what Excel (and other spreadsheets) read as a formula
PLAIN_NUMBER = r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula in a spreadsheet: a text cell
    beginning with =, +, -, @, tab or CR gets a leading single quote. Numeric columns, and text
    that is a plain number ("-3", "+1.5"), are left as they are."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.astype("string")
        risky = text.str.match(FORMULA_START) & ~text.str.fullmatch(PLAIN_NUMBER)
        risky = risky.fillna(False).astype(bool)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + text)
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """A DataFrame as CSV text, made safe for Excel (`excel_safe`): the one way the pack writes
    CSV."""
    return excel_safe(frame).to_csv(index=False)


def atomic_write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically, made safe for Excel."""
    return atomic_write_text(csv_text(frame), path)


def staging_dir(target: str | Path) -> Path:
    """A new empty folder beside `target` to build its next version in, named for this process
    (`.NAME.building-PID-XXXX`) so that concurrent runs never share one."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(
        tempfile.mkdtemp(prefix=f".{target.name}.building-{os.getpid()}-", dir=target.parent)
    )


def staged_target(path: str | Path) -> Path:
    """The path a folder being built by `staging_dir` will have once swapped in (itself for a
    folder that is not being built): `.X.building-PID-…/X` -> `X` beside the staging folder."""
    path = Path(path)
    parent = path.parent
    if parent.name.startswith(f".{path.name}.building-"):
        return parent.parent / path.name
    return path


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


def swap_in(built: str | Path, target: str | Path) -> Path:
    """Replace the folder `target` by the folder `built` (same parent) as one step: with an
    atomic exchange where the OS has one (then the old version is removed), else by renaming
    the old version aside first. A reader sees the old folder or the new one, never a mixture."""
    built, target = Path(built), Path(target)
    if not target.exists():
        os.replace(built, target)
        return target
    if _exchange(built, target):
        shutil.rmtree(built, ignore_errors=True)  # now the old version
        return target
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old / target.name)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def remove_stale_staging(folder: str | Path) -> list[Path]:
    """Remove the `.NAME.building-PID-*` folders in `folder` left by processes no longer running
    (a killed run); folders of live processes are left alone. Returns those removed."""
    removed = []
    for path in Path(folder).glob(".*.building-*"):
        pid = path.name.rsplit(".building-", 1)[1].split("-")[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
