"""The vectorised simulation of the synthetic LA's children, with integer day (and minute) numbers.

Vectorised over children: numpy arrays step through events round by round, never a Python loop
per child. Periods of care and their placements (_simulate_periods), short breaks, then missing /
away incidents, SDQ assessments, reviews, each child's header attributes, social worker
allocations (_social_workers, from 2023-24) and deprivation of liberty orders (_dolo); the rates
and mixes are in calibration.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.synth.calibration import (
    ADOPT_BY_FOSTER_CARERS_P,
    ADOPT_DECISION_BEFORE_ORDER_DAYS,
    ADOPT_MATCH_BEFORE_PLACEMENT_DAYS,
    ADOPT_MATCH_FIRST_P,
    ADOPT_ORDER_AFTER_C2_DAYS,
    ADOPT_PLACEMENT_AFTER_ORDER_DAYS,
    ADOPTERS_LS_COUPLE,
    ADOPTERS_SEX,
    ADOPTION_ORDER_AFTER_PLACEMENT_DAYS,
    AGE_BANDS,
    ARRIVALS_PER_MONTH,
    AWAY_SHARE,
    BREAKDOWN_BASE,
    BREAKDOWN_REASONS,
    CIN_MIX,
    DOLO_MEDIAN_DAYS,
    DOLO_MIN_AGE,
    DOLO_MIN_DAYS,
    DOLO_P,
    ETHNIC_MIX,
    EXIT_MIX,
    FIRST_PLACEMENT_DAYS,
    FIRST_PLACEMENT_MOVE_HAZARD,
    GROUP_OF,
    HEALTH_IHA_LATE_DAYS,
    HEALTH_IHA_ON_TIME_P,
    HEALTH_IHA_P,
    HEALTH_INTERVAL_DAYS,
    HEALTH_YEARLY_P,
    K3_FROM,
    LEGAL_WITH_MOVE_DAYS,
    LONG_STAY_MEDIAN_DAYS,
    MISSING_AFTER_MOVE_DAYS,
    MISSING_AFTER_MOVE_RATIO,
    MISSING_BASE_RATE,
    MISSING_LOG_RATE_PER_POINT,
    MISSING_PLACE_RATIO,
    MISSING_PROPENSITY_CAP,
    MISSING_PROPENSITY_SHAPE,
    OLDER_ENTRANT_HAZARD_RATIO,
    PLACE_MIX,
    PLACEMENT_AGE_HAZARD_RATIO,
    PLANNED_MOVE_BASE,
    PLANNED_REASONS,
    PROVIDER_MIX,
    REENTRY_P,
    REGISTERED_FROM,
    REVIEW_EARLY_DAYS,
    REVIEW_LATE_DAYS,
    REVIEW_LATE_P,
    REVIEW_MIX,
    RHI_ACCEPTED_P,
    RHI_OFFERED_P,
    ROUTE_MIX,
    ROUTES,
    SAME_CARER_HAZARD,
    SDQ_LATENT_MEAN,
    SDQ_LATENT_SD,
    SDQ_LOG_HAZARD_PER_POINT,
    SDQ_NO_SCORE_P,
    SDQ_NOISE_SD,
    SDQ_REASON_MIX,
    SEX_UNKNOWN_P,
    SHORT_BREAK_CHILDREN_PER_MONTH,
    SIXTEEN_PLUS_MOVE_HAZARD,
    SW_CHANGE_REASONS,
    SW_CHILD_CHANGE_RATE,
    SW_EPISODES_FROM,
    SW_MIN_DAYS,
    SW_SLOTS_PER_SCALE,
    SW_TENURE_YEARS,
    SW_TRANSFER_P,
    TEMP_HAZARD,
    UASC_MALE_P,
    UASC_P_BY_AGE,
)

EPOCH = pd.Timestamp("1970-01-01")
NO_DATE = np.iinfo(np.int64).max // 4


# ---------------------------------------------------------------------------------------------
# helpers


def _choice(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    """n draws of the keys of `mix` (as an object array), with the given weights."""
    keys = np.array(list(mix), dtype=object)
    w = np.array(list(mix.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=w / w.sum())]


def _age(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole-ish years (float) between two day numbers."""
    return (day - dob) / 365.25


def _birthday(dob: np.ndarray, years: int) -> np.ndarray:
    """Day numbers of the `years`-th birthdays (calendar years; 29 February -> 28 February)."""
    d = pd.DatetimeIndex(pd.to_datetime(np.asarray(dob, dtype=np.int64), unit="D"))
    return ((d + pd.DateOffset(years=years)) - EPOCH).days.to_numpy().astype(np.int64)


def _exit_from(exit_rec: np.ndarray, place: np.ndarray) -> np.ndarray:
    """The exit code a period can end with from its last placement: adoption (E11/E12) only from
    an adoptive placement (A3-A6), else a child arrangements order (E41); a special guardianship
    order to former foster carers (E45/E46) only from foster care (U1-U6), else to others (E47/E48).
    """
    out = np.asarray(exit_rec, dtype=object).copy()
    place = np.asarray(place, dtype=object)
    adoptive = np.isin(place, ["A3", "A4", "A5", "A6"])
    foster = np.isin(place, ["U1", "U2", "U3", "U4", "U5", "U6"])
    out[np.isin(out, ["E11", "E12"]) & ~adoptive] = "E41"
    out[(out == "E45") & ~foster] = "E47"
    out[(out == "E46") & ~foster] = "E48"
    return out


def _year_of(day: np.ndarray) -> np.ndarray:
    """Collection year (April-March, as its starting calendar year) of day numbers."""
    d = pd.to_datetime(np.asarray(day), unit="D")
    return (d.year - (d.month < 4)).to_numpy()


def _valid_place(place: np.ndarray, day: np.ndarray) -> np.ndarray:
    """PLACE codes made valid for the day (H5/P2 -> K3 from 2024-25, K3 -> H5 before; no new P2
    from 28 October 2023)."""
    year = _year_of(day)
    valid_k3 = "K3" in codes.codes("PLACE", 2024)
    out = place.copy()
    late = year >= 2024
    out[late & np.isin(out, ["H5", "P2"])] = "K3" if valid_k3 else "H5"
    out[~late & (out == "K3")] = "H5"
    out[(np.asarray(day) >= REGISTERED_FROM) & (out == "P2")] = "H5"
    return out


def _draw_place(rng: np.random.Generator, age: np.ndarray, day: np.ndarray) -> np.ndarray:
    """New placements drawn from PLACE_MIX by age band, made valid for the day."""
    out = np.empty(len(age), dtype=object)
    bands = np.select([age < 1, age < 10, age < 16], ["under1", "1-9", "10-15"], "16-17")
    for band, mix in PLACE_MIX.items():
        sel = np.flatnonzero(bands == band)
        out[sel] = _choice(rng, mix, len(sel))
    return _valid_place(out, day)


def _group(place: np.ndarray) -> np.ndarray:
    """The placement group (GROUP_OF) of each PLACE code."""
    return np.array([GROUP_OF[p] for p in place], dtype=object) if len(place) else place


def _lookup(mapping: dict[str, float], keys: np.ndarray) -> np.ndarray:
    """The value of `mapping` for each key, as floats."""
    return np.array([mapping[k] for k in keys], dtype=float) if len(keys) else np.zeros(0)


# ---------------------------------------------------------------------------------------------
# simulation


