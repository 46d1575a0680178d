"""Child-level lists for the teams who act on names (written only to the restricted folder).

Each list is defined by the same model the published counts use, so a list's length equals the
figure a report shows: `sdq_at_or_above_threshold` has `sdq_high_in_placement` rows, and
`repeat_missing` has `missing_repeat_children_12m` rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import Model, care, dates, sdq, vocab
from pipeline.model.missing import counted

RECENT_MISSING_DAYS = 90


def sdq_at_or_above_threshold(model: Model, ref_date) -> pd.DataFrame:
    """Children looked after at R, in a placement, whose latest SDQ score dated in the 12 months
    to R is at or above the targeting threshold (a score older than 12 months does not count:
    `pipeline.model.sdq.latest_scores_in_year`, as the indicator `sdq_high_in_placement`).

    Columns: CHILD, age, place and place_group (the placement type in force at R),
    placement_start, days_in_placement, sdq_score, sdq_date (the date of the score used),
    sdq_band, moves_12m (new placements other than a period's first starting in the
    year to R), disruptions_12m (placements disrupting in the year to R), missing_90d / away_90d
    (episodes starting in the 90 days to R). Highest score first.
    """
    r = pd.Timestamp(ref_date).normalize()
    refs = np.array([r], dtype=dates.NS)
    pl = model.placements
    cur = care.current_placements(model.care, refs)
    history = sdq.score_history(model.tables, pd.DatetimeIndex(refs))
    when, score = sdq.latest_scores_in_year(history, model.care.children, cur.child, refs[cur.ref])
    high = ~np.isnan(score) & (score >= model.settings.sdq_threshold)
    now = pl.iloc[cur.rows[high]]
    episode = care.in_care_on(model.care, cur.child[high], refs[cur.ref[high]])
    place = pd.Series(model.care.episodes["place_in_force"].array.take(episode), dtype="str")
    result = pd.DataFrame(
        {
            "CHILD": now["CHILD"].to_numpy(),
            "age": dates.whole_years(now["DOB"], r).astype("Int64").to_numpy(),
            "place": place.to_numpy(),
            "place_group": vocab.place_group(place).to_numpy(),
            "placement_start": now["start"].to_numpy(),
            "days_in_placement": (r - now["start"]).dt.days.to_numpy(),
            "sdq_score": score[high].astype("int64"),
            "sdq_date": when[high],
            "sdq_band": vocab.sdq_band(score[high]).to_numpy(),
        }
    )
    year_start = r - pd.DateOffset(years=1)
    moved = pl[(pl["start"] > year_start) & (pl["start"] <= r) & ~pl["is_first_in_period"]]
    ended = pl["end"].notna() & (pl["end"] > year_start) & (pl["end"] <= r)
    disrupted = pl[ended & (pl["end_category"] == "disruption")]
    episodes = counted(model.missing)
    recent = episodes[
        (episodes["start_date"] > r - pd.Timedelta(days=RECENT_MISSING_DAYS))
        & (episodes["start_date"] <= r)
    ]
    for name, counts in (
        ("moves_12m", moved.groupby("CHILD").size()),
        ("disruptions_12m", disrupted.groupby("CHILD").size()),
        ("missing_90d", recent.loc[recent["MISSING"] == "M", "CHILD"].value_counts()),
        ("away_90d", recent.loc[recent["MISSING"] == "A", "CHILD"].value_counts()),
    ):
        result[name] = result["CHILD"].map(counts).fillna(0).astype("int64")
    result = result.sort_values(["sdq_score", "moves_12m", "CHILD"], ascending=[False, False, True])
    return result.reset_index(drop=True)


def repeat_missing(
    episodes: pd.DataFrame, ref_date, months: int = 12, threshold: int | None = None
) -> pd.DataFrame:
    """Children with `threshold` (default 3) or more missing (M) incidents starting in the
    `months` to R, most incidents first.

    Columns: CHILD, incidents, first_start, last_start, total_hours (ended episodes),
    open_episodes, age_at_latest, place_group_at_latest.
    """
    threshold = threshold or vocab.MISSING["repeat_incidents"]
    r = pd.Timestamp(ref_date).normalize()
    e = counted(episodes)
    e = e[(e["MISSING"] == "M") & (e["start_date"] <= r)]
    e = e[e["start_date"] > r - pd.DateOffset(months=months)].sort_values(["CHILD", "start"])
    g = e.groupby("CHILD", sort=False)
    frame = pd.DataFrame(
        {
            "incidents": g.size(),
            "first_start": g["start"].min(),
            "last_start": g["start"].max(),
            "total_hours": g["duration_hours"].sum(),
            "open_episodes": g["open"].sum(),
            "age_at_latest": g["age_at_start"].last(),
            "place_group_at_latest": g["place_group"].last(),
        }
    )
    frame = frame[frame["incidents"] >= threshold].rename_axis("CHILD").reset_index()
    return frame.sort_values(["incidents", "CHILD"], ascending=[False, True], ignore_index=True)
