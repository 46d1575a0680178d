"""Small builders for hand-made raw (text) tables used across the tests."""

from __future__ import annotations

import pandas as pd

from pipeline.load import table_specs


def raw_table(table: str, rows: list[dict]) -> pd.DataFrame:
    """An all-text raw table with every required column (blank where a row does not say)."""
    cols = table_specs()[table]["required"]
    extra = [c for r in rows for c in r if c not in cols]
    cols = cols + list(dict.fromkeys(extra))
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    return frame.astype("str").where(frame.notna(), pd.NA) if len(frame) else frame.astype("str")


def episode(
    child="1",
    decom="01/04/2016",
    rne="S",
    ls="C2",
    place="U4",
    dec=None,
    rec=None,
    reason=None,
    cin="N1",
    provider="PR1",
    pl_post="ZZ9 1AA",
    **kw,
) -> dict:
    """One raw episode row (903 text form)."""
    row = {
        "CHILD": child,
        "DECOM": decom,
        "RNE": rne,
        "LS": ls,
        "CIN": cin,
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": dec,
        "REC": rec,
        "REASON_PLACE_CHANGE": reason,
        "HOME_POST": "ZZ1 1AA",
        "PL_POST": pl_post,
        "URN": "SC000001",
    }
    row.update(kw)
    return row
