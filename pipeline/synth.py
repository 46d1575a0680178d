"""A synthetic local authority: simulated SSDA903 extracts (dirty) and their clean truth.

The generator simulates a fictional LA's looked-after children from `history_start` to `end`,
vectorised over children (numpy arrays stepping through events round by round, never a Python loop
per child), then writes one extract per reporting month:

- ``truth/YYYY-MM/``: header, episodes, missing, sdq, oc2, reviews (canonical 903 CSV) + faults.csv
- ``raw/YYYY-MM/``: the same data as a case-management system might export it, with the faults below.

The truth is meant to pass the DfE's SSDA903 validation rules: `tools/validate_903.py` builds a
year's return from a March extract and runs the DfE validator on it; the rules the synthetic LA
breaks on purpose (fictional 'ZZ' postcodes, ...) are listed there and in docs/validator.md. So:
oc2 is the OC2 table of the collection year in progress (every child looked after continuously
since 1 April, items by age, OC2_RATES); MOTHER is 1/0 for girls; short breaks carry no postcodes
or URN; URNs follow the placement type; temporary placements have no provider; police protection
(L1) lasts at most 72 hours and T4 placements 7 days; P2 ends and H5 is registered on 28 October
2023 and K3 replaces H5/P2 on 1 April 2024 (open placements go on in an RNE T episode).

Encoded effects (the "truth" the analyses must rediscover; they are never imported by the analysis):

- Every child has a latent difficulty score L ~ Normal(SDQ_LATENT_MEAN, SDQ_LATENT_SD). Each SDQ
  assessment is L + Normal(0, SDQ_NOISE_SD), rounded and clipped to 0-40.
- Placement breakdown (REASON_PLACE_CHANGE in CREQB/CREQO/CHILD/LAREQ) is a competing hazard per
  year: BREAKDOWN_BASE[placement group] * exp(SDQ_LOG_HAZARD_PER_POINT * (L - SDQ_LATENT_MEAN))
  * OLDER_ENTRANT_HAZARD_RATIO (when the child entered care aged >= 11)
  * PLACEMENT_AGE_HAZARD_RATIO[years the placement has lasted] (placements settle).
- Missing / away incidents: Poisson per child with rate MISSING_BASE_RATE[age band]
  * MISSING_PLACE_RATIO[placement group] * child propensity (Gamma, shape MISSING_PROPENSITY_SHAPE,
  mean 1, capped at MISSING_PROPENSITY_CAP)
  * exp(MISSING_LOG_RATE_PER_POINT * (L - mean)), times MISSING_AFTER_MOVE_RATIO in the
  MISSING_AFTER_MOVE_DAYS after a new placement. Durations are mostly hours, a long tail of days;
  a child is back before the episode ends, and an incident starting before the child's previous
  one has ended is dropped (one at a time).
  Return interviews: offered RHI_OFFERED_P, accepted RHI_ACCEPTED_P, delay lognormal (~65% < 72h).

- Placements: foster mostly; K2 children's homes mostly for teenagers (30% of teenage breakdowns
  move to K2); 16+ move to H5/P2 (no new P2 from 28 October 2023, K3 from 2024-25) at
  SIXTEEN_PLUS_MOVE_HAZARD; first placements of a period often end early
  (FIRST_PLACEMENT_MOVE_HAZARD within FIRST_PLACEMENT_DAYS).
- Routes out of care by age at entry (ROUTE_MIX, EXIT_MIX); REENTRY_P of those returned home come
  back later (a new RNE S period). Short breaks: LS V3 episodes, each its own RNE S period.

Calibration (scale 1, history from 2007-04, January 2017 extract; measured with throwaway scripts
over seeds 903, 1, 2, 3): looked after at 31/01/2017 455-520 (seed 903: 467); 3+ placements in the
year 10-16% (903: 10.3%); long-term stability 61-68% on 73-96 eligible children (903: 68%);
missing (M) incidents starting in January 41-51 by 19-29 children (903: 51 by 27; averaged over
40 redraws of the incidents, about 49 a month by 25 children, as the seeds' council's ~50 by ~24
aged 12-17), mean 3.3-4.3 hours (on average 3.85), longest 12-42 hours; 25-31 entries a month;
SDQ-at-placement-start AUC for disruption within 12 months 0.64-0.73. Small numbers make
single-seed figures noisy, as in a real LA: the heavy-tailed propensity (a few children go missing
often) makes one month's count swing by +-15.

Faults injected into the raw copy, as rates per row of each table (at least one of each kind per
extract; each child carries at most one unrecoverable or structural fault across all tables;
recoverable formatting faults only touch rows without one):

- recoverable: id_format 2%, date_format 3%, code_format 3%, number_format 5% (SDQ scores),
  exact_duplicate 0.5%, episode_overlap 0.4% (of X1 episodes);
- unrecoverable: conflicting_duplicate 0.1%, end_before_start 0.1%, missing_end_before_start
  0.2%, sdq_out_of_range 0.3%, invalid_code 0.1%, invalid_date 0.1%, blank_child 0.05%.

Plus, per month: file names and header spellings vary, the encoding cycles UTF-8 / UTF-8 with BOM
/ Windows-1252, a header-only `oc3.csv` and a zero-byte `notes.csv`. FAULT_RATES holds the rates;
docs/architecture.md names the cleaning rule answering each.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import codes

# ---------------------------------------------------------------------------------------------
# calibration constants (documented truth)

ARRIVALS_PER_MONTH = 27.0  # first entries to care per month at scale 1
NATIONAL_SCALE = 180.0  # scale giving ~80,000 looked after (history from 2012-04: ~78,000)
SHORT_BREAK_CHILDREN_PER_MONTH = 0.3  # disabled children starting a series of V3 short breaks
REENTRY_P = 0.22  # chance a child returned home (or similar) comes back into care later
SDQ_LATENT_MEAN = 14.8
SDQ_LATENT_SD = 6.8
SDQ_NOISE_SD = 2.5
SDQ_NO_SCORE_P = 0.2  # assessments returning a reason (SDQ2-SDQ5) instead of a score
SDQ_LOG_HAZARD_PER_POINT = 0.09  # true log breakdown hazard per point of latent SDQ score
OLDER_ENTRANT_HAZARD_RATIO = 1.5
PLACEMENT_AGE_HAZARD_RATIO = (1.7, 0.9, 0.6)  # move hazards in a placement's 1st, 2nd, 3rd+ year
BREAKDOWN_BASE = {
    "foster": 0.10,
    "resid": 0.42,
    "indep": 0.30,
    "parents": 0.10,
    "adopt": 0.03,
    "other": 0.15,
    "temp": 0.0,
}
PLANNED_MOVE_BASE = {
    "foster": 0.10,
    "resid": 0.22,
    "indep": 0.12,
    "parents": 0.08,
    "adopt": 0.0,
    "other": 0.6,
    "temp": 0.0,
}
SIXTEEN_PLUS_MOVE_HAZARD = 1.0  # extra planned moves per year at 16+ (to semi-independence)
FIRST_PLACEMENT_MOVE_HAZARD = 1.0  # extra planned moves per year from a period's first placement
FIRST_PLACEMENT_DAYS = 120  # ... during its first days
LONG_STAY_MEDIAN_DAYS = 4 * 365  # 'long' route periods (capped at 18)
LEGAL_WITH_MOVE_DAYS = 14
TEMP_HAZARD = 0.06  # per year, foster placements only
SAME_CARER_HAZARD = 0.35  # per year: U6/U3 -> U4/U1, provider/URN changes
MISSING_BASE_RATE = {"under10": 0.0, "10-11": 0.05, "12-17": 1.8}  # incidents per child-year
MISSING_PLACE_RATIO = {
    "foster": 1.0,
    "resid": 3.0,
    "indep": 2.5,
    "parents": 1.2,
    "adopt": 0.1,
    "other": 2.0,
    "temp": 1.0,
}
MISSING_PROPENSITY_SHAPE = 0.12  # small shape: most children rarely go missing, a few often
MISSING_PROPENSITY_CAP = 18.0
MISSING_LOG_RATE_PER_POINT = 0.05
MISSING_AFTER_MOVE_DAYS = 42
MISSING_AFTER_MOVE_RATIO = 2.5
AWAY_SHARE = 0.3  # of incidents, MISSING = A
RHI_OFFERED_P = 0.9
RHI_ACCEPTED_P = 0.6
OC2_RATES = {  # share answering 1 (yes) among the children each OC2 item applies to
    "CONVICTED": 0.03,  # aged 10+ at 31 March
    "HEALTH_CHECK": 0.88,  # under 5 at 31 March: development assessments up to date
    "IMMUNISATIONS": 0.80,
    "TEETH_CHECK": 0.75,
    "HEALTH_ASSESSMENT": 0.89,
    "SUBSTANCE_MISUSE": 0.06,  # aged 10+ (under 10: 0)
    "INTERVENTION_RECEIVED": 0.5,  # of those with a substance misuse problem
    "INTERVENTION_OFFERED": 0.6,  # of those who received none
}

FAULT_RATES = {
    # recoverable (cleaning restores the truth)
    "id_format": 0.02,  # CHILD with spaces, leading zeros or '.0'              -> ID-NORM
    "date_format": 0.03,  # ISO, ' 00:00' time or Excel serial                 -> DATE-NORM
    "code_format": 0.03,  # code lower case or padded                          -> CODE-NORM
    "number_format": 0.05,  # SDQ score as '17.0' or ' 17 '                    -> NUM-NORM
    "exact_duplicate": 0.005,  # a row repeated                                -> DUP-EXACT
    "episode_overlap": 0.004,  # DEC of an X1 episode pushed 1-30 days past the next DECOM
    # unrecoverable (the row, and for conflicts every copy, is quarantined)
    "conflicting_duplicate": 0.001,  # same key, another PLACE/score/ETHNIC    -> DUP-CONFLICT
    "end_before_start": 0.001,  # episode DEC before DECOM                     -> EPI-END-BEFORE-START
    "missing_end_before_start": 0.002,  # MIS_END before MIS_START             -> MIS-END-BEFORE-START
    "sdq_out_of_range": 0.003,  # score 41, -1, 99 or 'n/a'                    -> SDQ-RANGE
    "invalid_code": 0.001,  # PLACE 'ZZ'/'K3' before 2024-25, REVIEW_CODE 'PN9' -> CODE-INVALID
    "invalid_date": 0.001,  # '31/02/2016' or 'unknown' in a required date      -> DATE-INVALID
    "blank_child": 0.0005,  # CHILD blank                                        -> REQ-MISSING
}
RECOVERABLE = {k: i < 6 for i, k in enumerate(FAULT_RATES)}

EPOCH = pd.Timestamp("1970-01-01")
EXCEL_OFFSET = 25569  # Excel serial of 1970-01-01
TABLE_COLUMNS = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": [
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ],
    "missing": [
        "CHILD",
        "DOB",
        "MISSING",
        "MIS_START",
        "MIS_END",
        "RHI_OFFERED",
        "RHI_ACCEPTED",
        "RHI_DATE",
    ],
    "sdq": ["CHILD", "SDQ_DATE", "SDQ_SCORE", "SDQ_REASON"],
    "oc2": [
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
}
KEY_DATE = {"episodes": "DECOM", "missing": "MIS_START", "sdq": "SDQ_DATE", "reviews": "REVIEW"}
DATE_COLUMNS = {
    "header": ["DOB", "MC_DOB"],
    "episodes": ["DECOM", "DEC"],
    "missing": ["DOB"],
    "sdq": ["SDQ_DATE"],
    "oc2": ["DOB"],
    "reviews": ["DOB", "REVIEW"],
}
DATETIME_COLUMNS = {"missing": ["MIS_START", "MIS_END", "RHI_DATE"]}
CODE_COLUMNS = {
    "header": ["SEX"],
    "episodes": ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"],
    "missing": ["MISSING", "RHI_OFFERED", "RHI_ACCEPTED"],
    "sdq": ["SDQ_REASON"],
    "oc2": ["SDQ_REASON"],
    "reviews": ["REVIEW_CODE"],
}
FILE_NAMES = {  # raw file name variants, cycled by month
    "header": ["header.csv", "Header_{m}.CSV", "CHILD HEADER.csv"],
    "episodes": ["Episodes_{m}.CSV", "episodes.csv", "903 Episodes {m}.csv"],
    "missing": ["Missing.csv", "missing_episodes_{m}.csv", "MISSING {m}.CSV"],
    "sdq": ["SDQ history.csv", "sdq_{m}.csv", "SDQ.CSV"],
    "oc2": ["OC2.csv", "oc2_{m}.csv", "Outcomes OC2.csv"],
    "reviews": ["Reviews.csv", "reviews_{m}.CSV", "LAC reviews.csv"],
}

# code tables used by the simulation (all members of pipeline/data/codes.toml lists)
PLACES = [
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "K1",
    "K2",
    "K3",
    "H5",
    "P2",
    "P1",
    "A5",
    "A6",
    "R1",
    "R3",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
]
P = {c: i for i, c in enumerate(PLACES)}
GROUP_OF = {
    "U1": "foster",
    "U2": "foster",
    "U3": "foster",
    "U4": "foster",
    "U5": "foster",
    "U6": "foster",
    "K1": "resid",
    "K2": "resid",
    "K3": "indep",
    "H5": "indep",
    "P2": "indep",
    "P1": "parents",
    "A5": "adopt",
    "A6": "adopt",
    "R1": "other",
    "R3": "other",
    "S1": "other",
    "T0": "temp",
    "T1": "temp",
    "T2": "temp",
    "T3": "temp",
    "T4": "temp",
}
PLACE_MIX = {  # initial / new placement by age band (probabilities)
    "under1": {"U6": 0.70, "U3": 0.12, "U5": 0.04, "U2": 0.02, "R3": 0.07, "P1": 0.05},
    "1-9": {"U6": 0.74, "U3": 0.16, "U4": 0.03, "P1": 0.06, "K2": 0.01},
    "10-15": {
        "U6": 0.58,
        "U3": 0.10,
        "U4": 0.03,
        "K2": 0.20,
        "P1": 0.05,
        "S1": 0.02,
        "R1": 0.01,
        "K1": 0.01,
    },
    "16-17": {"U6": 0.30, "U3": 0.05, "K2": 0.18, "H5": 0.38, "P2": 0.05, "P1": 0.04},
}
PROVIDER_MIX = {
    "foster": {"PR1": 0.65, "PR4": 0.35},
    "resid": {"PR4": 0.7, "PR1": 0.3},
    "indep": {"PR4": 0.6, "PR5": 0.4},
    "parents": {"PR0": 1.0},
    "adopt": {"PR1": 0.7, "PR5": 0.3},
    "other": {"PR4": 0.6, "PR3": 0.4},
    "temp": {"PR1": 1.0},
}
BREAKDOWN_REASONS = {"CREQB": 0.40, "CREQO": 0.35, "CHILD": 0.15, "LAREQ": 0.10}
PLANNED_REASONS = {
    "CARPL": 0.5,
    "OTHER": 0.4,
    "CLOSE": 0.04,
    "ALLEG": 0.02,
    "STAND": 0.02,
    "APPRR": 0.02,
}
AGE_BANDS = [(0, 1, 0.18), (1, 5, 0.12), (5, 10, 0.15), (10, 16, 0.37), (16, 18, 0.18)]
ROUTES = ["home", "sgo", "adopt", "long", "other", "remand"]
ROUTE_MIX = [  # per entry age band above
    [0.31, 0.18, 0.40, 0.06, 0.05, 0.0],
    [0.41, 0.17, 0.25, 0.10, 0.07, 0.0],
    [0.50, 0.15, 0.0, 0.25, 0.10, 0.0],
    [0.50, 0.04, 0.0, 0.32, 0.10, 0.04],
    [0.35, 0.0, 0.0, 0.50, 0.10, 0.05],
]
EXIT_MIX = {
    "home": {"E4A": 0.8, "E4B": 0.2},
    "sgo": {"E45": 0.3, "E46": 0.15, "E47": 0.3, "E48": 0.15, "E41": 0.1},
    "adopt": {"E11": 0.6, "E12": 0.4},
    "other": {"E3": 0.3, "E13": 0.3, "E41": 0.15, "E8": 0.2, "E16": 0.05},
    "remand": {"E14": 0.6, "E9": 0.3, "E4A": 0.1},
    "long": {"E4A": 0.4, "E45": 0.2, "E47": 0.2, "E41": 0.2},
    "at18": {"E5": 0.4, "E6": 0.15, "E8": 0.3, "E17": 0.15},
}
ETHNIC_MIX = {
    "WBRI": 0.70,
    "WOTH": 0.05,
    "WIRT": 0.01,
    "MWBC": 0.05,
    "MWBA": 0.02,
    "MOTH": 0.03,
    "AIND": 0.02,
    "APKN": 0.02,
    "AOTH": 0.01,
    "BAFR": 0.04,
    "BCRB": 0.02,
    "CHNE": 0.005,
    "OOTH": 0.02,
    "NOBT": 0.015,
}
CIN_MIX = {
    "N1": 0.62,
    "N2": 0.03,
    "N3": 0.03,
    "N4": 0.08,
    "N5": 0.15,
    "N6": 0.02,
    "N7": 0.002,
    "N8": 0.068,
}
REVIEW_MIX = {
    "PN1": 0.55,
    "PN2": 0.08,
    "PN3": 0.05,
    "PN4": 0.04,
    "PN5": 0.1,
    "PN6": 0.1,
    "PN7": 0.08,
}
SDQ_REASON_MIX = {"SDQ2": 0.25, "SDQ3": 0.1, "SDQ4": 0.45, "SDQ5": 0.2}
RNE_CODES = ["S", "L", "P", "T", "B", "U"]
LS_CODES = ["C1", "C2", "E1", "V2", "V3", "L1", "L2", "J1"]
LS = {c: i for i, c in enumerate(LS_CODES)}
REC_CODES = ["", "X1", *sorted({c for m in EXIT_MIX.values() for c in m})]
REC = {c: i for i, c in enumerate(REC_CODES)}
REASON_CODES = ["", *BREAKDOWN_REASONS, *PLANNED_REASONS, "PLACE"]
REASON = {c: i for i, c in enumerate(REASON_CODES)}
NO_DATE = np.iinfo(np.int64).max // 4
# 28 October 2023: supported accommodation for 16-17s is registered with Ofsted (H5 gets a URN)
# and independent living (P2) ends; 1 April 2024: K3 replaces H5 and P2
REGISTERED_FROM = int((pd.Timestamp("2023-10-28") - pd.Timestamp("1970-01-01")).days)
K3_FROM = int((pd.Timestamp("2024-04-01") - pd.Timestamp("1970-01-01")).days)


# ---------------------------------------------------------------------------------------------
# helpers


def _day(text: str) -> int:
    return int((pd.Timestamp(text) - EPOCH).days)


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
    out = np.empty(len(age), dtype=object)
    bands = np.select([age < 1, age < 10, age < 16], ["under1", "1-9", "10-15"], "16-17")
    for band, mix in PLACE_MIX.items():
        sel = np.flatnonzero(bands == band)
        out[sel] = _choice(rng, mix, len(sel))
    return _valid_place(out, day)


def _group(place: np.ndarray) -> np.ndarray:
    return np.array([GROUP_OF[p] for p in place], dtype=object) if len(place) else place


def _lookup(mapping: dict[str, float], keys: np.ndarray) -> np.ndarray:
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
) -> pd.DataFrame:
    """Simulate one period of care for each child from `start`; emit episodes into `out`.

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
    t = np.where(adopt, t + rng.integers(20, 120, n), t)
    idx = np.flatnonzero(adopt)
    sched_day[idx, k[idx]], sched_ls[idx, k[idx]] = t[idx], "E1"
    adopt_day = np.where(adopt, t + rng.integers(60, 200, n), NO_DATE)
    period_end = np.where(adopt, adopt_day + rng.integers(150, 320, n), period_end)
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
            * np.exp(SDQ_LOG_HAZARD_PER_POINT * (s["latent"] - SDQ_LATENT_MEAN))
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
        adopt_same = (event == 3) & (grp == "foster") & (rng.random(m) < 0.3)
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


