"""The corporate parenting scorecard (SPEC 5b), second part: health, care leavers, social
workers, deprivation of liberty.

- health_assessment_pct / dental_check_pct / immunisations_pct: with a `health` table, of children
  looked after at R continuously for the 12 months to R, % with an RHA / DENTAL / IMMS record dated
  in the year to R (`pipeline.model.health`). Without one, from oc2 (children looked after
  continuously for 12 months at the latest 31 March): % of its rows with the flag 1, the same
  figure at every R of one extract.
- iha_within_20wd_pct: of periods of care starting in the year to R whose initial health
  assessment fell due (20 working days after entry) on or before R with the child still looked
  after, % with an IHA from entry to that day (`health` table only: NaN without it).
- care_leavers_in_touch_pct / _eet_pct / _suitable_accom_pct (and _17_18 / _19_21 splits): of the
  OC3 cohort at R (`pipeline.model.leavers.cohort`), % in touch (YES), in education, employment
  or training, in suitable accommodation.
- sw_changes_3plus_pct: of children looked after at R, % with 3+ different SW_ID allocations
  overlapping the year to R (sw_episodes, from 2023-24; NaN without the table).
- children_per_sw: children looked after at R with an allocation in force at R / the distinct
  social workers allocated to them.
- dolo_count: children looked after at R with a deprivation of liberty order in force at R
  (DOLO_START <= R, DOLO_END blank or on or after R; dolo, from 2026-27).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care as care_model
from pipeline.model import dates, health, keys, leavers
from pipeline.stats import pct, rate

HEALTH = dict(definitions()["scorecard"]["oc2_health"])
LEAVER_MEASURES = ("in_touch", "eet", "suitable_accom")
SPLITS = dict(leavers.RULES["age_splits"])
LEAVER_IDS = tuple(
    f"care_leavers_{m}_pct{'' if s is None else '_' + s}"
    for m in LEAVER_MEASURES
    for s in (None, *SPLITS)
)
IDS = (
    *HEALTH,
    "iha_within_20wd_pct",
    *LEAVER_IDS,
    "sw_changes_3plus_pct",
    "children_per_sw",
    "dolo_count",
)


def _health(at: AtReferenceDates) -> dict[str, tuple]:
    if health.present(at.model.tables):
        return _health_table(at)
    oc2 = at.model.tables.get("oc2")
    out = {"iha_within_20wd_pct": (at.none, at.none, at.none)}
    for name, column in HEALTH.items():
        if oc2 is None or oc2.empty:
            n = d = np.zeros(at.n)
        else:
            n = np.full(at.n, float(oc2[column].astype("str").eq("1").sum()))
            d = np.full(at.n, float(len(oc2)))
        out[name] = (pct(n, d), n, d)
    return out


def _health_table(at: AtReferenceDates) -> dict[str, tuple]:
    care, coded = at.model.care, at.model.health_records
    la = at.looked_after
    year = care_model.throughout_year(care, la, at.year_start)
    d = at.count(la.ref[year])
    out = {}
    for name in HEALTH:
        had = health.had_in_year(coded, health.TYPES[name], la.child, la.ref, at.values)
        n = at.count(la.ref[year & had])
        out[name] = (pct(n, d), n, d)
    _, ref, on_time = health.initial_assessments(coded, care, at.values)
    due, done = at.count(ref), at.count(ref[on_time])
    out["iha_within_20wd_pct"] = (pct(done, due), done, due)
    return out


def _leavers(at: AtReferenceDates) -> dict[str, tuple]:
    oc3 = at.model.tables.get("oc3")
    rows, ref, age = leavers.cohort(oc3, at.values)
    flag = (
        leavers.flags(oc3) if len(rows) else {m: np.zeros(0, dtype=bool) for m in LEAVER_MEASURES}
    )
    out = {}
    for m in LEAVER_MEASURES:
        hit = flag[m][rows] if len(rows) else np.zeros(0, dtype=bool)
        for split, (low, high) in [(None, leavers.RULES["ages"]), *SPLITS.items()]:
            band = (age >= low) & (age <= high)
            d = at.count(ref[band])
            n = at.count(ref[band & hit])
            out[f"care_leavers_{m}_pct{'' if split is None else '_' + split}"] = (pct(n, d), n, d)
    return out


def _social_workers(at: AtReferenceDates) -> dict[str, tuple]:
    sw = at.model.tables.get("sw_episodes")
    if sw is None or sw.empty:
        return {
            "sw_changes_3plus_pct": (at.none, at.none, at.cla),
            "children_per_sw": (at.none,) * 3,
        }
    la = at.looked_after
    code = keys.positions(sw["CHILD"], at.model.care.children)
    start = sw["SW_DECOM"].to_numpy(dtype=dates.NS)
    end = sw["SW_DEC"].to_numpy(dtype=dates.NS)
    pos, rows = dates.overlapping_year(start, end, at.refs)
    year = pd.DataFrame(
        {"child": code[rows], "ref": pos, "sw": sw["SW_ID"].astype("str").array[rows].to_numpy()}
    )
    workers = year.drop_duplicates().groupby(["child", "ref"]).size()
    la_pairs = pd.MultiIndex.from_arrays([la.child, la.ref])
    n_sw = workers.reindex(la_pairs, fill_value=0).to_numpy()
    three = at.count(la.ref[n_sw >= 3])
    rows_now, ref_now = dates.active_at(start, end + np.timedelta64(1, "D"), at.values)
    now = pd.DataFrame(
        {
            "child": code[rows_now],
            "ref": ref_now,
            "sw": sw["SW_ID"].astype("str").array[rows_now].to_numpy(),
        }
    )
    now = now.merge(pd.DataFrame({"child": la.child, "ref": la.ref}), on=["child", "ref"])
    children = at.count(now.drop_duplicates(["child", "ref"])["ref"].to_numpy())
    workers_now = at.count(now.drop_duplicates(["sw", "ref"])["ref"].to_numpy())
    return {
        "sw_changes_3plus_pct": (pct(three, at.cla), three, at.cla),
        "children_per_sw": (rate(children, workers_now), children, workers_now),
    }


def _dolo(at: AtReferenceDates) -> dict[str, tuple]:
    dolo = at.model.tables.get("dolo")
    if dolo is None or dolo.empty:
        return {"dolo_count": (np.zeros(at.n), np.zeros(at.n), at.cla)}
    la = at.looked_after
    code = keys.positions(dolo["CHILD"], at.model.care.children)
    start = dolo["DOLO_START"].to_numpy(dtype=dates.NS)
    end = dolo["DOLO_END"].to_numpy(dtype=dates.NS) + np.timedelta64(1, "D")
    rows, ref = dates.active_at(start, end, at.values)
    on = pd.DataFrame({"child": code[rows], "ref": ref}).drop_duplicates()
    on = on.merge(pd.DataFrame({"child": la.child, "ref": la.ref}), on=["child", "ref"])
    n = at.count(on["ref"].to_numpy())
    return {"dolo_count": (n, n, at.cla)}


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    out = _health(at)
    out.update(_leavers(at))
    out.update(_social_workers(at))
    out.update(_dolo(at))
    return out
