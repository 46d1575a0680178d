"""The scored SDQ history: which score a child had on a date.

The local `sdq` table (a dated history of assessments) is the source. Assessments that returned a
reason (SDQ1-SDQ5) instead of a score are not scores. Without a dated history, the 903 `oc2`
table's score (one per child per collection year, undated) stands in for the indicators, treated
as current at every reference date: a caveat for series over several months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import dates, keys, vocab

HISTORY_COLUMNS = ["CHILD", "SDQ_DATE", "SDQ_SCORE"]


def _frame(child, when, score) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CHILD": pd.Series(child, dtype="str"),
            "SDQ_DATE": pd.Series(when, dtype=dates.NS),
            "SDQ_SCORE": pd.Series(score, dtype="float64"),
        }
    )


def dated_scores(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Scored assessments of the `sdq` table: CHILD, SDQ_DATE, SDQ_SCORE, by child and date."""
    sdq = tables.get("sdq")
    if sdq is None or sdq.empty:
        return _frame([], [], [])
    s = sdq.loc[sdq["SDQ_SCORE"].notna() & sdq["SDQ_DATE"].notna()]
    s = _frame(s["CHILD"].array, s["SDQ_DATE"].array, s["SDQ_SCORE"].astype("float64").array)
    return s.take(keys.sort_order(s, ["CHILD", "SDQ_DATE"])).reset_index(drop=True)


def score_history(tables: dict[str, pd.DataFrame], refs: pd.DatetimeIndex) -> pd.DataFrame:
    """The scores the indicators use: the dated history, or (when the extract has none) each
    child's oc2 score dated at every reference date."""
    dated = dated_scores(tables)
    if len(dated):
        return dated
    oc2 = tables.get("oc2")
    if oc2 is None or oc2.empty:
        return dated
    scored = oc2.loc[oc2["SDQ_SCORE"].notna(), ["CHILD", "SDQ_SCORE"]]
    out = scored.merge(pd.DataFrame({"SDQ_DATE": refs}), how="cross")
    return _frame(out["CHILD"].array, out["SDQ_DATE"].array, out["SDQ_SCORE"].array)


def latest_scores(
    history: pd.DataFrame, children: pd.Index, child: np.ndarray, when: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (child code into `children`, date): the date and value of the child's latest
    score dated on or before that date (NaT / NaN when none)."""
    code = keys.positions(history["CHILD"], children)
    keep = code >= 0
    hit = dates.latest_on_or_before(
        code[keep], history["SDQ_DATE"].to_numpy(dtype=dates.NS)[keep], child, when
    )
    found_date = np.r_[history["SDQ_DATE"].to_numpy(dtype=dates.NS)[keep], np.datetime64("NaT")]
    found_score = np.r_[history["SDQ_SCORE"].to_numpy(dtype="float64")[keep], np.nan]
    return found_date[hit], found_score[hit]


def latest_scores_in_year(
    history: pd.DataFrame, children: pd.Index, child: np.ndarray, when: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (child code, reference date R): the child's latest score dated on or before R
    when it is dated in the year to R, i.e. on or after R - 1 year + 1 day (SPEC 5: a score older
    than 12 months does not count); NaT / NaN otherwise. The one definition of a child's
    current score, used by the SDQ indicators and the restricted list."""
    found, score = latest_scores(history, children, child, when)
    recent = ~np.isnat(found) & (found >= dates.year_start(when))
    return np.where(recent, found, np.datetime64("NaT")), np.where(recent, score, np.nan)


def score_before(
    child: pd.Series, start: pd.Series, history: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """For each (child, start date): the latest score dated in the `lookback_months` up to and
    including the start, i.e. in (start - 12 months, start] (NaT / NaN when none)."""
    children = pd.Index(pd.concat([child, history["CHILD"]]).astype("str").unique())
    day = start.to_numpy(dtype=dates.NS)
    when, score = latest_scores(history, children, keys.positions(child, children), day)
    lookback = (start - pd.DateOffset(months=vocab.SDQ_LOOKBACK_MONTHS)).to_numpy(dtype=dates.NS)
    recent = ~np.isnat(when) & (when > lookback)
    return np.where(recent, when, np.datetime64("NaT")), np.where(recent, score, np.nan)
