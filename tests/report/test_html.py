"""HTML pieces (pipeline.report.html): tiles, tables, figures, the caveat, the contents list."""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings
from pipeline.ingest.quality import Problem, Verdict
from pipeline.report import html
from tests.report.test_words import series

FIT = Verdict(True, False, 0.7, 2.0, ())
UNFIT = Verdict(False, True, 4.0, 2.0, (Problem("table_share", ("episodes",), 6.0, 5.0),))


def test_headline_tiles_show_changes_target_and_suppress_small_counts():
    settings = Settings(
        targets={"placements_3plus_pct": 10.0},
        benchmarks={"national": {"placements_3plus_pct": 10.0}},
    )
    tiles, sentences = html.headline(
        series(), ["placements_3plus_pct", "disruptions"], "2017-01", settings
    )
    page = tiles.data
    assert "11.7%" in page and "12.8% last month" in page and "14.0% a year ago" in page
    # Wilson 35/300 by hand: centre 0.1215, half-width 0.0364 -> 8.5% to 15.8%
    assert "target 10.0%" in page and "England 10.0%" in page
    assert "35 of 300 (95% interval 8.5-15.8%)" in page
    assert "Near target" not in page and "Off target" in page  # 11.7 > 10 * 1.1 -> red
    assert "&lt;5" in page  # disruptions = 3 shown as <5
    assert "7 last month" not in page  # ... and nothing beside a withheld figure
    assert len(sentences) == 2 and "withheld" in sentences[1]


def test_page_header_carries_the_style_sheet_and_the_byline():
    out = html.page_header("2017-01", Settings(la_name="Synthetic Borough Council")).data
    assert out.startswith("<style>") and ".tiles" in out and "<link" not in out
    assert "Synthetic Borough Council &middot; reporting month January 2017" in out
    assert "figures at 31 January 2017" in out


def test_figure_embedded_with_alt_text():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    out = html.show_figure(fig, alt="A line going up").data
    assert "data:image/png;base64," in out and "alt='A line going up'" in out


def test_quality_caveat_shown_only_when_the_verdict_says_so():
    unfit = html.quality_note(UNFIT).data
    assert "callout warning" in unfit and "Not fit to report" in unfit
    assert "6.0% of episodes rows were set aside" in unfit
    fit = html.quality_note(FIT).data
    assert "warning" not in fit and "Fit to report" in fit
    assert "callout ok" in html.verdict_callout(FIT).data
    assert "callout warning" in html.verdict_callout(UNFIT).data


def test_tables_align_figures_right_and_words_left_and_escape():
    frame = pd.DataFrame(
        {"Rule": ["ID-NORM"], "Action": ["correct"], "Rows": ["<5"], "Rate": ["5.3% to 17.7%"]}
    )
    out = html.table_html(frame, caption="<b>x</b>").data
    assert "<td class=t>correct</td>" in out and "<td>&lt;5</td>" in out
    assert "<td>5.3% to 17.7%</td>" in out and "<caption>&lt;b&gt;x&lt;/b&gt;</caption>" in out


def test_quality_tiles_show_share_set_aside_against_earlier_months():
    summary = {
        "month": "2017-01",
        "tables": {
            "header": {
                "rows_in": 100,
                "kept": 100,
                "merged": 0,
                "quarantined": 0,
                "corrected_cells": 5,
            },
            "episodes": {
                "rows_in": 200,
                "kept": 195,
                "merged": 2,
                "quarantined": 3,
                "corrected_cells": 1,
            },
        },
    }  # 3 of 300 rows set aside = 1.0%
    past = pd.DataFrame(
        {"month": ["2016-01", "2016-12", "2017-01"], "quarantined_pct": [0.5, 0.8, 1.0]}
    )
    out = html.quality_tiles(summary, past, FIT, Settings()).data
    assert "Rows received" in out and ">300<" in out
    assert ">1.0%<" in out and "0.8% last month" in out and "0.5% a year ago" in out
    assert "tolerance 2%" in out and "tile green" in out
    assert ">2<" in out and ">6<" in out  # merged and corrected: row counts, never suppressed


def test_glossary_lists_the_terms_asked_for():
    out = html.glossary(["auc", "suppressed"], Settings()).data
    assert out.count("<li>") == 2 and "<strong>AUC</strong>" in out
    assert "<strong>&lt;5 and *</strong>" in out


def test_contents_link_every_section():
    body = (
        '<div class="jp-Cell"><h2 id="One">One<a class="anchor-link" href="#One">¶</a></h2></div>'
        '<div class="jp-Cell"><h2 id="Two">Two</h2></div>'
    )
    out = html.add_contents(body)
    assert out.index('<nav class="toc"') < out.index('<h2 id="One"')
    assert '<a href="#One">One</a>' in out and '<a href="#Two">Two</a>' in out
    assert html.add_contents('<h2 id="Only">Only</h2>') == '<h2 id="Only">Only</h2>'


def test_index_template_renders_escaped():
    page = html.render_page(
        "index.html.j2",
        la_name="A & B",
        threshold=5,
        headings=["<x>"],
        rows=[],
        trends=[],
    )
    assert "A &amp; B" in page and "&lt;x&gt;" in page and "<script" not in page


def test_a_configured_caveat_heads_every_report_of_its_month():
    settings = Settings(caveats={"2016-10": "The case management system changed."})
    page = html.page_header("2016-10", settings).data
    assert "Data caveat for October 2016:</strong> The case management system changed." in page
    assert "Data caveat" not in html.page_header("2016-11", settings).data
    assert "OFFICIAL" in page and "@page" in page
