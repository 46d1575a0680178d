"""One batch run at a time per output folder: an exclusive `flock` on `OUTPUT/.batch.lock`.

The lock is the operating system's, so it is released however the holder ends (even SIGKILL);
the file only carries the holder's process id for the message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.io import WriteError

LOCK_NAME = ".batch.lock"


class LockHeld(RuntimeError):
    """Another batch run is writing to the same output folder."""


@contextmanager
def batch_lock(output_root: str | Path, wait: bool = False) -> Iterator[Path]:
    """Hold the output folder's batch lock for the duration of the block; refuse at once with
    LockHeld when another run holds it, or with `wait` block until it is free."""
    output_root = Path(output_root)
    path = output_root / LOCK_NAME
    try:
        output_root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only or misplaced output folder: a write error, not input
        raise WriteError(exc.errno, exc.strerror, str(path)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise LockHeld(
                f"{output_root}: another batch run (process {holder}) is writing to this "
                "output folder; wait for it to finish, or pass --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