def _simulate(seed: int, history: int, horizon: int, scale: float, progress: bool):
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
    batch = pd.DataFrame({"child": child, "start": start, "dob": dob, "latent": latent, "cin": cin})
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
        batch = back.loc[eligible, ["child", "start", "dob", "latent", "cin"]].reset_index(
            drop=True
        )
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


def _reviews(rng, periods, kids, horizon) -> pd.DataFrame:
    child, day, end = _repeat_dates(periods, horizon, 20, 182, second=91)
    day = day + rng.integers(-3, 4, len(day))
    keep = (day <= horizon) & (day <= end)  # no review after the child has left care
    child, day = child[keep], day[keep]
    dob = kids.set_index("CHILD")["DOB"].reindex(child).to_numpy()
    code = np.where(_age(dob, day) < 4, "PN0", _choice(rng, REVIEW_MIX, len(day)))
    frame = pd.DataFrame({"CHILD": child, "DOB": dob, "REVIEW": day, "REVIEW_CODE": code})
    return frame.drop_duplicates(["CHILD", "REVIEW"]).sort_values(["CHILD", "REVIEW"])


# ---------------------------------------------------------------------------------------------
# truth tables as canonical 903 text


class _Fmt:
    """Fast day-number / minute-number to text, via a lookup table of every day in range."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        days = pd.date_range(pd.Timestamp(lo, unit="D"), pd.Timestamp(hi, unit="D"), freq="D")
        self.text = np.asarray(days.strftime("%d/%m/%Y"), dtype=object)
        self.iso = np.asarray(days.strftime("%Y-%m-%d"), dtype=object)
        hm = np.arange(1440)
        self.hhmm = np.array(
            [f"{h:02d}:{m:02d}" for h, m in zip(hm // 60, hm % 60, strict=True)], dtype=object
        )

    def date(self, day: np.ndarray, iso: bool = False) -> np.ndarray:
        day = np.asarray(day, dtype=np.int64)
        blank = (day < 0) | (day >= NO_DATE)
        table = self.iso if iso else self.text
        out = table[np.clip(day - self.lo, 0, len(table) - 1)]
        return np.where(blank, "", out).astype(object)

    def stamp(self, minute: np.ndarray, iso: bool = False) -> np.ndarray:
        minute = np.asarray(minute, dtype=np.int64)
        blank = minute < 0
        day = self.date(np.where(blank, 0, minute // 1440), iso)
        out = day + " " + self.hhmm[np.mod(minute, 1440)]
        return np.where(blank, "", out).astype(object)


def _postcode(ids: np.ndarray) -> np.ndarray:
    """Clearly fictional postcodes ('ZZ' outward codes) from integer ids."""
    ids = np.abs(np.asarray(ids, dtype=np.int64))
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
    return (
        "ZZ"
        + ((ids % 97) + 1).astype(str).astype(object)
        + " "
        + ((ids // 97) % 10).astype(str).astype(object)
        + letters[(ids // 970) % 20]
        + letters[(ids // 19400) % 20]
    )


def _urn(place: np.ndarray, ids: np.ndarray, decom: np.ndarray) -> np.ndarray:
    """Ofsted URNs as the 903 wants them: SC numbers for children's homes, secure units, residential
    schools and family centres (K1, K2, S1, R3), a supported-accommodation number for K3 and for
    H5 episodes from 28 October 2023, 'XXXXXXX' for foster and adoptive placements (U1-U6,
    A3-A6), blank for the rest (P1, P2, R1, R2, R5, T0-T4, Z1, H5 before 28 October 2023)."""
    place = np.asarray(place, dtype=object)
    num = (100000 + np.asarray(ids, dtype=np.int64) % 900000).astype(str).astype(object)
    sc = np.isin(place, ["K1", "K2", "S1", "R3"])
    supported = (place == "K3") | ((place == "H5") & (np.asarray(decom) >= REGISTERED_FROM))
    carers = np.isin(place, ["U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6"])
    return np.select([sc, supported, carers], ["SC" + num, "2" + num, "XXXXXXX"], "").astype(object)


def _extract(month_end: int, kids, episodes, missing, sdq, reviews, fmt: _Fmt, seed: int) -> dict:
    """The canonical truth tables as known at `month_end` (text, '' for blank)."""
    ep = episodes[episodes["DECOM"] <= month_end]
    open_ = (ep["DEC"].to_numpy() < 0) | (ep["DEC"].to_numpy() > month_end)
    place = ep["PLACE"].to_numpy(dtype=object)
    # short breaks (V3/V4) carry no home or placement postcode and no URN
    short_break = ep["LS"].isin(["V3", "V4"]).to_numpy()
    episodes_t = pd.DataFrame(
        {
            "CHILD": ep["CHILD"].astype(str).to_numpy(dtype=object),
            "DECOM": fmt.date(ep["DECOM"]),
            "RNE": ep["RNE"].to_numpy(dtype=object),
            "LS": ep["LS"].to_numpy(dtype=object),
            "CIN": ep["CIN"].to_numpy(dtype=object),
            "PLACE": place,
            "PLACE_PROVIDER": ep["PLACE_PROVIDER"].to_numpy(dtype=object),
            "DEC": np.where(open_, "", fmt.date(ep["DEC"])),
            "REC": np.where(open_, "", ep["REC"].to_numpy(dtype=object)),
            "REASON_PLACE_CHANGE": np.where(
                open_, "", ep["REASON_PLACE_CHANGE"].to_numpy(dtype=object)
            ),
            "HOME_POST": np.where(short_break, "", _postcode(ep["HOME_POST"].to_numpy() * 7 + 3)),
            "PL_POST": np.where(
                short_break,
                "",
                np.where(
                    ep["PL_POST"].to_numpy() < 0,
                    _postcode(-ep["PL_POST"].to_numpy() * 7 + 3),
                    _postcode(ep["PL_POST"].to_numpy() * 13 + 5),
                ),
            ),
            "URN": np.where(
                short_break, "", _urn(place, ep["URN"].to_numpy(), ep["DECOM"].to_numpy())
            ),
        }
    )
    in_extract = np.unique(ep["CHILD"].to_numpy())
    kid = kids[kids["CHILD"].isin(in_extract)]
    # a child who is a mother: her child was born by the extract date, while she was looked after
    last = ep.groupby("CHILD")["DEC"].last().reindex(kid["CHILD"]).to_numpy()
    care_end = np.where((last < 0) | (last > month_end), month_end, last)
    mother = (kid["mc_dob"].to_numpy() <= care_end) & ~kid["short_breaks"].to_numpy()
    # MOTHER is 1 or 0 for girls, blank for boys and for children only ever on short breaks
    female = (kid["SEX"].to_numpy() == "2") & ~kid["short_breaks"].to_numpy()
    header_t = pd.DataFrame(
        {
            "CHILD": kid["CHILD"].astype(str).to_numpy(dtype=object),
            "SEX": kid["SEX"].to_numpy(dtype=object),
            "DOB": fmt.date(kid["DOB"]),
            "ETHNIC": kid["ETHNIC"].to_numpy(dtype=object),
            "UPN": kid["UPN"].to_numpy(dtype=object),
            "MOTHER": np.where(mother, "1", np.where(female, "0", "")).astype(object),
            "MC_DOB": np.where(mother, fmt.date(kid["mc_dob"]), ""),
        }
    )
    end_minute = (month_end + 1) * 1440
    mi = missing[missing["MIS_START"] < end_minute]
    ended = mi["MIS_END"].to_numpy() < end_minute
    rhi_known = ended & (mi["RHI_DATE"].to_numpy() < end_minute)
    missing_t = pd.DataFrame(
        {
            "CHILD": mi["CHILD"].astype(str).to_numpy(dtype=object),
            "DOB": fmt.date(mi["DOB"]),
            "MISSING": mi["MISSING"].to_numpy(dtype=object),
            "MIS_START": fmt.stamp(mi["MIS_START"]),
            "MIS_END": np.where(ended, fmt.stamp(mi["MIS_END"]), ""),
            "RHI_OFFERED": np.where(ended, mi["RHI_OFFERED"].to_numpy(dtype=object), ""),
            "RHI_ACCEPTED": np.where(ended, mi["RHI_ACCEPTED"].to_numpy(dtype=object), ""),
            "RHI_DATE": np.where(rhi_known, fmt.stamp(mi["RHI_DATE"]), ""),
        }
    )
    sq = sdq[sdq["SDQ_DATE"] <= month_end]
    sdq_t = pd.DataFrame(
        {
            "CHILD": sq["CHILD"].astype(str).to_numpy(dtype=object),
            "SDQ_DATE": fmt.date(sq["SDQ_DATE"]),
            "SDQ_SCORE": sq["SDQ_SCORE"].to_numpy(dtype=object),
            "SDQ_REASON": sq["SDQ_REASON"].to_numpy(dtype=object),
        }
    )
    oc2_t = _oc2(month_end, kids, episodes, sq, seed, fmt)
    rv = reviews[reviews["REVIEW"] <= month_end]
    reviews_t = pd.DataFrame(
        {
            "CHILD": rv["CHILD"].astype(str).to_numpy(dtype=object),
            "DOB": fmt.date(rv["DOB"]),
            "REVIEW": fmt.date(rv["REVIEW"]),
            "REVIEW_CODE": rv["REVIEW_CODE"].to_numpy(dtype=object),
        }
    )
    return {
        "header": header_t,
        "episodes": episodes_t,
        "missing": missing_t,
        "sdq": sdq_t,
        "oc2": oc2_t,
        "reviews": reviews_t,
    }


def _oc2(month_end: int, kids, episodes, sq, seed: int, fmt: _Fmt) -> pd.DataFrame:
    """The 903 OC2 table of the collection year in progress, as known at `month_end`: one row per
    child looked after continuously since 1 April (the DfE's 12 months at 31 March, counted to
    the extract date: no period starting or ending in the year, no short break), with the latest
    SDQ of the year (or a reason: SDQ1 for a child turning 4 or 17 in the year, else drawn from
    SDQ_REASON_MIX) and the health and offending items for the child's age at 31 March (OC2_RATES;
    drawn once per child and collection year, so every extract of a year agrees)."""
    stamp = pd.Timestamp(month_end, unit="D")
    year = stamp.year - (stamp.month < 4)
    year_start, year_end = _day(f"{year}-04-01"), _day(f"{year + 1}-03-31")
    ep = episodes[episodes["DECOM"] <= month_end]
    dec = ep["DEC"].to_numpy()
    closed = (dec >= 0) & (dec <= month_end)
    during = closed & (dec >= year_start) | ~closed
    enters = (ep["RNE"].to_numpy() == "S") & (ep["DECOM"].to_numpy() > year_start)
    leaves = closed & (ep["REC"].to_numpy() != "X1") & (dec >= year_start) & (dec < month_end)
    short_break = ep["LS"].isin(["V3", "V4"]).to_numpy() & during
    flags = (
        pd.DataFrame(
            {
                "CHILD": ep["CHILD"].to_numpy(),
                "during": during,
                "out": enters | leaves | short_break,
            }
        )
        .groupby("CHILD")[["during", "out"]]
        .any()
    )
    child = flags.index[flags["during"] & ~flags["out"]].to_numpy()
    all_kids = kids["CHILD"].to_numpy()
    pos = np.searchsorted(all_kids, child)
    dob = kids["DOB"].to_numpy()[pos]
    latest = sq[sq["SDQ_DATE"] >= year_start].drop_duplicates("CHILD", keep="last")
    latest = latest.set_index("CHILD").reindex(child)
    score = latest["SDQ_SCORE"].fillna("").to_numpy(dtype=object)
    reason = latest["SDQ_REASON"].fillna("").to_numpy(dtype=object)
    b4, b5, b10, b17 = (_birthday(dob, y) for y in (4, 5, 10, 17))
    u = np.random.default_rng([seed, 9, year]).random((len(all_kids), 9))[pos]
    none_yet = (score == "") & (reason == "")
    turning = ((b4 >= year_start) & (b4 <= year_end)) | ((b17 >= year_start) & (b17 <= year_end))
    due = (b4 <= year_start) & (b17 > year_end)
    keys = np.array(list(SDQ_REASON_MIX), dtype=object)
    cum = np.cumsum(list(SDQ_REASON_MIX.values()))
    drawn = keys[np.minimum(np.searchsorted(cum / cum[-1], u[:, 8]), len(keys) - 1)]
    reason = np.where(none_yet & turning, "SDQ1", np.where(none_yet & due, drawn, reason))

    def item(k: int, rate: float, applies) -> np.ndarray:
        return np.where(applies, np.where(u[:, k] < rate, "1", "0"), "").astype(object)

    everyone = np.ones(len(child), dtype=bool)
    misuse = item(5, OC2_RATES["SUBSTANCE_MISUSE"], b10 < year_end)
    misuse = np.where(misuse == "", "0", misuse)
    received = item(6, OC2_RATES["INTERVENTION_RECEIVED"], misuse == "1")
    out = pd.DataFrame(
        {
            "CHILD": child.astype(str).astype(object),
            "DOB": fmt.date(dob),
            "SDQ_SCORE": score,
            "SDQ_REASON": reason.astype(object),
            "CONVICTED": item(0, OC2_RATES["CONVICTED"], b10 < year_end),
            "HEALTH_CHECK": item(1, OC2_RATES["HEALTH_CHECK"], b5 > year_end),
            "IMMUNISATIONS": item(2, OC2_RATES["IMMUNISATIONS"], everyone),
            "TEETH_CHECK": item(3, OC2_RATES["TEETH_CHECK"], everyone),
            "HEALTH_ASSESSMENT": item(4, OC2_RATES["HEALTH_ASSESSMENT"], everyone),
            "SUBSTANCE_MISUSE": misuse,
            "INTERVENTION_RECEIVED": received,
            "INTERVENTION_OFFERED": item(7, OC2_RATES["INTERVENTION_OFFERED"], received == "0"),
        }
    )
    return out[TABLE_COLUMNS["oc2"]]


# ---------------------------------------------------------------------------------------------
# faults


def _iso_key(table: str, frame: pd.DataFrame) -> pd.Series:
    """The key date of each row in ISO form ('' for header/oc2), from canonical text."""
    col = KEY_DATE.get(table)
    if col is None:
        return pd.Series("", index=frame.index, dtype=object)
    s = frame[col].astype(str)
    iso = s.str[6:10] + "-" + s.str[3:5] + "-" + s.str[0:2] + s.str[10:]
    return iso.where(s != "", "")


UNRECOVERABLE_TABLES = {
    "conflicting_duplicate": ["episodes", "sdq", "header", "oc2"],
    "end_before_start": ["episodes"],
    "missing_end_before_start": ["missing"],
    "sdq_out_of_range": ["sdq"],
    "invalid_code": ["episodes", "reviews"],
    "invalid_date": ["episodes", "sdq", "reviews", "missing"],
    "blank_child": ["episodes", "missing", "sdq", "reviews"],
    "episode_overlap": ["episodes"],
}


def _eligible(kind: str, table: str, df: pd.DataFrame) -> np.ndarray:
    ok = df["CHILD"].to_numpy() != ""
    if kind == "conflicting_duplicate" and table in ("sdq", "oc2"):
        ok &= df["SDQ_SCORE"].to_numpy() != ""
    if kind == "end_before_start":
        ok &= df["DEC"].to_numpy() != ""
    if kind == "episode_overlap":
        ok &= (df["DEC"].to_numpy() != "") & (df["REC"].to_numpy() == "X1")
    if kind == "missing_end_before_start":
        ok &= df["MIS_END"].to_numpy() != ""
    if kind == "sdq_out_of_range":
        ok &= df["SDQ_SCORE"].to_numpy() != ""
    return ok


def _shift_date(text: pd.Series, days: np.ndarray) -> np.ndarray:
    d = pd.to_datetime(text, format="%d/%m/%Y") + pd.to_timedelta(days, unit="D")
    return d.dt.strftime("%d/%m/%Y").to_numpy(dtype=object)


def _inject(tables: dict[str, pd.DataFrame], rng: np.random.Generator):
    """The dirty copy of one extract and its faults (table, fault, recoverable, CHILD, KEY)."""
    dirty = {t: df.copy() for t, df in tables.items()}
    keys = {t: _iso_key(t, df) for t, df in tables.items()}
    touched = {t: np.zeros(len(df), dtype=bool) for t, df in tables.items()}
    extra: dict[str, list[pd.DataFrame]] = {t: [] for t in tables}
    log: list[pd.DataFrame] = []
    used = pd.Index([], dtype=object)

    def record(table, kind, rows):
        log.append(
            pd.DataFrame(
                {
                    "table": table,
                    "fault": kind,
                    "recoverable": RECOVERABLE[kind],
                    "CHILD": tables[table]["CHILD"].to_numpy()[rows],
                    "KEY": keys[table].to_numpy()[rows],
                }
            )
        )

    def pick(table, kind, ok, minimum):
        n_ok = int(ok.sum())
        if n_ok == 0:
            return np.zeros(0, dtype=np.int64)
        k = max(int(rng.binomial(n_ok, FAULT_RATES[kind])), minimum)
        rows = np.sort(rng.choice(np.flatnonzero(ok), size=min(k, n_ok), replace=False))
        return rows

    for kind, table_list in UNRECOVERABLE_TABLES.items():
        for i, table in enumerate(table_list):
            df = tables[table]
            d = dirty[table]
            ok = _eligible(kind, table, df) & ~df["CHILD"].isin(used).to_numpy()
            rows = pick(table, kind, ok, 1 if i == 0 else 0)
            # one fault per child
            rows = rows[~pd.Series(df["CHILD"].to_numpy()[rows]).duplicated().to_numpy()]
            if not len(rows):
                continue
            used = used.append(pd.Index(df["CHILD"].to_numpy()[rows]))
            touched[table][rows] = True
            record(table, kind, rows)
            idx = d.index[rows]
            if kind == "conflicting_duplicate":
                copy = d.loc[idx].copy()
                if table == "episodes":
                    copy["PLACE"] = np.where(copy["PLACE"] == "U4", "U6", "U4")
                elif table == "header":
                    copy["ETHNIC"] = np.where(copy["ETHNIC"] == "WBRI", "WOTH", "WBRI")
                else:
                    score = copy["SDQ_SCORE"].astype(int)
                    copy["SDQ_SCORE"] = ((score + 3) % 41).astype(str)
                extra[table].append(copy)
            elif kind == "end_before_start":
                d.loc[idx, "DEC"] = _shift_date(
                    df.loc[idx, "DECOM"], -rng.integers(1, 30, len(idx))
                )
            elif kind == "episode_overlap":
                d.loc[idx, "DEC"] = _shift_date(df.loc[idx, "DEC"], rng.integers(1, 31, len(idx)))
            elif kind == "missing_end_before_start":
                start = pd.to_datetime(df.loc[idx, "MIS_START"], format="%d/%m/%Y %H:%M")
                end = start - pd.to_timedelta(5 * rng.integers(1, 120, len(idx)), unit="min")
                d.loc[idx, "MIS_END"] = end.dt.strftime("%d/%m/%Y %H:%M")
            elif kind == "sdq_out_of_range":
                d.loc[idx, "SDQ_SCORE"] = np.array(["41", "-1", "99", "n/a"], dtype=object)[
                    rng.integers(0, 4, len(idx))
                ]
            elif kind == "invalid_code":
                if table == "episodes":
                    years = _year_of(
                        pd.to_datetime(df.loc[idx, "DECOM"], format="%d/%m/%Y")
                        .to_numpy()
                        .astype("datetime64[D]")
                        .astype(np.int64)
                    )
                    k3_bad = np.array(["K3" not in codes.codes("PLACE", int(y)) for y in years])
                    d.loc[idx, "PLACE"] = np.where(
                        k3_bad & (rng.random(len(idx)) < 0.5), "K3", "ZZ"
                    )
                else:
                    d.loc[idx, "REVIEW_CODE"] = "PN9"
            elif kind == "invalid_date":
                d.loc[idx, KEY_DATE[table]] = np.array(["31/02/2016", "unknown"], dtype=object)[
                    rng.integers(0, 2, len(idx))
                ]
            elif kind == "blank_child":
                d.loc[idx, "CHILD"] = ""

    # recoverable formatting faults, on rows without a structural/unrecoverable fault
    for i, (table, d) in enumerate(dirty.items()):
        df = tables[table]
        free = ~touched[table]
        rows = pick(table, "id_format", free, 1 if i == 0 else 0)
        if len(rows):
            record(table, "id_format", rows)
            ids = df["CHILD"].to_numpy()[rows].astype(str)
            style = rng.integers(0, 4, len(rows))
            variants = np.select(
                [style == 0, style == 1, style == 2],
                [np.char.add(" ", ids), np.char.add("00", ids), np.char.add(ids, ".0")],
                np.char.add(
                    np.char.add(np.array([s[:3] for s in ids]), " "), np.array([s[3:] for s in ids])
                ),
            )
            d.loc[d.index[rows], "CHILD"] = variants.astype(object)
        cols = DATE_COLUMNS.get(table, []) + DATETIME_COLUMNS.get(table, [])
        rows = pick(table, "date_format", free, 1 if i == 0 else 0)
        if len(rows) and cols:
            col_of = np.array(cols, dtype=object)[rng.integers(0, len(cols), len(rows))]
            for col in cols:
                sel = rows[(col_of == col) & (df[col].to_numpy()[rows] != "")]
                if not len(sel):
                    continue
                record(table, "date_format", sel)
                text = df[col].to_numpy()[sel].astype(str)
                idx = d.index[sel]
                if col in DATETIME_COLUMNS.get(table, []):
                    stamp = pd.to_datetime(pd.Series(text), format="%d/%m/%Y %H:%M")
                    d.loc[idx, col] = np.where(
                        rng.random(len(sel)) < 0.5,
                        stamp.dt.strftime("%Y-%m-%d %H:%M"),
                        stamp.dt.strftime("%d/%m/%Y %H:%M:%S"),
                    )
                else:
                    day = pd.to_datetime(pd.Series(text), format="%d/%m/%Y")
                    serial = ((day - pd.Timestamp("1899-12-30")).dt.days).astype(str)
                    style = rng.integers(0, 3, len(sel))
                    d.loc[idx, col] = np.select(
                        [style == 0, style == 1],
                        [
                            day.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
                            np.char.add(text, " 00:00").astype(object),
                        ],
                        serial.to_numpy(dtype=object),
                    )
        ccols = CODE_COLUMNS.get(table, [])
        rows = pick(table, "code_format", free, 1 if i == 0 else 0)
        if len(rows) and ccols:
            col_of = np.array(ccols, dtype=object)[rng.integers(0, len(ccols), len(rows))]
            for col in ccols:
                sel = rows[(col_of == col) & (df[col].to_numpy()[rows] != "")]
                if not len(sel):
                    continue
                record(table, "code_format", sel)
                text = df[col].to_numpy()[sel].astype(str)
                lower = (rng.random(len(sel)) < 0.5) & (np.char.lower(text) != text)
                d.loc[d.index[sel], col] = np.where(
                    lower, np.char.lower(text), np.char.add(np.char.add(" ", text), " ")
                )
        if "SDQ_SCORE" in d:
            rows = pick(table, "number_format", free & (df["SDQ_SCORE"].to_numpy() != ""), 1)
            if len(rows):
                record(table, "number_format", rows)
                text = df["SDQ_SCORE"].to_numpy()[rows].astype(str)
                d.loc[d.index[rows], "SDQ_SCORE"] = np.where(
                    rng.random(len(rows)) < 0.5,
                    np.char.add(text, ".0"),
                    np.char.add(np.char.add(" ", text), " "),
                )
        rows = pick(table, "exact_duplicate", free, 1 if i == 0 else 0)
        if len(rows):
            record(table, "exact_duplicate", rows)
            extra[table].append(d.iloc[rows])
    for table, parts in extra.items():
        if parts:
            dirty[table] = pd.concat([dirty[table], *parts], ignore_index=True)
    faults = (
        pd.concat(log, ignore_index=True)
        if log
        else pd.DataFrame(columns=["table", "fault", "recoverable", "CHILD", "KEY"])
    )
    return dirty, faults


# ---------------------------------------------------------------------------------------------
# writing


def _csv_bytes(frame: pd.DataFrame, columns: list[str] | None = None, encoding: str = "utf-8"):
    buf = io.StringIO()
    out = frame if columns is None else frame.set_axis(columns, axis=1)
    out.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue().encode(encoding)


def _raw_columns(columns: list[str], style: int) -> list[str]:
    if style == 1:
        return [c.replace("_", " ").title() if c != "CHILD" else " Child " for c in columns]
    if style == 2:
        return [c.lower() for c in columns]
    return list(columns)


def _write_month(
    folder_truth: Path,
    folder_raw: Path,
    month: str,
    index: int,
    truth: dict,
    dirty: dict,
    faults: pd.DataFrame,
) -> None:
    folder_truth.mkdir(parents=True, exist_ok=True)
    folder_raw.mkdir(parents=True, exist_ok=True)
    for table, frame in truth.items():
        (folder_truth / f"{table}.csv").write_bytes(_csv_bytes(frame))
    (folder_truth / "faults.csv").write_bytes(_csv_bytes(faults))
    encoding = ["utf-8", "utf-8-sig", "cp1252"][index % 3]
    for table, frame in dirty.items():
        name = FILE_NAMES[table][index % len(FILE_NAMES[table])].format(m=month)
        cols = _raw_columns(list(frame.columns), (index + len(table)) % 3)
        (folder_raw / name).write_bytes(_csv_bytes(frame, cols, encoding))
    (folder_raw / "oc3.csv").write_bytes(b"CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n")
    (folder_raw / "notes.csv").write_bytes(b"")


def _kid_attributes(rng: np.random.Generator, kids: pd.DataFrame) -> pd.DataFrame:
    n = len(kids)
    sex = np.where(rng.random(n) < 0.56, "1", "2")
    upn = ("A" + pd.Series(rng.integers(10**11, 10**12, n)).astype(str)).to_numpy(dtype=object)
    mother = (sex == "2") & (rng.random(n) < 0.03)
    mc_dob = np.where(mother, kids["DOB"].to_numpy() + rng.integers(15 * 365, 18 * 365, n), NO_DATE)
    return kids.assign(SEX=sex, ETHNIC=_choice(rng, ETHNIC_MIX, n), UPN=upn, mc_dob=mc_dob)


def looked_after(episodes: pd.DataFrame, day: int) -> int:
    """Children looked after at the end of `day` (day numbers; short breaks excluded)."""
    ep = episodes[~episodes["LS"].isin(["V3", "V4"])]
    dec = ep["DEC"].to_numpy()
    on = (ep["DECOM"].to_numpy() <= day) & ((dec < 0) | (dec > day))
    return int(ep.loc[on, "CHILD"].nunique())


def generate(
    out_root: Path,
    *,
    seed: int = 903,
    history_start: str = "2007-04",
    end: str = "2017-01",
    months: int = 12,
    scale: float = 1.0,
    faults: bool = True,
    progress: bool = False,
) -> dict:
    """Simulate the LA and write raw/YYYY-MM (dirty) and truth/YYYY-MM (clean + faults.csv).

    Returns {"months": {YYYY-MM: {"looked_after", "rows", "faults"}}, "children", "episodes"}.
    """
    out_root = Path(out_root)
    history = _day(pd.Period(history_start, freq="M").start_time)
    end_period = pd.Period(end, freq="M")
    horizon = _day(end_period.end_time.normalize())
    report = [end_period - k for k in range(months - 1, -1, -1)]
    kids, episodes, periods = _simulate(seed, history, horizon, scale, progress)
    kids = _kid_attributes(np.random.default_rng([seed, 5]), kids)
    missing = _missing(np.random.default_rng([seed, 6]), episodes, kids, horizon)
    regular = periods  # short breaks get no SDQs or reviews
    sdq = _sdq(np.random.default_rng([seed, 7]), regular, kids, horizon)
    reviews = _reviews(np.random.default_rng([seed, 8]), regular, kids, horizon)
    fmt = _Fmt(int(min(kids["DOB"].min(), history)) - 1, horizon + 400)
    summary: dict = {"months": {}, "children": int(len(kids)), "episodes": int(len(episodes))}
    iterator = report
    if progress:
        from tqdm import tqdm

        iterator = tqdm(report, desc="synthetic months", unit="month")
    for period in iterator:
        month = str(period)
        month_end = _day(period.end_time.normalize())
        truth = _extract(month_end, kids, episodes, missing, sdq, reviews, fmt, seed)
        if faults:
            rng = np.random.default_rng([seed, 100, period.year, period.month])
            dirty, fault_log = _inject(truth, rng)
        else:
            dirty = truth
            fault_log = pd.DataFrame(columns=["table", "fault", "recoverable", "CHILD", "KEY"])
        _write_month(
            out_root / "truth" / month,
            out_root / "raw" / month,
            month,
            period.year * 12 + period.month,
            truth,
            dirty,
            fault_log,
        )
        summary["months"][month] = {
            "looked_after": looked_after(episodes, month_end),
            "rows": {t: int(len(f)) for t, f in truth.items()},
            "faults": int(len(fault_log)),
        }
    return summary
