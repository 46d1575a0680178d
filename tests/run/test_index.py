"""outputs/index.html (pipeline.run.index): months newest first, links, suppression, no scripts."""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings
from pipeline.run.index import build_index, sparkline


def _month(folder, cla, missing):
    (folder / "restricted").mkdir(parents=True)
    (folder / "01_clean_extracts.html").write_text("<html></html>")
    (folder / "restricted" / "list.csv").write_text("x")
    pd.DataFrame(
        {
            "indicator": ["cla_count", "missing_incidents"],
            "label": ["Looked after", "Missing"],
            "value": [cla, missing],
            "numerator": [cla, missing],
            "denominator": [None, None],
            "unit": ["count", "count"],
        }
    ).to_csv(folder / "kpis.csv", index=False)


def test_index_lists_months_links_and_suppresses(tmp_path):
    _month(tmp_path / "2016-12", 460, 3)
    _month(tmp_path / "2017-01", 469, 12)
    page = build_index(tmp_path, Settings(), {"01_clean_extracts": "Data quality & more"})
    assert page.index("January 2017") < page.index("December 2016")  # newest first
    assert "href='2017-01/01_clean_extracts.html'" in page
    assert "Data quality &amp; more" in page  # the notebook's title, escaped
    assert "restricted" not in page.replace("restricted outputs", "")
    assert "469" in page and "&lt;5" in page  # 3 missing incidents suppressed
    assert "<script" not in page and "<link" not in page
    # the December value is withheld from the sparkline too: one point left, so no line
    assert page.count("<polyline") == 1


def test_index_without_titles_names_reports_by_file(tmp_path):
    _month(tmp_path / "2017-01", 469, 12)
    assert ">01_clean_extracts</a>" in build_index(tmp_path, Settings())


def test_sparkline_has_text_alternative():
    svg = sparkline([1.0, 2.0, 3.0])
    assert "aria-label='trend over 3 months, from 1 to 3'" in svg and "<polyline" in svg
    assert sparkline([1.0]) == "" and sparkline([None, 2.0]) == ""


def test_index_is_a_dashboard_of_the_latest_month(tmp_path):
    # two months of figures: 3+ placements 12.0% (12 of 100) then 10.0% (10 of 100), target 9%
    for month, value, k in (("2016-12", 12.0, 12), ("2017-01", 10.0, 10)):
        folder = tmp_path / month
        folder.mkdir()
        (folder / "02_x.html").write_text("<html></html>")
        pd.DataFrame(
            {"indicator": ["placements_3plus_pct"], "label": ["3+ placements"],
             "value": [value], "numerator": [k], "denominator": [100], "unit": ["percent"]}
        ).to_csv(folder / "kpis.csv", index=False)  # fmt: skip
    page = build_index(tmp_path, Settings(targets={"placements_3plus_pct": 9.0}))
    assert "Latest month: January 2017" in page and "Key messages" in page
    # 12.0% is inside January's 95% interval for 10 of 100 (5.5% to 17.4%): no better/worse
    assert (
        "3 or more placements in the last 12 months: 10.0% (about the same as last month, 12.0%)"
        in page
    )
    assert "Misses the target of 9.0%" in page and "Off target" in page
    assert "href='2017-01/kpis.csv'" in page
    assert "from 12.0% to 10.0%" in page  # sparkline text as the page shows figures


def test_the_scorecard_is_listed_first_then_the_reports_in_run_order():
    from pathlib import Path

    from pipeline.run import LEAD_REPORT, reading_order

    names = ["01_clean_extracts", "02_placement_disruption_sdq", "03_missing", LEAD_REPORT]
    assert reading_order(names) == [LEAD_REPORT, *names[:3]]
    paths = [Path(f"x/{n}.html") for n in reversed(names)]
    assert [p.stem for p in reading_order(paths)] == [LEAD_REPORT, *names[:3]]


def test_a_month_published_while_the_index_is_built_waits_for_the_next_build(tmp_path, monkeypatch):
    """In a batch, another worker can publish a month while one builds the index: the page is
    built from one listing of the month folders (it used to list them three times and fail when
    the listings differed), and the new month appears in the next build."""
    from pipeline.run import index

    _month(tmp_path / "2016-12", 460, 3)
    real = index.month_folders
    calls = []

    def listing(root):
        calls.append(1)
        if len(calls) == 2:  # another worker publishes January meanwhile
            _month(tmp_path / "2017-01", 469, 12)
        return real(root)

    monkeypatch.setattr(index, "month_folders", listing)
    page = build_index(tmp_path, Settings())
    assert "December 2016" in page and "January 2017" not in page
    assert "January 2017" in build_index(tmp_path, Settings())
