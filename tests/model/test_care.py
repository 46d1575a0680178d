"""Periods of care, placements and who is looked after when (pipeline.model.care), on hand-built
cleaned episodes.

Every expected answer is worked out by hand in the comments (SPEC 5 definitions). R = 31/01/2017
unless stated; the year to R starts 01/02/2016.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.model import build
from pipeline.model.care import (
    PLACEMENT_COLUMNS,
    build_care,
    care_episodes,
    children_at,
    in_care_on,
    looked_after,
    looked_after_in_year,
    moves,
    on_short_break,
    periods,
    placements,
    placements_in_year,
)
from pipeline.model.dates import NS
from pipeline.model.vocab import END_CATEGORIES, TEMPORARY_PLACE
from tests.builders import child_placements, d, episodes_frame, header_frame, spell, tables_of

R = d("31/01/2017")


def refs_of(*texts) -> np.ndarray:
    """'dd/mm/yyyy' reference dates as the sorted datetime64[ns] array the model functions take."""
    return np.array([d(t) for t in texts], dtype=NS)


def code_of(care, child) -> int:
    """The model's integer code of a CHILD id."""
    return int(care.children.get_loc(str(child)))


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


def test_placement_age_sex_and_model_agree():
    eps = episodes_frame(spell(5, [("01/01/2016", "S", "U4", "CARPL"), ("31/01/2016", "P", "U6")]))
    header = header_frame({5: "31/01/2006"}, sex="2")
    pl = placements(eps, header)
    # 9 on 01/01/2016, 10 on its birthday 31/01/2016
    assert list(pl["age_at_start"]) == [9, 10]
    assert list(pl["SEX"]) == ["2", "2"]
    tables = {"episodes": eps, "header": header}
    care = build(tables).care
    pd.testing.assert_frame_equal(pl, care.placements)
    pd.testing.assert_frame_equal(care.placements, build_care(tables).placements)
    assert list(care.periods["age_at_entry"]) == [9]


def test_empty_episodes():
    eps = episodes_frame()
    assert placements(eps).empty and list(placements(eps).columns) == PLACEMENT_COLUMNS
    assert periods(eps).empty


# ---------------------------------------------------------------------------------------------
# the placement type in force (care.episodes["place_in_force"])


def test_place_in_force_a_temporary_episode_takes_the_place_it_interrupts():
    care = build_care(
        tables_of(
            # child 1: U4, a hospital stay (T1), a holiday (T3), back to U4: the T1 and T3
            # episodes are in force as U4 (the placement they interrupt)
            spell(1, [("01/01/2016", "S", "U4", None, "AA1"), ("01/03/2016", "P", "T1", None, "HH1"),
                      ("10/03/2016", "P", "T3", None, "BB1"), ("20/03/2016", "P", "U4", None, "AA1")]),
            # child 2: U4, placed for adoption with the carer (A3, RNE T), then a temporary T4:
            # the last regular episode of the placement is the A3 one -> T4 is in force as A3
            spell(2, [("01/01/2016", "S", "U4"), ("01/06/2016", "T", "A3"),
                      ("01/09/2016", "P", "T4")]),
            # child 3: a period opening in a temporary placement (T2): nothing to interrupt, its
            # own code; the U6 after it (no episode to return to) starts a new placement
            spell(3, [("01/01/2016", "S", "T2"), ("10/01/2016", "P", "U6")]),
            # child 4: K2 ends the first period; the second opens with T0: not K2's (another
            # period), its own code
            spell(4, [("01/01/2015", "S", "K2")], end="01/06/2015"),
            spell(4, [("01/09/2015", "S", "T0"), ("05/09/2015", "P", "U4")]),
        )
    )  # fmt: skip
    ep = care.episodes
    by_child = {c: list(g["place_in_force"]) for c, g in ep.groupby("CHILD")}
    assert by_child == {
        "1": ["U4", "U4", "U4", "U4"],
        "2": ["U4", "A3", "A3"],
        "3": ["T2", "U6"],
        "4": ["K2", "T0", "U4"],
    }
    # the episodes keep their own PLACE; placement ids: child 1 one placement, child 2 one, child
    # 3 two (T2, U6), child 4 three (K2; T0; U4)
    assert list(ep["PLACE"]) == ["U4", "T1", "T3", "U4", "U4", "A3", "T4", "T2", "U6", "K2",
                                 "T0", "U4"]  # fmt: skip
    assert list(ep["placement_id"]) == [0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6]
    # a placement's own place is its first episode's: a temporary code only where a period opens
    # in a temporary placement (children 3 and 4)
    pl = care.placements
    assert list(pl["place"]) == ["U4", "U4", "T2", "U6", "K2", "T0", "U4"]
    assert list(pl.loc[pl["place"].isin(TEMPORARY_PLACE), "is_first_in_period"]) == [True, True]


