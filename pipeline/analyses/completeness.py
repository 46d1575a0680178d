"""Completeness of the fields the figures lean on but the cleaning cannot demand (SPEC 6, data
quality): each check counts the records where a field is expected and how many leave it blank.

- episodes REASON_PLACE_CHANGE: placements that ended in the year to R with a move to another
  placement (the 903 asks for the reason on every change of placement; a blank one is counted
  as an unplanned ending, so gaps inflate disruption).
- episodes PL_POST / HOME_POST: episodes in force at R, short breaks aside (distance from home
  needs both).
- header ETHNIC: children looked after at R (blank or NOBT, not yet obtained; REFU is an answer).
- missing RHI_OFFERED: missing episodes that started in the year to R and have ended (only when
  the extract has the local return-interview columns).
- missing RHI_DATE: of those, the ones whose interview was accepted (RHI_ACCEPTED Y).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import Model, care, dates
from pipeline.model.missing import counted

COLUMNS = ["table", "field", "expected_for", "records", "blank"]
NOT_OBTAINED = ("NOBT",)


def _blank(values: pd.Series) -> np.ndarray:
    text = values.astype("str")
    return (text.isna() | text.str.strip().eq("")).to_numpy(dtype=bool)


def completeness(model: Model, ref_date) -> pd.DataFrame:
    """One row per check (COLUMNS; records where the field is expected, blank among them),
    with complete_pct. Checks whose table or columns the extract lacks are left out."""
    ref = pd.Timestamp(ref_date).normalize()
    rows = []
    pl = model.placements
    moved = pl[
        (pl["end"] > ref - pd.DateOffset(years=1))
        & (pl["end"] <= ref)
        & pl["moved_to_next"].astype(bool)
    ]
    rows.append(
        ("episodes", "REASON_PLACE_CHANGE", "placement changes in the last 12 months",
         len(moved), int(moved["end_reason"].isna().sum()))
    )  # fmt: skip
    refs = np.array([ref], dtype=dates.NS)
    la = care.looked_after(model.care, refs)
    row = care.in_care_on(model.care, la.child, refs[la.ref])
    in_force = model.care.episodes.iloc[row[row >= 0]]
    for field in ("PL_POST", "HOME_POST"):
        if field in in_force:
            rows.append(
                ("episodes", field, "episodes in force at the month end", len(in_force),
                 int(_blank(in_force[field]).sum()))
            )  # fmt: skip
    header = model.tables.get("header")
    if header is not None and "ETHNIC" in header:
        ids = set(model.periods["CHILD"].iloc[la.rows])
        kids = header[header["CHILD"].astype("str").isin(ids)].drop_duplicates("CHILD")
        missing_ethnic = _blank(kids["ETHNIC"]) | kids["ETHNIC"].astype("str").isin(NOT_OBTAINED)
        rows.append(
            ("header", "ETHNIC", "children looked after at the month end", len(kids),
             int(np.asarray(missing_ethnic, dtype=bool).sum()))
        )  # fmt: skip
    raw = model.tables.get("missing")
    if raw is not None and "RHI_OFFERED" in raw:
        ep = counted(model.missing)
        start = ep["start_date"]
        ended = ep[(start > ref - pd.DateOffset(years=1)) & (start <= ref)]
        ended = ended[ended["end"].notna() & (ended["MISSING"] == "M")]
        rows.append(
            ("missing", "RHI_OFFERED", "ended missing episodes in the last 12 months",
             len(ended), int(ended["rhi_offered"].isna().sum()))
        )  # fmt: skip
        if "RHI_DATE" in raw:
            accepted = ended[ended["rhi_accepted"].fillna(False).astype(bool)]
            rows.append(
                ("missing", "RHI_DATE", "return interviews accepted (of those episodes)",
                 len(accepted), int(accepted["rhi_date"].isna().sum()))
            )  # fmt: skip
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["complete_pct"] = np.where(
        out["records"] > 0,
        100 * (1 - out["blank"] / out["records"].where(out["records"] > 0)),
        np.nan,
    )
    return out
