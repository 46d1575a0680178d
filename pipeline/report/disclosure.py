"""Disclosure control that holds (SPEC 7): small counts hidden, and enough other figures withheld
that no hidden count can be worked back from what the page shows.

A table of counts is described as data: the *base cells* (unknown counts, never negative) and
the *figures* it shows, each the sum of some base cells (a cell, a row or column total, a
cumulative count). Each figure is `shown` (its value is known), `small` (shown as "<5": known to
be 1 to threshold-1) or `withheld` ("*": known only to be at least the threshold, since it was
withheld to protect another). A hidden figure is *disclosed* when what is shown pins it to one
whole number: the smallest and largest values it can take, by linear programming over the base
cells, round to the same integer.

`protect` hides the small figures and then, while any hidden figure is disclosed, withholds the
smallest shown figure that bears on it (single cells before totals). `audit` is the check, used
again by the tests on the rendered pages. Shares and rates are not modelled: a rate or share is
withheld whenever a count it is built on is hidden (see `pipeline.report.tables`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from pipeline.report.suppression import fmt_count

SHOWN, SMALL, WITHHELD = "shown", "small", "withheld"
WITHHELD_MARK = "*"


@dataclass(frozen=True)
class Layout:
    """What a table shows: `sums[i]` lists the base cells figure i adds up."""

    n_base: int
    sums: tuple[tuple[int, ...], ...]
    # figures whose base cells may overlap (a child counted in two groups): the figure is at
    # most the sum of its cells, and no cell exceeds it
    at_most: frozenset[int] = frozenset()

    def matrix(self) -> np.ndarray:
        a = np.zeros((len(self.sums), self.n_base))
        for i, cells in enumerate(self.sums):
            a[i, list(cells)] = 1
        return a


def audit(layout: Layout, values, states, threshold: int) -> list[int]:
    """The hidden figures that what is shown pins to one whole number (empty: safe).

    `values` are the true figures (only the shown ones are used), `states` each figure's state.
    """
    hidden = [i for i, s in enumerate(states) if s != SHOWN and i not in layout.at_most]
    if not hidden:
        return []
    a = layout.matrix()
    shown = [i for i, s in enumerate(states) if s == SHOWN and i not in layout.at_most]
    a_eq = a[shown] if shown else None
    b_eq = np.asarray([float(values[i]) for i in shown]) if shown else None
    # bounds of hidden figures as inequalities: small 1..t-1, withheld >= t
    rows, rhs = [], []
    for i in layout.at_most:
        if states[i] == SHOWN:  # sum of the cells at least the figure, each cell at most it
            rows.append(-a[i])
            rhs.append(-float(values[i]))
            for j in layout.sums[i]:
                rows.append(np.eye(layout.n_base)[j])
                rhs.append(float(values[i]))
    for i in hidden:
        if states[i] == SMALL:
            rows += [a[i], -a[i]]
            rhs += [threshold - 1, -1]
        else:
            rows.append(-a[i])
            rhs.append(-threshold)
    a_ub = np.asarray(rows) if rows else None
    b_ub = np.asarray(rhs, dtype=float) if rows else None
    disclosed = []
    for i in hidden:
        low = _extreme(a[i], a_ub, b_ub, a_eq, b_eq)
        high = _extreme(-a[i], a_ub, b_ub, a_eq, b_eq)
        if low is None or high is None:  # unbounded, or no values fit what is shown
            continue
        if math.ceil(low - 1e-7) >= math.floor(-high + 1e-7):
            disclosed.append(i)
    return disclosed


_EXTREMES: dict[tuple, float | None] = {}  # the same small problems recur across tables and months
_EXTREMES_KEPT = 20_000


def _extreme(c, a_ub, b_ub, a_eq, b_eq) -> float | None:
    """The least value of c @ x over x >= 0 meeting the constraints (None: unbounded or none);
    each distinct problem solved once per process."""
    key = tuple(
        None if m is None else (np.shape(m), np.asarray(m, dtype=float).tobytes())
        for m in (c, a_ub, b_ub, a_eq, b_eq)
    )
    if key not in _EXTREMES:
        if len(_EXTREMES) >= _EXTREMES_KEPT:
            _EXTREMES.clear()
        res = linprog(
            c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs"
        )
        _EXTREMES[key] = float(res.fun) if res.status == 0 else None
    return _EXTREMES[key]


def protect(layout: Layout, values, settings) -> list[str]:
    """Each figure's state: small counts hidden, then shown figures withheld until the audit
    finds nothing disclosed (`config/la.toml` [suppression])."""
    threshold, enabled = settings.suppression_threshold, settings.suppression_enabled
    states = [
        SMALL if enabled and _known(v) and 0 < float(v) < threshold else SHOWN for v in values
    ]
    if not enabled:
        return states
    while disclosed := audit(layout, values, states, threshold):
        pick = _complement(layout, values, states, disclosed, threshold)
        if pick is None:
            break  # nothing left to withhold (every figure hidden already)
        states[pick] = WITHHELD
    return states


def _known(v) -> bool:
    return v is not None and not pd.isna(v)


def _complement(layout: Layout, values, states, disclosed: list[int], threshold: int) -> int | None:
    """The shown figure to withhold next: the narrowest (fewest cells), then smallest, whose
    withholding stops the first disclosed figure being pinned; failing that, the narrowest."""
    candidates = sorted(
        (
            j
            for j, s in enumerate(states)
            if s == SHOWN and _known(values[j]) and float(values[j]) > 0
        ),
        key=lambda j: (len(layout.sums[j]), float(values[j]), j),
    )
    target = disclosed[0]
    for j in candidates:
        trial = [WITHHELD if i == j else s for i, s in enumerate(states)]
        if target not in audit(layout, values, trial, threshold):
            return j
    return candidates[0] if candidates else None


def marks(values, states, settings) -> list[str]:
    """Figures as a stakeholder sees them: the count, '<5' when small, '*' when withheld."""
    out = []
    for v, state in zip(values, states, strict=True):
        if state == SMALL:
            out.append(fmt_count(v, settings))
        elif state == WITHHELD:
            out.append(WITHHELD_MARK)
        else:
            out.append("-" if v is None or pd.isna(v) else f"{int(round(float(v))):,}")
    return out


def structure(layout: Layout, positions, derived=()) -> dict:
    """What a table's cells add up to, without their values, for the page audit: figure i is
    the cell at `positions[i]` (row, column) of the table body; each `derived` entry
    (row, column, figures) is a rate or share built on those figures, to be withheld with them."""
    return {
        "base": layout.n_base,
        "figures": [
            {"cells": list(cells), "at": [int(r), int(c)], "at_most": i in layout.at_most}
            for i, (cells, (r, c)) in enumerate(zip(layout.sums, positions, strict=True))
        ],
        "derived": [[int(r), int(c), [int(f) for f in figs]] for r, c, figs in derived],
    }


def read_state(text: str) -> str:
    """The state of a figure from its text on the page."""
    text = text.strip()
    if text == WITHHELD_MARK:
        return WITHHELD
    return SMALL if text.startswith("<") else SHOWN


def breakdown_layout(n_groups: int, with_total: bool = True) -> Layout:
    """A one-way breakdown: one figure per group and, when shown, the total of all groups."""
    sums = tuple((g,) for g in range(n_groups))
    if with_total:
        sums += (tuple(range(n_groups)),)
    return Layout(n_groups, sums)


def rate_layout(n_groups: int) -> Layout:
    """Groups with a denominator n and a numerator k (k <= n) and an all-groups row.

    Base cells: yes_g = 2g, no_g = 2g + 1. Figures: n_g, k_g for each group, then N, K."""
    sums: list[tuple[int, ...]] = []
    for g in range(n_groups):
        sums += [(2 * g, 2 * g + 1), (2 * g,)]
    sums += [tuple(range(2 * n_groups)), tuple(range(0, 2 * n_groups, 2))]
    return Layout(2 * n_groups, tuple(sums))


def nested_layout(parents: list[int]) -> Layout:
    """Detail rows, one subtotal per parent group, and the total: `parents[i]` is row i's group.
    Figures: details, then subtotals in order of first appearance, then the total."""
    order = list(dict.fromkeys(parents))
    sums = [(i,) for i in range(len(parents))]
    sums += [tuple(i for i, p in enumerate(parents) if p == q) for q in order]
    sums.append(tuple(range(len(parents))))
    return Layout(len(parents), tuple(sums))


def two_way_layout(n_groups: int, n_parts: int) -> Layout:
    """Groups split into parts (rows by columns) with row, column and grand totals. Base cell
    g * n_parts + j is group g's part j. Figures: the cells row by row, then each group's total,
    then each part's total, then the grand total."""
    cells = tuple((g * n_parts + j,) for g in range(n_groups) for j in range(n_parts))
    rows = tuple(tuple(g * n_parts + j for j in range(n_parts)) for g in range(n_groups))
    cols = tuple(tuple(g * n_parts + j for g in range(n_groups)) for j in range(n_parts))
    grand = (tuple(range(n_groups * n_parts)),)
    return Layout(n_groups * n_parts, cells + rows + cols + grand)