class _Episodes:
    """Column lists of emitted episodes (concatenated at the end)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, **cols: np.ndarray) -> None:
        self.parts.append(cols)

    def frame(self) -> pd.DataFrame:
        keys = self.parts[0].keys()
        return pd.DataFrame({k: np.concatenate([p[k] for p in self.parts]) for k in keys})


def _provider(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """PLACE_PROVIDER codes drawn from PROVIDER_MIX by placement group."""
    out = np.empty(len(place), dtype=object)
    groups = _group(place)
    for g, mix in PROVIDER_MIX.items():
        sel = np.flatnonzero(groups == g)
        out[sel] = _choice(rng, mix, len(sel))
    return out


def _simulate_periods(
    rng: np.random.Generator,
    child: np.ndarray,
    start: np.ndarray,
    dob: np.ndarray,
    latent: np.ndarray,
    cin: np.ndarray,
    horizon: int,
    out: _Episodes,
    counter: list[int],
    sdq_effect: float = SDQ_LOG_HAZARD_PER_POINT,
    uasc: np.ndarray | None = None,
) -> pd.DataFrame:
    """Simulate one period of care for each child from `start`; emit episodes into `out`.
    `sdq_effect`: the log breakdown hazard per point of latent SDQ score (0: none). `uasc`:
    unaccompanied asylum-seeking children, who stay (route "long", to 18 mostly) accommodated
    under s20 (V2, never placed with parents); the same draws are made either way.

    Returns per period: child, end day (NO_DATE when still open at the horizon) and exit code.
    """
    n = len(child)
    age0 = _age(dob, start)
    band = np.searchsorted([1, 5, 10, 16], age0, side="right")
    route = np.empty(n, dtype=object)
    for b in range(5):
        sel = np.flatnonzero(band == b)
        route[sel] = np.array(ROUTES, dtype=object)[
            rng.choice(len(ROUTES), size=len(sel), p=ROUTE_MIX[b])
        ]
    if uasc is not None:
        route = np.where(uasc, "long", route).astype(object)
    eighteen = _birthday(dob, 18)
    dur = np.select(
        [route == "home", route == "sgo", route == "other", route == "remand"],
        [
            rng.lognormal(np.log(60), 1.3, n),
            rng.lognormal(np.log(600), 0.4, n),
            rng.lognormal(np.log(300), 1.0, n),
            rng.lognormal(np.log(40), 0.8, n),
        ],
        default=rng.lognormal(np.log(LONG_STAY_MEDIAN_DAYS), 0.6, n),
    )
    period_end = start + np.maximum(np.ceil(dur), 1).astype(np.int64)
    # legal status: initial + schedule of up to 4 changes
    u = rng.random(n)
    ls = np.where(age0 >= 10, np.where(u < 0.55, "V2", "C1"), np.where(u < 0.3, "V2", "C1"))
    ls = np.where(route == "adopt", "C1", ls)
    ls = np.where(rng.random(n) < 0.07, np.where(rng.random(n) < 0.5, "L1", "L2"), ls)
    ls = np.where(route == "remand", "J1", ls).astype(object)
    if uasc is not None:
        ls = np.where(uasc, "V2", ls).astype(object)
    sched_day = np.full((n, 4), NO_DATE, dtype=np.int64)
    sched_ls = np.full((n, 4), "", dtype=object)
    k = np.zeros(n, dtype=int)
    t = start.copy()
    cur = ls.copy()
    emergency = np.isin(cur, ["L1", "L2"])
    # police protection (L1) lasts at most 72 hours, an emergency protection order (L2) a week
    wait = rng.integers(1, 8, n)
    t = np.where(emergency, t + np.where(cur == "L1", 1 + (wait - 1) % 3, wait), t)
    nxt = np.where((route == "adopt") | (rng.random(n) < 0.5), "C1", "V2")
    idx = np.flatnonzero(emergency)
    sched_day[idx, 0], sched_ls[idx, 0] = t[idx], nxt[idx]
    k[idx] = 1
    cur = np.where(emergency, nxt, cur)
    to_c1 = (cur == "V2") & (age0 < 10) & (rng.random(n) < 0.25)
    t = np.where(to_c1, t + rng.integers(30, 200, n), t)
    idx = np.flatnonzero(to_c1)
    sched_day[idx, k[idx]], sched_ls[idx, k[idx]] = t[idx], "C1"
    k[idx] += 1
    cur = np.where(to_c1, "C1", cur)
    to_c2 = cur == "C1"
    t = np.where(to_c2, t + rng.integers(150, 330, n), t)
    idx = np.flatnonzero(to_c2)
    sched_day[idx, k[idx]], sched_ls[idx, k[idx]] = t[idx], "C2"
    k[idx] += 1
    adopt = route == "adopt"
    t = np.where(adopt, t + rng.integers(*ADOPT_ORDER_AFTER_C2_DAYS, n), t)
    idx = np.flatnonzero(adopt)
    sched_day[idx, k[idx]], sched_ls[idx, k[idx]] = t[idx], "E1"
    adopt_day = np.where(adopt, t + rng.integers(*ADOPT_PLACEMENT_AFTER_ORDER_DAYS, n), NO_DATE)
    period_end = np.where(
        adopt, adopt_day + rng.integers(*ADOPTION_ORDER_AFTER_PLACEMENT_DAYS, n), period_end
    )
    capped = period_end >= eighteen
    period_end = np.minimum(period_end, eighteen)
    exit_rec = np.empty(n, dtype=object)
    for r, mix in EXIT_MIX.items():
        sel = np.flatnonzero(np.where(capped, "at18", route) == r)
        exit_rec[sel] = _choice(rng, mix, len(sel))

    # state of the current episode; a child accommodated under s20 (V2) at any time in the period
    # is never placed with parents (P1), which needs a care order
    v2_path = (ls == "V2") | (sched_ls == "V2").any(axis=1)
    place = _draw_place(rng, age0, start)
    place = np.where((place == "P1") & v2_path, "U6", place).astype(object)
    state = {
        "child": child,
        "dob": dob,
        "latent": latent,
        "cin": cin,
        "old": age0 >= 11,
        "v2_path": v2_path,
        "period_end": period_end,
        "exit": exit_rec,
        "adopt_day": adopt_day,
        "sched_day": sched_day,
        "sched_ls": sched_ls,
        "k": np.zeros(n, dtype=int),
        "decom": start.copy(),
        "now": start.copy(),
        "rne": np.full(n, "S", dtype=object),
        "ls": ls,
        "place": place,
        "provider": _provider(rng, place),
        "post": np.arange(counter[0], counter[0] + n),
        "urn": np.arange(counter[0], counter[0] + n),
        "home": child.copy(),
        "pl_start": start.copy(),
        "first": np.ones(n, dtype=bool),
        "temp_end": np.full(n, NO_DATE),
        "saved_place": place.copy(),
        "saved_provider": np.full(n, "", dtype=object),
        "saved_post": np.zeros(n, dtype=np.int64),
        "saved_urn": np.zeros(n, dtype=np.int64),
    }
    counter[0] += n
    state["post"] = np.where(place == "P1", -state["home"], state["post"])
    ends = []
    while len(state["child"]):
        s = state
        m = len(s["child"])
        in_temp = s["temp_end"] < NO_DATE
        age = _age(s["dob"], s["now"])
        grp = _group(s["place"])
        h_break = (
            _lookup(BREAKDOWN_BASE, grp)
            * np.exp(sdq_effect * (s["latent"] - SDQ_LATENT_MEAN))
            * np.where(s["old"], OLDER_ENTRANT_HAZARD_RATIO, 1.0)
        )
        h_move = _lookup(PLANNED_MOVE_BASE, grp)
        h_move = np.where((age >= 16) & (grp != "indep"), h_move + SIXTEEN_PLUS_MOVE_HAZARD, h_move)
        h_temp = np.where(grp == "foster", TEMP_HAZARD, 0.0)
        same_ok = np.isin(s["place"], ["U6", "U3", "K2"])
        h_same = np.where(same_ok, np.where(s["place"] == "K2", 0.05, SAME_CARER_HAZARD), 0.0)
        rates = np.stack([h_break, h_move, h_temp, h_same], axis=1) / 365.25
        e = rng.exponential(1.0, (m, 4))
        draws = np.where(rates > 0, e / np.maximum(rates, 1e-12), np.inf)
        placement_age = (s["now"] - s["pl_start"]).astype(float)
        for col in (0, 1):
            draws[:, col] = _settling_wait(e[:, col], rates[:, col], placement_age)
        # emergency first placements: extra planned-move hazard within FIRST_PLACEMENT_DAYS
        first_move = s["now"] + np.ceil(rng.exponential(365.25 / FIRST_PLACEMENT_MOVE_HAZARD, m))
        first_ok = s["first"] & (first_move <= s["pl_start"] + FIRST_PLACEMENT_DAYS)
        draws[:, 1] = np.where(
            first_ok, np.minimum(draws[:, 1], first_move - s["now"]), draws[:, 1]
        )
        sched = s["sched_day"][np.arange(m), np.minimum(s["k"], 3)]
        sched = np.where(s["k"] > 3, NO_DATE, sched)
        cand = np.column_stack(
            [
                s["period_end"].astype(float),
                np.full(m, horizon + 1.0),
                sched.astype(float),
                s["adopt_day"].astype(float),
                s["now"][:, None] + np.ceil(draws),
            ]
        )  # 0 end, 1 horizon, 2 legal, 3 adoption placement, 4 break, 5 move, 6 temp, 7 same
        cand[in_temp] = np.inf
        cand[in_temp, 1] = horizon + 1.0
        event = np.argmin(cand, axis=1)
        when = np.maximum(cand[np.arange(m), event], s["decom"] + 1)
        when = np.where(in_temp, s["temp_end"], when)
        event = np.where(in_temp & (s["temp_end"] <= horizon), 8, event)
        event = np.where(when > horizon, 1, event)
        when = when.astype(np.int64)
        # a temporary placement that would not end a day before the period: no event, move on
        temp_len = rng.integers(2, 22, m)
        void = (event == 6) & (when + temp_len >= s["period_end"] - 1)
        emit = ~void
        rec = np.where(
            event == 0, _exit_from(s["exit"], s["place"]), np.where(event == 1, "", "X1")
        )
        reason = np.full(m, "", dtype=object)
        brk = np.flatnonzero(event == 4)
        reason[brk] = _choice(rng, BREAKDOWN_REASONS, len(brk))
        mv = np.flatnonzero(event == 5)
        reason[mv] = _choice(rng, PLANNED_REASONS, len(mv))
        adopt_same = (event == 3) & (grp == "foster") & (rng.random(m) < ADOPT_BY_FOSTER_CARERS_P)
        adopt_new = (event == 3) & ~adopt_same
        reason[(event == 7) | adopt_same] = "PLACE"
        reason[adopt_new] = "CARPL"
        e = np.flatnonzero(emit)
        out.add(
            CHILD=s["child"][e],
            DECOM=s["decom"][e],
            DEC=np.where(event[e] == 1, -1, when[e]),
            RNE=s["rne"][e],
            LS=s["ls"][e],
            CIN=s["cin"][e],
            PLACE=s["place"][e],
            PLACE_PROVIDER=s["provider"][e],
            REC=rec[e],
            REASON_PLACE_CHANGE=reason[e],
            HOME_POST=s["home"][e],
            PL_POST=s["post"][e],
            URN=s["urn"][e],
            PL_START=s["pl_start"][e],
        )
        done = (event == 0) | (event == 1)
        ends.append(
            pd.DataFrame(
                {
                    "child": s["child"][done],
                    "end": np.where(event[done] == 0, when[done], NO_DATE),
                    "rec": rec[done],
                    "start_dob": s["dob"][done],
                }
            )
        )
        # next episode state
        new = {k: v.copy() for k, v in s.items()}
        new["now"] = when
        new["decom"] = np.where(emit, when, s["decom"])
        new["temp_end"] = np.where(event == 8, NO_DATE, s["temp_end"])
        # legal change (a move within LEGAL_WITH_MOVE_DAYS of a due change takes it too: RNE B)
        moving = (event == 4) | (event == 5)
        with_move = moving & (sched <= when + LEGAL_WITH_MOVE_DAYS) & (s["k"] <= 3)
        lg = (event == 2) | with_move
        new["ls"] = np.where(lg, sched_ls_at(s), s["ls"])
        new["k"] = s["k"] + lg
        new["rne"] = np.where(emit, "L", s["rne"])
        # new placement (break, move, adoption A6)
        new_place = _draw_place(rng, age, when)
        teen_k2 = (event == 4) & (age >= 10) & (rng.random(m) < 0.3)
        new_place = np.where(teen_k2, "K2", new_place)
        to_indep = (event == 5) & (age >= 16) & (grp != "indep") & (rng.random(m) < 0.7)
        new_place = np.where(
            to_indep, _valid_place(np.full(m, "H5", dtype=object), when), new_place
        )
        new_place = np.where(adopt_new, "A6", np.where(adopt_same, "A5", new_place))
        # no P1 under s20 (V2), and a move from parents is never to parents again
        no_p1 = (new_place == "P1") & (s["v2_path"] | (s["place"] == "P1"))
        new_place = np.where(no_p1, "U6", new_place)
        fresh = moving | adopt_new
        ids = np.arange(counter[0], counter[0] + m)
        counter[0] += m
        same = event == 7
        to_long = np.where(s["place"] == "U6", "U4", np.where(s["place"] == "U3", "U1", s["place"]))
        place_next = np.where(fresh | adopt_same, new_place, np.where(same, to_long, s["place"]))
        new["place"] = place_next
        new["provider"] = np.where(fresh, _provider(rng, place_next), s["provider"])
        new["post"] = np.where(fresh, np.where(place_next == "P1", -s["home"], ids), s["post"])
        new["urn"] = np.where(fresh | (same & (s["place"] == "K2")), ids, s["urn"])
        new["pl_start"] = np.where(fresh, when, s["pl_start"])
        new["first"] = s["first"] & ~fresh
        new["rne"] = np.where(
            fresh, np.where(with_move, "B", "P"), np.where(same | adopt_same, "T", new["rne"])
        )
        new["adopt_day"] = np.where(event == 3, NO_DATE, s["adopt_day"])
        # temporary placement and return
        tmp = (event == 6) & emit
        new["saved_place"] = np.where(tmp, s["place"], s["saved_place"])
        new["saved_provider"] = np.where(tmp, s["provider"], s["saved_provider"])
        new["saved_post"] = np.where(tmp, s["post"], s["saved_post"])
        new["saved_urn"] = np.where(tmp, s["urn"], s["saved_urn"])
        new["temp_end"] = np.where(tmp, when + temp_len, new["temp_end"])
        tcode = np.array(["T0", "T1", "T2", "T3", "T4"], dtype=object)[rng.integers(0, 5, m)]
        new["place"] = np.where(tmp, tcode, new["place"])
        new["provider"] = np.where(tmp, "", new["provider"])  # no provider for T0-T4
        new["post"] = np.where(tmp, ids, new["post"])
        new["urn"] = np.where(tmp, ids, new["urn"])
        # a temporary placement for an unspecified reason (T4) lasts at most 7 days
        short = tmp & (tcode == "T4")
        new["temp_end"] = np.where(short, when + 2 + (temp_len - 2) % 6, new["temp_end"])
        new["rne"] = np.where(tmp, "P", new["rne"])
        back = event == 8
        new["place"] = np.where(back, s["saved_place"], new["place"])
        new["provider"] = np.where(back, s["saved_provider"], new["provider"])
        new["post"] = np.where(back, s["saved_post"], new["post"])
        new["urn"] = np.where(back, s["saved_urn"], new["urn"])
        new["rne"] = np.where(back, "P", new["rne"])
        keep = ~done
        state = {k: v[keep] for k, v in new.items()}
    return pd.concat(ends, ignore_index=True)


def _split_for_code_changes(episodes: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Episodes open across a change of the placement codes end that day (X1, reason PLACE: change
    of placement status only) and go on in a new episode (RNE T: same carer, new status):
    on 28 October 2023 P2 becomes H5 and H5 registered supported accommodation (its URN shows
    from then on, see _urn); on 1 April 2024 H5 becomes K3 (same URN)."""
    changes = [(REGISTERED_FROM, ["P2", "H5"], "H5")]
    if "K3" in codes.codes("PLACE", 2024):
        changes.append((K3_FROM, ["H5"], "K3"))
    for day, old, new in changes:
        if horizon < day:
            break
        dec = episodes["DEC"].to_numpy()
        cross = (
            episodes["PLACE"].isin(old).to_numpy()
            & (episodes["DECOM"].to_numpy() < day)
            & ((dec < 0) | (dec > day))
        )
        if not cross.any():
            continue
        after = episodes[cross].copy()
        after["DECOM"] = day
        after["RNE"] = "T"
        after["PLACE"] = new
        episodes = episodes.copy()
        episodes.loc[cross, "DEC"] = day
        episodes.loc[cross, "REC"] = "X1"
        episodes.loc[cross, "REASON_PLACE_CHANGE"] = "PLACE"
        episodes = pd.concat([episodes, after], ignore_index=True)
        episodes = episodes.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    return episodes


