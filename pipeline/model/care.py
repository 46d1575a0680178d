"""Episodes, periods of care, placements (carer spells) and moves; who is looked after when.

Pure, vectorised functions: cleaned tables in, tidy frames out. Episodes are sorted by
(CHILD, DECOM) and every rule is a comparison with the previous or next row of the same child,
period or placement (shift, cumsum, running maxima), never a Python loop per child.

Definitions (SPEC 5; the codes are in `pipeline/data/definitions.toml`):

- Short breaks (LS V3/V4) are set aside before anything else (`care_episodes`).
- A *period of care* continues while the previous episode ended with REC = X1 and this episode
  starts on that DEC date; the first episode of a child, an episode with RNE S, an episode after a
  gap and an episode after any other REC (or after an open episode) start a new period.
- A *placement* starts at the first episode of each period and at each later episode with RNE P or
  B (also T and U when `Settings.count_same_carer_moves`). RNE L (and by default T, U) continue it.
- Temporary placements (PLACE T0-T4) never start a placement: they are folded into the placement
  they interrupt. The next non-temporary episode after a temporary run continues that placement
  when its PLACE and PL_POST match the last episode before the run (a blank PL_POST matches a
  blank); otherwise it starts a new placement, whatever its RNE.
- Placed for adoption with the current foster carer (PLACE A3, A5) continues the current placement
  (unless it opens a period).
- *Looked after at R* (an end-of-day snapshot): DECOM <= R and (DEC blank or DEC > R); a child who
  leaves care on R is not looked after at R. *In care on a day* (for events such as going missing):
  DECOM <= day and (DEC blank or DEC >= day), the care episode in force being the latest to start.
- The *placement type in force* on a day is the PLACE of the episode in force, a temporary episode
  counting as the placement it interrupts.

How a placement ends (`end_category`): ``open`` (no end date); ``left_care`` (the last placement
of a period that has ended); otherwise the child moved to the next placement of the same period and
REASON_PLACE_CHANGE on the ending episode decides: a breakdown code -> ``disruption``, the
settings' other-unplanned, planned and status-change groups -> ``other_unplanned``, ``planned``,
``status_change``; a reason in none of the groups (OTHER, CUSTOD) or blank -> ``other_unplanned``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.config import Settings
from pipeline.model import dates, keys, vocab

PERIOD_COLUMNS = ["CHILD", "period_id", "period_start", "period_end", "DOB", "SEX", "age_at_entry"]
PLACEMENT_COLUMNS = [
    "CHILD",
    "period_id",
    "placement_id",
    "placement_seq",
    "is_first_in_period",
    "start",
    "end",
    "place",
    "place_group",
    "provider",
    "end_reason",
    "end_category",
    "moved_to_next",
    "DOB",
    "SEX",
    "age_at_start",
    "period_start",
]
MOVE_COLUMNS = [
    "CHILD",
    "period_id",
    "placement_id",
    "date",
    "from_placement_id",
    "from_place",
    "from_place_group",
    "to_place",
    "to_place_group",
    "reason",
    "category",
    "age",
]


# ---------------------------------------------------------------------------------- helpers


def _first_of_run(keys: np.ndarray) -> np.ndarray:
    """True where a row starts a new run of equal keys (keys sorted so runs are contiguous)."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[1:] = keys[1:] != keys[:-1]
    return out


def _last_of_run(keys: np.ndarray) -> np.ndarray:
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[:-1] = keys[:-1] != keys[1:]
    return out


def _bool(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool)


def _text(series: pd.Series, positions: np.ndarray) -> np.ndarray:
    """Values at `positions` as an object array with blanks as '' (so blank matches blank)."""
    return series.iloc[positions].fillna("").to_numpy(dtype=object)


def _take(series: pd.Series, mask: np.ndarray):
    """The values of `series` where `mask`, keeping the column's own (e.g. arrow string) array."""
    return series.array[mask]


# ---------------------------------------------------------------------------------- episodes