def cumulative_layout(n_scores: int) -> Layout:
    """Counts at each score (figures 0..n-1) and at or above each score (figures n..2n-1)."""
    at = tuple((s,) for s in range(n_scores))
    above = tuple(tuple(range(s, n_scores)) for s in range(n_scores))
    return Layout(n_scores, at + above)


def combine(*layouts: Layout) -> Layout:
    """Independent layouts side by side (their base cells and figures in turn)."""
    sums: list[tuple[int, ...]] = []
    at_most: set[int] = set()
    base = 0
    for lay in layouts:
        at_most |= {len(sums) + i for i in lay.at_most}
        sums += [tuple(base + c for c in cells) for cells in lay.sums]
        base += lay.n_base
    return Layout(base, tuple(sums), frozenset(at_most))


@dataclass(frozen=True)
class RateStates:
    """The states of a breakdown of rates k of n by group, with the all-groups row."""

    n: list[str]
    k: list[str]
    n_all: str
    k_all: str
    extra: list[str]  # states of further counts protected with it (e.g. children), groups + all
    layout: Layout  # figures: n_g, k_g per group, N, K, then the extra counts and their total

    def rate_shown(self, g: int | None = None) -> bool:
        """A rate (group g, or the all-groups row) is shown only when both its counts are."""
        if g is None:
            return self.n_all == SHOWN and self.k_all == SHOWN
        return self.n[g] == SHOWN and self.k[g] == SHOWN

    def positions(self, rows: list[int], n_col: int, k_col: int, extra_col: int | None = None):
        """Where each figure of `layout` sits in a table with one row per group then the
        all-groups row (`rows`: their row numbers)."""
        out = []
        for r in rows:
            out += [(r, n_col), (r, k_col)]
        if extra_col is not None:
            out += [(r, extra_col) for r in rows]
        return out


