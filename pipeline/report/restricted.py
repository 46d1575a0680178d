"""Child-level lists for named teams: written only to the month's restricted folder, with the
sensitivity marking on every row and in a note beside them; never linked from a report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import atomic_write_csv, atomic_write_text

MARKING = "OFFICIAL-SENSITIVE"
NOTE = (
    f"{MARKING} (personal data about looked-after children). Restricted to named staff; "
    "do not forward, print or attach to committee papers."
)


def write_restricted(frame: pd.DataFrame, month_dir: Path, name: str) -> Path:
    """Write a child-level list to MONTH/restricted/NAME: a first column `sensitivity` on every
    row and a SENSITIVE.txt note in the folder."""
    folder = Path(month_dir) / "restricted"
    atomic_write_text(NOTE + "\n", folder / "SENSITIVE.txt")
    marked = frame.copy()
    marked.insert(0, "sensitivity", MARKING)
    return atomic_write_csv(marked, folder / name)