def care_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes with short breaks set aside, sorted by CHILD, DECOM (then DEC), fresh index."""
    kept = episodes.loc[~vocab.is_short_break(episodes["LS"])]
    return kept.take(keys.sort_order(kept, ["CHILD", "DECOM", "DEC"])).reset_index(drop=True)


def short_break_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """The short-break episodes (LS V3/V4) that `care_episodes` sets aside."""
    return episodes.loc[vocab.is_short_break(episodes["LS"])].reset_index(drop=True)


def _with_periods(ep: pd.DataFrame) -> pd.DataFrame:
    """Sorted care episodes + period_id (0..n-1), new_period, period_start, _child (int code)."""
    if ep.empty:
        return ep.assign(
            period_id=pd.Series(dtype="int64"),
            new_period=pd.Series(dtype="bool"),
            period_start=pd.Series(dtype=dates.NS),
            _child=pd.Series(dtype="int64"),
        )
    same_child = _bool(ep["CHILD"].eq(ep["CHILD"].shift(1)))
    prev_rec_x1 = np.r_[False, _bool(ep["REC"].eq(vocab.STILL_IN_CARE_REC))[:-1]]
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    dec = ep["DEC"].to_numpy(dtype=dates.NS)
    starts_on_prev_end = np.r_[False, decom[1:] == dec[:-1]]  # NaT never equals anything
    not_s = ~_bool(ep["RNE"].eq(vocab.PERIOD_START_RNE))
    new_period = ~(same_child & prev_rec_x1 & starts_on_prev_end & not_s)
    period_id = np.cumsum(new_period) - 1
    period_start = decom[new_period][period_id]
    child_code = np.cumsum(~same_child) - 1  # 0, 1, ... per child in sorted order
    return ep.assign(
        period_id=period_id, new_period=new_period, period_start=period_start, _child=child_code
    )


def _placement_flags(ep: pd.DataFrame, settings: Settings) -> np.ndarray:
    """True where an episode (sorted, with period_id) starts a new placement."""
    n = len(ep)
    if n == 0:
        return np.zeros(0, dtype=bool)
    first = ep["new_period"].to_numpy(dtype=bool)
    place = ep["PLACE"]
    temp = vocab.is_temporary(place)
    adopt_same = _bool(place.isin(vocab.ADOPTION_SAME_CARER))
    moving_rne = set(vocab.NEW_CARER_RNE) | (
        set(vocab.SAME_CARER_RNE) if settings.count_same_carer_moves else set()
    )
    rne_new = _bool(ep["RNE"].isin(moving_rne))
    prev_temp = np.r_[False, temp[:-1]] & ~first
    # a return from a temporary run: compare PLACE and PL_POST with the last non-temporary
    # episode before the run (found by a running maximum of non-temporary positions)
    pos = np.arange(n)
    last_regular = np.maximum.accumulate(np.where(~temp, pos, -1))
    anchor = np.r_[-1, last_regular[:-1]]
    check = np.flatnonzero(prev_temp & ~temp)
    a = anchor[check]
    a_ok = a >= 0
    a = np.where(a_ok, a, 0)
    period_id = ep["period_id"].to_numpy()
    post = ep["PL_POST"]
    same = (
        a_ok
        & (period_id[a] == period_id[check])
        & (_text(place, check) == _text(place, a))
        & (_text(post, check) == _text(post, a))
    )
    returns = np.zeros(n, dtype=bool)
    returns[check] = same
    carer_change = np.where(prev_temp, ~returns, rne_new)
    return first | (~temp & ~adopt_same & carer_change)


def _in_force_source(place: pd.Series, placement_id: np.ndarray) -> np.ndarray:
    """Per episode: the row whose placement is in force during it: itself, or for a temporary
    episode the last regular episode of the placement it interrupts (itself when there is none)."""
    n = len(place)
    temp = vocab.is_temporary(place)
    pos = np.arange(n)
    last_regular = np.maximum.accumulate(np.where(~temp, pos, -1)) if n else pos
    first_of_placement = np.flatnonzero(_first_of_run(placement_id)) if n else pos
    placement_first = first_of_placement[np.cumsum(_first_of_run(placement_id)) - 1] if n else pos
    return np.where(temp & (last_regular >= placement_first), last_regular, pos)


def _place_in_force(ep: pd.DataFrame, placement_id: np.ndarray) -> pd.Series:
    """Each episode's placement type: its PLACE, or for a temporary episode the PLACE of the
    last regular episode of the placement it interrupts (its own code when there is none)."""
    source = _in_force_source(ep["PLACE"], placement_id)
    return pd.Series(ep["PLACE"].array.take(source), index=ep.index, dtype="str")


def placement_episode(care: Care, episode_rows: np.ndarray) -> np.ndarray:
    """For rows of `care.episodes`: the episode whose placement is in force (a temporary episode
    counts as the placement it interrupts, as for the placement type in force), e.g. for the
    placement's PL_POST."""
    ep = care.episodes
    return _in_force_source(ep["PLACE"], ep["placement_id"].to_numpy())[episode_rows]


