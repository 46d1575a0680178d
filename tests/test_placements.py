"""Periods of care and placements (pipeline/placements.py) on hand-built cleaned episodes.

Every expected answer is worked out by hand in the comments (SPEC 5 definitions).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.placements import (
    END_CATEGORIES,
    PLACEMENT_COLUMNS,
    age_years,
    care_episodes,
    model,
    moves,
    periods,
    place_group,
    placements,
)

EPISODE_COLUMNS = [
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
]  # fmt: skip
CODE_COLUMNS = [c for c in EPISODE_COLUMNS if c not in ("DECOM", "DEC")]


# ---------------------------------------------------------------------------------------------
# builders of cleaned (typed) tables, shared with tests/test_indicators.py


def d(text):
    """'dd/mm/yyyy' -> Timestamp (None -> NaT)."""
    return pd.NaT if text is None else pd.to_datetime(text, format="%d/%m/%Y")


def spell(child, steps, end=None, rec="E4A", ls="C2", provider="PR1"):
    """Consecutive episodes of one child: steps are (DECOM, RNE, PLACE[, reason[, PL_POST[, LS]]]).

    Each episode ends when the next starts (REC X1); the last ends on `end` with `rec` (open when
    `end` is None). `reason` is REASON_PLACE_CHANGE recorded on that (ending) episode. PL_POST
    defaults to one postcode per PLACE code, so returning to the same PLACE matches.
    """
    rows = []
    for i, step in enumerate(steps):
        decom, rne, place, *rest = step
        reason = rest[0] if len(rest) > 0 else None
        pl_post = rest[1] if len(rest) > 1 and rest[1] else f"ZZ9 {place}"
        step_ls = rest[2] if len(rest) > 2 else ls
        last = i == len(steps) - 1
        rows.append(
            {
                "CHILD": str(child),
                "DECOM": decom,
                "RNE": rne,
                "LS": step_ls,
                "CIN": "N1",
                "PLACE": place,
                "PLACE_PROVIDER": provider,
                "DEC": end if last else steps[i + 1][0],
                "REC": (rec if end is not None else None) if last else "X1",
                "REASON_PLACE_CHANGE": reason,
                "HOME_POST": "ZZ1 1AA",
                "PL_POST": pl_post,
                "URN": "SC000001",
            }
        )
    return rows


def episodes_frame(*spells):
    """A cleaned episodes table (903 columns, str codes, datetime64[ns] dates) from spells."""
    rows = [r for s in spells for r in s]
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    frame["DECOM"] = pd.to_datetime(frame["DECOM"], format="%d/%m/%Y").astype("datetime64[ns]")
    frame["DEC"] = pd.to_datetime(frame["DEC"], format="%d/%m/%Y").astype("datetime64[ns]")
    frame = frame.astype({c: "str" for c in CODE_COLUMNS})
    return frame.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)


def header_frame(dobs: dict, sex="1"):
    """A cleaned header table: {child: 'dd/mm/yyyy' DOB}."""
    frame = pd.DataFrame(
        {
            "CHILD": [str(c) for c in dobs],
            "SEX": sex,
            "DOB": pd.to_datetime(list(dobs.values()), format="%d/%m/%Y"),
            "ETHNIC": "WBRI",
            "UPN": None,
            "MOTHER": None,
            "MC_DOB": pd.NaT,
        }
    )
    return frame.astype(
        {"CHILD": "str", "SEX": "str", "ETHNIC": "str", "UPN": "str", "MOTHER": "str",
         "DOB": "datetime64[ns]", "MC_DOB": "datetime64[ns]"}
    )  # fmt: skip


def child_placements(frame, child):
    return frame[frame["CHILD"] == str(child)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# short breaks, periods


def test_care_episodes_sets_aside_short_breaks_and_sorts():
    eps = episodes_frame(
        # child 2: two V3 short breaks then a full care order; child 1: a V4 agreement then V2
        spell(2, [("01/03/2016", "S", "U6")], end="03/03/2016", ls="V3"),
        spell(2, [("01/05/2016", "S", "U6")], end="03/05/2016", ls="V3"),
        spell(2, [("01/09/2016", "S", "U4")]),
        spell(1, [("01/02/2016", "S", "U6")], end="05/02/2016", ls="V4"),
        spell(1, [("01/06/2016", "S", "U4")], ls="V2"),
    )
    out = care_episodes(eps)
    # 5 episodes, 3 short breaks set aside -> child 1 (01/06) then child 2 (01/09)
    assert list(out["CHILD"]) == ["1", "2"]
    assert list(out["DECOM"]) == [d("01/06/2016"), d("01/09/2016")]
    assert list(out.index) == [0, 1]


def test_periods_start_on_rne_s_gap_and_leaving_care_and_open_period():
    eps = episodes_frame(
        # child 1: S then P (X1, same day) -> one period 01/01/2015 - 01/06/2015 (E4A), then
        # re-enters with S on 01/09/2015, still open -> second period, period_end NaT
        spell(1, [("01/01/2015", "S", "U4"), ("01/03/2015", "P", "U6")], end="01/06/2015"),
        spell(1, [("01/09/2015", "S", "U4")]),
        # child 2: REC X1 but the next episode starts 10 days later (a gap) -> two periods
        spell(2, [("01/01/2015", "S", "U4")], end="01/03/2015", rec="X1"),
        spell(2, [("11/03/2015", "P", "U6")]),
        # child 3: left care (E4B) and came back the same day without RNE S -> two periods
        spell(3, [("01/01/2015", "S", "U4")], end="01/03/2015", rec="E4B"),
        spell(3, [("01/03/2015", "P", "U6")]),
        # child 4: X1 and the next starts on DEC but with RNE S -> always a new period
        spell(4, [("01/01/2015", "S", "U4")], end="01/03/2015", rec="X1"),
        spell(4, [("01/03/2015", "S", "U6")]),
    )
    header = header_frame(
        {1: "01/01/2005", 2: "02/01/2005", 3: "01/03/2014", 4: "15/06/2000"}, sex="2"
    )
    per = periods(eps, header)
    assert list(per.columns) == [
        "CHILD", "period_id", "period_start", "period_end", "DOB", "SEX", "age_at_entry"
    ]  # fmt: skip
    assert list(per["CHILD"]) == ["1", "1", "2", "2", "3", "3", "4", "4"]
    assert list(per["period_id"]) == list(range(8))
    assert list(per["period_start"]) == [
        d("01/01/2015"), d("01/09/2015"), d("01/01/2015"), d("11/03/2015"),
        d("01/01/2015"), d("01/03/2015"), d("01/01/2015"), d("01/03/2015"),
    ]  # fmt: skip
    assert per["period_end"].iloc[0] == d("01/06/2015")
    assert pd.isna(per["period_end"].iloc[1])  # open
    assert per["period_end"].iloc[2] == d("01/03/2015")
    # age at entry: child 1 born 01/01/2005 is 10 on 01/01/2015 (its birthday) and on 01/09/2015;
    # child 2 born 02/01/2005 is still 9 on 01/01/2015, 10 on 11/03/2015; child 3 born 01/03/2014
    # is 0 on 01/01/2015 and 1 on 01/03/2015 (first birthday); child 4 is 14 at both entries
    assert list(per["age_at_entry"]) == [10, 10, 9, 10, 0, 1, 14, 14]
    assert set(per["SEX"]) == {"2"}


def test_age_years_birthdays_and_leap_day():
    dob = pd.Series(pd.to_datetime(["2000-02-29", "2000-02-29", "2001-01-31", None]))
    at = pd.Series(pd.to_datetime(["2001-02-28", "2001-03-01", "2017-01-31", "2017-01-31"]))
    # born 29/02: not yet 1 on 28/02/2001, 1 on 01/03/2001; exactly 16 on the 16th birthday
    assert list(age_years(dob, at).astype("float").fillna(-9)) == [0, 1, 16, -9]


def test_period_with_unknown_child_in_header_has_no_dob():
    eps = episodes_frame(spell(7, [("01/01/2016", "S", "U4")]))
    per = periods(eps, header_frame({1: "01/01/2010"}))
    assert pd.isna(per["DOB"].iloc[0]) and pd.isna(per["age_at_entry"].iloc[0])


# ---------------------------------------------------------------------------------------------
# placements


def test_placement_starts_on_p_and_b_and_l_t_u_continue():
    eps = episodes_frame(
        spell(
            1,
            [
                ("01/01/2016", "S", "U4"),  # placement 1 starts with the period
                ("01/02/2016", "L", "U4"),  # legal status only: continues
                ("01/03/2016", "T", "U4", "PLACE", "ZZ2 2BB"),  # same carer moved house
                ("01/04/2016", "U", "U4", "CREQB"),  # legal status + same carer: continues
                ("01/05/2016", "P", "U6", "CARPL"),  # new carer: placement 2
                ("01/06/2016", "B", "K2"),  # legal status + new carer: placement 3
            ],
        )
    )
    # 01/02 L and 01/03 T episodes carry no reason; placement 1's ending episode is the U episode
    # (reason CREQB) -> a disruption; placement 2 ends with CARPL -> planned; placement 3 open
    pl = placements(eps)
    assert list(pl.columns) == PLACEMENT_COLUMNS
    assert list(pl["start"]) == [d("01/01/2016"), d("01/05/2016"), d("01/06/2016")]
    assert list(pl["end"].iloc[:2]) == [d("01/05/2016"), d("01/06/2016")]
    assert pd.isna(pl["end"].iloc[2])
    assert list(pl["place"]) == ["U4", "U6", "K2"]
    assert list(pl["place_group"]) == ["foster", "foster", "secure_childrens_homes"]
    assert list(pl["end_reason"].fillna("-")) == ["CREQB", "CARPL", "-"]
    assert list(pl["end_category"]) == ["disruption", "planned", "open"]
    assert list(pl["moved_to_next"]) == [True, True, False]
    assert list(pl["placement_seq"]) == [1, 2, 3]
    assert list(pl["is_first_in_period"]) == [True, False, False]

    # with T/U counted as moves: T on 01/03 and U on 01/04 start placements too -> 5 placements;
    # the first (S + L episodes) ends with the L episode, reason blank -> other_unplanned; the T
    # placement ends with PLACE -> status_change; the U placement with CREQB -> disruption
    pl2 = placements(eps, settings=Settings(count_same_carer_moves=True))
    assert list(pl2["start"]) == [
        d("01/01/2016"), d("01/03/2016"), d("01/04/2016"), d("01/05/2016"), d("01/06/2016")
    ]  # fmt: skip
    assert list(pl2["end_category"]) == [
        "other_unplanned", "status_change", "disruption", "planned", "open"
    ]  # fmt: skip


def test_temporary_placement_and_matching_return_are_folded_in():
    eps = episodes_frame(
        spell(
            1,
            [
                ("01/01/2016", "S", "U4", None, "AA1 1AA"),
                ("01/03/2016", "P", "T3", None, "BB1 1BB"),  # carer's holiday
                ("15/03/2016", "P", "T4", None, "CC1 1CC"),  # another temporary, same run
                ("20/03/2016", "P", "U4", "CREQB", "AA1 1AA"),  # back to the same carer
                ("01/06/2016", "P", "U6"),  # a real move
            ],
        )
    )
    # 5 episodes -> 2 placements: 01/01-01/06 (U4 + T3 + T4 + return) and 01/06 open
    pl = placements(eps)
    assert list(pl["start"]) == [d("01/01/2016"), d("01/06/2016")]
    assert pl["end"].iloc[0] == d("01/06/2016")
    assert list(pl["place"]) == ["U4", "U6"]
    assert list(pl["end_category"]) == ["disruption", "open"]


def test_return_from_temporary_to_another_carer_starts_a_new_placement():
    eps = episodes_frame(
        spell(
            1,
            [
                ("01/01/2016", "S", "U4", None, "AA1 1AA"),
                ("01/03/2016", "P", "T1", None, "HH1 1HH"),  # hospital
                ("10/03/2016", "L", "U4", None, "DD1 1DD"),  # same PLACE, other postcode
            ],
        ),
        spell(
            2,
            [
                ("01/01/2016", "S", "U4", None, "AA1 1AA"),
                ("01/03/2016", "P", "T2", None, "HH1 1HH"),  # holiday
                ("10/03/2016", "P", "U6", None, "AA1 1AA"),  # same postcode, other PLACE
            ],
        ),
    )
    # a non-matching return starts a new placement whatever its RNE (even L): the first placement
    # (U4 + the temporary episode) ends on 10/03
    pl = placements(eps)
    for child in (1, 2):
        p = child_placements(pl, child)
        assert list(p["start"]) == [d("01/01/2016"), d("10/03/2016")]
        assert p["end"].iloc[0] == d("10/03/2016")
        assert list(p["place"]) == ["U4", "U4" if child == 1 else "U6"]


def test_adoption_with_current_carer_continues_and_new_adopters_start_a_placement():
    eps = episodes_frame(
        # child 1: foster U4 from 01/01/2014, placed for adoption with the same carer (A3, RNE P)
        # on 01/06/2016 -> still one placement starting 01/01/2014
        spell(1, [("01/01/2014", "S", "U4", "CARPL"), ("01/06/2016", "P", "A3")]),
        # child 2: A5 recorded with RNE B (legal status too): also continues
        spell(2, [("01/01/2014", "S", "U6", "CARPL"), ("01/06/2016", "B", "A5", None, None, "E1")]),
        # child 3: placed with new adopters (A4) -> a new placement
        spell(3, [("01/01/2014", "S", "U4", "CARPL"), ("01/06/2016", "P", "A4")]),
    )
    pl = placements(eps)
    assert list(child_placements(pl, 1)["start"]) == [d("01/01/2014")]
    assert child_placements(pl, 1)["place"].iloc[0] == "U4"
    assert list(child_placements(pl, 2)["start"]) == [d("01/01/2014")]
    p3 = child_placements(pl, 3)
    assert list(p3["start"]) == [d("01/01/2014"), d("01/06/2016")]
    assert list(p3["place_group"]) == ["foster", "adoption"]
    assert list(p3["end_category"]) == ["planned", "open"]


def test_same_day_moves_give_a_zero_length_placement():
    eps = episodes_frame(
        spell(
            1,
            [
                ("01/01/2016", "S", "U4", "CREQB"),
                ("01/03/2016", "P", "U6", "LAREQ"),  # ends the day it starts (DEC == DECOM)
                ("01/03/2016", "P", "K2"),
            ],
        )
    )
    # (cleaning keeps DEC == DECOM episodes, flagged EPI-SAME-DAY; the zero-length episode must
    # sort before the one starting later the same day: care_episodes breaks DECOM ties on DEC)
    eps = eps.iloc[[0, 2, 1]].reset_index(drop=True)
    pl = placements(eps)
    # three placements; the middle one starts and ends on 01/03/2016 and is still a placement
    assert list(pl["start"]) == [d("01/01/2016"), d("01/03/2016"), d("01/03/2016")]
    assert pl["end"].iloc[1] == d("01/03/2016")
    assert list(pl["end_category"]) == ["disruption", "disruption", "open"]
    mv = moves(pl)
    assert list(mv["date"]) == [d("01/03/2016"), d("01/03/2016")]
    assert list(mv["reason"]) == ["CREQB", "LAREQ"]


def test_reentry_starts_a_new_period_and_first_placement():
    eps = episodes_frame(
        spell(1, [("01/01/2015", "S", "U4", "CARPL"), ("01/03/2015", "P", "U6")], end="01/06/2015"),
        spell(1, [("01/09/2015", "S", "K2", "CHILD"), ("01/10/2015", "P", "U6")]),
    )
    pl = placements(eps)
    # period 1: U4 (planned move), U6 (left care); period 2: K2 (disruption), U6 open
    assert list(pl["period_id"]) == [0, 0, 1, 1]
    assert list(pl["placement_id"]) == [0, 1, 2, 3]
    assert list(pl["placement_seq"]) == [1, 2, 1, 2]
    assert list(pl["is_first_in_period"]) == [True, False, True, False]
    assert list(pl["end_category"]) == ["planned", "left_care", "disruption", "open"]
    assert list(pl["moved_to_next"]) == [True, False, True, False]
    assert list(pl["period_start"]) == [d("01/01/2015")] * 2 + [d("01/09/2015")] * 2
    # moves: the two non-first placements, from U4 (CARPL) and from K2 (CHILD)
    mv = moves(pl)
    assert list(mv["placement_id"]) == [1, 3]
    assert list(mv["from_place"]) == ["U4", "K2"]
    assert list(mv["category"]) == ["planned", "disruption"]


def test_end_categories_follow_the_settings_groups():
    reasons = ["CREQO", "ALLEG", "CARPL", "OTHER", None]
    eps = episodes_frame(
        *[
            spell(i, [("01/01/2016", "S", "U4", reason), ("01/02/2016", "P", "U6")])
            for i, reason in enumerate(reasons)
        ],
        spell(9, [("01/01/2016", "S", "U4", "CREQB")], end="01/02/2016", rec="E4A"),
    )
    pl = placements(eps)
    first = pl[pl["is_first_in_period"]].set_index("CHILD")["end_category"]
    # CREQO breakdown; ALLEG other unplanned; CARPL planned; OTHER and blank (no group) fall back
    # to other_unplanned; child 9 left care (REC E4A), so its CREQB is not a disruption
    assert list(first) == [
        "disruption", "other_unplanned", "planned", "other_unplanned", "other_unplanned",
        "left_care",
    ]  # fmt: skip
    assert set(pl["end_category"]) <= set(END_CATEGORIES)
    # moving CREQO out of the breakdown group changes the category
    custom = Settings(breakdown=("CREQB",), other_unplanned=("CREQO",))
    assert placements(eps, settings=custom).iloc[0]["end_category"] == "other_unplanned"


def test_short_breaks_are_not_placements():
    eps = episodes_frame(
        spell(1, [("01/01/2016", "S", "U6")], end="03/01/2016", ls="V3"),
        spell(1, [("01/02/2016", "S", "U4")]),
    )
    pl = placements(eps)
    assert list(pl["start"]) == [d("01/02/2016")]


def test_place_groups():
    codes = pd.Series(
        ["U1", "U6", "A3", "A6", "P1", "H5", "P2", "K3", "K1", "R5", "K2", "R1", "S1", "P3", "Z1",
         "T2", None],
        dtype="str",
    )  # fmt: skip
    assert list(place_group(codes)) == [
        "foster", "foster", "adoption", "adoption", "placed_with_parents", "independent",
        "independent", "independent", "secure_childrens_homes", "other_residential",
        "secure_childrens_homes", "other_residential", "residential_school", "other", "other",
        "other", "other",
    ]  # fmt: skip


def test_placement_age_sex_and_model_agree():
    eps = episodes_frame(spell(5, [("01/01/2016", "S", "U4", "CARPL"), ("31/01/2016", "P", "U6")]))
    header = header_frame({5: "31/01/2006"}, sex="2")
    pl = placements(eps, header)
    # 9 on 01/01/2016, 10 on its birthday 31/01/2016
    assert list(pl["age_at_start"]) == [9, 10]
    assert list(pl["SEX"]) == ["2", "2"]
    per, pl2 = model({"episodes": eps, "header": header})
    pd.testing.assert_frame_equal(pl, pl2)
    assert list(per["age_at_entry"]) == [9]


def test_empty_episodes():
    eps = episodes_frame()
    assert placements(eps).empty and list(placements(eps).columns) == PLACEMENT_COLUMNS
    assert periods(eps).empty


@pytest.mark.parametrize("month", ["2017-01"])
def test_small_synth_placements_are_consistent(small_synth, month):
    from pipeline.clean import clean_extract
    from pipeline.load import load_extract

    tables = clean_extract(load_extract(small_synth / "truth" / month)).tables
    per, pl = model(tables)
    # every period has exactly one first placement, placements tile each period without gaps
    assert (pl.groupby("period_id")["is_first_in_period"].sum() == 1).all()
    assert len(per) == pl["period_id"].nunique()
    nxt = pl.groupby("period_id")["start"].shift(-1)
    both = nxt.notna()
    assert (pl.loc[both, "end"] == nxt[both]).all()
    first = pl[pl["is_first_in_period"]].set_index("period_id")["start"]
    assert (first == per.set_index("period_id")["period_start"]).all()
    # no placement is a temporary one, open placements are the last of their period
    assert not pl["place"].isin(["T0", "T1", "T2", "T3", "T4"]).any()
    assert not pl.loc[pl["end"].isna(), "moved_to_next"].any()