# ---------------------------------------------------------------------------------------------
# who is looked after when


def test_looked_after_at_r_is_an_end_of_day_snapshot():
    tables = tables_of(
        spell(1, [("01/01/2016", "S", "U4")]),  # open: looked after
        spell(2, [("01/06/2016", "S", "U4")], end="31/01/2017"),  # leaves on R: not looked after
        spell(3, [("31/01/2017", "S", "U4")]),  # starts on R: looked after
        spell(4, [("01/06/2016", "S", "U4")], end="01/02/2017"),  # leaves the day after R: yes
        spell(5, [("01/02/2017", "S", "U4")]),  # starts after R: no
        spell(6, [("20/01/2017", "S", "U6")], end="05/02/2017", ls="V3"),  # short break: no
    )
    care = build_care(tables)
    la = looked_after(care, refs_of("31/12/2016", "31/01/2017"))
    at = {r: sorted(care.children[la.child[la.ref == r]]) for r in (0, 1)}
    # 31/12/2016: 1, 2, 4 (3 and 5 not yet in care); 31/01/2017: 1, 3, 4
    assert at == {0: ["1", "2", "4"], 1: ["1", "3", "4"]}
    # rows index care.periods: the period of each child
    assert list(care.periods["CHILD"].iloc[la.rows]) == list(care.children[la.child])


def test_looked_after_counts_a_child_with_two_open_periods_once():
    # an open episode followed by another one (cleaning flags EPI-OPEN-NOT-LAST and keeps both):
    # two periods of child 1 both open at R, one child; the later period is the one kept
    care = build_care(
        tables_of(
            spell(1, [("01/01/2016", "S", "U4")]),
            spell(1, [("01/06/2016", "P", "U6")]),
            spell(2, [("01/01/2016", "S", "U4")]),
        )
    )
    assert len(care.periods) == 3
    la = looked_after(care, refs_of("31/01/2017"))
    assert sorted(care.children[la.child]) == ["1", "2"]
    one = care.periods.iloc[la.rows[la.child == code_of(care, 1)]]
    assert list(one["period_start"]) == [d("01/06/2016")]
    # on 31/03/2016 only the first period of child 1 had begun: still one row for child 1
    early = looked_after(care, refs_of("31/03/2016"))
    assert sorted(care.children[early.child]) == ["1", "2"]


def test_in_care_on_counts_the_dec_day_and_gives_minus_one_when_not_in_care():
    care = build_care(
        tables_of(
            # child 1: U4 from 01/06/2016, moves to U6 on 15/01/2017 (X1), leaves on 20/01/2017
            spell(1, [("01/06/2016", "S", "U4", "CARPL"), ("15/01/2017", "P", "U6")],
                  end="20/01/2017"),
            spell(2, [("01/01/2017", "S", "K2")]),  # open
        )
    )  # fmt: skip
    one, two = code_of(care, 1), code_of(care, 2)
    days = [
        (one, "31/05/2016"),  # before care: -1
        (one, "01/06/2016"),  # the DECOM day: the U4 episode
        (one, "15/01/2017"),  # the change day: both in force, the latest to start (U6)
        (one, "20/01/2017"),  # the DEC day itself: still in care (U6)
        (one, "21/01/2017"),  # the day after: -1
        (two, "31/01/2017"),  # open episode: K2
        (-1, "31/01/2017"),  # a child the model does not know: -1
    ]
    row = in_care_on(
        care, np.array([c for c, _ in days]), np.array([d(t) for _, t in days], dtype=NS)
    )
    place = [care.episodes["PLACE"].iloc[r] if r >= 0 else None for r in row]
    assert place == [None, "U4", "U6", "U6", None, "K2", None]
    assert row[0] == row[4] == row[6] == -1