# ---------------------------------------------------------------------------------- children


@dataclass(frozen=True)
class _Children:
    """Per-child attributes in child-code order (codes from `_with_periods`)."""

    ids: pd.Series  # CHILD
    dob: np.ndarray  # datetime64[ns], NaT where the header has no row
    sex: pd.api.extensions.ExtensionArray


def _children(ep: pd.DataFrame, header: pd.DataFrame | None) -> _Children:
    first = _first_of_run(ep["_child"].to_numpy()) if len(ep) else np.zeros(0, dtype=bool)
    ids = pd.Series(_take(ep["CHILD"], first), dtype="str")
    if header is None or "CHILD" not in header or header.empty:
        return _Children(
            ids,
            np.full(len(ids), np.datetime64("NaT"), dtype=dates.NS),
            pd.array([pd.NA] * len(ids), dtype="str"),
        )
    h = header.drop_duplicates("CHILD")
    pos = keys.positions(ids, h["CHILD"])
    found = pos >= 0
    dob = np.full(len(ids), np.datetime64("NaT"), dtype=dates.NS)
    if "DOB" in h:
        dob[found] = h["DOB"].to_numpy(dtype=dates.NS)[pos[found]]
    sex = h["SEX"].astype("str").array if "SEX" in h else pd.array([pd.NA] * len(h), dtype="str")
    return _Children(ids, dob, sex.take(pos, allow_fill=True))


def _child_attributes(frame: pd.DataFrame, kids: _Children, code: np.ndarray) -> pd.DataFrame:
    """Add DOB and SEX (NaT / NA where the header has no row for the child)."""
    return frame.assign(
        DOB=pd.Series(kids.dob[code], index=frame.index, dtype=dates.NS),
        SEX=pd.Series(kids.sex.take(code), index=frame.index, dtype="str"),
    )


# ---------------------------------------------------------------------------------- frames


def _periods_from(ep: pd.DataFrame, kids: _Children) -> pd.DataFrame:
    first = ep["new_period"].to_numpy(dtype=bool)
    last = _last_of_run(ep["period_id"].to_numpy())
    out = pd.DataFrame(
        {
            "CHILD": _take(ep["CHILD"], first),
            "period_id": ep["period_id"].to_numpy()[first].astype("int64"),
            "period_start": ep["DECOM"].to_numpy(dtype=dates.NS)[first],
            "period_end": ep["DEC"].to_numpy(dtype=dates.NS)[last],
        }
    ).astype({"CHILD": "str"})
    out = _child_attributes(out, kids, ep["_child"].to_numpy()[first])
    out["age_at_entry"] = dates.whole_years(out["DOB"], out["period_start"])
    return out[PERIOD_COLUMNS]


def _end_category(pl: pd.DataFrame, settings: Settings) -> pd.Series:
    codes, uniques = pd.factorize(pl["end_reason"], use_na_sentinel=True)
    group = {c: "disruption" for c in settings.breakdown}
    group.update({c: "planned" for c in settings.planned})
    group.update({c: "status_change" for c in settings.status_change})
    names = ["other_unplanned", "left_care", "open", "disruption", "planned", "status_change"]
    by_reason = np.array([names.index(group.get(u, "other_unplanned")) for u in uniques] + [0])
    category = by_reason[codes]  # code -1 (blank reason) -> the appended other_unplanned
    category = np.where(pl["moved_to_next"].to_numpy(dtype=bool), category, 1)
    category = np.where(pl["end"].isna().to_numpy(), 2, category)
    # the few names taken by integer code in Arrow, not an array of Python strings
    text = pa.array(names, pa.large_string()).take(pa.array(category, pa.int64()))
    return pd.Series(pd.array(text, dtype="str"), index=pl.index)


