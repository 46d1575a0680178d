"""The wider scorecard (SPEC 5b): reviews over the year, health from the health table, the adoption
scorecard, where children live and the UASC share, R = 31/01/2017.

The year to R is 01/02/2016-31/01/2017; the 36 months to R 01/02/2014-31/01/2017. Bank holidays
around Christmas 2016: Mon 26/12, Tue 27/12 (Christmas Day's substitute), Mon 02/01/2017 (New
Year's Day's substitute). Each expected value is worked out by hand in the docstrings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import indicators
from pipeline.config import Settings
from pipeline.model import geography
from tests.builders import cleaned, model_of, spell, tables_of, values_at
from tests.model.test_reviews import review_frame

R = "2017-01"


def run(tables, settings=None, themes=(indicators.scorecard,)):
    tidy = indicators.all_indicators(model_of(tables, settings), [R], themes=themes)
    return values_at(tidy, R)


# ---------------------------------------------------------------------------------- reviews


def review_la():
    """
    1: in care from Thu 01/12/2016; the first review is due on the 20th working day: 2/12 (1),
       5-9/12 (6), 12-16/12 (11), 19-23/12 (16), [26, 27/12 bank holidays], 28-30/12 (19),
       [02/01 bank holiday], Tue 03/01/2017 (20). Held 03/01/2017: on time; next due 03/04/2017.
    2: the same start, first review held Wed 04/01/2017, the 21st working day: late.
    3: in care from Wed 01/06/2016: first due 29/06/2016, held 29/06/2016; the second due exactly
       3 months later, 29/09/2016, held that day: on time; the third due 29/03/2017, after R.
    4: in care from 01/06/2016: first held 28/06/2016 (on time); the second due 28/09/2016 was not
       held by R (it was held 15/02/2017): late at R.
    5: in care from 20/01/2017: the first review is due after R: no review due in the year, not
       counted.
    -> children with a review due in the year: 1, 2, 3, 4; none late: 1 and 3 = 2 / 4 = 50%.
    """
    tables = tables_of(
        spell(1, [("01/12/2016", "S", "U4")]),
        spell(2, [("01/12/2016", "S", "U4")]),
        spell(3, [("01/06/2016", "S", "U4")]),
        spell(4, [("01/06/2016", "S", "U4")]),
        spell(5, [("20/01/2017", "S", "U4")]),
    )
    tables["reviews"] = review_frame(
        [
            (1, "03/01/2017", "PN1"),
            (2, "04/01/2017", "PN1"),
            (3, "29/06/2016", "PN1"),
            (3, "29/09/2016", "PN1"),
            (4, "28/06/2016", "PN1"),
            (4, "15/02/2017", "PN1"),
        ]
    )
    return tables


def test_all_reviews_on_time_over_the_year():
    assert run(review_la())["reviews_all_on_time_12m_pct"] == (50.0, 2, 4)


def test_all_reviews_on_time_at_an_earlier_date():
    """At 31/12/2016: 1 and 2's first reviews (due 03/01/2017) are not yet due; 3 is on time and 4's
    second review (due 28/09/2016) is outstanding -> 1 / 2 = 50%. At 30/09/2016: 3 (both held on
    time) and 4 (second review due 28/09, not held) -> 1 / 2 as well; at 31/08/2016 only first
    reviews were due, both on time -> 2 / 2."""
    tidy = indicators.all_indicators(
        model_of(review_la()), ["2016-08", "2016-09", "2016-12"], themes=(indicators.scorecard,)
    )
    got = {m: values_at(tidy, m)["reviews_all_on_time_12m_pct"] for m in ("2016-08", "2016-09")}
    assert got == {"2016-08": (100.0, 2, 2), "2016-09": (50.0, 1, 2)}
    assert values_at(tidy, "2016-12")["reviews_all_on_time_12m_pct"] == (50.0, 1, 2)


# ---------------------------------------------------------------------------------- health


def health_la():
    """
    31: looked after from 01/01/2015: RHA 01/02/2016 (the year's first day: counts), DENTAL
        31/01/2016 (the day before the year: does not), IMMS 15/06/2016.
    32: looked after from Mon 01/02/2016 (exactly 12 months: continuously looked after): RHA
        01/01/2017, DENTAL 01/12/2016; IHA on the day of entry (due 29/02/2016): on time.
    33: from 02/02/2016 (a day short of 12 months): not in the 12-month cohort; an RHA; no IHA
        (due 01/03/2016, passed): a late IHA.
    34: looked after from 01/01/2015, no records.
    -> 12-month cohort 31, 32, 34: RHA 31, 32 = 2 / 3; DENTAL 32 = 1 / 3; IMMS 31 = 1 / 3.
    IHA (periods starting in the year to R): 41 (Thu 01/12/2016, due Tue 03/01/2017 across the
    Christmas bank holidays, IHA that day: on time); 42 (same start, IHA 04/01/2017: late); 43
    (from 20/01/2017: due 17/02/2017, after R: not counted); 44 (01/12/2016-20/12/2016, left before
    the IHA was due: not counted); 32 (on time) and 33 (late) -> 41, 32 on time of 4 = 50%.
    """
    tables = tables_of(
        spell(31, [("01/01/2015", "S", "U4")]),
        spell(32, [("01/02/2016", "S", "U4")]),
        spell(33, [("02/02/2016", "S", "U4")]),
        spell(34, [("01/01/2015", "S", "U4")]),
        spell(41, [("01/12/2016", "S", "U4")]),
        spell(42, [("01/12/2016", "S", "U4")]),
        spell(43, [("20/01/2017", "S", "U4")]),
        spell(44, [("01/12/2016", "S", "U4")], end="20/12/2016"),
    )
    rows = [
        (31, "01/02/2016", "RHA"), (31, "31/01/2016", "DENTAL"), (31, "15/06/2016", "IMMS"),
        (32, "01/01/2017", "RHA"), (32, "01/12/2016", "DENTAL"), (32, "01/02/2016", "IHA"),
        (33, "01/06/2016", "RHA"),
        (41, "03/01/2017", "IHA"), (42, "04/01/2017", "IHA"),
    ]  # fmt: skip
    tables["health"] = cleaned(
        "health", [{"CHILD": str(c), "HEALTH_DATE": t, "HEALTH_TYPE": k} for c, t, k in rows]
    )
    return tables


def test_health_checks_from_the_health_table():
    v = run(health_la(), themes=(indicators.wellbeing,))
    assert v["health_assessment_pct"] == (200 / 3, 2, 3)
    assert v["dental_check_pct"] == (100 / 3, 1, 3)
    assert v["immunisations_pct"] == (100 / 3, 1, 3)
    assert v["iha_within_20wd_pct"] == (50.0, 2, 4)


def test_without_a_health_table_oc2_is_used_and_the_iha_is_not_known():
    tables = health_la()
    del tables["health"]
    v = run(tables, themes=(indicators.wellbeing,))
    assert np.isnan(v["iha_within_20wd_pct"][0]) and np.isnan(v["dental_check_pct"][0])


# ---------------------------------------------------------------------------------- adoption


def adoption_la():
    """
    11: in care from 01/01/2014 with carer FC1; moved to foster carer FC2 on 01/03/2014; placement
        order (E1) 01/06/2014; placed for adoption with FC2 (A3) 01/01/2015; adopted (E11)
        01/07/2015 by the foster carers (ad1 FOSTER_CARE 1), matched 01/09/2014.
        A1 = 01/01/2014 -> 01/01/2015 = 365; A10 = 01/01/2014 -> 01/03/2014 (moving in with FC2)
        = 31 + 28 = 59; A2 = 01/06/2014 -> 01/09/2014 = 30 + 31 + 31 = 92.
    12: in care 01/01/2015, E1 01/05/2015, placed for adoption (A4) 01/08/2015, adopted (E12)
        01/02/2016; matched 01/04/2015, before the order: A2 = 0. A1 = A10 = 31 + 28 + 31 + 30 +
        31 + 30 + 31 = 212.
    13: in care 01/06/2016 (C2 throughout: no order), A6 01/09/2016, adopted 01/12/2016, matched
        01/08/2016: A1 = A10 = 30 + 31 + 31 = 92; excluded from A2.
    14: adopted 31/12/2013, 37 months before R (the window starts 01/02/2014): excluded.
    -> A1 (365 + 212 + 92) / 3 = 223; A10 (59 + 212 + 92) / 3 = 121; A2 (92 + 0) / 2 = 46.
    """
    c2, e1 = "C2", "E1"
    tables = tables_of(
        spell(11, [("01/01/2014", "S", "U4", None, "FC1 1AA", c2),
                   ("01/03/2014", "P", "U4", None, "FC2 2BB", c2),
                   ("01/06/2014", "L", "U4", None, "FC2 2BB", e1),
                   ("01/01/2015", "L", "A3", None, "FC2 2BB", e1)], end="01/07/2015", rec="E11"),
        spell(12, [("01/01/2015", "S", "U4", None, None, c2),
                   ("01/05/2015", "L", "U4", None, None, e1),
                   ("01/08/2015", "P", "A4", None, None, e1)], end="01/02/2016", rec="E12"),
        spell(13, [("01/06/2016", "S", "U4"), ("01/09/2016", "P", "A6")], end="01/12/2016",
              rec="E11"),
        spell(14, [("01/01/2012", "S", "U4", None, None, e1),
                   ("01/06/2012", "P", "A4", None, None, e1)], end="31/12/2013", rec="E11"),
    )  # fmt: skip
    ad1 = [("11", "01/09/2014", "1"), ("12", "01/04/2015", "0"), ("13", "01/08/2016", "0"),
           ("14", "01/01/2013", "0")]  # fmt: skip
    tables["ad1"] = cleaned(
        "ad1",
        [{"CHILD": c, "DOB": "01/01/2010", "DATE_MATCH": m, "FOSTER_CARE": f} for c, m, f in ad1],
    )
    return tables


def test_adoption_scorecard_a1_a10_a2():
    v = run(adoption_la())
    assert v["adoption_a1_days"] == (223.0, 669, 3)
    assert v["adoption_a10_days"] == (121.0, 363, 3)
    assert v["adoption_a2_days"] == (46.0, 92, 2)


def test_adoption_dates_of_each_child():
    from pipeline.model import permanence

    m = model_of(adoption_la())
    out = permanence.adoptions(m.tables, m.care).set_index("CHILD")
    assert list(out.index) == ["14", "11", "12", "13"]  # by adoption date
    assert out.loc["11", "moved_in_a10"] == pd.Timestamp("2014-03-01")
    assert out.loc["11", "foster_carer"] and not out.loc["12", "foster_carer"]
    assert out.loc["12", "a2_days"] == 0 and np.isnan(out.loc["13", "a2_days"])


# ---------------------------------------------------------------------------------- where children live


def location_la():
    """Home CV1 1AA (Coventry, E08000026; centroid 433374 E, 279470 N in the package's ONS data):
    21: placed LE1 1AA (Leicester E06000016; 459318, 304176): dE 25944, dN 24706,
        sqrt(673,091,136 + 610,386,436) = 35,825.7 m / 1609.3 = 22.26 miles: over 20, outside.
    22: placed CV37 0AA (Stratford-on-Avon E07000221; 419937, 255255): dE -13437, dN -24215,
        sqrt(180,552,969 + 586,366,225) = 27,693.3 m / 1609.3 = 17.21 miles: under 20, outside.
    23: placed 'cv22aa' = CV2 2AA (Coventry; 436931, 282606): 2.95 miles, inside.
    24: placed CV99 9ZZ (not a postcode): unknown.
    25: home blank, placed CV2 2AA: unknown.
    -> both known: 21, 22, 23; over 20 miles 1 / 3; outside the LA 2 / 3; unknown 2 of 5.
    """
    placed = {21: "LE1 1AA", 22: "CV37 0AA", 23: "cv22aa", 24: "CV99 9ZZ", 25: "CV2 2AA"}
    spells = []
    for child, post in placed.items():
        s = spell(child, [("01/06/2016", "S", "U4", None, post)])
        s[0]["HOME_POST"] = None if child == 25 else "CV1 1AA"
        spells.append(s)
    return tables_of(*spells)


def test_real_postcodes_distance_and_district():
    c = geography.centroids(["CV1 1AA", "le1 1aa", "CV370AA", "CV99 9ZZ", None])
    assert list(c["laua"].iloc[:3]) == ["E08000026", "E06000016", "E07000221"]
    assert list(geography.known(c)) == [True, True, True, False, False]
    home = geography.centroids(["CV1 1AA"] * 3)
    miles = geography.distance_miles(home, c.iloc[:3].reset_index(drop=True))
    assert np.allclose(miles, [0.0, 22.2616, 17.2083], atol=1e-3)


def test_placed_far_from_home_and_outside_the_area():
    v = run(location_la(), Settings(la_area_codes=("E08000026",)))
    assert v["placed_over_20_miles_pct"] == (100 / 3, 1, 3)
    assert v["placed_outside_la_pct"] == (200 / 3, 2, 3)
    assert v["placement_postcode_unknown"] == (2, 2, 5)
    # without the LA's district codes "outside the LA" is not known; a wider distance counts none
    v = run(location_la(), Settings(distance_miles=25.0))
    assert np.isnan(v["placed_outside_la_pct"][0]) and v["placed_over_20_miles_pct"][1] == 0


# ---------------------------------------------------------------------------------- UASC


def test_uasc_share_of_the_child_population_against_the_transfer_scheme():
    """Two UASC looked after at R in a child population of 1,000: 2 / 1000 * 100 = 0.2%, against
    the National Transfer Scheme threshold 0.1% (the target; no RAG: neither direction is better)."""
    tables = tables_of(spell(1, [("01/06/2016", "S", "U4")]), spell(2, [("01/06/2016", "S", "U4")]))
    tables["uasc"] = cleaned(
        "uasc", [{"CHILD": "1", "SEX": "1", "DOB": "01/01/2001"}, {"CHILD": "2", "SEX": "1"}]
    )
    settings = Settings(population_0_17=1000)
    assert run(tables, settings)["uasc_pct_of_child_population"] == (0.2, 2, 1000)
    assert np.isnan(run(tables)["uasc_pct_of_child_population"][0])
    row = indicators.kpi_table(model_of(tables, settings), R).set_index("indicator")
    assert row.loc["uasc_pct_of_child_population", "target"] == 0.1
    assert row.loc["uasc_pct_of_child_population", "rag"] == ""


def test_a_temporary_placement_counts_as_the_placement_it_interrupts():
    """Home CV1 1AA, placed CV2 2AA (2.95 miles, Coventry) since 01/06/2016, on holiday with the
    carer (T3) at LE1 1AA (22.26 miles) from 20/01/2017 over R: the placement is still CV2 2AA, so
    0 of 1 over 20 miles and 0 of 1 outside the LA."""
    s = spell(26, [("01/06/2016", "S", "U4", None, "CV2 2AA"), ("20/01/2017", "P", "T3", None,
                                                                "LE1 1AA")])  # fmt: skip
    for row in s:
        row["HOME_POST"] = "CV1 1AA"
    v = run(tables_of(s), Settings(la_area_codes=("E08000026",)))
    assert v["placed_over_20_miles_pct"] == (0.0, 0, 1)
    assert v["placed_outside_la_pct"] == (0.0, 0, 1)


def test_adoption_from_the_placed_for_adoption_table_and_a_freeing_order():
    """15: in care 01/01/2016, a freeing order (D1) from 01/03/2016, the episodes never show the
    adoption placement (U4 throughout) but placed_for_adoption has DATE_PLACED 01/05/2016; adopted
    01/10/2016, matched 01/04/2016. A1 = A10 = 01/01 -> 01/05/2016 = 31 + 29 + 31 + 30 = 121
    (2016 a leap year); A2 = 01/03 -> 01/04/2016 = 31."""
    from pipeline.model import permanence

    tables = tables_of(
        spell(15, [("01/01/2016", "S", "U4", None, None, "C2"),
                   ("01/03/2016", "L", "U4", None, None, "D1")], end="01/10/2016", rec="E11"),
    )  # fmt: skip
    tables["ad1"] = cleaned(
        "ad1", [{"CHILD": "15", "DATE_MATCH": "01/04/2016", "FOSTER_CARE": "0"}]
    )
    tables["placed_for_adoption"] = cleaned(
        "placed_for_adoption", [{"CHILD": "15", "DATE_PLACED": "01/05/2016"}]
    )
    m = model_of(tables)
    row = permanence.adoptions(m.tables, m.care).iloc[0]
    assert (row["a1_days"], row["a10_days"], row["a2_days"]) == (121, 121, 31)
    assert run(tables)["adoption_a2_days"] == (31.0, 31, 1)


def test_the_postcode_directory_is_not_read_without_postcodes():
    """Blank, missing and non-letter postcodes need no directory letter: nothing is read."""
    geography._letter.cache_clear()
    geography.forget_lookups()
    c = geography.centroids(["", None, "  ", "123"])
    assert geography._letter.cache_info().currsize == 0 and not geography.known(c).any()
    geography.centroids(["cv1 1aa"])  # one letter read, once
    geography.centroids(["CV2 2AA"])
    assert geography._letter.cache_info().currsize == 1


def test_postcodes_looked_up_before_are_not_read_again(monkeypatch):
    """A second lookup in the same process reads the directory only for postcodes it has not
    seen, and gives the same answers (a month's kernel reuses the earlier months' lookups)."""
    geography.forget_lookups()
    first = geography.centroids(["CV1 1AA", "ZZ9 9ZZ", ""])
    reads = []
    real_find = geography._find
    monkeypatch.setattr(geography, "_find", lambda *a: reads.append(a[1]) or real_find(*a))
    again = geography.centroids(["cv1 1aa", "ZZ9 9ZZ", "LE1 1AA"])
    assert reads == [["LE11AA"]]  # only the postcode not asked about before
    assert again.iloc[:2].equals(first.iloc[:2])
    assert geography.known(again).tolist() == [True, False, True]


def test_postcodes_are_found_the_same_without_a_writable_cache(tmp_path, monkeypatch):
    """Where the cache folder cannot be made (here: its parent is a file), the decoded letter is
    used directly and the answers are the same as from the parquet cache."""
    geography.forget_lookups()
    cached = geography.centroids(["CV1 1AA", "le1 1aa", "ZZ9 9ZZ", ""])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("LAC_CACHE_DIR", str(blocker))
    geography._letter.cache_clear()
    geography.forget_lookups()
    try:
        direct = geography.centroids(["CV1 1AA", "le1 1aa", "ZZ9 9ZZ", ""])
    finally:
        geography._letter.cache_clear()
    assert direct.equals(cached)
    assert geography.known(direct).tolist() == [True, True, False, False]


def test_postcode_forms_are_looked_up_normalised_and_oddities_are_unknown():
    """Each written form is normalised once; forms of one postcode share its centroid; text that
    cannot be a directory postcode (non-ASCII, longer than any postcode, punctuation) is unknown,
    never a near match."""
    geography.forget_lookups()
    c = geography.centroids(
        ["CV1 1AA", "cv11aa", "É1 1AA", "CV11AAXXXXXXXX", None, "", "CV1-1AA", " c v 1 1 a a "]
    )
    assert geography.known(c).tolist() == [True, True, False, False, False, False, False, True]
    assert c.iloc[[0, 1, 7]][["east", "north"]].nunique().tolist() == [1, 1]
    assert c["laua"].iloc[0] == c["laua"].iloc[7] and c["laua"].isna().tolist()[2:7] == [True] * 5
