"""Review timescales (pipeline.model.reviews) and working days (pipeline.model.workdays).

Every expected date is worked out by hand from the 2017 calendar in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import reviews, workdays
from tests.builders import d, model_of, spell, tables_of


def review_frame(rows):
    """A cleaned reviews table from (child, 'dd/mm/yyyy', code) rows."""
    return pd.DataFrame(
        {
            "CHILD": pd.Series([str(c) for c, _, _ in rows], dtype="str"),
            "DOB": pd.NaT,
            "REVIEW": pd.to_datetime([r for _, r, _ in rows], format="%d/%m/%Y").astype(
                "datetime64[ns]"
            ),
            "REVIEW_CODE": pd.Series([c for _, _, c in rows], dtype="str"),
        }
    )


def held(spells, rows):
    tables = tables_of(*spells)
    tables["reviews"] = review_frame(rows)
    m = model_of(tables)
    return reviews.held_reviews(m.tables, m.care)


def test_twentieth_working_day_skips_the_spring_bank_holiday():
    # start Tue 02/05/2017: working days 3-5 May (3), 8-12 (8), 15-19 (13), 22-26 (18),
    # Mon 29 May is the spring bank holiday, 30 May (19), 31 May (20)
    due = workdays.add_working_days(np.array([d("02/05/2017")], dtype="datetime64[ns]"), 20)
    assert due[0] == np.datetime64("2017-05-31")
    # a Saturday start: Monday is the first working day; Sat 06/05 -> day 20 is Mon 05/06
    # (8-12 May 5, 15-19 10, 22-26 15, 30 May-2 Jun 19, 5 Jun 20)
    sat = workdays.add_working_days(np.array([d("06/05/2017")], dtype="datetime64[ns]"), 20)
    assert sat[0] == np.datetime64("2017-06-05")
    assert np.datetime64("2017-12-25") in workdays.bank_holidays(2017, 2017)


def _fresh_bank_holidays(monkeypatch, folder):
    monkeypatch.setenv("LAC_CACHE_DIR", str(folder))
    workdays.bank_holidays.cache_clear()
    workdays._cached_bank_holidays.cache_clear()


def test_bank_holidays_kept_in_the_cache_folder_are_the_packages(tmp_path, monkeypatch):
    """The first process works the years out and writes them down; a later one reads the file.
    Both give the package's days (2020: 8 May moved for VE day; 2022: the Queen's funeral)."""
    _fresh_bank_holidays(monkeypatch, tmp_path)
    try:
        first = workdays.bank_holidays(2019, 2023)
        (written,) = tmp_path.glob("bank-holidays-england-*.txt")
        _fresh_bank_holidays(monkeypatch, tmp_path)
        calls = []
        real = workdays._from_package
        monkeypatch.setattr(workdays, "_from_package", lambda *a: calls.append(a) or real(*a))
        again = workdays.bank_holidays(2019, 2023)
        assert calls == []  # read from the file, the package not asked
        expected = real(2019, 2023)
        np.testing.assert_array_equal(first, expected)
        np.testing.assert_array_equal(again, expected)
        assert np.datetime64("2020-05-08") in again and np.datetime64("2022-09-19") in again
        assert np.datetime64("2020-05-04") not in again  # the May holiday moved to the 8th
        # years beyond the kept range are asked of the package
        # (1 January 2061 is a Saturday: the package lists it and Monday 3rd in lieu)
        beyond = workdays.bank_holidays(2061, 2061)
        assert beyond[:2].tolist() == [np.datetime64("2061-01-01"), np.datetime64("2061-01-03")]
        assert calls == [(2061, 2061)]
        # an unreadable file is worked out again, not trusted
        written.write_text("not a date\n")
        _fresh_bank_holidays(monkeypatch, tmp_path)
        np.testing.assert_array_equal(workdays.bank_holidays(2019, 2023), expected)
    finally:
        workdays.bank_holidays.cache_clear()
        workdays._cached_bank_holidays.cache_clear()


def test_first_review_on_the_20th_working_day_is_on_time_and_the_21st_late():
    a = spell(1, [("02/05/2017", "S", "U4")])
    b = spell(2, [("02/05/2017", "S", "U4")])
    out = held([a, b], [(1, "31/05/2017", "PN1"), (2, "01/06/2017", "PN1")])
    assert list(out["seq"]) == [0, 0]
    assert list(out["on_time"]) == [True, False]
    assert (out["due"] == pd.Timestamp("2017-05-31")).all()


def test_second_review_exactly_three_months_after_the_first_then_six_months():
    s = spell(1, [("02/05/2017", "S", "U4")])
    rows = [(1, "31/05/2017", "PN1"), (1, "31/08/2017", "PN1"), (1, "01/03/2018", "PN7")]
    out = held([s], rows)
    # second due 31/08/2017 (3 months after 31/05): held that day, on time
    # third due 28/02/2018 (6 months after 31/08, no 31 February): 01/03/2018 is late
    assert list(out["seq"]) == [0, 1, 2]
    assert list(out["due"]) == [d("31/05/2017"), d("31/08/2017"), d("28/02/2018")]
    assert list(out["on_time"]) == [True, True, False]


def test_reentry_restarts_the_sequence_and_reviews_out_of_care_are_set_aside():
    # period 1: 01/02/2016 - 01/06/2016; back in care 01/03/2017 (a new period: first review
    # due 20 working days later, 29/03/2017: March 2017 has no bank holiday)
    s = spell(1, [("01/02/2016", "S", "U4")], end="01/06/2016") + spell(
        1, [("01/03/2017", "S", "U4")]
    )
    rows = [(1, "20/02/2016", "PN1"), (1, "01/01/2017", "PN1"), (1, "29/03/2017", "PN1")]
    out = held([s], rows)
    # the 01/01/2017 review was held while out of care: not counted
    assert list(out["REVIEW"]) == [d("20/02/2016"), d("29/03/2017")]
    assert list(out["seq"]) == [0, 0]
    assert list(out["on_time"]) == [True, True]
    assert out["period_row"].nunique() == 2


def test_overdue_at_r_lists_children_whose_next_review_has_passed():
    # R = 31/01/2017. Child 1: in care from 02/05/2016, reviews 27/05/2016 and 26/08/2016, third
    # due 26/02/2017: not overdue. Child 2: reviews 27/05/2016 and 20/07/2016: third due
    # 20/01/2017 -> 11 days overdue. Child 3: in care from 03/01/2017 (Tue), no review yet,
    # first due 31/01/2017 (20 working days: 4-6 Jan 3, 9-13 8, 16-20 13, 23-27 18, 30-31 20):
    # due on R, not overdue. Child 4: in care from Mon 02/01/2017 (the New Year bank holiday,
    # day 0 all the same; 3-6 Jan 4, 9-13 9, 16-20 14, 23-27 19, 30 Jan 20): 1 day overdue.
    spells = [
        spell(1, [("02/05/2016", "S", "U4")]),
        spell(2, [("02/05/2016", "S", "U4")]),
        spell(3, [("03/01/2017", "S", "U4")]),
        spell(4, [("02/01/2017", "S", "U4")]),
    ]
    rows = [
        (1, "27/05/2016", "PN1"),
        (1, "26/08/2016", "PN1"),
        (2, "27/05/2016", "PN1"),
        (2, "20/07/2016", "PN1"),
        (2, "01/02/2017", "PN1"),  # held after R: does not count at R
    ]
    tables = tables_of(*spells)
    tables["reviews"] = review_frame(rows)
    m = model_of(tables)
    out = reviews.overdue_at(m.care, reviews.held_reviews(m.tables, m.care), "2017-01-31")
    assert list(out["CHILD"]) == ["2", "4"]
    assert list(out["days_overdue"]) == [11, 1]
    assert list(out["due"]) == [d("20/01/2017"), d("30/01/2017")]
    assert out["last_review"].iloc[0] == d("20/07/2016") and pd.isna(out["last_review"].iloc[1])