def _placements_from(
    ep: pd.DataFrame, kids: _Children, settings: Settings, new: np.ndarray
) -> pd.DataFrame:
    placement_id = np.cumsum(new) - 1
    last = _last_of_run(placement_id) if len(ep) else np.zeros(0, dtype=bool)
    period_id = ep["period_id"].to_numpy()
    last_in_period = _last_of_run(period_id) if len(ep) else np.zeros(0, dtype=bool)
    out = pd.DataFrame(
        {
            "CHILD": _take(ep["CHILD"], new),
            "period_id": period_id[new].astype("int64"),
            "placement_id": placement_id[new].astype("int64"),
            "start": ep["DECOM"].to_numpy(dtype=dates.NS)[new],
            "end": ep["DEC"].to_numpy(dtype=dates.NS)[last],
            "place": _take(ep["PLACE"], new),
            "provider": _take(ep["PLACE_PROVIDER"], new),
            "end_reason": _take(ep["REASON_PLACE_CHANGE"], last),
            "moved_to_next": ~last_in_period[last],
            "period_start": ep["period_start"].to_numpy(dtype=dates.NS)[new],
        }
    ).astype({"CHILD": "str", "place": "str", "provider": "str", "end_reason": "str"})
    seq = out.groupby("period_id", sort=False).cumcount() + 1
    out["placement_seq"] = seq.astype("int64")
    out["is_first_in_period"] = (seq == 1).to_numpy(dtype=bool)
    out["place_group"] = vocab.place_group(out["place"])
    out["end_category"] = _end_category(out, settings)
    out = _child_attributes(out, kids, ep["_child"].to_numpy()[new])
    out["age_at_start"] = dates.whole_years(out["DOB"], out["start"])
    return out[PLACEMENT_COLUMNS]


# ---------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Care:
    """Periods and placements of one extract, built in one pass over its episodes.

    `episodes`: care episodes (short breaks aside) sorted by CHILD and DECOM, with period_id,
    placement_id and place_in_force. `children` holds the CHILD ids in code order; the
    `*_child` arrays give each row's child code, for integer joins.
    """

    episodes: pd.DataFrame
    periods: pd.DataFrame
    placements: pd.DataFrame
    short_breaks: pd.DataFrame
    children: pd.Index
    episode_child: np.ndarray
    period_child: np.ndarray
    placement_child: np.ndarray