def test_on_short_break():
    care = build_care(
        tables_of(
            spell(4, [("03/01/2017", "S", "U4")], end="05/01/2017", ls="V3"),  # V3 03/01-05/01
            spell(5, [("01/01/2017", "S", "U4")], end="31/01/2017", ls="V4"),
            spell(5, [("10/03/2017", "S", "U4")], ls="V4"),  # open short-break agreement
            spell(6, [("01/01/2016", "S", "U4")]),  # in care, never on a short break
        )
    )
    assert list(care.short_breaks["CHILD"]) == ["4", "5", "5"]
    cases = [
        ("4", "02/01/2017", False),  # the day before
        ("4", "03/01/2017", True),  # the first day
        ("4", "05/01/2017", True),  # the DEC day counts
        ("4", "06/01/2017", False),
        ("5", "15/01/2017", True),
        ("5", "01/03/2017", False),  # between the two breaks
        ("5", "01/06/2017", True),  # open break
        ("6", "15/01/2017", False),  # no short breaks
        ("9", "15/01/2017", False),  # an unknown child
    ]
    got = on_short_break(
        care,
        pd.Series([c for c, _, _ in cases]),
        np.array([d(t) for _, t, _ in cases], dtype=NS),
    )
    assert list(got) == [want for _, _, want in cases]
    # no short breaks in the extract at all: all False
    none = build_care(tables_of(spell(6, [("01/01/2016", "S", "U4")])))
    assert not on_short_break(none, pd.Series(["6"]), np.array([R], dtype=NS)).any()


def test_looked_after_in_year_boundaries():
    care = build_care(
        tables_of(
            spell(5, [("01/01/2015", "S", "U4")], end="01/02/2016"),  # left on the first day: in
            spell(6, [("01/01/2015", "S", "U4")], end="31/01/2016"),  # left the day before: out
            spell(7, [("31/01/2017", "S", "U4")]),  # started on R: in
            spell(8, [("01/02/2017", "S", "U4")]),  # started after R: out
            # two periods in the year: one pair, not two
            spell(9, [("01/03/2016", "S", "U4")], end="01/05/2016"),
            spell(9, [("01/09/2016", "S", "U4")]),
            spell(10, [("01/01/2017", "S", "U4")], end="05/01/2017", ls="V3"),  # short break: out
        )
    )
    refs = pd.DatetimeIndex([d("31/12/2016"), R])
    ref, child = looked_after_in_year(care, refs)
    got = {r: sorted(care.children[child[ref == r]]) for r in (0, 1)}
    # year to 31/12/2016 = 01/01/2016..31/12/2016: 5 (left 01/02/2016), 6 (left 31/01/2016), 9;
    # year to 31/01/2017 = 01/02/2016..31/01/2017: 5, 7, 9
    assert got == {0: ["5", "6", "9"], 1: ["5", "7", "9"]}


def test_placements_in_year():
    care = build_care(
        tables_of(
            # A: U4 ended 31/01/2016, the day before the year -> only U6 and K2 overlap: 2
            spell("A", [("01/06/2015", "S", "U4", "CARPL"), ("31/01/2016", "P", "U6", "CARPL"),
                        ("01/06/2016", "P", "K2")]),
            # B: U4 ended 01/02/2016, the year's first day -> overlaps: 3
            spell("B", [("01/06/2015", "S", "U4", "CARPL"), ("01/02/2016", "P", "U6", "CARPL"),
                        ("01/06/2016", "P", "K2")]),
            # D: two placements in a period that ended, then a new period: 3 across periods
            spell("D", [("01/03/2016", "S", "U4", "CARPL"), ("01/04/2016", "P", "U6")],
                  end="01/05/2016"),
            spell("D", [("01/10/2016", "S", "K2")]),
            # G: K2 starts on R: U4, U6 and K2 all overlap -> 3; a month earlier K2 had not
            # started -> 2
            spell("G", [("01/01/2016", "S", "U4", "CARPL"), ("01/06/2016", "P", "U6", "CREQB"),
                        ("31/01/2017", "P", "K2")]),
        )
    )  # fmt: skip
    kids = ["A", "B", "D", "G", "G"]
    child = np.array([code_of(care, k) for k in kids])
    when = np.array([R, R, R, R, d("31/12/2016")], dtype=NS)
    assert list(placements_in_year(care, child, when)) == [2, 3, 3, 3, 2]


