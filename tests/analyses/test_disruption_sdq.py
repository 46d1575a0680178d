"""SDQ disruption analysis (pipeline.analyses.disruption_sdq): hand-worked frames, a simulation,
the synthetic LA. The sentences are checked through pipeline.report.words."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import stats
from pipeline.analyses import cohorts
from pipeline.analyses import disruption_sdq as ds
from pipeline.config import Settings
from pipeline.model import vocab
from pipeline.model.sdq import dated_scores
from pipeline.report import words
from tests.builders import model_of, placement_row, placements_of, scored_frame, sdq_frame

R = pd.Timestamp("2017-01-31")  # reference date for January 2017
T = pd.Timestamp


def history(rows):
    """The dated SDQ history of (child, date, score or None) rows, as the model gives it."""
    return dated_scores({"sdq": sdq_frame(rows)})


# ---------------------------------------------------------------------------------------------
# analysis frame


def test_window_edges_and_age_range():
    # window = 36 months to R = (2014-01-31, 2017-01-31]; every child has a score the day before
    rows = [
        placement_row("a", "2014-01-31"),  # on the lower edge: outside (open at its start)
        placement_row("b", "2014-02-01"),  # first day inside
        placement_row("c", "2017-01-31"),  # on R: inside
        placement_row("d", "2017-02-01"),  # after R: outside
        placement_row("e", "2016-01-10", age=3),  # aged 3: outside 4-17
        placement_row("f", "2016-01-10", age=4),  # aged 4: inside
        placement_row("g", "2016-01-10", age=17),  # aged 17: inside
        placement_row("h", "2016-01-10", age=18),  # aged 18: outside
    ]
    scores = history([(r["CHILD"], r["start"] - pd.Timedelta(days=1), 12) for r in rows])
    frame = ds.analysis_frame(placements_of(rows), scores, R, Settings())
    assert sorted(frame["CHILD"]) == ["b", "c", "f", "g"]
    # a shorter configured window: 12 months to R = (2016-01-31, 2017-01-31]
    frame12 = ds.analysis_frame(placements_of(rows), scores, R, Settings(sdq_window_months=12))
    assert sorted(frame12["CHILD"]) == ["c"]


def test_prior_sdq_is_latest_score_in_the_12_months_to_the_start():
    rows = [placement_row(c, "2016-03-15") for c in "abcd"]
    scores = [
        # a: start 15/03/2016, look-back (15/03/2015, 15/03/2016]
        ("a", "2015-03-15", 30),  # exactly 12 months before: outside
        ("a", "2015-03-16", 10),  # inside, but not the latest
        ("a", "2016-03-15", 20),  # on the start day: inside and latest -> 20
        ("a", "2016-03-16", 35),  # after the start: never used
        # b: the latest assessment returned a reason, not a score -> the earlier score, 7
        ("b", "2015-06-01", 7),
        ("b", "2016-01-01", None),
        # c: only an assessment exactly 12 months before -> no prior score, dropped
        ("c", "2015-03-15", 25),
        # d: nothing before the start
        ("d", "2016-04-01", 25),
    ]
    frame = ds.analysis_frame(placements_of(rows), history(scores), R, Settings())
    got = frame.set_index("CHILD")[["sdq_score", "sdq_date"]]
    assert sorted(got.index) == ["a", "b"]
    assert got.loc["a", "sdq_score"] == 20 and got.loc["a", "sdq_date"] == T("2016-03-15")
    assert got.loc["b", "sdq_score"] == 7 and got.loc["b", "sdq_date"] == T("2015-06-01")
    # bands: 20 -> concern, 7 -> normal
    assert frame.set_index("CHILD").loc["a", "sdq_band"] == "concern"
    assert frame.set_index("CHILD").loc["b", "sdq_band"] == "normal"


def test_sdq_bands_edges():
    bands = vocab.sdq_band([0, 13, 14, 16, 17, 40, None])
    assert list(bands.iloc[:6]) == [
        "normal",
        "normal",
        "borderline",
        "borderline",
        "concern",
        "concern",
    ]
    assert pd.isna(bands.iloc[6])


def test_twelve_month_outcome_follow_up_and_censoring():
    # R = 31/01/2017. follow-up = days from start to R; outcome known when follow-up >= 365.
    rows = [
        # A: disrupts after 151 days (01/01/2015 -> 01/06/2015): True; event at 151
        placement_row("A", "2015-01-01", "2015-06-01", "disruption"),
        # B: disrupts after 369 days: not within 12 months -> False; still an event at 369
        placement_row("B", "2015-01-01", "2016-01-05", "disruption"),
        # C: starts 01/06/2016, open: 244 days of follow-up, no disruption -> excluded (NA);
        #    censored at R, time 244
        placement_row("C", "2016-06-01"),
        # D: starts 01/06/2016, disrupts after 61 days: the 12 months are not all observed by R,
        #    so excluded from the binary outcome too (no outcome-dependent selection); event at 61
        placement_row("D", "2016-06-01", "2016-08-01", "disruption"),
        # E: planned end after 59 days, well before R: False; censored at 59
        placement_row("E", "2015-01-01", "2015-03-01", "planned"),
        # F: starts 01/02/2016, open: exactly 365 days to R -> followed 12 months -> False
        placement_row("F", "2016-02-01"),
        # G: starts 02/02/2016, open: 364 days -> excluded
        placement_row("G", "2016-02-02"),
        # H: disrupts on day 365 exactly (01/01/2015 -> 01/01/2016): within 12 months -> True
        placement_row("H", "2015-01-01", "2016-01-01", "disruption"),
        # I: ends (disruption) after R, on 01/03/2017: unknown at R -> open at R;
        #    01/01/2016 -> 31/01/2017 = 396 days, censored; outcome False (followed 12 months)
        placement_row("I", "2016-01-01", "2017-03-01", "disruption"),
        # J: left care after 100 days: False, censored at 100
        placement_row("J", "2015-01-01", "2015-04-11", "left_care"),
    ]
    scores = history([(r["CHILD"], r["start"], 15) for r in rows])
    frame = ds.analysis_frame(placements_of(rows), scores, R, Settings()).set_index("CHILD")
    expect = {
        "A": (True, 151, True),
        "B": (False, 369, True),
        "C": (None, 244, False),
        "D": (None, 61, True),
        "E": (False, 59, False),
        "F": (False, 365, False),
        "G": (None, 364, False),
        "H": (True, 365, True),
        "I": (False, 396, False),
        "J": (False, 100, False),
    }
    for child, (outcome, days, event) in expect.items():
        row = frame.loc[child]
        if outcome is None:
            assert pd.isna(row["disrupted_12m"]), child
        else:
            assert row["disrupted_12m"] == outcome, child
        assert row["time_days"] == days, child
        assert row["event"] == event, child
    assert frame.loc["I", "end_category"] == "open" and pd.isna(frame.loc["I", "end"])
    assert frame.loc["F", "follow_up_days"] == 365


def test_analysis_frame_without_scores_or_rows_is_empty():
    rows = placements_of([placement_row("a", "2016-01-01")])
    assert ds.analysis_frame(rows, dated_scores({}), R).empty  # no sdq table at all
    assert ds.analysis_frame(rows, history([]), R).empty
    empty = ds.analysis_frame(rows.iloc[0:0], history([("a", "2015-12-01", 3)]), R)
    assert empty.empty and "disrupted_12m" in empty
    assert list(empty.columns) == ds.FRAME_COLUMNS
    s = ds.summary(empty)
    assert not s.enough and s.n == 0 and s.logistic is None and s.optimal is None
    assert words.disruption_findings(s) == [
        words.too_few(0, 0, "analyse disruption against SDQ scores")
    ]


# ---------------------------------------------------------------------------------------------
# rates


def test_band_rates_count_children_and_allow_for_them():
    # normal band (score 5): child a has two disrupted placements, b two undisrupted, c..j one
    # undisrupted each -> 12 placements of 10 children, 2 disrupted; borderline (15): 4
    # children, none disrupted; no concern scores
    children = ["a", "a", "b", "b", *"cdefghij", *"klmn"]
    outcomes = [True, True] + [False] * 10 + [False] * 4
    frame = scored_frame([5] * 12 + [15] * 4, outcomes, children=children)
    out = ds.band_rates(frame).set_index("band")
    assert list(out.index) == ["normal", "borderline", "concern", "all"]
    assert out.loc["normal", ["n", "children", "disrupted"]].tolist() == [12, 10, 2]
    assert out.loc["normal", "rate"] == pytest.approx(2 / 12)
    # the interval is the clustered one (pipeline.stats, worked by hand in tests/test_stats.py):
    # child a's two breakdowns count as one child's, so it is wider than Wilson's for 2 of 12
    mask = np.array([True] * 12 + [False] * 4)
    cluster = pd.factorize(pd.Series(children))[0]
    expect = stats.clustered_proportions(np.array(outcomes, float), cluster, mask[None, :])
    assert out.loc["normal", "ci_low"] == pytest.approx(expect.ci_low[0])
    assert out.loc["normal", "ci_high"] == pytest.approx(expect.ci_high[0])
    wilson_hi = stats.wilson(2, 12)[1][0]
    assert out.loc["normal", "ci_high"] > wilson_hi
    assert out.loc["borderline", "rate"] == 0 and out.loc["borderline", "ci_low"] == 0
    assert out.loc["concern", "n"] == 0 and np.isnan(out.loc["concern", "rate"])
    assert out.loc["all", ["n", "children", "disrupted"]].tolist() == [16, 14, 2]


# a small constructed set: 5 disrupted, 7 not, one placement per child
POS = [12, 15, 18, 20, 22]
NEG = [5, 8, 10, 12, 14, 16, 19]


def small_set():
    return scored_frame(POS + NEG, [True] * len(POS) + [False] * len(NEG))


def test_threshold_table_on_small_set():
    # t = 15: flagged = {15, 18, 20, 22} disrupted + {16, 19} not -> n_above 6, rate 4/6;
    # below: {12} disrupted + {5, 8, 10, 12, 14} -> n_below 6, rate 1/6; difference 1/2;
    # sensitivity 4/5, specificity 5/7, J = 0.8 + 0.714286 - 1; 6 flagged per 4 caught = 1.5
    table = ds.threshold_table(small_set()).set_index("threshold")
    assert list(table.index) == list(range(10, 26))
    row = table.loc[15]
    assert (row["n_above"], row["disrupted_above"], row["n_below"], row["disrupted_below"]) == (
        6,
        4,
        6,
        1,
    )
    assert row["n_at"] == 1 and table.loc[12, "n_at"] == 2 and table.loc[11, "n_at"] == 0
    assert row["rate_above"] == pytest.approx(4 / 6)
    assert row["rate_below"] == pytest.approx(1 / 6)
    assert row["difference"] == pytest.approx(0.5)
    assert row["diff_ci_low"] < 0.5 < row["diff_ci_high"]
    assert row["sensitivity"] == pytest.approx(0.8)
    assert row["sens_ci_low"] < 0.8 < row["sens_ci_high"]
    assert row["specificity"] == pytest.approx(5 / 7)
    assert row["youden_j"] == pytest.approx(0.8 - 2 / 7)
    assert row["flagged_per_caught"] == pytest.approx(1.5)
    assert row["ci_above_low"] < row["rate_above"] < row["ci_above_high"]
    flag = np.array(POS + NEG) >= 15
    _, p = stats.cluster_score_test(flag[None, :], np.array([1] * 5 + [0] * 7), np.arange(12))
    assert row["p_value"] == pytest.approx(p[0])
    # t = 25: nobody flagged: rate above and flagged per caught undefined, intervals NaN
    assert table.loc[25, "n_above"] == 0 and np.isnan(table.loc[25, "rate_above"])
    assert np.isnan(table.loc[25, "flagged_per_caught"]) and np.isnan(table.loc[25, "p_value"])


def test_targeting_verdict_not_significant_by_hand():
    # cut-off 18 on the small set: flagged {18, 20, 22} disrupted and {19} not: 3 of 4; not
    # flagged: 2 of 8. Score test, one child each: mean flag 1/3, mean outcome 5/12;
    # U = (3 * 14 - 10 - 2 * 7 + 6 * 5) / 36 = 4/3; sum of squared contributions
    # (3 * 196 + 100 + 2 * 49 + 6 * 25) / 1296 = 936/1296; V = 12/11 of that;
    # t = (4/3) / sqrt(V) = 1.5021 on 11 df: p = 0.161
    from scipy.stats import t as student

    v = ds.targeting_verdict(small_set(), 18)
    assert isinstance(v, ds.TargetingVerdict) and v.enough and (v.n, v.disrupted) == (12, 5)
    c = v.cut
    assert (c.flagged, c.flagged_disrupted, c.not_flagged, c.missed) == (4, 3, 8, 2)
    assert (c.rate_flagged, c.rate_not_flagged) == pytest.approx((0.75, 0.25))
    stat = (4 / 3) / math.sqrt(12 / 11 * 936 / 1296)
    assert c.p_value == pytest.approx(2 * student.sf(stat, 11))
    assert v.significant is False and v.direction is None
    assert c.sensitivity == pytest.approx(3 / 5) and c.flagged_per_caught == pytest.approx(4 / 3)
    # the alternatives: 14 flags {15, 18, 20, 22} + {14, 16, 19}: catches 4 of 5
    assert [a.threshold for a in v.alternatives] == [14, 17]
    assert v.alternatives[0].sensitivity == pytest.approx(0.8)
    lines = words.targeting_sentences(v, Settings(suppression_enabled=False))
    assert lines[0].startswith("A cut-off of 18 flags 4 of 12 placements; 3 of them (75%")
    assert "is not statistically significant (p = 0.161)" in lines[1]
    assert "A cut-off of 18 would catch 3 of the 5 breakdowns (60%" in lines[2]
    assert "14 would catch 80%, flagging 1.8 placements per breakdown caught" in lines[2]


def test_targeting_verdict_both_directions():
    # 40 children scoring 10 (none disrupted) and 40 scoring 25 (all disrupted): flagged
    # placements disrupt more; swap the outcomes and they disrupt less. Every contribution is
    # 1/4: U = 20, V = 80/79 * 5, t = 8.89: p far below 0.05
    scores = [10] * 40 + [25] * 40
    more = ds.targeting_verdict(scored_frame(scores, [False] * 40 + [True] * 40), 18)
    assert more.significant and more.direction == "more"
    assert more.cut.difference == pytest.approx(1.0)
    less = ds.targeting_verdict(scored_frame(scores, [True] * 40 + [False] * 40), 18)
    assert less.significant and less.direction == "less"
    settings = Settings()
    assert (
        "Flagged placements broke down more often" in words.targeting_sentences(more, settings)[1]
    )
    assert (
        "Flagged placements broke down less often" in words.targeting_sentences(less, settings)[1]
    )
    # a cut-off that flags nobody cannot be tested
    none = ds.targeting_verdict(scored_frame([5] * 10 + [8] * 10, [True, False] * 10), 18)
    assert none.enough and none.significant is None and none.cut.flagged == 0
    assert "cannot be tested" in words.targeting_sentences(none, settings)[1]


def test_targeting_sentences_suppress_small_counts():
    # 3 of the 4 flagged disrupted, 2 of the 8 others: every cell of the cut-off's table is
    # under 5, so no count or rate of it is shown (a count beside the total gives the rest)
    v = ds.targeting_verdict(small_set(), 18)
    lines = words.targeting_sentences(v, Settings())
    assert "too small to show publicly" in lines[0] and "75%" not in " ".join(lines)
    assert "too small to show the difference publicly" in lines[1]
    assert lines[2].startswith("What a cut-off of 18 would catch and miss of the 5 breakdowns")
    assert not any(str(x) in lines[2].replace("18", "").replace(" 5 ", "") for x in (2, 3, 4))
    shown = words.targeting_sentences(v, Settings(suppression_enabled=False))
    assert "flags 4 of 12 placements" in shown[0] and "would catch 3 of the 5" in shown[2]


# ---------------------------------------------------------------------------------------------
# ROC, AUC and the near-optimal cut-offs


def test_auc_perfect_reversed_tied_and_worked():
    assert ds.auc(scored_frame([20, 25, 5, 10], [True, True, False, False])) == 1.0
    assert ds.auc(scored_frame([5, 10, 20, 25], [True, True, False, False])) == 0.0
    assert ds.auc(scored_frame([14] * 6, [True, False] * 3)) == 0.5
    # pos {1, 3}, neg {2, 4}: pairs (1,2) 0, (1,4) 0, (3,2) 1, (3,4) 0 -> 1/4
    assert ds.auc(scored_frame([1, 3, 2, 4], [True, True, False, False])) == 0.25
    # pos {2}, neg {2, 1}: tie counts half -> (0.5 + 1) / 2 = 0.75
    assert ds.auc(scored_frame([2, 2, 1], [True, False, False])) == 0.75
    # small set: pairs won by the disrupted score, out of 35:
    # 12 beats 5,8,10 and ties 12 -> 3.5; 15 -> 5; 18 -> 6; 20 -> 7; 22 -> 7 => 28.5 / 35
    assert ds.auc(small_set()) == pytest.approx(28.5 / 35)
    curve = ds.roc(small_set())
    assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(28.5 / 35)
    assert (curve.iloc[0][["fpr", "tpr"]].tolist(), curve.iloc[-1][["fpr", "tpr"]].tolist()) == (
        [0.0, 0.0],
        [1.0, 1.0],
    )


def test_near_optimal_range_named_when_the_score_separates():
    # 40 score 10 (none disrupted), 40 score 17 and 40 score 25 (all disrupted): AUC 1 in every
    # bootstrap sample; J = 0 at 10, 1 from 11 to 17, 0.5 from 18 to 25 -> the lowest best
    # cut-off is 11 in every sample: the range is 11 to 11
    frame = scored_frame([10] * 40 + [17] * 40 + [25] * 40, [False] * 40 + [True] * 80)
    opt = ds.near_optimal(frame, n_boot=200)
    assert opt.enough and opt.auc == 1.0 and opt.auc_ci == (1.0, 1.0)
    assert opt.separates and opt.named and not opt.reversed
    assert (opt.low, opt.high, opt.optimum, opt.youden_j) == (11, 11, 11, 1.0)
    text = words.separation_sentence(opt)
    assert (
        "the cut-off that best balances breakdowns caught against placements flagged is 11" in text
    )


def test_near_optimal_range_not_named_without_separation():
    rng = np.random.default_rng(3)
    n = 1000
    frame = scored_frame(rng.integers(0, 41, n), rng.random(n) < 0.3)
    assert abs(ds.auc(frame) - 0.5) < 0.05
    opt = ds.near_optimal(frame, n_boot=300)
    assert opt.auc_ci[0] < 0.5 < opt.auc_ci[1]
    assert opt.separates is False and not opt.named and opt.low is None and opt.high is None
    assert opt.optimum is not None  # kept for audit, never named
    text = words.separation_sentence(opt)
    assert "does not reliably separate" in text and "do not point to a best cut-off" in text
    s = ds.summary(frame, Settings(), n_boot=300)
    assert s.enough and s.auc == ds.auc(frame) and s.optimal == opt
    # higher scores going with fewer breakdowns: reversed, nothing named
    reversed_ = ds.near_optimal(scored_frame([25] * 20 + [5] * 20, [False] * 20 + [True] * 20))
    assert reversed_.reversed and not reversed_.named
    assert "higher SDQ scores went with fewer breakdowns" in words.separation_sentence(reversed_)


def test_bootstrap_is_deterministic_and_resamples_children():
    frame = small_set()
    a = ds.bootstrap(frame, n_boot=50, seed=4)
    b = ds.bootstrap(frame, n_boot=50, seed=4)
    assert len(a["auc"]) == 50 and len(a["optimal"]) == 50
    assert np.array_equal(a["auc"], b["auc"], equal_nan=True)
    one_child = frame.assign(CHILD="x")
    c = ds.bootstrap(one_child, n_boot=20, seed=4)
    # a single child resampled is always the same data: AUC identical to the estimate
    assert np.allclose(c["auc"], ds.auc(frame))
    assert set(c["optimal"]) <= set(ds.THRESHOLDS)


# ---------------------------------------------------------------------------------------------
# small numbers never crash


@pytest.mark.parametrize(
    "scores,outcomes",
    [
        ([], []),
        ([20, 5, 17], [True, False, True]),  # n < 10
        ([20] * 6 + [3] * 6, [False] * 12),  # a single class
        ([20] * 6 + [3] * 6, [True] * 12),
    ],
)
def test_small_or_single_class_frames_give_nan_and_a_sentence(scores, outcomes):
    frame = scored_frame(scores, outcomes)
    s = ds.summary(frame, Settings(), n_boot=50)
    assert s.enough is False and "too few" in words.disruption_findings(s)[0]
    assert math.isnan(s.auc) and s.logistic is None and s.optimal is None
    if len(set(outcomes)) < 2:  # AUC itself is defined whenever both outcomes occur
        assert math.isnan(ds.auc(frame)) and ds.roc(frame).empty
    fit = ds.logistic_model(frame)
    assert fit.status == "too_few" and math.isnan(fit.ratio)
    assert "too few" in words.model_sentence(fit)
    opt = ds.near_optimal(frame, n_boot=50)
    assert opt.low is None and not opt.enough and not opt.named
    assert "too few" in words.separation_sentence(opt)
    v = ds.targeting_verdict(frame)
    assert not v.enough and v.significant is None and v.cut is None
    assert "too few" in words.targeting_sentences(v, Settings())[0]
    cox = ds.cox_model(frame)  # survival uses every row; with 12 events it may be fitted
    assert words.model_sentence(cox)
    if len(outcomes) < 10 or not any(outcomes):
        assert cox.status == "too_few"
        assert math.isnan(cox.ratio) and "too few" in words.model_sentence(cox)
        # fewer than 10 rows, or no disruption at all: no band comparison
        assert math.isnan(ds.band_comparison(frame).p_value)
    ds.band_rates(frame)
    ds.threshold_table(frame)
    ds.roc(frame)
    ds.cumulative_incidence(frame)
    ds.incidence_at(frame)


def test_separated_data_are_fitted_by_firth_and_degenerate_cox_is_not():
    # perfectly separated: the ordinary logit has no estimate; Firth's does (a large odds
    # ratio per point, finite), with a jackknife interval
    frame = scored_frame([25] * 10 + [5] * 10, [True] * 10 + [False] * 10)
    out = ds.logistic_model(frame)
    assert out.status == "fitted" and out.ratio > 1 and np.isfinite(out.ci_high)
    assert (out.n, out.children, out.df) == (20, 20, 19)
    assert words.model_sentence(out)
    assert ds.auc(frame) == 1.0
    # all follow-up times tied and every event at the high score: the Cox likelihood keeps
    # rising with the coefficient -> not fitted, and a sentence, no exception
    cox = ds.cox_model(frame)
    assert cox.status == "not_fitted" and math.isnan(cox.ratio)
    assert (
        words.model_sentence(cox) == "The survival model could not be fitted on these placements."
    )


# ---------------------------------------------------------------------------------------------
# adjustment: placement types pooled by size, never by outcome; what was dropped, and why


def test_placement_groups_pool_by_size_only():
    g = pd.Series(["foster"] * 20 + ["resid"] * 16 + ["adopt"] * 3 + ["parents"] * 4)
    groups, pooled = ds.placement_groups(g)
    # adopt (3) and parents (4) are pooled; the pool (7) is still under 15: it joins foster
    assert pooled == ("adopt", "parents")
    assert groups.value_counts().to_dict() == {"foster": 27, "resid": 16}
    g2 = pd.Series(["foster"] * 20 + ["adopt"] * 8 + ["parents"] * 9 + [None])
    groups2, pooled2 = ds.placement_groups(g2)
    # adopt, parents and the one unknown type pool into 18 >= 15: a group of its own
    assert pooled2 == ("adopt", "not recorded", "parents")
    assert groups2.value_counts().to_dict() == {"foster": 20, ds.POOLED_GROUP: 18}
    # the outcome is not an argument: a rule that cannot look at it
    assert ds.placement_groups(pd.Series(["foster"] * 5))[1] == ("foster",)


def test_a_type_with_no_disruption_keeps_the_adjustment():
    # 40 foster placements (score-related breakdowns) and 20 residential with no breakdown at
    # all: the ordinary logit separates on the residential dummy; Firth's does not
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 35, 60)
    outcome = np.r_[rng.random(40) < 1 / (1 + np.exp(-(scores[:40] - 17) / 4)), np.zeros(20, bool)]
    frame = scored_frame(
        scores, outcome, groups=["foster"] * 40 + ["resid"] * 20, ages=rng.integers(4, 18, 60)
    )
    fit = ds.logistic_model(frame)
    assert fit.status == "fitted"
    assert fit.adjusted_for == ("age_at_start", "place_group") and fit.dropped == ()
    assert fit.reference_group == "foster" and fit.pooled_groups == ()
    text = words.model_sentence(fit)
    assert (
        "The model allows for age at the start of the placement and placement type (compared with foster)."
        in text
    )


def test_dropped_adjustments_are_recorded_and_said():
    frame = scored_frame([5, 25] * 10, [False, True] * 5 + [True, False] * 5)  # one age, one type
    fit = ds.logistic_model(frame)
    assert fit.status == "fitted" and fit.adjusted_for == ()
    reasons = dict(fit.dropped)
    assert reasons["age_at_start"] == "every placement started at the same age"
    assert reasons["place_group"] == "every placement was of one type"
    text = words.model_sentence(fit)
    assert (
        "It could not allow for age at the start of the placement: every placement started at"
        in text
    )
    assert "It could not allow for placement type: every placement was of one type." in text
    # pooled types are said, with the rule
    groups = ["foster"] * 15 + ["resid"] * 3 + ["adopt"] * 2
    pooled = ds.logistic_model(
        scored_frame([5, 25] * 10, [False, True] * 10, groups=groups, ages=list(range(4, 24)))
    )
    assert pooled.pooled_groups == ("adopt", "resid")
    assert pooled.adjusted_for == ("age_at_start",)  # the pool (6) joined foster: one type
    assert "once types with few placements were pooled" in dict(pooled.dropped)["place_group"]
    unadjusted = ds.logistic_model(frame, adjust=False)
    assert unadjusted.adjusted_for == () and unadjusted.dropped == ()


# ---------------------------------------------------------------------------------------------
# survival: cumulative incidence, the band comparison


def test_cumulative_incidence_by_hand():
    # normal band: 10 days (breakdown), 20 (planned end: competing), 30 (breakdown),
    # 40 (open at R: censored). CIF: 1/4 at 10; S = 3/4 * 2/3 = 1/2 after 20; at 30, 2 at risk:
    # 1/4 + 1/2 * 1/2 = 1/2. (1 - Kaplan-Meier would say 1 - 3/4 * 1/2 = 5/8: too high.)
    frame = scored_frame(
        [5, 5, 5, 5, 20, 20],
        [False] * 6,
        times=[10, 20, 30, 40, 5, 50],
        endings=["disruption", "planned", "disruption", "open", "disruption", "open"],
    ).assign(event=[True, False, True, False, True, False])
    cif = ds.cumulative_incidence(frame)
    normal = cif[cif["band"] == "normal"].set_index("timeline")
    assert normal["cif"].tolist() == pytest.approx([0.25, 0.25, 0.5, 0.5])
    assert normal["at_risk"].tolist() == [4, 3, 2, 1] and (normal["n"] == 4).all()
    assert (cif["ci_low"] <= cif["cif"] + 1e-12).all() and (
        cif["cif"] <= cif["ci_high"] + 1e-12
    ).all()
    assert set(cif["band"].astype(str)) == {"normal", "concern"}
    at = ds.incidence_at(frame, days=25).set_index("band")
    assert at.loc["normal", "cif"] == pytest.approx(0.25) and at.loc["normal", "disruptions"] == 1
    at = ds.incidence_at(frame).set_index("band")
    assert at.loc["normal", "cif"] == pytest.approx(0.5) and at.loc["normal", "disruptions"] == 2
    assert at.loc["concern", "cif"] == pytest.approx(0.5)  # 5 (breakdown), 50 (open): 1/2
    assert at.loc["borderline", "n"] == 0 and np.isnan(at.loc["borderline", "cif"])
    assert at.loc["all", "n"] == 6
    assert np.isnan(ds.incidence_at(frame, intervals=False).loc[0, "ci_low"])


def test_band_comparison_counts_a_childs_placements_once():
    rng = np.random.default_rng(11)
    n = 150
    scores = rng.integers(0, 35, n)
    hazard = 1 / 300 * np.exp(0.1 * (scores - 15))
    t_event = rng.exponential(1 / hazard)
    t_censor = rng.uniform(30, 900, n)
    time = np.ceil(np.minimum(t_event, t_censor))
    event = t_event <= t_censor
    frame = scored_frame(scores, event, times=time).assign(event=event)
    test = ds.band_comparison(frame)
    assert test.method == "jackknife Wald" and test.p_value < 0.01 and test.df == (2, n - 2)
    # each placement given a twin for the same child: no more evidence than before
    twice = pd.concat([frame, frame], ignore_index=True)
    again = ds.band_comparison(twice)
    assert again.children == n and again.n == 2 * n
    assert again.p_value == pytest.approx(test.p_value, rel=0.3)
    # a band with no breakdown: the model has no finite estimate: the robust log-rank
    no_border = frame.assign(
        event=frame["event"] & (vocab.sdq_band(frame["sdq_score"]) != "borderline")
    )
    assert ds.band_comparison(no_border).method == "robust log-rank"
    sentence = words.incidence_sentence(ds.incidence_at(frame), test, Settings())
    assert "is statistically significant" in sentence and "by 12 months" in sentence


# ---------------------------------------------------------------------------------------------
# simulation: a known effect is recovered

TRUE_LOG_OR = 0.09


def _simulated(seed, n=1500):
    rng = np.random.default_rng(seed)
    score = np.clip(np.round(rng.normal(14.8, 6.8, n)), 0, 40).astype(int)
    age = rng.integers(4, 18, n)
    group = rng.choice(["foster", "residential", "placed_with_parents"], n, p=[0.7, 0.2, 0.1])
    group_effect = (
        pd.Series(group)
        .map({"foster": 0.0, "residential": 0.5, "placed_with_parents": -0.3})
        .to_numpy()
    )
    # about 1 in 5 children has two placements (shared child id): exercises the clustering
    child = np.arange(n)
    child[1::5] = child[0::5][: len(child[1::5])]
    return rng, score, age, group, group_effect, child


def test_simulated_logistic_effect_is_recovered():
    rng, score, age, group, group_effect, child = _simulated(2024)
    lin = -1.3 + TRUE_LOG_OR * (score - 14.8) + 0.06 * (age - 10) + group_effect
    y = rng.random(len(score)) < 1 / (1 + np.exp(-lin))
    frame = scored_frame(score, y, children=child.astype(str), groups=group, ages=age)
    fit = ds.logistic_model(frame)
    assert fit.status == "fitted"
    assert fit.ci_low < math.exp(TRUE_LOG_OR) < fit.ci_high
    assert fit.ci_low > 1 and fit.n == len(frame) and fit.children == len(set(child))
    assert fit.adjusted_for == ("age_at_start", "place_group")
    assert fit.reference_group == "foster"  # the commonest group
    assert (
        "The model allows for age at the start of the placement and placement type (compared"
        in (words.model_sentence(fit))
    )
    assert 0.6 < ds.auc(frame) < 0.8
    bands = ds.band_rates(frame).set_index("band")["rate"]
    assert bands["normal"] < bands["borderline"] < bands["concern"]


def test_simulated_hazard_effect_is_recovered():
    rng, score, age, group, group_effect, child = _simulated(7)
    hazard = 0.8 / 365 * np.exp(TRUE_LOG_OR * (score - 14.8) + group_effect)
    t_event = rng.exponential(1 / hazard)
    t_censor = rng.uniform(30, 1100, len(score))  # censored at R or a planned end
    time = np.ceil(np.minimum(t_event, t_censor)).astype(int)
    event = t_event <= t_censor
    frame = scored_frame(
        score,
        np.where(time > 365, False, event),
        children=child.astype(str),
        groups=group,
        ages=age,
        times=time,
        endings=np.where(event, "disruption", "planned"),
    ).assign(event=event)
    fit = ds.cox_model(frame)
    assert fit.status == "fitted" and fit.kind == "cox"
    assert fit.ci_low < math.exp(TRUE_LOG_OR) < fit.ci_high
    assert fit.ci_low > 1 and fit.adjusted_for == ("age_at_start", "place_group")
    at_year = ds.incidence_at(frame).set_index("band")["cif"]
    assert at_year["normal"] < at_year["borderline"] < at_year["concern"]
    test = ds.band_comparison(frame)
    assert test.p_value < 0.001 and test.n == len(frame)


# ---------------------------------------------------------------------------------------------
# the default synthetic LA: the analysis rediscovers the generator's encoded effect


@pytest.mark.slow
def test_synthetic_la_recovers_sdq_effect(tmp_path):
    from pipeline import synth
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    synth.generate(tmp_path, seed=903, months=1)
    tables = clean_extract(load_extract(tmp_path / "truth" / "2017-01"), "2017-01").tables
    settings = Settings()
    model = model_of(tables, settings)
    frame = ds.analysis_frame(model.placements, model.sdq_scores, R, settings)
    s = ds.summary(frame, settings, n_boot=500)
    assert s.enough and s.n >= 100
    # the generator encodes log hazard +0.09 per latent point: OR and HR per point > 1
    assert s.logistic.ci_low > 1 and s.cox.ci_low > 1
    assert 0.6 < s.auc < 0.85
    assert s.optimal.named and s.optimal.low <= s.optimal.high
    # placements the threshold flags disrupt more often; with ~170 placements the difference is
    # significant at some seeds' draws only (903: not; 1 and 3: yes), so only its sign is asked
    assert s.targeting.direction != "less" and s.targeting.cut.difference > 0
    cohort = cohorts.sdq_at_or_above_threshold(model, R)
    assert len(cohort) > 0 and (cohort["sdq_score"] >= 18).all()
    assert (cohort["sdq_date"] > R - pd.DateOffset(years=1)).all()
