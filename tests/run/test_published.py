"""The published-figures register: first publication kept, restatements shown beside it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.analyses.headlines import headline_figures
from pipeline.config import Settings
from pipeline.report import words
from pipeline.run.index import as_published
from pipeline.run.published import read_published, record_published


def _kpis(folder, cla):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"indicator": ["cla_count"], "label": ["Children looked after"], "value": [cla],
         "numerator": [cla], "denominator": [None], "unit": ["count"]}
    ).to_csv(folder / "kpis.csv", index=False)  # fmt: skip


def test_first_publication_is_kept(tmp_path):
    _kpis(tmp_path / "2016-12", 465)
    assert record_published(tmp_path, ["2016-12"], dt.date(2017, 1, 5)) == ["2016-12"]
    _kpis(tmp_path / "2016-12", 464)  # a re-run of December on a later extract
    _kpis(tmp_path / "2017-01", 467)
    assert record_published(tmp_path, ["2016-12", "2017-01"], dt.date(2017, 2, 5)) == ["2017-01"]
    register = read_published(tmp_path)
    assert register[["month", "value", "published_on"]].values.tolist() == [
        ["2016-12", 465.0, "2017-01-05"],
        ["2017-01", 467.0, "2017-02-05"],
    ]
    assert record_published(tmp_path, ["2017-01"]) == []
    assert read_published(tmp_path / "nowhere").empty


def test_headlines_quote_the_published_figure_and_the_restatement(tmp_path):
    # this extract gives December 464; December's report published 465
    series = pd.DataFrame(
        {"indicator": ["cla_count"] * 2,
         "period_end": pd.to_datetime(["2016-12-31", "2017-01-31"]),
         "value": [464.0, 467.0], "numerator": [464.0, 467.0], "denominator": [None, None]}
    )  # fmt: skip
    _kpis(tmp_path / "2016-12", 465)
    record_published(tmp_path, ["2016-12"])
    row = next(
        headline_figures(
            series, ["cla_count"], "2017-01", Settings(), read_published(tmp_path)
        ).itertuples()
    )
    assert (row.previous, row.previous_now) == (465.0, 464.0)
    assert words.restated(row.previous, row.previous_now, "count", Settings()) == (
        " as published (464 on this extract)"
    )
    unpublished = next(headline_figures(series, ["cla_count"], "2017-01", Settings()).itertuples())
    assert (unpublished.previous, unpublished.previous_now) == (464.0, 464.0)
    assert words.restated(464.0, 464.0, "count", Settings()) == ""
    sentence = words.headline_sentence(row, Settings())
    assert "rose from 465 to 467" in sentence and "this extract now gives 464" in sentence


def test_index_quotes_published_figures(tmp_path):
    kpis = pd.DataFrame(
        {"month": ["2016-12", "2017-01"], "indicator": ["cla_count"] * 2, "value": [464.0, 467.0],
         "numerator": [464.0, 467.0], "denominator": [None, None], "unit": ["count"] * 2}
    )  # fmt: skip
    published = pd.DataFrame(
        {"month": ["2016-12"], "indicator": ["cla_count"], "value": [465.0],
         "numerator": [465.0], "denominator": [None]}
    )  # fmt: skip
    assert as_published(kpis, published)["value"].tolist() == [465.0, 467.0]
