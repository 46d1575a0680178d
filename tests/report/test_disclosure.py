"""Disclosure control: hidden counts cannot be worked back from what a table shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.disruption_sdq import bands_publishable, publishable_cutoffs
from pipeline.config import Settings
from pipeline.report import disclosure as d
from pipeline.report import html, tables

ON = Settings()
OFF = Settings(suppression_enabled=False)


def test_a_small_count_beside_its_total_is_disclosed():
    # "Other residential <5" = 48 - 46: one small group, the other shown, the total shown
    layout = d.breakdown_layout(2)
    assert d.audit(layout, [2, 46, 48], [d.SMALL, d.SHOWN, d.SHOWN], 5) == [0]
    # withholding the other group ("*", at least 5) leaves 1 to 4 possible: safe
    assert d.audit(layout, [2, 46, 48], [d.SMALL, d.WITHHELD, d.SHOWN], 5) == []


def test_two_small_counts_pinned_by_their_sum():
    # 466 - 462 = 4 shared by two "<5" cells: 1+3, 2+2, 3+1 all fit, so nothing is pinned
    layout = d.breakdown_layout(3)
    states = [d.SMALL, d.SMALL, d.SHOWN, d.SHOWN]
    assert d.audit(layout, [1, 3, 462, 466], states, 5) == []
    # but a sum of 2 leaves only 1 + 1
    assert d.audit(layout, [1, 1, 462, 464], states, 5) == [0, 1]


def test_withheld_count_at_the_threshold_is_pinned_by_bounds():
    # total 6 = <5 + * : the small one is at least 1 and the withheld one at least 5, so
    # 6 = 1 + 5; with a total of 9 they could be 1 + 8 to 4 + 5
    layout = d.breakdown_layout(2)
    assert d.audit(layout, [1, 5, 6], [d.SMALL, d.WITHHELD, d.SHOWN], 5) == [0, 1]
    assert d.audit(layout, [4, 5, 9], [d.SMALL, d.WITHHELD, d.SHOWN], 5) == []


def test_protect_withholds_the_fewest_needed_and_only_when_on():
    layout = d.breakdown_layout(3)
    values = [2, 40, 60, 102]
    assert d.protect(layout, values, ON) == [d.SMALL, d.WITHHELD, d.SHOWN, d.SHOWN]
    assert d.protect(layout, values, OFF) == [d.SHOWN] * 4
    assert d.protect(layout, [0, 40, 60, 100], ON) == [d.SHOWN] * 4  # 0 is not hidden


def test_at_most_totals_are_bounds_not_sums():
    # children by group 3 and 20, 22 children in all (one in both groups): 22 - 20 = 2 is wrong
    lay = d.breakdown_layout(2)
    lay = d.Layout(lay.n_base, lay.sums, frozenset({2}))
    assert d.audit(lay, [3, 20, 22], [d.SMALL, d.SHOWN, d.SHOWN], 5) == []


def _page(frame) -> str:
    return html.table_html(frame).data


def test_audit_page_finds_an_unprotected_table():
    frame = pd.DataFrame({"Group": ["a", "b", "All"], "Children": ["<5", "46", "48"]})
    frame.attrs["disclosure"] = d.structure(d.breakdown_layout(2), [(0, 1), (1, 1), (2, 1)])
    problems = d.audit_page(_page(frame), 5)
    assert any("worked back" in p for p in problems)
    assert any("subtraction" in p for p in problems)
    bare = pd.DataFrame({"Group": ["a"], "Children": ["<5"]})
    assert d.audit_page(_page(bare), 5) == ["table 1: hidden counts but no disclosure structure"]


def test_audit_page_finds_a_rate_on_a_hidden_count():
    frame = pd.DataFrame(
        {"group": ["a", "b"], "n": [91, 69], "k": [13, 3], "rate": [14.29, 4.35],
         "ci_low": [8.5, 1.5], "ci_high": [22.9, 12.0]}
    )  # fmt: skip
    out = tables.rate_table(frame, "G", ON)
    assert d.audit_page(_page(out), 5) == []
    leaked = out.copy()
    leaked.attrs = out.attrs
    leaked.loc[0, "Rate"] = "14.3%"
    assert d.audit_page(_page(leaked), 5) == [
        "table 1: '14.3%' at [0, 3] is built on a hidden count"
    ]


@pytest.mark.parametrize("seed", range(40))
def test_protected_tables_pass_the_audit_on_random_counts(seed):
    g = np.random.default_rng(seed)
    n = g.integers(0, 30, size=g.integers(2, 7))
    k = np.minimum(n, g.integers(0, 12, size=len(n)))
    frame = pd.DataFrame({"group": [f"g{i}" for i in range(len(n))], "n": n, "k": k})
    frame["rate"] = 100 * k / np.maximum(n, 1)
    frame["ci_low"], frame["ci_high"] = 0.0, 100.0
    assert d.audit_page(_page(tables.rate_table(frame, "G", ON)), 5) == []
    reasons = pd.DataFrame(
        {"Ending": [f"e{i % 3}" for i in range(len(n))], "Reason": list(frame["group"]),
         "placements": n}
    )  # fmt: skip
    assert d.audit_page(_page(tables.change_reasons(reasons, ON)), 5) == []
    missing = pd.DataFrame(
        {"band": list(frame["group"]), "incidents": n + k, "children": np.minimum(n + k, k + 1)}
    )
    missing["incidents_pct"] = 100 * missing["incidents"] / max(missing["incidents"].sum(), 1)
    missing.attrs["children"] = int(missing["children"].sum()) - int(g.integers(0, 2))
    assert d.audit_page(_page(tables.missing_breakdown(missing, "Band", ON)), 5) == []


def test_bands_publishable_checks_every_band_between_cut_offs():
    # 40 breakdowns and 100 others; at or above 18: 20 and 30, at or above 17: 22 and 38
    assert bands_publishable([20], [30], 40, 100, 5)
    assert not bands_publishable([20, 22], [30, 38], 40, 100, 5)  # 2 breakdowns at 17
    assert bands_publishable([20, 25], [30, 38], 40, 100, 5)
    assert not bands_publishable([38], [30], 40, 100, 5)  # 2 breakdowns below the cut-off


def test_publishable_cutoffs_merge_scores_with_few_placements():
    # one child per placement; breakdowns: 6 at score 10, 6 at 20; others: 10 at 10, 10 at 20,
    # 2 at 15 (too few on their own: cut-offs 11..15 would reveal them)
    rows = [(10, True)] * 6 + [(20, True)] * 6 + [(10, False)] * 10 + [(20, False)] * 10
    rows += [(15, False)] * 2
    frame = pd.DataFrame(
        {"CHILD": [str(i) for i in range(len(rows))], "sdq_score": [r[0] for r in rows],
         "disrupted_12m": [r[1] for r in rows]}
    )  # fmt: skip
    chosen = publishable_cutoffs(frame, 5, thresholds=range(10, 26))
    # 21..25 flag nobody (25 kept, the rest flag the same placements); 16..20 flag the 16 at
    # 20 (20 kept); 11..15 would set the 2 at 15 apart; 10 flags everyone
    assert chosen == (10, 20, 25)
    assert publishable_cutoffs(frame, 0, thresholds=range(10, 13)) == (10, 11, 12)


@pytest.mark.slow
def test_no_hidden_count_can_be_worked_back_on_any_page(rendered_outputs):
    pages = [p for p in rendered_outputs.rglob("*.html") if "restricted" not in p.parts]
    audited = hidden = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert d.audit_page(text, ON.suppression_threshold) == [], page.name
        audited += text.count("data-disclosure=")
        hidden += text.count("&lt;5")
    assert audited >= 10 and hidden > 0, "the pages hold no protected tables to audit"
