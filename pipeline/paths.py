"""Where things live, and reporting-month arithmetic.

Paths resolve from the repository root (the folder holding `pyproject.toml`), never from the
kernel's or shell's working directory, so notebooks and the CLI agree wherever they are started.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """A reporting month or month range that cannot be read."""


def repo_root() -> Path:
    """The repository root: $LAC_PACK_ROOT if set, else the first parent holding pyproject.toml."""
    env = os.environ.get("LAC_PACK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return Path.cwd().resolve()


def cache_root() -> Path:
    """The per-user folder for reference data the pack derives from its dependencies (postcode
    letters, bank holidays): $LAC_CACHE_DIR, else ~/.cache/lac-analysis-pack. Safe to delete."""
    return Path(os.environ.get("LAC_CACHE_DIR") or Path.home() / ".cache" / "lac-analysis-pack")


def resolve(path: str | Path) -> Path:
    """An absolute path: relative paths are taken from the repository root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (repo_root() / p).resolve()


def parse_month(text: str) -> pd.Period:
    """'2017-01' -> Period('2017-01', 'M'); a clear ValueError otherwise."""
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise MonthError(f"not a month (expected YYYY-MM): {text!r}")
    return pd.Period(f"{m.group(1)}-{m.group(2)}", freq="M")


def parse_months(text: str) -> list[str]:
    """'2016-02:2017-01' (inclusive range) or '2016-02,2016-05' or '2017-01' -> ['YYYY-MM', ...]."""
    text = str(text).strip()
    if ":" in text:
        start, end = (parse_month(t) for t in text.split(":", 1))
        if end < start:
            raise MonthError(f"month range runs backwards: {text!r}")
        return [str(p) for p in pd.period_range(start, end, freq="M")]
    return [str(parse_month(t)) for t in text.split(",") if t.strip()]