def protect_rates(
    n, k, settings, k_all: int | None = None, extra=None, extra_additive: bool = False
) -> RateStates:
    """Protect numerators `k` of denominators `n` by group and their all-groups totals. `k_all`
    is the all-groups k when it can be less than the sum of the groups (children who went
    missing, by group: one child can fall in two); by default the sum. Optional `extra`
    counts per group plus their total (last value), such as children beside placements, are at
    most the sum of the groups unless `extra_additive`."""
    n = [int(v) for v in n]
    k = [int(v) for v in k]
    k_additive = k_all is None or int(k_all) == sum(k)
    k_all = sum(k) if k_all is None else int(k_all)
    groups = len(n)
    lay = rate_layout(groups)
    if not k_additive:
        lay = Layout(lay.n_base, lay.sums, frozenset({len(lay.sums) - 1}))
    layouts = [lay]
    values: list[int] = []
    for nv, kv in zip(n, k, strict=True):
        values += [nv, kv]
    values += [sum(n), k_all]
    if extra is not None:
        extra = [int(v) for v in extra]
        lay = breakdown_layout(groups)
        if not extra_additive:
            lay = Layout(lay.n_base, lay.sums, frozenset({groups}))
        layouts.append(lay)
        values += extra
    states = protect(combine(*layouts), values, settings)
    rate_part = states[: 2 * groups + 2]
    return RateStates(
        n=rate_part[0 : 2 * groups : 2],
        k=rate_part[1 : 2 * groups : 2],
        n_all=rate_part[-2],
        k_all=rate_part[-1],
        extra=states[2 * groups + 2 :],
        layout=combine(*layouts),
    )