def _settling_wait(e: np.ndarray, rate: np.ndarray, placement_age: np.ndarray) -> np.ndarray:
    """Days until an event with unit-exponential `e` under a hazard `rate` per day scaled by
    PLACEMENT_AGE_HAZARD_RATIO in a placement's 1st, 2nd and later years (inverse cumulative hazard).
    """
    wait = np.full(len(e), np.inf)
    remaining = e.astype(float).copy()
    t = placement_age.astype(float).copy()
    elapsed = np.zeros(len(e))
    for edge, ratio in zip((365.0, 730.0, np.inf), PLACEMENT_AGE_HAZARD_RATIO, strict=True):
        r = rate * ratio
        active = (t < edge) & np.isinf(wait)
        seg = np.where(active, edge - t, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.where(r > 0, remaining / np.where(r > 0, r, 1.0), np.inf)
        hit = active & (need <= seg)
        wait = np.where(hit, elapsed + need, wait)
        go_on = active & ~hit & np.isfinite(seg)
        remaining = np.where(go_on, remaining - r * np.where(go_on, seg, 0.0), remaining)
        elapsed = np.where(go_on, elapsed + seg, elapsed)
        t = np.where(go_on, edge, t)
    return wait


def sched_ls_at(s: dict) -> np.ndarray:
    """The next scheduled legal status of each active period."""
    m = len(s["child"])
    return s["sched_ls"][np.arange(m), np.minimum(s["k"], 3)]


def _short_breaks(rng, start, dob, child, horizon, out: _Episodes, counter):
    """Disabled children with a series of short breaks: each break its own RNE S, LS V3 period."""
    n_children = len(start)
    stop = np.minimum(start + rng.integers(365, 4 * 365, n_children), dob + 18 * 365 - 5)
    n_breaks = np.maximum((stop - start) // 30, 1)
    owner = np.repeat(np.arange(n_children), n_breaks)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(n_breaks) - n_breaks, n_breaks)
    decom = start[owner] + 30 * j + rng.integers(0, 10, len(owner))
    dec = decom + rng.integers(1, 4, len(owner))
    keep = decom <= horizon
    owner, decom, dec = owner[keep], decom[keep], dec[keep]
    place = np.where(rng.random(n_children) < 0.5, "K2", "U6").astype(object)[owner]
    ids = np.arange(counter[0], counter[0] + n_children)[owner]
    counter[0] += n_children
    open_ = dec > horizon
    out.add(
        CHILD=child[owner],
        DECOM=decom,
        DEC=np.where(open_, -1, dec),
        RNE=np.full(len(owner), "S", dtype=object),
        LS=np.full(len(owner), "V3", dtype=object),
        CIN=np.full(len(owner), "N2", dtype=object),
        PLACE=place,
        PLACE_PROVIDER=np.full(len(owner), "PR1", dtype=object),
        REC=np.where(open_, "", "E4A").astype(object),
        REASON_PLACE_CHANGE=np.full(len(owner), "", dtype=object),
        HOME_POST=child[owner],
        PL_POST=ids,
        URN=ids,
        PL_START=decom,
    )


def _simulate(
    seed: int,
    history: int,
    horizon: int,
    scale: float,
    progress: bool,
    sdq_effect: float = SDQ_LOG_HAZARD_PER_POINT,
):
    """The whole truth: children, episodes, periods, with integer day numbers."""
    rng = np.random.default_rng([seed, 0])
    months = pd.period_range(
        pd.Timestamp(history, unit="D"), pd.Timestamp(horizon, unit="D"), freq="M"
    )
    first = np.array([(m.start_time - EPOCH).days for m in months], dtype=np.int64)
    length = np.array([m.days_in_month for m in months], dtype=np.int64)
    n_month = rng.poisson(ARRIVALS_PER_MONTH * scale, len(months))
    mon = np.repeat(np.arange(len(months)), n_month)
    start = first[mon] + rng.integers(0, 10**9, len(mon)) % length[mon]
    start = np.minimum(start, horizon)
    n = len(start)
    band = rng.choice(len(AGE_BANDS), size=n, p=[b[2] for b in AGE_BANDS])
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    age_days = (lo * 365.25 + rng.random(n) * (hi - lo) * 365.25 - 1).astype(np.int64)
    newborn = (band == 0) & (rng.random(n) < 0.4)
    age_days = np.where(newborn, rng.integers(0, 14, n), np.maximum(age_days, 0))
    dob = start - age_days
    n_sb = rng.poisson(SHORT_BREAK_CHILDREN_PER_MONTH * scale * len(months))
    # child ids: in order of first arrival (short-break children interleaved)
    sb_rng = np.random.default_rng([seed, 1])
    sb_start = sb_rng.integers(history, horizon + 1, n_sb)
    sb_dob = sb_start - sb_rng.integers(5 * 365, 15 * 365, n_sb)
    order = np.argsort(np.concatenate([start, sb_start]), kind="stable")
    ids = np.empty(n + n_sb, dtype=np.int64)
    ids[order] = 100001 + np.arange(n + n_sb)
    child, sb_child = ids[:n], ids[n:]
    latent = rng.normal(SDQ_LATENT_MEAN, SDQ_LATENT_SD, n)
    cin = _choice(rng, CIN_MIX, n)
    out = _Episodes()
    counter = [1]
    periods = []
    # unaccompanied asylum-seeking children: first entrants aged 14-17 (UASC_P_BY_AGE), drawn
    # from their own stream so the rest of the simulation's draws are unchanged; CIN N8
    age_in = (start - dob) / 365.25
    u_rng = np.random.default_rng([seed, 15])
    p_uasc = np.select(
        [age_in < 14, age_in < 15, age_in < 16, age_in < 17.5],
        [0.0, UASC_P_BY_AGE["14"], UASC_P_BY_AGE["15"], UASC_P_BY_AGE["16-17"]],
        0.0,
    )
    uasc = u_rng.random(n) < p_uasc
    cin = np.where(uasc, "N8", cin).astype(object)
    batch = pd.DataFrame(
        {"child": child, "start": start, "dob": dob, "latent": latent, "cin": cin, "uasc": uasc}
    )
    for round_ in range(4):
        if batch.empty:
            break
        ends = _simulate_periods(
            np.random.default_rng([seed, 2, round_]),
            batch["child"].to_numpy(),
            batch["start"].to_numpy(),
            batch["dob"].to_numpy(),
            batch["latent"].to_numpy(),
            batch["cin"].to_numpy(dtype=object),
            horizon,
            out,
            counter,
            sdq_effect,
            batch["uasc"].to_numpy(dtype=bool),
        )
        per = batch[["child", "start"]].merge(ends[["child", "end", "rec"]], on="child")
        periods.append(per)
        r = np.random.default_rng([seed, 3, round_])
        back = per.merge(batch[["child", "dob", "latent", "cin"]], on="child")
        gap = r.lognormal(np.log(400), 0.8, len(back)).astype(np.int64) + 30
        back = back.assign(start=back["end"] + gap)
        eligible = (
            back["rec"].isin(["E4A", "E4B", "E13", "E41", "E8"]).to_numpy()
            & (r.random(len(back)) < REENTRY_P)
            & (back["end"] < NO_DATE).to_numpy()
            & (back["start"] <= horizon).to_numpy()
            & ((back["start"] - back["dob"]) < 17.5 * 365.25).to_numpy()
        )
        batch = back.loc[eligible, ["child", "start", "dob", "latent", "cin"]].assign(uasc=False)
        batch = batch.reset_index(drop=True)
    _short_breaks(sb_rng, sb_start, sb_dob, sb_child, horizon, out, counter)
    episodes = out.frame().sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    # placements carried across 1 April 2024 into new episodes take the year's code (H5/P2 -> K3)
    episodes["PLACE"] = _valid_place(
        episodes["PLACE"].to_numpy(dtype=object), episodes["DECOM"].to_numpy()
    )
    episodes = _split_for_code_changes(episodes, horizon)
    periods = pd.concat(periods, ignore_index=True)
    kids = pd.DataFrame(
        {
            "CHILD": np.concatenate([child, sb_child]),
            "DOB": np.concatenate([dob, sb_dob]),
            "latent": np.concatenate([latent, sb_rng.normal(SDQ_LATENT_MEAN, SDQ_LATENT_SD, n_sb)]),
            "short_breaks": np.concatenate([np.zeros(n, bool), np.ones(n_sb, bool)]),
            "uasc": np.concatenate([uasc, np.zeros(n_sb, bool)]),
        }
    ).sort_values("CHILD", ignore_index=True)
    return kids, episodes, periods


def _missing(rng, episodes: pd.DataFrame, kids: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Missing / away incidents as a Poisson process over each child's episodes (minutes)."""
    ep = episodes[episodes["LS"] != "V3"]
    kid = kids.set_index("CHILD")
    dob = kid["DOB"].reindex(ep["CHILD"]).to_numpy()
    latent = kid["latent"].reindex(ep["CHILD"]).to_numpy()
    propensity = (
        pd.Series(
            np.minimum(
                rng.gamma(MISSING_PROPENSITY_SHAPE, 1 / MISSING_PROPENSITY_SHAPE, len(kid)),
                MISSING_PROPENSITY_CAP,
            ),
            kid.index,
        )
        .reindex(ep["CHILD"])
        .to_numpy()
    )
    d0 = ep["DECOM"].to_numpy()
    d1 = np.where(ep["DEC"].to_numpy() < 0, horizon + 1, ep["DEC"].to_numpy())
    age = _age(dob, (d0 + d1) / 2)
    base = np.select(
        [age < 10, age < 12],
        [MISSING_BASE_RATE["under10"], MISSING_BASE_RATE["10-11"]],
        MISSING_BASE_RATE["12-17"],
    )
    rate = (
        base
        * _lookup(MISSING_PLACE_RATIO, _group(ep["PLACE"].to_numpy(dtype=object)))
        * propensity
        * np.exp(MISSING_LOG_RATE_PER_POINT * (latent - SDQ_LATENT_MEAN))
    )
    boost_end = np.minimum(d1, ep["PL_START"].to_numpy() + MISSING_AFTER_MOVE_DAYS)
    boost = np.maximum(boost_end - d0, 0)
    eff = (d1 - d0) + (MISSING_AFTER_MOVE_RATIO - 1) * boost
    count = rng.poisson(rate * eff / 365.25)
    row = np.repeat(np.arange(len(ep)), count)
    u = rng.random(len(row)) * eff[row]
    in_boost = u < MISSING_AFTER_MOVE_RATIO * boost[row]
    day = np.where(
        in_boost,
        d0[row] + u / MISSING_AFTER_MOVE_RATIO,
        d0[row] + boost[row] + (u - MISSING_AFTER_MOVE_RATIO * boost[row]),
    )
    day = np.minimum(np.floor(day).astype(np.int64), d1[row] - 1)
    hour = np.mod(np.round(rng.normal(19, 4, len(row))), 24)
    start = day * 1440 + hour.astype(np.int64) * 60 + 5 * rng.integers(0, 12, len(row))
    away = rng.random(len(row)) < AWAY_SHARE
    long_ = rng.random(len(row)) < 0.02
    hours = np.where(
        away,
        rng.lognormal(np.log(2.0), 0.7, len(row)),
        np.where(
            long_,
            rng.lognormal(np.log(14), 0.5, len(row)),
            rng.lognormal(np.log(2.7), 0.75, len(row)),
        ),
    )
    end = start + np.maximum(5 * np.round(hours * 12), 5).astype(np.int64)
    # a child is back before the placement (episode) ends: incidents that cannot be are dropped
    end = np.minimum(end, d1[row] * 1440 - 5)
    offered = rng.random(len(row)) < RHI_OFFERED_P
    accepted = offered & (rng.random(len(row)) < RHI_ACCEPTED_P)
    delay = rng.lognormal(np.log(55), 0.7, len(row)) * 60
    rhi = np.where(accepted, end + 5 * np.round(delay / 5).astype(np.int64), -1)
    frame = pd.DataFrame(
        {
            "CHILD": ep["CHILD"].to_numpy()[row],
            "DOB": dob[row],
            "MISSING": np.where(away, "A", "M"),
            "MIS_START": start,
            "MIS_END": end,
            "RHI_OFFERED": np.where(offered, "Y", "N"),
            "RHI_ACCEPTED": np.where(accepted, "Y", "N"),
            "RHI_DATE": rhi,
        }
    )
    frame = frame[frame["MIS_END"] > frame["MIS_START"]]
    frame = frame.drop_duplicates(["CHILD", "MIS_START"]).sort_values(["CHILD", "MIS_START"])
    # one incident at a time: drop any that starts before an earlier one of the child has ended
    latest_end = frame.groupby("CHILD")["MIS_END"].cummax()
    before = latest_end.groupby(frame["CHILD"]).shift()
    frame = frame[~(frame["MIS_START"] < before)]
    return frame.reset_index(drop=True)


def _repeat_dates(periods: pd.DataFrame, horizon: int, first: int, step: int, second: int = 0):
    """Per period: days start+first, (start+first+second), then every `step` days while in care.

    Returns the child and day of each date, and the end of its period (capped at `horizon`)."""
    end = np.minimum(periods["end"].to_numpy(), horizon)
    start = periods["start"].to_numpy()
    span = end - start
    later = np.where(span >= first + second, (span - first - second) // step + 1, 0)
    n = np.where(span >= first, later + (1 if second else 0), 0)
    row = np.repeat(np.arange(len(periods)), n)
    j = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    if second:
        day = start[row] + np.where(j == 0, first, first + second + step * (j - 1))
    else:
        day = start[row] + first + step * j
    return periods["child"].to_numpy()[row], day, end[row]


def _sdq(rng, periods, kids, horizon) -> pd.DataFrame:
    """Yearly SDQs from a year into each period, ages 4-16: latent score plus noise, or a reason."""
    child, day, _ = _repeat_dates(periods, horizon, 365, 365)
    day = day + rng.integers(-20, 21, len(day))
    kid = kids.set_index("CHILD")
    dob = kid["DOB"].reindex(child).to_numpy()
    age = _age(dob, day)
    keep = (age >= 4) & (age < 17) & (day <= horizon)
    child, day = child[keep], day[keep]
    latent = kid["latent"].reindex(child).to_numpy()
    score = np.clip(np.round(latent + rng.normal(0, SDQ_NOISE_SD, len(day))), 0, 40)
    no_score = rng.random(len(day)) < SDQ_NO_SCORE_P
    reason = _choice(rng, SDQ_REASON_MIX, len(day))
    frame = pd.DataFrame(
        {
            "CHILD": child,
            "SDQ_DATE": day,
            "SDQ_SCORE": np.where(no_score, "", score.astype(np.int64).astype(str)).astype(object),
            "SDQ_REASON": np.where(no_score, reason, ""),
        }
    )
    return frame.drop_duplicates(["CHILD", "SDQ_DATE"]).sort_values(["CHILD", "SDQ_DATE"])


def _bank_holidays() -> np.ndarray:
    """England (and Wales) bank holidays 1990-2040, as sorted datetime64[D] (the `holidays`
    package, as pipeline.model.workdays uses)."""
    import holidays

    days = holidays.country_holidays("GB", subdiv="ENG", years=range(1990, 2041))
    return np.array(sorted(days), dtype="datetime64[D]")


def _working_days_after(day: np.ndarray, n: int) -> np.ndarray:
    """The day numbers of the nth working day after each day (a weekend or bank holiday start
    rolls back to the working day before it), as the statutory review deadline counts them."""
    d = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    out = np.busday_offset(d, n, roll="backward", holidays=_bank_holidays())
    return out.astype(np.int64)


def _months_after(day: np.ndarray, months: int) -> np.ndarray:
    """The same day `months` calendar months later (end of month when the day does not exist)."""
    d = pd.DatetimeIndex(pd.to_datetime(np.asarray(day, dtype=np.int64), unit="D"))
    return ((d + pd.DateOffset(months=months)) - EPOCH).days.to_numpy().astype(np.int64)


def _review_codes(rng, age: np.ndarray) -> np.ndarray:
    """REVIEW_CODE by age at the review: PN0 under 4, else drawn from REVIEW_MIX's age band."""
    code = np.full(len(age), "PN0", dtype=object)
    bands = np.select([age < 4, age < 11, age < 16], ["under4", "4-10", "11-15"], "16+")
    for band, mix in REVIEW_MIX.items():
        sel = np.flatnonzero(bands == band)
        code[sel] = _choice(rng, mix, len(sel))
    return code


def _reviews(rng, periods, kids, horizon) -> pd.DataFrame:
    """Reviews of each period of care, held against the statutory timescales (REFERENCE,
    pipeline.model.reviews): the first due 20 working days after the period starts, the second 3
    months after the first, later ones 6 months after the previous. Each is held a few days to a
    few weeks before its deadline (REVIEW_EARLY_DAYS), or late (REVIEW_LATE_P: the first, the
    rest; REVIEW_LATE_DAYS after it), always after the period's start and before it ends. Drawn
    round by round (one review of every open period a round). REVIEW_CODE by age (_review_codes).
    """
    child0 = periods["child"].to_numpy()
    start = periods["start"].to_numpy().astype(np.int64)
    stop = np.minimum(periods["end"].to_numpy(), horizon + 1).astype(np.int64)
    out_child, out_day = [], []
    idx = np.arange(len(start))
    prev = start.copy()
    k = 0
    while len(idx):
        if k == 0:
            due = _working_days_after(start[idx], 20)
        else:
            due = _months_after(prev[idx], 3 if k == 1 else 6)
        m = len(idx)
        early = np.round(rng.uniform(*REVIEW_EARLY_DAYS[min(k, 1)], m)).astype(np.int64)
        late = rng.random(m) < REVIEW_LATE_P[min(k, 1)]
        by = rng.integers(*REVIEW_LATE_DAYS, m)
        day = np.where(late, due + by, due - early)
        floor = np.where(k == 0, start[idx] + 3, prev[idx] + 14)
        day = np.maximum(day, floor)
        held = day < stop[idx]  # none on or after the day the period ends
        out_child.append(child0[idx[held]])
        out_day.append(day[held])
        prev[idx[held]] = day[held]
        idx = idx[held]
        k += 1
    child = np.concatenate(out_child) if out_child else np.zeros(0, dtype=np.int64)
    day = np.concatenate(out_day) if out_day else np.zeros(0, dtype=np.int64)
    dob = kids.set_index("CHILD")["DOB"].reindex(child).to_numpy()
    code = _review_codes(rng, _age(dob, day))
    frame = pd.DataFrame({"CHILD": child, "DOB": dob, "REVIEW": day, "REVIEW_CODE": code})
    return frame.drop_duplicates(["CHILD", "REVIEW"]).sort_values(["CHILD", "REVIEW"])


def _yearly(rng, child, first, stop, p: float, interval) -> tuple[np.ndarray, np.ndarray]:
    """Yearly dates per row from `first` (each next one `interval` days later, uniform) while
    before `stop`; each kept with chance `p`. Returns (child, day) of the kept ones."""
    lo, hi = interval
    n = np.maximum((stop - first) // lo + 1, 0)
    n = np.where(first < stop, n, 0)
    row = np.repeat(np.arange(len(first)), n)
    if not len(row):
        return child[:0], first[:0]
    step = rng.integers(lo, hi + 1, len(row))
    starts = np.cumsum(n) - n
    total = np.cumsum(step)
    offset = total - np.repeat(np.where(n > 0, total[np.minimum(starts, len(total) - 1)], 0), n)
    # the first date of a row is `first` itself; the next `step` days later, and so on
    day = first[row] + offset
    keep = (day < stop[row]) & (rng.random(len(row)) < p)
    return child[row[keep]], day[keep]


def _health(rng, periods, horizon) -> pd.DataFrame:
    """The local health history (CHILD, HEALTH_DATE, HEALTH_TYPE) of each period of care: an
    initial health assessment (IHA; HEALTH_IHA_P, within 20 working days of entry with
    HEALTH_IHA_ON_TIME_P, else HEALTH_IHA_LATE_DAYS late), then yearly review health assessments
    (RHA), dental checks (DENTAL) and immunisation records (IMMS), each HEALTH_INTERVAL_DAYS
    apart and held with HEALTH_YEARLY_P; only while the child is looked after and by the horizon.
    """
    child = periods["child"].to_numpy()
    start = periods["start"].to_numpy().astype(np.int64)
    stop = np.minimum(periods["end"].to_numpy(), horizon + 1).astype(np.int64)
    n = len(start)
    due = _working_days_after(start, 20)
    has = rng.random(n) < HEALTH_IHA_P
    on_time = rng.random(n) < HEALTH_IHA_ON_TIME_P
    early = start + 1 + np.floor(rng.random(n) * np.maximum(due - start, 1)).astype(np.int64)
    late = due + rng.integers(*HEALTH_IHA_LATE_DAYS, n)
    iha = np.where(on_time, np.minimum(early, due), late)
    keep = has & (iha < stop)
    parts = [(child[keep], iha[keep], "IHA")]
    for kind, p in HEALTH_YEARLY_P.items():
        lo, hi = HEALTH_INTERVAL_DAYS
        first = (
            due + rng.integers(lo, hi + 1, n)
            if kind == "RHA"
            else start + rng.integers(14, hi + 1, n)
        )
        c, d = _yearly(rng, child, first, stop, p, HEALTH_INTERVAL_DAYS)
        parts.append((c, d, kind))
    frame = pd.DataFrame(
        {
            "CHILD": np.concatenate([c for c, _, _ in parts]),
            "HEALTH_DATE": np.concatenate([d for _, d, _ in parts]).astype(np.int64),
            "HEALTH_TYPE": np.concatenate([np.full(len(c), t, dtype=object) for c, _, t in parts]),
        }
    )
    frame = frame[frame["HEALTH_DATE"] <= horizon]
    frame = frame.drop_duplicates(["CHILD", "HEALTH_DATE", "HEALTH_TYPE"])
    return frame.sort_values(["CHILD", "HEALTH_DATE", "HEALTH_TYPE"], kind="stable").reset_index(
        drop=True
    )


def _adoptions(rng, episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per period of care with a placement order (LS E1): CHILD, start (of the period),
    order (first E1 day), decision (the agency decision maker's, ADOPT_DECISION_BEFORE_ORDER_DAYS
    before the order, after the period's start), placed (first day in an adoptive placement
    A3-A6; NO_DATE: none), moved_in (the day the child moved in with the adopters: `placed`, or
    for foster carers adopting (A3/A5) the start of the placement with them), match (NO_DATE while
    not placed), foster_care (0/1), the adopters (NB_ADOPTR, SEX_ADOPTR, LS_ADOPTR), end (of the
    period, NO_DATE while open) and rec (its REC)."""
    ep = episodes[~episodes["LS"].isin(["V3", "V4"])].sort_values(["CHILD", "DECOM"], kind="stable")
    child = ep["CHILD"].to_numpy()
    new_period = (ep["RNE"].to_numpy() == "S") | _group_starts(child)
    pid = np.cumsum(new_period) - 1
    start = ep["DECOM"].to_numpy()[new_period][pid]
    dec = ep["DEC"].to_numpy()
    big = NO_DATE
    frame = pd.DataFrame(
        {
            "pid": pid,
            "CHILD": child,
            "start": start,
            "e1": np.where(ep["LS"].to_numpy() == "E1", ep["DECOM"].to_numpy(), big),
            "placed": np.where(
                np.isin(ep["PLACE"].to_numpy(), ["A3", "A4", "A5", "A6"]),
                ep["DECOM"].to_numpy(),
                big,
            ),
            "end": np.where(dec < 0, big, dec),
        }
    )
    g = frame.groupby("pid")
    per = pd.DataFrame(
        {
            "CHILD": g["CHILD"].first(),
            "start": g["start"].first(),
            "order": g["e1"].min(),
            "placed": g["placed"].min(),
            "end": g["end"].last(),
        }
    )
    last = ~pd.Series(pid).duplicated(keep="last").to_numpy()
    per["rec"] = np.where(dec[last] < 0, "", ep["REC"].to_numpy(dtype=object)[last])
    first_a = frame["placed"].to_numpy() < big
    a_rows = pd.DataFrame(
        {
            "pid": pid[first_a],
            "place": ep["PLACE"].to_numpy(dtype=object)[first_a],
            "pl_start": ep["PL_START"].to_numpy()[first_a],
        }
    ).drop_duplicates("pid")
    per = per[per["order"] < big].copy()
    a = a_rows.set_index("pid").reindex(per.index)
    n = len(per)
    order = per["order"].to_numpy()
    placed = per["placed"].to_numpy()
    has_place = placed < big
    foster = has_place & a["place"].isin(["A3", "A5"]).to_numpy()
    moved_in = np.where(foster, a["pl_start"].fillna(big).to_numpy(), placed).astype(np.int64)
    decision = np.maximum(
        order - rng.integers(*ADOPT_DECISION_BEFORE_ORDER_DAYS, n), per["start"].to_numpy() + 1
    )
    decision = np.minimum(decision, order - 1)
    before = placed - rng.integers(*ADOPT_MATCH_BEFORE_PLACEMENT_DAYS, n)
    first = foster & (rng.random(n) < ADOPT_MATCH_FIRST_P)
    early = (
        order - 1 - np.floor(rng.random(n) * np.maximum(order - 1 - decision, 0)).astype(np.int64)
    )
    match = np.where(first, early, np.maximum(before, decision + 1))
    match = np.where(has_place, np.maximum(match, decision), big)
    sex = _choice(rng, ADOPTERS_SEX, n)
    single = np.isin(sex, ["M1", "F1"])
    ls = np.where(single, "L3", _choice(rng, ADOPTERS_LS_COUPLE, n)).astype(object)
    return per.assign(
        decision=decision,
        moved_in=moved_in,
        match=match,
        foster_care=foster.astype(int),
        NB_ADOPTR=np.where(single, "1", "2").astype(object),
        SEX_ADOPTR=sex,
        LS_ADOPTR=ls,
    ).reset_index(drop=True)


def _kid_attributes(rng: np.random.Generator, kids: pd.DataFrame) -> pd.DataFrame:
    """The header attributes of each child: SEX (the child's sex as 1 male / 2 female; the
    extracts write it in each collection year's codes), ETHNIC, UPN, (for a few girls) mc_dob, and
    `sex_unknown`: the few children (never a mother) recorded as U once SEX is M/F/U."""
    n = len(kids)
    sex = np.where(rng.random(n) < 0.56, "1", "2")
    upn = ("A" + pd.Series(rng.integers(10**11, 10**12, n)).astype(str)).to_numpy(dtype=object)
    mother = (sex == "2") & (rng.random(n) < 0.03)
    mc_dob = np.where(mother, kids["DOB"].to_numpy() + rng.integers(15 * 365, 18 * 365, n), NO_DATE)
    ethnic = _choice(rng, ETHNIC_MIX, n)
    unknown = (rng.random(n) < SEX_UNKNOWN_P) & ~mother
    # unaccompanied asylum-seeking children: mostly boys (UASC_MALE_P), never recorded as U, from
    # a stream of their own (the other children's attributes are unchanged)
    uasc = kids["uasc"].to_numpy() if "uasc" in kids else np.zeros(n, bool)
    sub = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    boy = sub.random(n) < UASC_MALE_P
    sex = np.where(uasc, np.where(boy, "1", "2"), sex)
    mother = mother & (sex == "2")
    mc_dob = np.where(mother, mc_dob, NO_DATE)
    unknown = unknown & ~uasc
    return kids.assign(SEX=sex, ETHNIC=ethnic, UPN=upn, mc_dob=mc_dob, sex_unknown=unknown)


# ---------------------------------------------------------------------------------------------
# social workers and deprivation of liberty orders (tables from 2023-24 and 2026-27)


def _day_of(text: str) -> int:
    """The day number of a date."""
    return int((pd.Timestamp(text) - EPOCH).days)


def _after_march_25(day: np.ndarray) -> np.ndarray:
    """Days from 26 to 31 March moved to the next 1 April (no social worker changes in the last
    days of the collection year: rule SW11bSTG2 wants a following episode for any that ends then)."""
    day = np.asarray(day, dtype=np.int64)
    d = pd.DatetimeIndex(pd.to_datetime(day, unit="D"))
    month, dom = np.asarray(d.month), np.asarray(d.day)
    late = (month == 3) & (dom >= 26)
    return np.where(late, day + (32 - dom), day)  # 26-31 March + (32 - day) = 1 April


def _group_starts(group: np.ndarray) -> np.ndarray:
    """True at the first row of each run of equal values of a sorted `group`."""
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return first


def _social_workers(rng, periods: pd.DataFrame, horizon: int, scale: float) -> pd.DataFrame:
    """Social worker allocations (SWEpisodes) of the periods of care open on or after 1 April of
    the first collection year with the table: CHILD, SW_ID, SW_DECOM, SW_DEC (NO_DATE: still
    open at the horizon), SW_REASON. Vectorised: posts' worker timelines, then each period's
    changes of post, split where the post's worker leaves (LEFTRL). Follows the validator's SW
    rules: the first allocation of a period starts with it (FCONTA; SW12STG2: no allocation
    before the period's start); each next one starts the day the previous ends (SW10STG2,
    SW11aSTG2: within 7 / 5 days), only the last may be open and is open while the child is looked
    after (SW08STG2, SW14STG2, SW17STG2), none lasts under SW_MIN_DAYS (SW09STG2), no two of a child
    start on a day (SW19STG2), no change falls on 26-31 March (SW11bSTG2), IDs start 'SW' and have
    4+ characters (SW02STG1), reasons are the validator's codes (SW13STG1)."""
    columns = ["CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]
    first_day = _day_of(f"{SW_EPISODES_FROM}-04-01")
    end_all = periods["end"].to_numpy()
    keep = (end_all >= first_day) & (periods["start"].to_numpy() <= horizon)
    if horizon < first_day or not keep.any():
        return pd.DataFrame({c: np.zeros(0, dtype=object) for c in columns})
    per = periods[keep].sort_values(["child", "start"], kind="stable")
    child = per["child"].to_numpy()
    start = per["start"].to_numpy().astype(np.int64)
    end = per["end"].to_numpy().astype(np.int64)  # NO_DATE: open at the horizon
    is_open = end >= NO_DATE
    limit = np.where(is_open, horizon + 1, end)  # changes happen on days before `limit`
    n_p = len(start)
    year_days = 365.25

    # posts and their workers: exponential tenures from before the first period
    n_slots = max(2, int(round(SW_SLOTS_PER_SCALE * scale)))
    t0 = int(start.min()) - int(SW_TENURE_YEARS * year_days)
    n_max = int((horizon - t0) / (SW_TENURE_YEARS * year_days) * 3) + 10
    gaps = rng.exponential(SW_TENURE_YEARS * year_days, (n_slots, n_max))
    leave = np.ceil(t0 + np.cumsum(gaps, axis=1)).astype(np.int64)
    leave = np.maximum.accumulate(_after_march_25(leave.ravel()).reshape(leave.shape), axis=1)
    valid = leave <= horizon
    slot_of = np.repeat(np.arange(n_slots), valid.sum(axis=1))
    leave_day = leave[valid]
    big = np.int64(1) << np.int64(32)
    key = slot_of.astype(np.int64) * big + leave_day
    slot_first = np.searchsorted(key, np.arange(n_slots, dtype=np.int64) * big)
    # worker ids in order of taking up post (ties by post): SW + 6 digits
    n_workers = valid.sum(axis=1) + 1
    w_slot = np.repeat(np.arange(n_slots), n_workers)
    w_idx = np.arange(len(w_slot)) - np.repeat(np.cumsum(n_workers) - n_workers, n_workers)
    w_start = np.where(w_idx == 0, t0, leave[w_slot, np.maximum(w_idx - 1, 0)])
    rank = np.empty(len(w_slot), dtype=np.int64)
    rank[np.lexsort((w_slot, w_start))] = np.arange(len(w_slot))
    w_base = np.cumsum(n_workers) - n_workers

    # each period's changes of post: a transfer after entry, then other changes at random
    span = np.maximum(np.minimum(limit, horizon + 1) - start, 1)
    n_change = rng.poisson(SW_CHILD_CHANGE_RATE * span / year_days)
    row = np.repeat(np.arange(n_p), n_change)
    change_day = start[row] + 1 + np.floor(rng.random(len(row)) * (span[row] - 1)).astype(np.int64)
    change_reason = _choice(rng, SW_CHANGE_REASONS, len(row))
    transfer = rng.random(n_p) < SW_TRANSFER_P
    transfer_day = start + rng.integers(14, 91, n_p)
    first_slot = rng.integers(0, n_slots, n_p)
    b_p = np.concatenate([np.arange(n_p), np.flatnonzero(transfer), row])
    b_day = np.concatenate([start, transfer_day[transfer], change_day])
    b_reason = np.concatenate(
        [np.full(n_p, "FCONTA", dtype=object), np.full(transfer.sum(), "TSPROC", dtype=object)]
        + [change_reason]
    )
    b_first = np.concatenate([np.ones(n_p, bool), np.zeros(len(b_day) - n_p, bool)])
    b_day = np.where(b_first, b_day, _after_march_25(b_day))
    ok = b_first | (b_day < limit[b_p])
    b_p, b_day, b_reason, b_first = b_p[ok], b_day[ok], b_reason[ok], b_first[ok]
    order = np.lexsort((~b_first, b_day, b_p))
    b_p, b_day, b_reason, b_first = b_p[order], b_day[order], b_reason[order], b_first[order]
    dup = ~_group_starts(b_p) & (b_day == np.concatenate([[-1], b_day[:-1]]))
    b_p, b_day, b_reason, b_first = b_p[~dup], b_day[~dup], b_reason[~dup], b_first[~dup]
    # post of each segment: the first drawn, then a different one at each change
    step = np.where(b_first, 0, rng.integers(1, n_slots, len(b_p)))
    run = np.cumsum(step)
    starts_at = np.flatnonzero(b_first)
    run = run - run[starts_at][np.cumsum(b_first) - 1]
    slot = (first_slot[b_p] + run) % n_slots
    last_of_p = np.concatenate([b_p[1:] != b_p[:-1], [True]])
    seg_end = np.where(last_of_p, limit[b_p], np.concatenate([b_day[1:], [0]]))

    # split each segment where its post's worker leaves
    base_key = slot.astype(np.int64) * big
    lo = np.searchsorted(key, base_key + b_day, side="right")
    hi = np.searchsorted(key, base_key + seg_end, side="left")
    n_piece = 1 + np.maximum(hi - lo, 0)
    seg = np.repeat(np.arange(len(b_p)), n_piece)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(n_piece) - n_piece, n_piece)
    p_day = np.where(j == 0, b_day[seg], leave_day[np.minimum(lo[seg] + j - 1, len(key) - 1)])
    p_reason = np.where(j == 0, b_reason[seg], "LEFTRL").astype(object)
    p_slot = slot[seg]
    p_per = b_p[seg]
    p_first = b_first[seg] & (j == 0)
    worker = np.searchsorted(key, p_slot.astype(np.int64) * big + p_day, side="right")
    worker = worker - slot_first[p_slot]
    p_id = rank[w_base[p_slot] + worker]

    # no allocation under SW_MIN_DAYS (so every kept gap is at least SW_MIN_DAYS): a change too
    # soon after the previous one is merged into it, the merged allocation going to the later
    # worker (a child is never left with a worker who has gone); one too near the end of the
    # period is dropped; then runs of the same worker are merged
    prev_day = np.concatenate([[0], p_day[:-1]])
    too_soon = ~p_first & (p_day - prev_day < SW_MIN_DAYS)
    kept = np.flatnonzero(~too_soon)
    run_last = np.concatenate([kept[1:], [len(p_day)]]) - 1
    p_id = p_id.copy()
    p_id[kept] = p_id[run_last]
    p_day, p_reason, p_per, p_first, p_id = (
        a[kept] for a in (p_day, p_reason, p_per, p_first, p_id)
    )
    too_late = ~p_first & ~is_open[p_per] & (limit[p_per] - p_day < SW_MIN_DAYS)
    p_day, p_reason, p_per, p_first, p_id = (
        a[~too_late] for a in (p_day, p_reason, p_per, p_first, p_id)
    )
    same = ~p_first & (p_id == np.concatenate([[-1], p_id[:-1]]))
    p_day, p_reason, p_per, p_first, p_id = (
        a[~same] for a in (p_day, p_reason, p_per, p_first, p_id)
    )
    last = np.concatenate([p_per[1:] != p_per[:-1], [True]])
    p_end = np.where(last, end[p_per], np.concatenate([p_day[1:], [0]]))
    sw_id = np.char.add("SW", np.char.zfill((p_id + 1).astype(str), 6)).astype(object)
    frame = pd.DataFrame(
        {
            "CHILD": child[p_per],
            "SW_ID": sw_id,
            "SW_DECOM": p_day,
            "SW_DEC": p_end,
            "SW_REASON": p_reason,
        }
    )
    return frame.sort_values(["CHILD", "SW_DECOM"], kind="stable").reset_index(drop=True)


def _dolo(rng, episodes: pd.DataFrame, kids: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Deprivation of liberty orders: CHILD, DOLO_START, DOLO_END (NO_DATE: open at the horizon).
    Each lies strictly inside one children's home (K2) episode of a child aged DOLO_MIN_AGE+, so
    the child is in K2 throughout (rules 709, 710), the order ends before the placement and the
    period of care do (707), after it starts (702) and after the child's birth (708); a child has
    at most one at a time (705)."""
    ep = episodes[(episodes["PLACE"] == "K2") & ~episodes["LS"].isin(["V3", "V4"])]
    decom = ep["DECOM"].to_numpy()
    dec = ep["DEC"].to_numpy()
    open_ = dec < 0
    stop = np.where(open_, horizon + 1, dec)
    dob = kids.set_index("CHILD")["DOB"].reindex(ep["CHILD"]).to_numpy()
    age = _age(dob, decom)
    n = len(ep)
    chosen = (
        (age >= DOLO_MIN_AGE)
        & (age < 17.5)
        & (stop - decom >= DOLO_MIN_DAYS)
        & (rng.random(n) < DOLO_P)
    )
    begin = decom + rng.integers(3, 30, n)
    length = np.ceil(rng.lognormal(np.log(DOLO_MEDIAN_DAYS), 0.6, n)).astype(np.int64)
    finish = np.minimum(begin + np.maximum(length, 14), np.where(open_, NO_DATE, dec - 1))
    finish = np.where(finish > horizon, NO_DATE, finish)
    frame = pd.DataFrame(
        {"CHILD": ep["CHILD"].to_numpy(), "DOLO_START": begin, "DOLO_END": finish}
    )[chosen]
    return frame.sort_values(["CHILD", "DOLO_START"], kind="stable").reset_index(drop=True)
