"""Child-level lists for named teams: written only to the month's restricted folder, outside the
publishable outputs folder (by default `restricted/YYYY-MM/` beside `outputs/`; `[privacy]
restricted_folder` in config/la.toml moves it), with the sensitivity marking on every row and in
a note beside them; never linked from a report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import atomic_write_csv, atomic_write_text, staged_target
from pipeline.paths import resolve

MARKING = "OFFICIAL-SENSITIVE"
NOTE = (
    f"{MARKING} (personal data about looked-after children). Restricted to named staff; "
    "do not forward, print or attach to committee papers."
)


def restricted_dir(month_dir: Path, settings=None) -> Path:
    """The restricted folder for the month whose reports go to `month_dir` (outputs/YYYY-MM):
    RESTRICTED/YYYY-MM, RESTRICTED being the configured folder or `restricted` beside the
    outputs folder."""
    month_dir = staged_target(month_dir)  # a month being built: where it will be swapped in
    configured = getattr(settings, "restricted_folder", None)
    root = resolve(configured) if configured else month_dir.parent.parent / "restricted"
    return root / month_dir.name


def write_restricted(frame: pd.DataFrame, month_dir: Path, name: str, settings=None) -> Path:
    """Write a child-level list to the month's restricted folder (`restricted_dir`): a first
    column `sensitivity` on every row and a SENSITIVE.txt note in the folder."""
    folder = restricted_dir(month_dir, settings)
    atomic_write_text(NOTE + "\n", folder / "SENSITIVE.txt")
    marked = frame.copy()
    marked.insert(0, "sensitivity", MARKING)
    return atomic_write_csv(marked, folder / name)