def build_care(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> Care:
    """The periods and placements of a cleaned extract (`tables` needs episodes; header gives
    DOB and SEX)."""
    settings = settings or Settings()
    episodes = tables["episodes"]
    ep = _with_periods(care_episodes(episodes))
    kids = _children(ep, tables.get("header"))
    new_placement = _placement_flags(ep, settings)
    placement_id = (np.cumsum(new_placement) - 1).astype("int64")
    code = ep["_child"].to_numpy().astype("int64")
    new_period = ep["new_period"].to_numpy(dtype=bool)
    episode_frame = ep.drop(columns=["_child", "new_period"]).assign(
        placement_id=placement_id, place_in_force=_place_in_force(ep, placement_id)
    )
    return Care(
        episodes=episode_frame,
        periods=_periods_from(ep, kids),
        placements=_placements_from(ep, kids, settings, new_placement),
        short_breaks=short_break_episodes(episodes),
        children=pd.Index(kids.ids, dtype="str"),
        episode_child=code,
        period_child=code[new_period],
        placement_child=code[new_placement],
    )


def periods(episodes: pd.DataFrame, header: pd.DataFrame | None = None) -> pd.DataFrame:
    """Periods of care: CHILD, period_id, period_start, period_end (NaT open), DOB, SEX,
    age_at_entry. period_id numbers the periods 0..n-1 in (CHILD, start) order."""
    return build_care({"episodes": episodes, "header": header}).periods


def placements(
    episodes: pd.DataFrame,
    header: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per placement (carer spell), in (CHILD, start) order. See the module docstring.

    Columns: CHILD, period_id, placement_id, placement_seq (1, 2, ... within the period),
    is_first_in_period, start, end (NaT open), place (PLACE of the placement's first episode),
    place_group, provider (its PLACE_PROVIDER), end_reason (REASON_PLACE_CHANGE of the ending
    episode), end_category, moved_to_next (another placement follows in the same period), DOB,
    SEX, age_at_start, period_start.
    """
    return build_care({"episodes": episodes, "header": header}, settings).placements


def moves(placements_frame: pd.DataFrame) -> pd.DataFrame:
    """Placement moves (carer changes): one row per placement that is not the first of its period.

    Columns: CHILD, period_id, placement_id (the new placement), date (its start),
    from_placement_id, from_place, from_place_group, to_place, to_place_group, reason and
    category (how the previous placement ended), age (at the move).
    """
    order = keys.sort_order(placements_frame, ["CHILD", "start"])
    pl = placements_frame.take(order).reset_index(drop=True)
    prev = pl.shift(1)
    mv = ~pl["is_first_in_period"].to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "CHILD": pl["CHILD"],
            "period_id": pl["period_id"],
            "placement_id": pl["placement_id"],
            "date": pl["start"],
            "from_placement_id": prev["placement_id"],
            "from_place": prev["place"],
            "from_place_group": prev["place_group"],
            "to_place": pl["place"],
            "to_place_group": pl["place_group"],
            "reason": prev["end_reason"],
            "category": prev["end_category"],
            "age": pl["age_at_start"],
        }
    )
    out = out.loc[mv].reset_index(drop=True)
    return out.astype({"from_placement_id": "int64"}) if len(out) else out


# ---------------------------------------------------------------------------------- when


@dataclass(frozen=True)
class AtDates:
    """(row, reference position) pairs: which periods or placements are current at each R.

    `rows` index the periods (or placements) frame, `ref` the reference dates, `child` the child
    codes. A child whose bad data leaves two rows current at once is counted once (the later).
    """

    rows: np.ndarray
    ref: np.ndarray
    child: np.ndarray


def _current(start, end, child: np.ndarray, refs: np.ndarray) -> AtDates:
    rows, ref = dates.active_at(start, end, refs)
    if _overlapping(child, start, end):
        keep = dates.last_per_key(child[rows] * len(refs) + ref, start[rows])
        rows, ref = rows[keep], ref[keep]
    return AtDates(rows=rows, ref=ref, child=child[rows])


def _overlapping(code: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """True if a child's row begins before its previous row ended (or the previous is open)."""
    if len(code) < 2:
        return False
    same = code[1:] == code[:-1]
    prev_end = end[:-1]
    return bool((same & (np.isnat(prev_end) | (prev_end > start[1:]))).any())


def looked_after(care: Care, refs: np.ndarray) -> AtDates:
    """Children looked after at each R: their current period of care (rows of `care.periods`)."""
    per = care.periods
    return _current(
        per["period_start"].to_numpy(dtype=dates.NS),
        per["period_end"].to_numpy(dtype=dates.NS),
        care.period_child,
        refs,
    )


def current_placements(care: Care, refs: np.ndarray) -> AtDates:
    """Each looked-after child's current placement at each R (rows of `care.placements`)."""
    pl = care.placements
    return _current(
        pl["start"].to_numpy(dtype=dates.NS),
        pl["end"].to_numpy(dtype=dates.NS),
        care.placement_child,
        refs,
    )


def throughout_year(care: Care, la: AtDates, year_start: np.ndarray) -> np.ndarray:
    """For (looked-after period, R) pairs: looked after continuously for the 12 months to R (the
    current period began on or before the year's first day, R - 1 year + 1 day)."""
    return care.periods["period_start"].to_numpy(dtype=dates.NS)[la.rows] <= year_start[la.ref]


def period_rec(care: Care) -> pd.Series:
    """The REC of each period's last episode (rows of care.periods, as text: missing while open),
    so that code groups are matched by `.isin` on the text as held."""
    ep = care.episodes
    pid = ep["period_id"].to_numpy()
    last = np.r_[pid[1:] != pid[:-1], True] if len(pid) else np.zeros(0, dtype=bool)
    out = pd.Series(pd.NA, index=pd.RangeIndex(len(care.periods)), dtype="str")
    out.iloc[pid[last]] = ep["REC"].astype("str").array[last]
    return out


def placements_in_year(care: Care, child: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """For each (child code, R): the child's placements (any period) overlapping the year to R."""
    pl = care.placements
    start = pl["start"].to_numpy(dtype=dates.NS)
    end = pl["end"].to_numpy(dtype=dates.NS)
    ended = ~np.isnat(end)
    code = care.placement_child
    started = dates.count_on_or_before(code, start, child, refs, inclusive=True)
    gone = dates.count_on_or_before(
        code[ended], end[ended], child, dates.year_start(refs), inclusive=False
    )
    return started - gone


def looked_after_in_year(care: Care, refs: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Children looked after at any time in the year to each R: (ref position, child code) pairs,
    one per child and R (a period overlapping the year: started on or before R, not ended before
    the year's first day)."""
    per = care.periods
    ref, rows = dates.overlapping_year(per["period_start"], per["period_end"], refs)
    pairs = dates.distinct(care.period_child[rows].astype("int64") * (len(refs) + 1) + ref)
    return pairs % (len(refs) + 1), pairs // (len(refs) + 1)


def _furthest_end(care: Care) -> tuple[np.ndarray, np.ndarray]:
    """Per episode row: the latest end (day number; open: far in the future) of the child's
    episodes up to and including it, and the row holding that end (a running maximum within each
    child, on keys child * 2**21 + day)."""
    dec = care.episodes["DEC"].to_numpy(dtype=dates.NS)
    days = dec.astype("datetime64[D]").astype("int64")
    base = days[~np.isnat(dec)].min(initial=0) - 1
    shift = np.int64(1 << 21)
    end = np.where(np.isnat(dec), shift - 1, days - base)
    key = care.episode_child.astype("int64") * shift + end
    running = np.maximum.accumulate(key)
    holder = np.maximum.accumulate(np.where(key == running, np.arange(len(key)), 0))
    reach = running - care.episode_child.astype("int64") * shift + base
    return np.where(running % shift == shift - 1, np.iinfo(np.int64).max, reach), holder


def in_care_on(care: Care, child: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each (child code, day): the row of `care.episodes` in force (the latest to start on
    or before the day, not ended before it), or -1 when the child was not in care that day.

    Bad data (an episode left open before a later one, EPI-OPEN-NOT-LAST) can leave an earlier
    episode covering the day after the latest has ended: that earlier episode is in force."""
    ep = care.episodes
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    dec = ep["DEC"].to_numpy(dtype=dates.NS)
    ok = child >= 0
    hit = np.full(len(child), -1, dtype="int64")
    if not ok.any():
        return hit
    found = dates.latest_on_or_before(care.episode_child, decom, child[ok], day[ok])
    started = found >= 0
    safe = np.where(started, found, 0)
    live = started & (np.isnat(dec[safe]) | (dec[safe] >= day[ok]))
    if (started & ~live).any():
        reach, holder = _furthest_end(care)
        covered = started & ~live & (reach[safe] >= dates.day_number(day[ok]))
        found = np.where(covered, holder[safe], found)
        live |= covered
    hit[ok] = np.where(live, found, -1)
    return hit


def on_short_break(care: Care, children: pd.Series, day: np.ndarray) -> np.ndarray:
    """True where a child is on a short break on the day (a V3/V4 episode in force)."""
    sb = care.short_breaks
    out = np.zeros(len(children), dtype=bool)
    if sb.empty or len(children) == 0:
        return out
    ids = pd.Index(sb["CHILD"].astype("str").unique())
    code = keys.positions(children, ids)
    sb = sb.take(keys.sort_order(sb, ["CHILD", "DECOM"]))
    sb_code = keys.positions(sb["CHILD"], ids)
    ok = code >= 0
    if not ok.any():
        return out
    dec = sb["DEC"].to_numpy(dtype=dates.NS)
    found = dates.latest_on_or_before(
        sb_code, sb["DECOM"].to_numpy(dtype=dates.NS), code[ok], day[ok]
    )
    safe = np.where(found >= 0, found, 0)
    out[ok] = (found >= 0) & (np.isnat(dec[safe]) | (dec[safe] >= day[ok]))
    return out


def children_at(care: Care, ref_date) -> pd.DataFrame:
    """Children looked after at R, one row each: CHILD, period_start, age_at_entry (to the
    current period), placements_12m (placements overlapping the year to R), place and
    place_group (the placement type in force at R)."""
    refs = np.array([pd.Timestamp(ref_date).normalize()], dtype=dates.NS)
    la = looked_after(care, refs)
    per = care.periods.iloc[la.rows]
    out = pd.DataFrame(
        {
            "CHILD": per["CHILD"].to_numpy(),
            "period_start": per["period_start"].to_numpy(),
            "age_at_entry": per["age_at_entry"].to_numpy(),
            "placements_12m": placements_in_year(care, la.child, refs[la.ref]).astype("int64"),
        }
    )
    row = in_care_on(care, la.child, refs[la.ref])
    place = care.episodes["place_in_force"].array.take(row, allow_fill=True)
    out["place"] = pd.Series(place, dtype="str")
    out["place_group"] = vocab.place_group(out["place"]).where(row >= 0, pd.NA)
    return out.sort_values("CHILD", kind="stable", ignore_index=True)
