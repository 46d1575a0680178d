"""Report building blocks: suppression, commentary, tiles, quality verdict, index, restricted files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline import quality, report
from pipeline.config import Settings
from pipeline.index import build_index, sparkline

ON = Settings()  # suppression on, threshold 5
OFF = Settings(suppression_enabled=False)


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1,234"),
                                          (None, "-"), (float("nan"), "-")])
def test_fmt_count_suppresses_one_to_four(n, shown):
    assert report.fmt_count(n, ON) == shown


def test_fmt_count_unsuppressed_when_off():
    assert report.fmt_count(3, OFF) == "3"


def test_rates_built_on_small_counts_withheld():
    assert report.fmt_pct(25.0, ON, numerator=3, denominator=12) == "*"
    assert report.fmt_pct(25.0, ON, numerator=5, denominator=20) == "25.0%"
    assert report.fmt_value(2.0, "percent", ON, numerator=1, denominator=50) == "*"
    assert report.fmt_value(4.25, "hours", ON, numerator=10, denominator=10) == "4.2 h"


def test_wilson_interval_known_case():
    # 5 of 20: p=0.25, z=1.95996; centre (0.25+z^2/40)/(1+z^2/20) = 0.2897, half-width 0.1784
    low, high = report.wilson_interval(5, 20)
    assert low == pytest.approx(0.1119, abs=1e-4) and high == pytest.approx(0.4687, abs=1e-4)
    assert all(math.isnan(v) for v in report.wilson_interval(0, 0))


@pytest.mark.parametrize(("args", "expected"), [
    (("Children with 3+ placements", 11.7, 12.8, "percent", 10, False),
     "Children with 3+ placements fell from 12.8% to 11.7% since last month, still above the 10% target."),
    (("Long-term stability", 71.0, 68.0, "percent", 70, True),
     "Long-term stability rose from 68.0% to 71.0% since last month, now above the 70% target."),
    (("Missing incidents", 50, 50, "count", None, ""),
     "Missing incidents was unchanged at 50 since last month."),
    (("SDQ completion", 95.0, None, "percent", 95, True),
     "SDQ completion was 95.0%, exactly on the 95% target."),
    (("X", float("nan"), 3, "count", None, ""), "X: no figure this month."),
])
def test_describe_change_sentences(args, expected):
    label, current, previous, unit, target, polarity = args
    assert report.describe_change(label, current, previous, unit=unit, target=target,
                                  higher_is_better=polarity) == expected


def _series():
    ends = pd.to_datetime(["2016-01-31", "2016-12-31", "2017-01-31"])
    rows = []
    for end, (v, k, n) in zip(ends, [(14.0, 28, 200), (12.8, 32, 250), (11.7, 35, 300)], strict=True):
        rows.append({"indicator": "placements_3plus_pct", "period_end": end, "value": v,
                     "numerator": k, "denominator": n})
    for end, v in zip(ends, [6, 7, 3], strict=True):
        rows.append({"indicator": "disruptions", "period_end": end, "value": v, "numerator": v,
                     "denominator": float("nan")})
    return pd.DataFrame(rows)


def test_headline_tiles_show_changes_target_and_suppress_small_counts():
    settings = Settings(targets={"placements_3plus_pct": 10.0},
                        benchmarks={"national": {"placements_3plus_pct": 10.0}})
    tiles, sentences = report.headline(_series(), ["placements_3plus_pct", "disruptions"], "2017-01",
                                       settings)
    html = tiles.data
    assert "11.7%" in html and "12.8% last month" in html and "14.0% a year ago" in html
    # Wilson 35/300 by hand: centre 0.1215, half-width 0.0364 -> 8.5% to 15.8%
    assert "target 10.0%" in html and "England 10.0%" in html and "35 of 300 (95% interval 8.5-15.8%)" in html
    assert "Near target" not in html and "Off target" in html  # 11.7 > 10 * 1.1 -> red
    assert "&lt;5" in html  # disruptions = 3 shown as <5
    assert sentences[0].startswith("Looked-after children with 3 or more placements")
    assert "withheld" in sentences[1] and " 3 " not in sentences[1]


def test_figure_embedded_with_alt_text():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    out = report.show_figure(fig, alt="A line going up").data
    assert "data:image/png;base64," in out and "alt='A line going up'" in out


def _summary(quarantined=(0, 2), previous_q=None):
    tables = {
        "header": {"rows_in": 100, "kept": 98 - quarantined[0], "merged": 2,
                   "quarantined": quarantined[0], "corrected_cells": 5},
        "episodes": {"rows_in": 200, "kept": 198 - quarantined[1], "merged": 2,
                     "quarantined": quarantined[1], "corrected_cells": 1},
    }
    total = {k: sum(t[k] for t in tables.values()) for k in tables["header"]}
    return {"month": "2017-01", "tables": tables, "rules": [], "totals": total, "files": []}


def test_verdict_fit_caveat_and_unfit():
    s = Settings()  # 2% overall caveat, 5% per table
    fit = quality.verdict(_summary((0, 2)), s)  # 2/300 = 0.67%
    assert fit.fit and not fit.caveat and fit.headline.startswith("Fit to report: 0.7%")
    caveat = quality.verdict(_summary((4, 6)), s)  # 10/300 = 3.3% overall, episodes 3%, header 4%
    assert caveat.fit and caveat.caveat and "3.3% of all rows" in caveat.reasons[0]
    unfit = quality.verdict(_summary((0, 12)), s)  # episodes 12/200 = 6% > 5%
    assert not unfit.fit and "6.0% of episodes rows" in unfit.reasons[0]
    jump = quality.verdict(_summary((1, 4)), s, previous=_summary((0, 0)))  # 0% -> 1.7%: no jump
    assert not jump.caveat


def test_accounting_balances_flagged():
    summary = _summary()
    summary["tables"]["header"]["kept"] -= 1  # a row lost without a reason
    v = quality.verdict(summary, Settings())
    assert not v.fit and "does not balance for header" in v.reasons[0]


def test_history_reads_cleaned_months(tmp_path):
    import json

    for month, q in (("2016-12", (0, 0)), ("2017-01", (0, 3))):
        (tmp_path / month).mkdir()
        (tmp_path / month / "quality.json").write_text(json.dumps(_summary(q)))
    frame = quality.history(tmp_path, "2017-01", n_months=12)
    assert frame["month"].tolist() == ["2016-12", "2017-01"]
    assert frame["quarantined_pct"].tolist() == pytest.approx([0.0, 1.0])
    assert "up 1.00 percentage points" in quality.history_sentence(frame)


def test_restricted_list_marked_and_outside_reports(tmp_path):
    path = report.write_restricted(pd.DataFrame({"CHILD": ["A1"]}), tmp_path / "2017-01", "x.csv")
    assert path.parent.name == "restricted"
    assert pd.read_csv(path)["sensitivity"].tolist() == ["OFFICIAL-SENSITIVE"]
    assert "OFFICIAL-SENSITIVE" in (path.parent / "SENSITIVE.txt").read_text()


def test_index_lists_months_links_and_suppresses(tmp_path):
    for month, cla, moves in (("2016-12", 460, 3), ("2017-01", 469, 12)):
        folder = tmp_path / month
        (folder / "restricted").mkdir(parents=True)
        (folder / "01_clean_extracts.html").write_text("<html></html>")
        (folder / "restricted" / "list.csv").write_text("x")
        pd.DataFrame({
            "indicator": ["cla_count", "missing_incidents"], "label": ["Looked after", "Missing"],
            "value": [cla, moves], "numerator": [cla, moves], "denominator": [None, None],
            "unit": ["count", "count"],
        }).to_csv(folder / "kpis.csv", index=False)
    page = build_index(tmp_path, Settings())
    assert page.index("January 2017") < page.index("December 2016")  # newest first
    assert "href='2017-01/01_clean_extracts.html'" in page
    assert "restricted" not in page.replace("restricted outputs", "")
    assert "469" in page and "&lt;5" in page  # 3 missing incidents suppressed
    assert "<script" not in page


def test_sparkline_has_text_alternative():
    svg = sparkline([1.0, 2.0, 3.0])
    assert "aria-label='trend over 3 months, from 1 to 3'" in svg and "<polyline" in svg
    assert sparkline([1.0]) == ""


def test_rate_chart_tolerates_rounding_at_zero_and_empty_groups():
    from pipeline import charts

    frame = pd.DataFrame({"label": ["none", "empty"], "n": [10, 0], "rate": [0.0, float("nan")],
                          "ci_low": [1e-17, float("nan")], "ci_high": [0.28, float("nan")]})
    fig = charts.rate_with_interval(frame, "label")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["none (n=10)", "empty (n=0)"]


def test_quality_caveat_shown_only_when_the_verdict_says_so():
    unfit = report.quality_note(quality.verdict(_summary((0, 12)), Settings())).data
    assert "callout warning" in unfit and "Not fit to report" in unfit
    assert "6.0% of episodes rows were set aside" in unfit
    fit = report.quality_note(quality.verdict(_summary((0, 2)), Settings())).data
    assert "warning" not in fit and "Fit to report" in fit


def test_percent_commentary_gives_the_size_of_one_child():
    settings = Settings(targets={"placements_3plus_pct": 10.0})
    _, sentences = report.headline(_series(), ["placements_3plus_pct"], "2017-01", settings)
    # 35 of 300 children: one child is 100 / 300 = 0.3 points
    assert sentences[0].endswith(
        "still above the 10% target; with 300 children in the figure, one child moves it by 0.3 "
        "percentage points.")


def test_tables_align_figures_right_and_words_left():
    out = report.table_html(pd.DataFrame({"Rule": ["ID-NORM"], "Action": ["correct"],
                                          "Rows": ["<5"], "Rate": ["5.3% to 17.7%"]})).data
    assert "<td class=t>correct</td>" in out and "<td>&lt;5</td>" in out
    assert "<td>5.3% to 17.7%</td>" in out


def test_quality_tiles_show_share_set_aside_against_earlier_months():
    summary = _summary((0, 3))  # 3 of 300 rows set aside = 1.0%
    past = pd.DataFrame({"month": ["2016-01", "2016-12", "2017-01"],
                         "quarantined_pct": [0.5, 0.8, 1.0]})
    out = report.quality_tiles(summary, past, quality.verdict(summary, Settings()), Settings()).data
    assert "Rows received" in out and ">300<" in out
    assert ">1.0%<" in out and "0.8% last month" in out and "0.5% a year ago" in out
    assert "tolerance 2%" in out and "tile green" in out