def test_children_at_r_place_in_force():
    tables = tables_of(
        # 1: U4 from 01/01/2014, placed for adoption with the foster carer (A3, RNE T) on
        # 01/06/2016: one placement (U4, foster) but the type in force at R is A3 -> adoption
        spell(1, [("01/01/2014", "S", "U4"), ("01/06/2016", "T", "A3")]),
        # 2: the same with RNE L and A5
        spell(2, [("01/01/2014", "S", "U4"), ("01/06/2016", "L", "A5")]),
        # 3: U6 from 01/03/2016, in a temporary T4 from 20/01/2017 over R: the interrupted U6
        # placement's group, foster
        spell(3, [("01/03/2016", "S", "U6", None, "AA1"), ("20/01/2017", "P", "T4", None, "HH1"),
                  ("10/02/2017", "P", "U6", None, "AA1")]),
        # 4: K2, then U4 (new carer) on R itself: the U4 in force at the end of R
        spell(4, [("01/06/2016", "S", "K2", "CARPL"), ("31/01/2017", "P", "U4")]),
        # 5: left care on R: not looked after, no row
        spell(5, [("01/06/2016", "S", "U4")], end="31/01/2017"),
        dobs={4: "01/06/2014"},
    )  # fmt: skip
    care = build_care(tables)
    assert list(child_placements(care.placements, 1)["place_group"]) == ["foster"]
    kids = children_at(care, "2017-01-31")
    assert list(kids.columns) == [
        "CHILD", "period_start", "age_at_entry", "placements_12m", "place", "place_group"
    ]  # fmt: skip
    assert list(kids["CHILD"]) == ["1", "2", "3", "4"]
    assert list(kids["place"]) == ["A3", "A5", "U6", "U4"]
    assert list(kids["place_group"]) == ["adoption", "adoption", "foster", "foster"]
    # placements overlapping the year to R: 1, 2 one each; 3 one (the T4 and the return fold in);
    # 4 two (K2 ends on R, U4 starts on R)
    assert list(kids["placements_12m"]) == [1, 1, 1, 2]
    # age at entry (born 01/06/2006 unless stated): 7 on 01/01/2014, 9 on 01/03/2016; child 4
    # (born 01/06/2014) is 2 on 01/06/2016
    assert list(kids["age_at_entry"]) == [7, 7, 9, 2]
    assert list(kids["period_start"]) == [
        d("01/01/2014"), d("01/01/2014"), d("01/03/2016"), d("01/06/2016")
    ]  # fmt: skip
    # on 31/12/2016 child 3 was in its U6 itself, child 4 in K2
    dec = children_at(care, "2016-12-31").set_index("CHILD")
    assert (dec.loc["3", "place"], dec.loc["4", "place_group"]) == ("U6", "secure_childrens_homes")
    assert "5" in dec.index


# ---------------------------------------------------------------------------------------------
# the small synthetic LA


@pytest.mark.parametrize("month", ["2017-01"])
def test_small_synth_placements_are_consistent(small_synth, month):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    tables = clean_extract(load_extract(small_synth / "truth" / month)).tables
    care = build(tables).care
    per, pl = care.periods, care.placements
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


def test_in_care_on_finds_an_earlier_open_episode_left_by_bad_data():
    # U4 left open from 01/01/2016 (EPI-OPEN-NOT-LAST), then U6 01/06/2016 - 01/07/2016: on
    # 15/06/2016 the U6 episode (latest to start) is in force; on 01/08/2016 U6 has ended but the
    # open U4 episode still covers the day, as it does at R
    bad = build_care(
        tables_of(
            spell(1, [("01/01/2016", "S", "U4")]),
            spell(1, [("01/06/2016", "P", "U6")], end="01/07/2016"),
        )
    )
    days = refs_of("15/06/2016", "01/08/2016", "31/12/2015")
    assert in_care_on(bad, np.array([0, 0, 0]), days).tolist() == [1, 0, -1]
    at_r = children_at(bad, R)
    assert at_r[["place", "place_group"]].iloc[0].tolist() == ["U4", "foster"]
