"""Placement stability breakdowns: who has three or more placements, and why placements end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.model import Model, care, vocab
from pipeline.stats import pct, wilson_pct

NOT_RECORDED = "Not recorded"


def three_plus_breakdown(model: Model, ref_date) -> dict[str, pd.DataFrame]:
    """Children looked after at R with 3+ placements in the year to R, by age at entry to care
    (DfE bands) and by the placement type in force at R: group, n, k, rate (%), 95% Wilson
    ci_low / ci_high (%), and k_unplanned: of the k, children with at least one unplanned move
    (a disruption or other unplanned ending, blank reasons included) ending in the year to R;
    the rest moved only for planned reasons or a change of status. The k's add up to the
    numerator of placements_3plus_pct."""
    kids = care.children_at(model.care, ref_date)
    kids["three_plus"] = kids["placements_12m"] >= vocab.STABILITY["three_plus"]
    unplanned = set(unplanned_movers(model.placements, ref_date))
    kids["unplanned"] = kids["three_plus"] & kids["CHILD"].isin(unplanned)
    kids["entry_band"] = vocab.age_band(kids["age_at_entry"], "entry")
    kids["group"] = (
        kids["place_group"].map(vocab.PLACE_GROUP_LABELS).astype("object").fillna(NOT_RECORDED)
    )
    out = {}
    for name, column in (("age_at_entry", "entry_band"), ("placement_type", "group")):
        g = kids.groupby(column, observed=False)
        frame = pd.DataFrame(
            {"n": g.size(), "k": g["three_plus"].sum(), "k_unplanned": g["unplanned"].sum()}
        )
        frame = frame.fillna(0).astype("int64")
        frame = frame.rename_axis("group").reset_index()
        frame["group"] = frame["group"].astype("str")
        frame["rate"] = pct(frame["k"], frame["n"])
        frame["ci_low"], frame["ci_high"] = wilson_pct(frame["k"], frame["n"])
        out[name] = frame
    return out


UNPLANNED = ("disruption", "other_unplanned")


def unplanned_movers(placements: pd.DataFrame, ref_date) -> pd.Series:
    """Children with a placement ending in the year to R in an unplanned move (end category
    disruption or other unplanned), each once."""
    ref = pd.Timestamp(ref_date).normalize()
    end = placements["end"]
    moved = placements[
        (end > ref - pd.DateOffset(years=1))
        & (end <= ref)
        & placements["end_category"].isin(UNPLANNED)
    ]
    return moved["CHILD"].drop_duplicates()


def change_reasons(placements: pd.DataFrame, ref_date) -> pd.DataFrame:
    """Placements ending in the year to R with a move, by ending category and
    REASON_PLACE_CHANGE: Ending, Reason (labels) and placements, categories in the vocabulary's
    order, most common reason first."""
    labels = codes.labels("REASON_PLACE_CHANGE")
    ref = pd.Timestamp(ref_date).normalize()
    ended = placements[
        (placements["end"] > ref - pd.DateOffset(years=1))
        & (placements["end"] <= ref)
        & (placements["end_category"] != "left_care")
    ]
    reason = ended["end_reason"].astype("object").fillna("(none)")
    counts = (
        ended.assign(reason=reason)
        .groupby(["end_category", "reason"])
        .size()
        .rename("placements")
        .reset_index()
    )
    order = {c: i for i, c in enumerate(vocab.END_CATEGORIES)}
    counts = counts.assign(_o=counts["end_category"].map(order)).sort_values(
        ["_o", "placements"], ascending=[True, False]
    )
    return pd.DataFrame(
        {
            "Ending": counts["end_category"].map(vocab.END_LABELS).fillna(counts["end_category"]),
            "Reason": counts["reason"].map(labels).fillna(counts["reason"]),
            "placements": counts["placements"].astype(np.int64),
        }
    ).reset_index(drop=True)
