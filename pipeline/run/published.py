"""The published-figures register (SPEC 7): `outputs/published.csv` keeps each month's figures as
its reports first gave them. Councils keep the figure they published; when a later extract gives
an earlier month a different figure, the reports quote the published one and show the change as
a restatement beside it.

A month's figures are recorded once, at the end of the batch run that first produced its
reports, and never overwritten. Notebooks read the register as it stood when the batch began,
so a batch gives the same pages whatever order its months run in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline.io import atomic_write_csv

REGISTER = "published.csv"
COLUMNS = ["month", "indicator", "value", "numerator", "denominator", "unit", "published_on"]


def read_published(output_root: str | Path) -> pd.DataFrame:
    """The register (COLUMNS), empty when nothing has been published yet."""
    path = Path(output_root) / REGISTER
    if not path.is_file():
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.read_csv(path, dtype={"month": "str", "indicator": "str", "unit": "str"})
    return frame.reindex(columns=COLUMNS)


def record_published(
    output_root: str | Path, months: list[str], today: dt.date | None = None
) -> list[str]:
    """Add to the register the figures (`MONTH/kpis.csv`) of each month in `months` not yet in it;
    months already there keep their figures. Returns the months added."""
    output_root = Path(output_root)
    register = read_published(output_root)
    known = set(register["month"])
    stamp = (today or dt.date.today()).isoformat()
    new = []
    for month in sorted(set(months) - known):
        kpis = output_root / month / "kpis.csv"
        if not kpis.is_file():
            continue
        figures = pd.read_csv(kpis).assign(month=month, published_on=stamp)
        new.append(figures.reindex(columns=COLUMNS))
    if not new:
        return []
    frames = [f for f in (register, *new) if len(f)]
    out = pd.concat(frames, ignore_index=True).sort_values(["month", "indicator"], kind="stable")
    atomic_write_csv(out, output_root / REGISTER)
    return sorted({m for f in new for m in f["month"]})
