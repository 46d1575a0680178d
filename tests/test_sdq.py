"""SDQ disruption analysis (pipeline.sdq): hand-worked frames, a simulation, the synthetic LA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import sdq
from pipeline.config import Settings

R = pd.Timestamp("2017-01-31")  # reference date for January 2017
T = pd.Timestamp


def pl(child, start, end=None, cat=None, group="foster", age=10, first=False, place="U4"):
    """One placement row in the pipeline.placements contract (only the columns sdq uses + a few)."""
    return {
        "CHILD": str(child),
        "period_id": 0,
        "placement_id": 0,
        "placement_seq": 1,
        "is_first_in_period": first,
        "start": T(start),
        "end": T(end) if end else pd.NaT,
        "place": place,
        "place_group": group,
        "provider": "PR1",
        "end_reason": pd.NA,
        "end_category": cat or ("open" if end is None else "planned"),
        "moved_to_next": end is not None,
        "DOB": pd.NaT,
        "SEX": "1",
        "age_at_start": age,
        "period_start": T(start),
    }


def placements(rows):
    frame = pd.DataFrame(rows)
    frame["placement_id"] = np.arange(len(frame))
    frame["age_at_start"] = frame["age_at_start"].astype("Int64")
    return frame


def sdq_table(rows):
    """rows: (child, date, score or None)."""
    return pd.DataFrame(
        {
            "CHILD": pd.Series([str(r[0]) for r in rows], dtype="str"),
            "SDQ_DATE": pd.to_datetime([r[1] for r in rows]),
            "SDQ_SCORE": pd.array([r[2] for r in rows], dtype="Int64"),
            "SDQ_REASON": pd.Series(["SDQ4" if r[2] is None else pd.NA for r in rows], dtype="str"),
        }
    )


def scored_frame(scores, outcomes, children=None):
    """An analysis-like frame straight from scores and 12-month outcomes (one child each)."""
    n = len(scores)
    return pd.DataFrame(
        {
            "CHILD": children if children is not None else [str(i) for i in range(n)],
            "sdq_score": np.asarray(scores),
            "disrupted_12m": pd.array(outcomes, dtype="boolean"),
            "age_at_start": 10,
            "place_group": "foster",
            "time_days": 400,
            "event": np.asarray(outcomes, dtype=bool),
        }
    )


# ---------------------------------------------------------------------------------------------
# analysis frame


def test_window_edges_and_age_range():
    # window = 36 months to R = (2014-01-31, 2017-01-31]; every child has a score the day before
    rows = [
        pl("a", "2014-01-31"),  # on the lower edge: outside (the window is open at its start)
        pl("b", "2014-02-01"),  # first day inside
        pl("c", "2017-01-31"),  # on R: inside
        pl("d", "2017-02-01"),  # after R: outside
        pl("e", "2016-01-10", age=3),  # aged 3: outside 4-17
        pl("f", "2016-01-10", age=4),  # aged 4: inside
        pl("g", "2016-01-10", age=17),  # aged 17: inside
        pl("h", "2016-01-10", age=18),  # aged 18: outside
    ]
    scores = [(r["CHILD"], r["start"] - pd.Timedelta(days=1), 12) for r in rows]
    frame = sdq.analysis_frame(placements(rows), sdq_table(scores), R, Settings())
    assert sorted(frame["CHILD"]) == ["b", "c", "f", "g"]
    # a shorter configured window: 12 months to R = (2016-01-31, 2017-01-31]
    frame12 = sdq.analysis_frame(
        placements(rows), sdq_table(scores), R, Settings(sdq_window_months=12)
    )
    assert sorted(frame12["CHILD"]) == ["c"]


def test_prior_sdq_is_latest_score_in_the_12_months_to_the_start():
    rows = [
        pl("a", "2016-03-15"),
        pl("b", "2016-03-15"),
        pl("c", "2016-03-15"),
        pl("d", "2016-03-15"),
    ]
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
    frame = sdq.analysis_frame(placements(rows), sdq_table(scores), R, Settings())
    got = frame.set_index("CHILD")[["sdq_score", "sdq_date"]]
    assert sorted(got.index) == ["a", "b"]
    assert got.loc["a", "sdq_score"] == 20 and got.loc["a", "sdq_date"] == T("2016-03-15")
    assert got.loc["b", "sdq_score"] == 7 and got.loc["b", "sdq_date"] == T("2015-06-01")
    # bands: 20 -> concern, 7 -> normal
    assert frame.set_index("CHILD").loc["a", "sdq_band"] == "concern"
    assert frame.set_index("CHILD").loc["b", "sdq_band"] == "normal"


def test_sdq_bands_edges():
    bands = sdq.sdq_band([0, 13, 14, 16, 17, 40, None])
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
        pl("A", "2015-01-01", "2015-06-01", "disruption"),
        # B: disrupts after 369 days: not within 12 months -> False; still an event at 369
        pl("B", "2015-01-01", "2016-01-05", "disruption"),
        # C: starts 01/06/2016, open: 244 days of follow-up, no disruption -> excluded (NA);
        #    censored at R, time 244
        pl("C", "2016-06-01"),
        # D: starts 01/06/2016, disrupts after 61 days: the 12 months are not all observed by R, so
        #    excluded from the binary outcome too (no outcome-dependent selection); event at 61
        pl("D", "2016-06-01", "2016-08-01", "disruption"),
        # E: planned end after 59 days, well before R: False; censored at 59
        pl("E", "2015-01-01", "2015-03-01", "planned"),
        # F: starts 01/02/2016, open: exactly 365 days to R -> followed 12 months -> False
        pl("F", "2016-02-01"),
        # G: starts 02/02/2016, open: 364 days -> excluded
        pl("G", "2016-02-02"),
        # H: disrupts on day 365 exactly (01/01/2015 -> 01/01/2016): within 12 months -> True
        pl("H", "2015-01-01", "2016-01-01", "disruption"),
        # I: ends (disruption) after R, on 01/03/2017: unknown at R -> open at R;
        #    01/01/2016 -> 31/01/2017 = 396 days, censored; outcome False (followed 12 months)
        pl("I", "2016-01-01", "2017-03-01", "disruption"),
        # J: left care after 100 days: False, censored at 100
        pl("J", "2015-01-01", "2015-04-11", "left_care"),
    ]
    scores = [(r["CHILD"], r["start"], 15) for r in rows]
    frame = sdq.analysis_frame(placements(rows), sdq_table(scores), R, Settings()).set_index(
        "CHILD"
    )
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
    rows = placements([pl("a", "2016-01-01")])
    assert sdq.analysis_frame(rows, None, R).empty
    assert sdq.analysis_frame(rows, sdq_table([]), R).empty
    empty = sdq.analysis_frame(rows.iloc[0:0], sdq_table([("a", "2015-12-01", 3)]), R)
    assert empty.empty and "disrupted_12m" in empty
    assert not sdq.summary(empty)["enough"]


def test_age_from_dob_when_age_missing():
    rows = placements([pl("a", "2016-01-10", age=None), pl("b", "2016-01-10", age=None)])
    rows["DOB"] = [T("2012-01-10"), T("2012-01-11")]  # a: 4 on the start day; b: 3
    frame = sdq.analysis_frame(rows, sdq_table([("a", "2016-01-01", 9), ("b", "2016-01-01", 9)]), R)
    assert list(frame["CHILD"]) == ["a"] and frame["age_at_start"].iloc[0] == 4


# ---------------------------------------------------------------------------------------------
# rates and intervals


def test_wilson_interval_for_five_of_twenty():
    # p = 0.25, z = 1.95996, z^2 = 3.84146, n = 20
    # centre = (0.25 + 3.84146/40) / (1 + 3.84146/20) = 0.346037 / 1.192073 = 0.290281
    # half   = 1.95996 * sqrt(0.25*0.75/20 + 3.84146/1600) / 1.192073 = 0.178420
    # -> (0.1119, 0.4687)
    lo, hi = sdq.wilson(5, 20)
    assert lo[0] == pytest.approx(0.11186, abs=1e-4)
    assert hi[0] == pytest.approx(0.46870, abs=1e-4)
    lo, hi = sdq.wilson([0, 1], [0, 4])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < 0.25 < hi[1]


def test_band_rates():
    # 20 normal (score 5), 5 disrupted; 4 borderline (15), none disrupted; no concern scores
    frame = scored_frame([5] * 20 + [15] * 4, [True] * 5 + [False] * 15 + [False] * 4)
    out = sdq.band_rates(frame).set_index("band")
    assert list(out.index) == ["normal", "borderline", "concern", "all"]
    assert out.loc["normal", ["n", "disrupted"]].tolist() == [20, 5]
    assert out.loc["normal", "rate"] == 0.25
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
    table = sdq.threshold_table(small_set()).set_index("threshold")
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
    opt = sdq.optimal_threshold(small_set(), n_boot=300, seed=1)
    assert opt["threshold"] == 15
    assert opt["youden_j"] == pytest.approx(0.8 - 2 / 7)
    assert opt["sensitivity"] == pytest.approx(0.8) and opt["specificity"] == pytest.approx(5 / 7)
    assert opt["ci_low"] <= 15 <= opt["ci_high"]
    assert "15" in opt["sentence"]
    curve = sdq.roc(small_set())
    assert curve["youden_j"].max() == pytest.approx(0.8 - 2 / 7)
    assert curve.loc[curve["youden_j"].idxmax(), "threshold"] == 15


def test_auc_perfect_reversed_tied_and_worked():
    assert sdq.auc(scored_frame([20, 25, 5, 10], [True, True, False, False])) == 1.0
    assert sdq.auc(scored_frame([5, 10, 20, 25], [True, True, False, False])) == 0.0
    assert sdq.auc(scored_frame([14] * 6, [True, False] * 3)) == 0.5
    # pos {1, 3}, neg {2, 4}: pairs (1,2) 0, (1,4) 0, (3,2) 1, (3,4) 0 -> 1/4
    assert sdq.auc(scored_frame([1, 3, 2, 4], [True, True, False, False])) == 0.25
    # pos {2}, neg {2, 1}: tie counts half -> (0.5 + 1) / 2 = 0.75
    assert sdq.auc(scored_frame([2, 2, 1], [True, False, False])) == 0.75
    # small set: pairs won by the disrupted score, out of 35:
    # 12 beats 5,8,10 and ties 12 -> 3.5; 15 -> 5; 18 -> 6; 20 -> 7; 22 -> 7 => 28.5 / 35
    assert sdq.auc(small_set()) == pytest.approx(28.5 / 35)
    curve = sdq.roc(small_set())
    assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(28.5 / 35)
    assert (curve.iloc[0][["fpr", "tpr"]].tolist(), curve.iloc[-1][["fpr", "tpr"]].tolist()) == (
        [0.0, 0.0],
        [1.0, 1.0],
    )


def test_auc_of_a_random_score_is_about_a_half():
    rng = np.random.default_rng(3)
    n = 4000
    frame = scored_frame(rng.integers(0, 41, n), rng.random(n) < 0.3)
    assert abs(sdq.auc(frame) - 0.5) < 0.03
    ci = sdq.auc_interval(frame, n_boot=300)
    assert ci["ci_low"] < 0.5 < ci["ci_high"]


def test_bootstrap_is_deterministic_and_resamples_children():
    frame = small_set()
    a = sdq.bootstrap(frame, n_boot=50, seed=4)
    b = sdq.bootstrap(frame, n_boot=50, seed=4)
    assert np.array_equal(a["auc"], b["auc"], equal_nan=True)
    one_child = frame.assign(CHILD="x")
    c = sdq.bootstrap(one_child, n_boot=20, seed=4)
    # a single child resampled is always the same data: AUC identical to the estimate
    assert np.allclose(c["auc"], sdq.auc(frame))


# ---------------------------------------------------------------------------------------------
# verdict on 18 against 17


def test_verdict_not_significant_when_interval_includes_zero():
    # J(18) - J(17) depends only on scores of exactly 17: none here, so the difference is 0
    # in every bootstrap sample -> the interval is [0, 0], which includes 0
    frame = small_set()
    v = sdq.threshold_verdict(frame, 18, 17, n_boot=200)
    assert v["difference"] == pytest.approx(0.0)
    assert v["ci_low"] <= 0 <= v["ci_high"]
    assert v["significant"] is False and v["better"] is None
    assert "not statistically significant at this size" in v["sentence"]


def test_verdict_significant_when_many_disrupted_score_exactly_17():
    # 40 score 10 (none disrupted), 40 score 17 (all disrupted), 40 score 25 (all disrupted):
    # J(17) = 80/80 - 0 = 1; J(18) = 40/80 - 0 = 0.5 -> difference -0.5; 17 is better
    frame = scored_frame([10] * 40 + [17] * 40 + [25] * 40, [False] * 40 + [True] * 80)
    v = sdq.threshold_verdict(frame, 18, 17, n_boot=300)
    assert v["difference"] == pytest.approx(-0.5)
    assert v["ci_high"] < 0 and v["significant"] is True and v["better"] == 17
    assert "statistically significant" in v["sentence"]
    assert "not statistically" not in v["sentence"]


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
    s = sdq.summary(frame, Settings(), n_boot=50)
    assert s["enough"] is False and "too few" in s["verdict"]
    assert math.isnan(s["auc"]) and math.isnan(s["or_per_point"]) and s["optimal_threshold"] is None
    if len(set(outcomes)) < 2:  # AUC itself is defined whenever both outcomes occur
        assert math.isnan(sdq.auc(frame)) and sdq.roc(frame).empty
    assert math.isnan(sdq.logistic_model(frame)["or_per_point"])
    assert "too few" in sdq.logistic_model(frame)["sentence"]
    assert sdq.optimal_threshold(frame, n_boot=50)["threshold"] is None
    assert "too few" in sdq.threshold_verdict(frame, n_boot=50)["sentence"]
    cox = sdq.cox_model(frame)  # survival uses every row; with 12 events it may be fitted
    assert cox["sentence"]
    if len(outcomes) < 10 or not any(outcomes):
        assert math.isnan(cox["hr_per_point"]) and "too few" in cox["sentence"]
    sdq.band_rates(frame)
    sdq.threshold_table(frame)
    sdq.roc(frame)
    sdq.km_by_band(frame)
    sdq.logrank_by_band(frame)


def test_separated_data_do_not_crash_the_models():
    # perfectly separated: the logit MLE does not exist -> NaN with a sentence, no exception
    frame = scored_frame([25] * 10 + [5] * 10, [True] * 10 + [False] * 10)
    out = sdq.logistic_model(frame)
    assert out["n"] == 20
    assert math.isnan(out["or_per_point"]) or out["or_per_point"] > 1
    assert out["sentence"]
    assert sdq.auc(frame) == 1.0
    # all follow-up times tied: the Cox fit is degenerate -> NaN and a sentence, no exception
    cox = sdq.cox_model(frame)
    assert math.isnan(cox["hr_per_point"]) and cox["sentence"]


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
    km = sdq.km_by_band(frame)
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
    fit = sdq.logistic_model(frame)
    assert fit["ci_low"] < math.exp(TRUE_LOG_OR) < fit["ci_high"]
    assert fit["ci_low"] > 1 and fit["n"] == len(frame)
    assert "age at start" in fit["adjusted_for"][0]
    assert 0.6 < sdq.auc(frame) < 0.8
    bands = sdq.band_rates(frame).set_index("band")["rate"]
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
    fit = sdq.cox_model(frame)
    assert fit["ci_low"] < math.exp(TRUE_LOG_OR) < fit["ci_high"]
    assert fit["ci_low"] > 1
    km = sdq.km_by_band(frame)
    at_year = km[km["timeline"] <= 365].groupby("band", observed=True)["survival"].last()
    assert at_year["normal"] > at_year["borderline"] > at_year["concern"]
    assert sdq.logrank_by_band(frame)["p_value"] < 0.001


# ---------------------------------------------------------------------------------------------
# at-risk cohort (restricted child-level list)


def test_at_risk_cohort():
    # R = 31/01/2017, threshold 18; year to R = (31/01/2016, 31/01/2017]; 90 days: (02/11/2016, R]
    rows = [
        # A: period from 01/03/2016: first placement disrupted, second planned, third current
        pl("A", "2016-03-01", "2016-06-01", "disruption", first=True),
        pl("A", "2016-06-01", "2016-10-01", "planned"),
        pl("A", "2016-10-01", place="U6"),
        pl("B", "2015-01-01", first=True),  # B: latest score 17 (earlier 25) -> not listed
        pl("C", "2015-01-01", "2017-01-31", "left_care", first=True),  # C: left care on R
        pl("D", "2014-01-01", first=True, group="residential", place="K2"),  # D: score 18
    ]
    pls = placements(rows)
    pls["DOB"] = [T("2004-05-01")] * 3 + [T("2005-01-01"), T("2003-01-01"), T("2001-01-31")]
    episodes = pd.DataFrame(
        {
            "CHILD": ["A", "B", "C", "D"],
            "DECOM": [T("2016-03-01"), T("2015-01-01"), T("2015-01-01"), T("2014-01-01")],
            "DEC": [pd.NaT, pd.NaT, T("2017-01-31"), pd.NaT],
            "LS": ["C2"] * 4,
        }
    )
    scores = sdq_table(
        [
            ("A", "2015-12-01", 10),
            ("A", "2016-12-01", 20),  # A's latest: 20
            ("B", "2015-06-01", 25),
            ("B", "2016-06-01", 17),
            ("C", "2016-06-01", 30),
            ("D", "2016-05-01", 18),  # exactly the threshold: listed
            ("D", "2017-02-10", 5),  # after R: ignored
        ]
    )
    missing = pd.DataFrame(
        {
            "CHILD": ["A", "A", "A", "A", "D"],
            "MISSING": ["M", "M", "A", "M", "M"],
            "MIS_START": pd.to_datetime(
                [
                    "2016-11-05 22:00",
                    "2016-11-02 10:00",
                    "2017-01-10 01:00",
                    "2017-01-31 23:00",
                    "2016-01-01 00:00",
                ]
            ),
        }
    )
    tables = {"episodes": episodes, "sdq": scores, "missing": missing}
    out = sdq.at_risk_cohort(tables, pls, R, Settings())
    assert list(out["CHILD"]) == ["A", "D"]  # sorted by score, highest first
    a, d = out.iloc[0], out.iloc[1]
    # A: moves in the year = placements starting 01/06/2016 and 01/10/2016 (the period's first
    # is not a move); one disruption ended 01/06/2016; missing: 05/11 and 31/01 (02/11 is day 90
    # back, outside); away: 10/01
    assert (a["moves_12m"], a["disruptions_12m"], a["missing_90d"], a["away_90d"]) == (2, 1, 2, 1)
    assert a["sdq_score"] == 20 and a["place"] == "U6" and a["age"] == 12
    assert a["placement_start"] == T("2016-10-01") and a["days_in_placement"] == 122
    assert (d["sdq_score"], d["moves_12m"], d["missing_90d"], d["age"]) == (18, 0, 0, 16)
    assert d["sdq_band"] == "concern"
    assert "SENSITIVE" in out.attrs["sensitivity"] and out.attrs["restricted"] is True
    # a higher threshold drops D
    assert list(sdq.at_risk_cohort(tables, pls, R, Settings(sdq_threshold=19))["CHILD"]) == ["A"]


# ---------------------------------------------------------------------------------------------
# the default synthetic LA: the analysis rediscovers the generator's encoded effect


@pytest.mark.slow
def test_synthetic_la_recovers_sdq_effect(tmp_path):
    placements_mod = pytest.importorskip("pipeline.placements")
    from pipeline import clean, load, synth

    synth.generate(tmp_path, seed=903, months=1)
    tables = clean.clean_extract(
        load.load_extract(tmp_path / "truth" / "2017-01"), "2017-01"
    ).tables
    settings = Settings()
    pls = placements_mod.placements(tables["episodes"], tables["header"], settings)
    frame = sdq.analysis_frame(pls, tables["sdq"], R, settings)
    s = sdq.summary(frame, settings, n_boot=500)
    assert s["enough"] and s["n"] >= 100
    # the generator encodes log hazard +0.09 per latent point: OR and HR per point > 1
    assert s["or_ci"][0] > 1 and s["hr_ci"][0] > 1
    assert 0.6 < s["auc"] < 0.85
    assert s["optimal_threshold_ci"][0] <= s["optimal_threshold"] <= s["optimal_threshold_ci"][1]
    cohort = sdq.at_risk_cohort(tables, pls, R, settings)
    assert len(cohort) > 0 and (cohort["sdq_score"] >= 18).all()