# ------------------------------------------------------------------------- auditing a page


class _Tables(HTMLParser):
    """Tables of a page: their `data-disclosure` structure and body cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[dict | None, list[list[str]]]] = []
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            spec = dict(attrs).get("data-disclosure")
            self.tables.append((json.loads(spec) if spec else None, []))
            self._rows = self.tables[-1][1]
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._in_body and self._rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


_SMALL_TEXT = re.compile(r"^<\s*\d")


def audit_page(page: str, threshold: int) -> list[str]:
    """Problems that let a reader of the page work back a hidden count: a table with hidden
    counts but no declared structure, a hidden figure pinned by what is shown (by bounds, or
    exactly by subtraction), or a rate or share shown beside a hidden count it is built on."""
    parser = _Tables()
    parser.feed(page)
    problems = []
    for t, (spec, rows) in enumerate(parser.tables, start=1):
        cells = [c for row in rows for c in row]
        if spec is None:
            if any(_SMALL_TEXT.match(c) for c in cells):
                problems.append(f"table {t}: hidden counts but no disclosure structure")
            continue
        if spec.get("independent"):  # each cell a different indicator or month: no sums
            continue
        texts = [rows[f["at"][0]][f["at"][1]] for f in spec["figures"]]
        states = [read_state(x) for x in texts]
        values = [_number(x) if s == SHOWN else 0.0 for x, s in zip(texts, states, strict=True)]
        layout = Layout(
            spec["base"],
            tuple(tuple(f["cells"]) for f in spec["figures"]),
            frozenset(i for i, f in enumerate(spec["figures"]) if f["at_most"]),
        )
        for i in audit(layout, values, states, threshold):
            problems.append(f"table {t}: figure at {spec['figures'][i]['at']} can be worked back")
        for i in _exact(layout, states):
            problems.append(
                f"table {t}: figure at {spec['figures'][i]['at']} follows by subtraction"
            )
        for r, c, figs in spec.get("derived", []):
            if any(states[f] != SHOWN for f in figs) and rows[r][c] not in ("*", "-"):
                problems.append(f"table {t}: {rows[r][c]!r} at {[r, c]} is built on a hidden count")
    return problems


def _number(text: str) -> float:
    return float(re.match(r"[\d,]+", text).group(0).replace(",", ""))


def _exact(layout: Layout, states) -> list[int]:
    """Hidden figures that are a signed sum of shown additive figures (recovered exactly)."""
    a = layout.matrix()
    shown = [i for i, s in enumerate(states) if s == SHOWN and i not in layout.at_most]
    out = []
    for i, s in enumerate(states):
        if s == SHOWN or i in layout.at_most:
            continue
        if not shown:
            continue
        coef, *_ = np.linalg.lstsq(a[shown].T, a[i], rcond=None)
        if np.allclose(a[shown].T @ coef, a[i], atol=1e-8):
            out.append(i)
    return out
