"""SDQ disruption analysis (pipeline.analyses.disruption_sdq): hand-worked frames, a simulation,
the synthetic LA. The sentences are checked through pipeline.report.words."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

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
    assert not s.enough and s.n == 0 and s.logistic is None and s.optimal_threshold is None
    assert words.disruption_findings(s) == [
        words.too_few(0, 0, "analyse disruption against SDQ scores")
    ]


# ---------------------------------------------------------------------------------------------
# rates


def test_band_rates():
    # 20 normal (score 5), 5 disrupted; 4 borderline (15), none disrupted; no concern scores
    frame = scored_frame([5] * 20 + [15] * 4, [True] * 5 + [False] * 15 + [False] * 4)
    out = ds.band_rates(frame).set_index("band")
    assert list(out.index) == ["normal", "borderline", "concern", "all"]
    assert out.loc["normal", ["n", "disrupted"]].tolist() == [20, 5]
    assert out.loc["normal", "rate"] == 0.25
    # Wilson for 5 of 20 (worked in tests/analyses/test_stats.py): (0.11186, 0.46870)
    assert out.loc["normal", "ci_low"] == pytest.approx(0.11186, abs=1e-4)
    assert out.loc["borderline", "rate"] == 0 and out.loc["borderline", "ci_low"] == 0
    assert out.loc["concern", "n"] == 0 and np.isnan(out.loc["concern", "rate"])
    assert out.loc["all", ["n", "disrupted"]].tolist() == [24, 5]


# a small constructed set: 5 disrupted, 7 not (worked through in test_youden_optimum)
POS = [12, 15, 18, 20, 22]
NEG = [5, 8, 10, 12, 14, 16, 19]


def small_set():
    return scored_frame(POS + NEG, [True] * len(POS) + [False] * len(NEG))


def test_threshold_table_on_small_set():
    # t = 15: flagged = {15, 18, 20, 22} disrupted + {16, 19} not -> n_above 6, rate 4/6;
    # below: {12} disrupted + {5, 8, 10, 12, 14} -> n_below 6, rate 1/6;
    # sensitivity 4/5, specificity 5/7, J = 0.8 + 0.714286 - 1 = 0.514286
    table = ds.threshold_table(small_set()).set_index("threshold")
    assert list(table.index) == list(range(10, 26))
    row = table.loc[15]
    assert (row["n_above"], row["disrupted_above"], row["n_below"], row["disrupted_below"]) == (
        6,
        4,
        6,
        1,
    )
    assert row["rate_above"] == pytest.approx(4 / 6)
    assert row["rate_below"] == pytest.approx(1 / 6)
    assert row["sensitivity"] == pytest.approx(0.8)
    assert row["specificity"] == pytest.approx(5 / 7)
    assert row["youden_j"] == pytest.approx(0.8 - 2 / 7)
    assert row["ci_above_low"] < row["rate_above"] < row["ci_above_high"]
    # t = 25: nobody flagged: rate above undefined, interval NaN
    assert table.loc[25, "n_above"] == 0 and np.isnan(table.loc[25, "rate_above"])


def test_youden_optimum_on_small_set():
    # P = 5, N = 7; J(t) = TP/5 - FP/7 for "score >= t":
    #  t:  5    8    10   12   14   15   16   18   19   20   22
    #  J:  0  .143 .286 .429 .371 .514 .314 .457 .257  .4   .2     -> optimum 15, J = 0.514
    opt = ds.optimal_threshold(small_set(), n_boot=300, seed=1)
    assert isinstance(opt, ds.OptimalThreshold)
    assert opt.enough and (opt.n, opt.disrupted) == (12, 5)
    assert opt.threshold == 15
    assert opt.youden_j == pytest.approx(0.8 - 2 / 7)
    assert opt.sensitivity == pytest.approx(0.8) and opt.specificity == pytest.approx(5 / 7)
    assert opt.ci_low <= 15 <= opt.ci_high
    sentence = words.optimal_sentence(opt)
    assert "is 15 (95% bootstrap interval" in sentence and "on 12 placements" in sentence
    curve = ds.roc(small_set())
    assert curve["youden_j"].max() == pytest.approx(0.8 - 2 / 7)
    assert curve.loc[curve["youden_j"].idxmax(), "threshold"] == 15


# ---------------------------------------------------------------------------------------------
# ROC and AUC


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


def test_auc_of_a_random_score_is_about_a_half():
    rng = np.random.default_rng(3)
    n = 4000
    frame = scored_frame(rng.integers(0, 41, n), rng.random(n) < 0.3)
    assert abs(ds.auc(frame) - 0.5) < 0.03
    # the AUC interval is the summary's (a child-level bootstrap percentile interval)
    s = ds.summary(frame, Settings(), n_boot=300)
    assert s.enough and s.auc == ds.auc(frame)
    assert s.auc_ci[0] < 0.5 < s.auc_ci[1]


def test_bootstrap_is_deterministic_and_resamples_children():
    frame = small_set()
    a = ds.bootstrap(frame, n_boot=50, seed=4)
    b = ds.bootstrap(frame, n_boot=50, seed=4)
    assert len(a["auc"]) == 50
    assert np.array_equal(a["auc"], b["auc"], equal_nan=True)
    one_child = frame.assign(CHILD="x")
    c = ds.bootstrap(one_child, n_boot=20, seed=4)
    # a single child resampled is always the same data: AUC identical to the estimate
    assert np.allclose(c["auc"], ds.auc(frame))


# ---------------------------------------------------------------------------------------------
# verdict on 18 against 17


def test_verdict_not_significant_when_interval_includes_zero():
    # J(18) - J(17) depends only on scores of exactly 17: none here, so the difference is 0
    # in every bootstrap sample -> the interval is [0, 0], which includes 0
    frame = small_set()
    v = ds.threshold_verdict(frame, 18, 17, n_boot=200)
    assert isinstance(v, ds.ThresholdComparison) and v.enough
    assert v.difference == pytest.approx(0.0)
    assert v.ci_low <= 0 <= v.ci_high
    assert v.significant is False and v.better is None
    # score >= 18 flags {18, 20, 22} and {19}: 4 placements, 3 disrupted
    assert (v.at_threshold.flagged, v.at_threshold.rate_flagged) == (4, 0.75)
    assert "not statistically significant at this size" in words.comparison_sentence(v)


def test_verdict_significant_when_many_disrupted_score_exactly_17():
    # 40 score 10 (none disrupted), 40 score 17 (all disrupted), 40 score 25 (all disrupted):
    # J(17) = 80/80 - 0 = 1; J(18) = 40/80 - 0 = 0.5 -> difference -0.5; 17 is better
    frame = scored_frame([10] * 40 + [17] * 40 + [25] * 40, [False] * 40 + [True] * 80)
    v = ds.threshold_verdict(frame, 18, 17, n_boot=300)
    assert v.difference == pytest.approx(-0.5)
    assert v.at_threshold.youden_j == pytest.approx(0.5)
    assert v.at_alternative.youden_j == pytest.approx(1.0)
    assert v.ci_high < 0 and v.significant is True and v.better == 17
    sentence = words.comparison_sentence(v)
    assert "statistically significant" in sentence
    assert "not statistically" not in sentence
    assert "17 separates disrupted from undisrupted placements better than 18" in sentence


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
    assert math.isnan(s.auc) and s.logistic is None and s.optimal_threshold is None
    if len(set(outcomes)) < 2:  # AUC itself is defined whenever both outcomes occur
        assert math.isnan(ds.auc(frame)) and ds.roc(frame).empty
    fit = ds.logistic_model(frame)
    assert fit.status == "too_few" and math.isnan(fit.ratio)
    assert "too few" in words.model_sentence(fit)
    opt = ds.optimal_threshold(frame, n_boot=50)
    assert opt.threshold is None and not opt.enough
    assert "too few" in words.optimal_sentence(opt)
    v = ds.threshold_verdict(frame, n_boot=50)
    assert not v.enough and v.significant is None and v.better is None
    assert "too few" in words.comparison_sentence(v)
    cox = ds.cox_model(frame)  # survival uses every row; with 12 events it may be fitted
    assert words.model_sentence(cox)
    if len(outcomes) < 10 or not any(outcomes):
        assert cox.status == "too_few"
        assert math.isnan(cox.ratio) and "too few" in words.model_sentence(cox)
        # fewer than 10 rows, or no disruption at all: no log-rank test
        assert math.isnan(ds.logrank_by_band(frame).p_value)
    ds.band_rates(frame)
    ds.threshold_table(frame)
    ds.roc(frame)
    ds.km_by_band(frame)
    ds.logrank_by_band(frame)


def test_separated_data_do_not_crash_the_models():
    # perfectly separated: the logit MLE does not exist -> NaN and a sentence, no exception
    frame = scored_frame([25] * 10 + [5] * 10, [True] * 10 + [False] * 10)
    out = ds.logistic_model(frame)
    assert out.n == 20
    assert (out.status == "not_fitted" and math.isnan(out.ratio)) or (
        out.status == "fitted" and out.ratio > 1
    )
    assert words.model_sentence(out)
    assert ds.auc(frame) == 1.0
    # all follow-up times tied: the Cox fit is degenerate -> NaN and a sentence, no exception
    cox = ds.cox_model(frame)
    assert cox.status == "not_fitted" and math.isnan(cox.ratio)
    assert (
        words.model_sentence(cox) == "The survival model could not be fitted on these placements."
    )


# ---------------------------------------------------------------------------------------------
# survival


def test_km_by_band_hand_worked():
    # normal band: times 10 (event), 20 (censored), 30 (event), 40 (censored)
    # S(10) = 3/4; S(30) = 3/4 * (1 - 1/2) = 3/8
    frame = pd.DataFrame(
        {
            "CHILD": list("abcdef"),
            "sdq_score": [5, 5, 5, 5, 20, 20],
            "time_days": [10, 20, 30, 40, 5, 50],
            "event": [True, False, True, False, True, False],
            "disrupted_12m": pd.array([pd.NA] * 6, dtype="boolean"),
        }
    )
    km = ds.km_by_band(frame)
    normal = km[km["band"] == "normal"].set_index("timeline")["survival"]
    assert normal.loc[10] == pytest.approx(0.75)
    assert normal.loc[30] == pytest.approx(0.375)
    assert set(km["band"].astype(str)) == {"normal", "concern"}
    assert (km["ci_low"] <= km["survival"] + 1e-12).all()


# ---------------------------------------------------------------------------------------------
# simulation: a known effect is recovered

TRUE_LOG_OR = 0.09


def _simulated(seed, n=3000):
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
    frame = pd.DataFrame(
        {
            "CHILD": child.astype(str),
            "sdq_score": score,
            "age_at_start": age,
            "place_group": group,
            "disrupted_12m": pd.array(y, dtype="boolean"),
            "time_days": 400,
            "event": y,
        }
    )
    fit = ds.logistic_model(frame)
    assert fit.status == "fitted"
    assert fit.ci_low < math.exp(TRUE_LOG_OR) < fit.ci_high
    assert fit.ci_low > 1 and fit.n == len(frame)
    assert fit.adjusted_for == ("age_at_start", "place_group")
    assert fit.reference_group == "foster"  # the commonest group
    assert "adjusted for age at start and placement type (reference foster)" in (
        words.model_sentence(fit)
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
    frame = pd.DataFrame(
        {
            "CHILD": child.astype(str),
            "sdq_score": score,
            "age_at_start": age,
            "place_group": group,
            "time_days": time,
            "event": event,
            "disrupted_12m": pd.array(np.where(time > 365, False, event), dtype="boolean"),
        }
    )
    fit = ds.cox_model(frame)
    assert fit.status == "fitted" and fit.kind == "cox"
    assert fit.ci_low < math.exp(TRUE_LOG_OR) < fit.ci_high
    assert fit.ci_low > 1
    km = ds.km_by_band(frame)
    at_year = km[km["timeline"] <= 365].groupby("band", observed=True)["survival"].last()
    assert at_year["normal"] > at_year["borderline"] > at_year["concern"]
    test = ds.logrank_by_band(frame)
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
    assert s.optimal.ci_low <= s.optimal_threshold <= s.optimal.ci_high
    cohort = cohorts.sdq_at_or_above_threshold(model, R)
    assert len(cohort) > 0 and (cohort["sdq_score"] >= 18).all()
