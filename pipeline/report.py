"""Building blocks for the stakeholder HTML: tiles, figures, tables, commentary, provenance.

Every count shown to stakeholders goes through `fmt_count` / `fmt_pct`, which suppress small
numbers (1 to threshold-1 shown as "<5"; rates built on them withheld) when suppression is on.
Functions return `IPython.display.HTML` objects so a notebook cell shows them directly.
"""

from __future__ import annotations

import base64
import html
import io
import math
import platform
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from pipeline import __version__
from pipeline.config import Settings
from pipeline.paths import repo_root

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#6E6E6E",
}
SERIES = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple")]
RAG_COLOURS = {"green": PALETTE["green"], "amber": PALETTE["orange"], "red": PALETTE["vermillion"]}
RAG_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target", "": "No target"}

CSS = """
<style>
.lac-report { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; max-width: 60rem;
  line-height: 1.45; color: #1b1b1b; }
.lac-report h1 { font-size: 1.7rem; margin-bottom: .2rem; }
.lac-meta { color: #505050; margin-top: 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .8rem;
  margin: 1rem 0; }
.tile { border: 1px solid #c8c8c8; border-left: .45rem solid #6E6E6E; border-radius: .3rem;
  padding: .6rem .8rem; background: #fff; }
.tile .label { font-size: .85rem; color: #404040; }
.tile .value { font-size: 1.8rem; font-weight: 700; }
.tile .detail { font-size: .8rem; color: #404040; }
.tile.green { border-left-color: #009E73; } .tile.amber { border-left-color: #E69F00; }
.tile.red { border-left-color: #D55E00; }
.rag { font-weight: 600; }
.callout { border-left: .35rem solid #0072B2; background: #f2f7fb; padding: .5rem .8rem; margin: .8rem 0; }
.callout.warning { border-left-color: #D55E00; background: #fdf2ec; }
.callout.ok { border-left-color: #009E73; background: #eef8f4; }
table.lac { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
table.lac th, table.lac td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
table.lac th:first-child, table.lac td:first-child, table.lac td.t { text-align: left; }
.lac-figure img { max-width: 100%; height: auto; }
.provenance { font-size: .8rem; color: #404040; border-top: 1px solid #ccc; margin-top: 2rem; }
.provenance table td { padding: .1rem .5rem; vertical-align: top; word-break: break-all; }
.sensitivity { font-weight: 700; color: #D55E00; }
nav.toc { border: 1px solid #ddd; padding: .4rem 1rem; margin: 1rem 0; font-size: .9rem;
  font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; max-width: 58rem; }
@media (max-width: 40rem) { .tile .value { font-size: 1.4rem; } table.lac { font-size: .8rem; } }
</style>
"""


# ---------------------------------------------------------------- numbers and suppression


def is_small(n, settings: Settings) -> bool:
    """True when a count must be suppressed: 1 <= n < threshold with suppression on."""
    if not settings.suppression_enabled or n is None or pd.isna(n):
        return False
    return 0 < float(n) < settings.suppression_threshold


def fmt_count(n, settings: Settings) -> str:
    """A count for stakeholders: '<5' when small, '-' when unknown, thousands separated."""
    if n is None or pd.isna(n):
        return "-"
    if is_small(n, settings):
        return f"<{settings.suppression_threshold}"
    return f"{int(round(float(n))):,}"


def fmt_pct(value, settings: Settings, numerator=None, denominator=None, digits: int = 1) -> str:
    """A percentage; withheld ('*') when built on a suppressed count."""
    if value is None or pd.isna(value):
        return "-"
    if is_small(numerator, settings) or is_small(denominator, settings):
        return "*"
    return f"{float(value):.{digits}f}%"


def fmt_value(value, unit: str, settings: Settings, numerator=None, denominator=None) -> str:
    """Format an indicator value by its unit (count, percent, rate_per_10k, score, hours)."""
    if unit == "count":
        return fmt_count(value, settings)
    if value is None or pd.isna(value):
        return "-"
    if is_small(numerator, settings) or is_small(denominator, settings):
        return "*"
    if unit == "percent":
        return f"{float(value):.1f}%"
    if unit == "hours":
        return f"{float(value):.1f} h"
    return f"{float(value):.1f}"


def wilson_interval(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n (as proportions); (nan, nan) when n == 0."""
    from statsmodels.stats.proportion import proportion_confint

    if not n:
        return (math.nan, math.nan)
    low, high = proportion_confint(int(k), int(n), alpha=alpha, method="wilson")
    return float(low), float(high)


def suppress_frame(frame: pd.DataFrame, count_columns: list[str], settings: Settings) -> pd.DataFrame:
    """A copy of `frame` with the named count columns formatted (small counts as '<5')."""
    out = frame.copy()
    for column in count_columns:
        out[column] = out[column].map(lambda n: fmt_count(n, settings)).astype("str")
    return out


# ---------------------------------------------------------------- commentary


def describe_change(
    label: str,
    current,
    previous,
    unit: str = "percent",
    target=None,
    higher_is_better: bool | str = "",
    since: str = "last month",
) -> str:
    """One plain-English sentence, e.g. 'Children with 3+ placements fell from 12.8% to 11.7% since
    last month, still above the 10% target.'"""
    def show(v, exact=True):
        if unit == "percent":
            return f"{v:.1f}%" if exact else f"{v:g}%"
        if unit == "count":
            return f"{int(round(v)):,}"
        if unit == "hours":
            return f"{v:.1f} hours"
        return f"{v:.1f}" if exact else f"{v:g}"

    def missing(v):
        return v is None or pd.isna(v)

    if missing(current):
        return f"{label}: no figure this month."
    if missing(previous):
        sentence = f"{label} was {show(current)}"
    elif math.isclose(float(current), float(previous), rel_tol=1e-9, abs_tol=1e-9):
        sentence = f"{label} was unchanged at {show(current)} since {since}"
    else:
        verb = "rose" if current > previous else "fell"
        sentence = f"{label} {verb} from {show(previous)} to {show(current)} since {since}"
    if not missing(target) and higher_is_better in (True, False):
        if math.isclose(float(current), float(target), abs_tol=1e-9):
            return sentence + f", exactly on the {show(target, False)} target."
        side = "above" if current > target else "below"
        if missing(previous) or math.isclose(float(previous), float(target), abs_tol=1e-9):
            link = ""
        elif (previous > target) == (current > target):
            link = "still "
        else:
            link = "now "
        sentence += f", {link}{side} the {show(target, False)} target"
    return sentence + "."


# ---------------------------------------------------------------- HTML pieces


def page_header(month: str, settings: Settings, subtitle: str = "") -> HTML:
    """The byline under the notebook's title (LA, month, reference date) and the report's style
    sheet (self-contained: no external resources)."""
    period = pd.Period(month, freq="M").strftime("%B %Y")
    sub = f"<p class='lac-meta'>{html.escape(subtitle)}</p>" if subtitle else ""
    return HTML(
        f"{CSS}<div class='lac-report'>"
        f"<p class='lac-meta'>{html.escape(settings.la_name)} &middot; reporting month "
        f"{period} &middot; figures at {pd.Period(month, freq='M').end_time:%d %B %Y}</p>{sub}</div>"
    )


@dataclass
class Tile:
    """One headline figure."""

    label: str
    value: str
    rag: str = ""  # green / amber / red / ""
    detail: list[str] = field(default_factory=list)


def tiles(items: list[Tile]) -> HTML:
    """Headline tiles: value, changes, RAG word (colour is never the only signal)."""
    parts = []
    for t in items:
        rag = (
            f"<div class='rag'>{RAG_WORDS.get(t.rag, '')}</div>" if t.rag else ""
        )
        detail = "".join(f"<div class='detail'>{html.escape(d)}</div>" for d in t.detail)
        parts.append(
            f"<div class='tile {t.rag}' role='group' aria-label='{html.escape(t.label)}'>"
            f"<div class='label'>{html.escape(t.label)}</div>"
            f"<div class='value'>{html.escape(t.value)}</div>{rag}{detail}</div>"
        )
    return HTML(f"<div class='lac-report'><div class='tiles'>{''.join(parts)}</div></div>")


def callout(text: str, kind: str = "info") -> HTML:
    """A highlighted paragraph: kind 'info', 'warning' or 'ok'."""
    return HTML(f"<div class='lac-report'><div class='callout {kind}'>{html.escape(text)}</div></div>")


def bullet_list(lines: list[str]) -> HTML:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in lines)
    return HTML(f"<div class='lac-report'><ul>{items}</ul></div>")


def table_html(frame: pd.DataFrame, caption: str = "") -> HTML:
    """A plain, accessible table (already-formatted values are shown as they are)."""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(
            f"<td{'' if _numeric(text := _cell(v)) else ' class=t'}>{html.escape(text)}</td>"
            for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return HTML(
        f"<div class='lac-report'><table class='lac'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


_NUMBER = re.compile(r"[<>]?[\d.,]+%?( to [\d.,]+%?)?|[-*]")


def _numeric(text: str) -> bool:
    """Figures are right-aligned, words left-aligned."""
    return bool(_NUMBER.fullmatch(text))


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def glossary(terms: dict[str, str]) -> HTML:
    items = "".join(
        f"<dt><strong>{html.escape(k)}</strong></dt><dd>{html.escape(v)}</dd>" for k, v in terms.items()
    )
    return HTML(f"<div class='lac-report'><dl>{items}</dl></div>")


# ---------------------------------------------------------------- figures


def setup_style() -> None:
    """Matplotlib defaults for the reports: readable sizes, Okabe-Ito colour cycle."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (8, 3.6),
        "figure.dpi": 100,
        "axes.prop_cycle": mpl.cycler(color=SERIES),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "font.size": 10,
    })


def show_figure(fig, alt: str) -> HTML:
    """Embed a matplotlib figure as a base64 PNG with alt text, and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return HTML(
        f"<figure class='lac-report lac-figure'><img src='data:image/png;base64,{data}' "
        f"alt='{html.escape(alt, quote=True)}'><figcaption>{html.escape(alt)}</figcaption></figure>"
    )


def trend_chart(
    series: pd.DataFrame,
    y: str,
    label: str,
    unit: str = "",
    target=None,
    benchmark=None,
    benchmark_label: str = "England",
    rolling: str | None = None,
):
    """A monthly line chart (x = 'period_end') with optional target and benchmark lines."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(series["period_end"], series[y], marker="o", ms=3, color=PALETTE["blue"], label=label)
    if rolling:
        ax.plot(series["period_end"], series[rolling], color=PALETTE["orange"], lw=2,
                label="3-month rolling mean")
    if target is not None and not pd.isna(target):
        ax.axhline(target, color=PALETTE["green"], ls="--", lw=1.5, label=f"Target ({target:g})")
    if benchmark is not None and not pd.isna(benchmark):
        ax.axhline(benchmark, color=PALETTE["grey"], ls=":", lw=1.5,
                   label=f"{benchmark_label} ({benchmark:g})")
    ax.set_ylabel(unit or label)
    ax.set_xlabel("Month end")
    ax.legend(loc="best", fontsize=8)
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    return fig


# ---------------------------------------------------------------- provenance


@dataclass
class RunContext:
    """Parameters and start time of one notebook run, for the provenance block."""

    notebook: str
    parameters: dict
    started: float = field(default_factory=time.time)


def begin(notebook: str, **parameters) -> RunContext:
    """Start timing a report; keep its parameters for the provenance block."""
    setup_style()
    return RunContext(notebook=notebook, parameters=parameters)


def git_state(root: Path | None = None) -> tuple[str, bool | None]:
    """(commit, dirty) of the repository, or ('unknown', None) outside git."""
    root = root or repo_root()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
            check=True, timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout
        return commit, bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def provenance(ctx: RunContext, quality: dict | None = None) -> HTML:
    """The provenance block of SPEC 7: parameters, input files (hash, rows), versions, commit,
    run time. Paths are shown relative to the repository where possible."""
    commit, dirty = git_state()
    rows = [("Report", ctx.notebook)]
    rows += [(f"Parameter {k}", _short_path(v)) for k, v in ctx.parameters.items()]
    rows += [
        ("Package", f"lac-analysis-pack {__version__}"),
        ("Git commit", f"{commit}{' (uncommitted changes present)' if dirty else ''}"),
        ("Python / pandas", f"{platform.python_version()} / {pd.__version__}"),
        ("Run at", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Run time", f"{time.time() - ctx.started:.1f} s"),
    ]
    files = ""
    if quality:
        lines = "".join(
            f"<tr><td>{html.escape(f['file'])}</td><td>{html.escape(str(f.get('table') or '-'))}</td>"
            f"<td>{f['rows']:,}</td><td><code>{f['sha256'][:16]}</code></td></tr>"
            for f in quality.get("files", [])
        )
        files = (
            "<p>Input files (SHA-256, first 16 characters):</p><table class='lac'><thead><tr>"
            "<th>File</th><th>Table</th><th>Rows</th><th>SHA-256</th></tr></thead>"
            f"<tbody>{lines}</tbody></table>"
        )
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return HTML(
        "<div class='lac-report provenance' id='provenance'><h2>Provenance</h2>"
        f"<table>{body}</table>{files}</div>"
    )


def _short_path(value) -> str:
    try:
        return str(Path(value).resolve().relative_to(repo_root()))
    except (TypeError, ValueError):
        return str(value)


# ---------------------------------------------------------------- headline figures


def headline(series: pd.DataFrame, ids: list[str], month: str, settings: Settings):
    """Tiles and one commentary sentence per indicator from a tidy indicator series (columns
    indicator, period_end, value, numerator, denominator) that covers the month, the month before
    and the same month last year. Returns (tiles HTML, list of sentences)."""
    from pipeline.indicators import indicator_register, rag_status

    register = indicator_register()
    ref = pd.Period(month, freq="M").end_time.normalize()
    prev = (pd.Period(month, freq="M") - 1).end_time.normalize()
    last_year = (pd.Period(month, freq="M") - 12).end_time.normalize()
    keyed = series.assign(period_end=pd.to_datetime(series["period_end"]).dt.normalize())
    keyed = keyed.set_index(["indicator", "period_end"])
    national = settings.benchmarks.get("national", {})
    items, sentences = [], []
    for ind in ids:
        meta = register.get(ind, {})
        unit = meta.get("unit", "count")
        polarity = meta.get("higher_is_better", "")
        label = meta.get("label", ind)

        def row(at, ind=ind):
            return keyed.loc[(ind, at)] if (ind, at) in keyed.index else None

        now, before, year = row(ref), row(prev), row(last_year)
        if now is None:
            continue
        value = now["value"]
        hidden = unit != "count" and (is_small(now["numerator"], settings)
                                      or is_small(now["denominator"], settings))
        hidden = hidden or (unit == "count" and is_small(value, settings))
        target = settings.targets.get(ind)
        rag = rag_status(value, target, polarity if isinstance(polarity, bool) else None)
        detail = []
        for name, other in (("last month", before), ("a year ago", year)):
            if other is not None and not pd.isna(other["value"]) and not hidden and not (
                    is_small(other["value"] if unit == "count" else other["numerator"], settings)):
                detail.append(f"{fmt_value(other['value'], unit, settings)} {name}")
        if target is not None:
            detail.append(f"target {fmt_value(target, unit, settings)}")
        if ind in national:
            detail.append(f"England {fmt_value(national[ind], unit, settings)}")
        if unit == "percent" and not pd.isna(now["denominator"]) and not hidden:
            low, high = wilson_interval(now["numerator"], now["denominator"])
            detail.append(f"{fmt_count(now['numerator'], settings)} of "
                          f"{fmt_count(now['denominator'], settings)} "
                          f"(95% interval {100 * low:.1f}-{100 * high:.1f}%)")
        items.append(Tile(label=label, value=fmt_value(value, unit, settings, now["numerator"],
                                                       now["denominator"]),
                          rag="" if hidden else rag, detail=detail))
        if hidden:
            sentences.append(f"{label}: withheld this month because it rests on fewer than "
                             f"{settings.suppression_threshold} children.")
        else:
            shown_before = None
            if before is not None and not is_small(
                    before["value"] if unit == "count" else before["numerator"], settings):
                shown_before = before["value"]
            sentence = describe_change(
                label, value, shown_before, unit=unit, target=target, higher_is_better=polarity)
            den = now["denominator"]
            if unit == "percent" and not pd.isna(den) and den > 0:
                # scale for small-number changes: how far one child moves the percentage
                noun = ("episodes", "episode") if ind.startswith("rhi_") else ("children", "child")
                sentence = (f"{sentence[:-1]}; with {int(den):,} {noun[0]} in the figure, one "
                            f"{noun[1]} moves it by {100 / den:.1f} percentage points.")
            sentences.append(sentence)
    return tiles(items), sentences


# ---------------------------------------------------------------- tables for the notebooks


def wide(series: pd.DataFrame) -> pd.DataFrame:
    """A tidy indicator series as one row per period_end and one column per indicator value."""
    out = series.pivot_table(index="period_end", columns="indicator", values="value",
                             aggfunc="first", dropna=False)
    out.columns.name = None
    return out.reset_index().sort_values("period_end", ignore_index=True)


def rate_table(frame: pd.DataFrame, group_label: str, settings: Settings) -> pd.DataFrame:
    """Group, numerator of denominator, rate with 95% Wilson interval, small counts suppressed.

    `frame` columns: group, n (denominator), k (numerator), rate (%), ci_low, ci_high (%)."""
    rows = []
    for r in frame.itertuples(index=False):
        hidden = is_small(r.k, settings) or is_small(r.n, settings)
        rows.append({
            group_label: r.group,
            "Children": fmt_count(r.n, settings),
            "With 3+ placements": fmt_count(r.k, settings),
            "Rate": "*" if hidden else f"{r.rate:.1f}%",
            "95% interval": "*" if hidden or pd.isna(r.ci_low)
            else f"{r.ci_low:.1f}% to {r.ci_high:.1f}%",
        })
    return pd.DataFrame(rows)


def threshold_display(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The SDQ threshold table in words: flagged placements, rates above/below, sensitivity."""
    def pct(v):
        return "-" if pd.isna(v) else f"{100 * v:.0f}%"

    rows = []
    for r in table.itertuples(index=False):
        small = is_small(r.n_above, settings) or is_small(r.disrupted_above, settings)
        rows.append({
            "Threshold (score at or above)": int(r.threshold),
            "Placements flagged": fmt_count(r.n_above, settings),
            "Disrupted if flagged": "*" if small else pct(r.rate_above),
            "Disrupted if not flagged": pct(r.rate_below),
            "Sensitivity": pct(r.sensitivity),
            "Specificity": pct(r.specificity),
        })
    return pd.DataFrame(rows)


SENSITIVITY_MARKING = (
    "OFFICIAL-SENSITIVE (personal data about looked-after children). Restricted to named staff; "
    "do not forward, print or attach to committee papers."
)


def write_restricted(frame: pd.DataFrame, month_dir: Path, name: str) -> Path:
    """Write a child-level list to MONTH/restricted/NAME with a sensitivity marking: a first
    column `sensitivity` on every row and a SENSITIVE.txt note in the folder. Never linked."""
    from pipeline.io import atomic_write_csv, atomic_write_text

    folder = Path(month_dir) / "restricted"
    atomic_write_text(SENSITIVITY_MARKING + "\n", folder / "SENSITIVE.txt")
    marked = frame.copy()
    marked.insert(0, "sensitivity", "OFFICIAL-SENSITIVE")
    return atomic_write_csv(marked, folder / name)


def cohort_sentence(cohort: pd.DataFrame, settings: Settings) -> str:
    """Count-only sentence about the at-risk cohort."""
    n = len(cohort)
    if n == 0:
        return (f"No child looked after now has a latest SDQ score of {settings.sdq_threshold} "
                "or more.")
    moved = int((cohort.get("moves_12m", pd.Series(dtype=int)) > 0).sum())
    missing = int((cohort.get("missing_90d", pd.Series(dtype=int)) > 0).sum())
    return (
        f"{fmt_count(n, settings)} children looked after now have a latest SDQ score of "
        f"{settings.sdq_threshold} or more; {fmt_count(moved, settings)} of them moved placement "
        f"in the last 12 months and {fmt_count(missing, settings)} went missing in the last 90 "
        "days. The list is in the restricted folder for this month."
    )


# ---------------------------------------------------------------- missing-from-care text


def missing_sentence(s: dict, settings: Settings) -> str:
    """The seeds' council's summary line, e.g. 'In January 2017 there were 50 missing incidents
    involving 24 young people aged 12 to 17; ...'."""
    period = pd.Period(s["month"], freq="M").strftime("%B %Y")
    if not s["incidents"]:
        return f"No child in care was reported missing in {period}."
    parts = [f"In {period} there were {fmt_count(s['incidents'], settings)} missing incidents "
             f"involving {fmt_count(s['children'], settings)} young people"]
    if not is_small(s["children"], settings) and s.get("age_min") is not None:
        parts[0] += f" aged {s['age_min']} to {s['age_max']}"
    ended = s.get("ended", 0)
    if ended and not is_small(ended, settings):
        unit = "hours" if s.get("all_timed", True) else "hours (some episodes recorded in whole days)"
        parts.append(f"the average time missing was {s['mean_hours']:.1f} {unit} and the longest "
                     f"{s['max_hours']:.1f} hours")
    if s.get("rhi_took_place") is not None:
        parts.append(f"{fmt_count(s['rhi_took_place'], settings)} return home interviews took place")
    return "; ".join(parts) + "."


def missing_change_sentences(monthly: pd.DataFrame, settings: Settings) -> list[str]:
    """This month against last month and the same month last year (exact Poisson tests), and
    against the control limits of the series."""
    from pipeline.missing import compare_periods, control_limits

    counts = monthly["missing_incidents"].astype(int).to_list()
    now = counts[-1]
    lines = []
    for idx, name in ((-2, "last month"), (-13, "the same month last year")):
        if len(counts) >= -idx:
            before = counts[idx]
            if is_small(now, settings) or is_small(before, settings):
                lines.append(f"Against {name}: the numbers are too small to compare publicly.")
                continue
            test = compare_periods(now, before)
            word = "rose" if now > before else "fell" if now < before else "were unchanged"
            tail = ("larger than normal month-to-month variation"
                    if test["significant"] else "within normal month-to-month variation "
                    "(not statistically significant)")
            lines.append(f"Against {name}: incidents {word} from {before} to {now} "
                         f"(exact Poisson test p = {test['p_value']:.2f}), {tail}.")
    limits = control_limits(monthly["missing_incidents"], baseline=len(counts) - 1)
    low, high = float(limits["lcl"].iloc[-1]), float(limits["ucl"].iloc[-1])
    inside = low <= now <= high
    lines.append(
        f"Over the {len(counts) - 1} months before this one incidents averaged {limits['centre'].iloc[-1]:.1f} a "
        f"month; the expected range is {low:.0f} to {high:.0f}, and this month "
        + ("is inside it." if inside else "is outside it: worth looking into.")
    )
    return lines


def breakdown_table(frame: pd.DataFrame, label: str, settings: Settings) -> pd.DataFrame:
    """A missing breakdown (group, incidents, children, incidents_pct) with small counts hidden."""
    group = frame.columns[0]
    return pd.DataFrame({
        label: frame[group].astype("str").replace({"<NA>": "Not recorded", "nan": "Not recorded"}),
        "Incidents": frame["incidents"].map(lambda n: fmt_count(n, settings)),
        "Children": frame["children"].map(lambda n: fmt_count(n, settings)),
        "Share of incidents": [
            "*" if is_small(k, settings) else ("-" if pd.isna(p) else f"{p:.0f}%")
            for k, p in zip(frame["incidents"], frame["incidents_pct"], strict=True)
        ],
    })


def repeat_sentence(repeaters: pd.DataFrame, settings: Settings) -> str:
    n = len(repeaters)
    if n == 0:
        return "No child went missing three or more times in the last 12 months."
    return (f"{fmt_count(n, settings)} children went missing three or more times in the last 12 "
            f"months, with {fmt_count(int(repeaters['incidents'].sum()), settings)} incidents between "
            "them. The list is in the restricted folder for this month.")


def rhi_table(s: dict, settings: Settings) -> pd.DataFrame:
    """Return home interviews for ended missing episodes starting in the month."""
    ended = s.get("ended", 0)
    rows = [("Missing episodes that have ended", ended, None)]
    for key, text in (("rhi_offered", "Offered a return home interview"),
                      ("rhi_took_place", "Interview took place"),
                      ("rhi_within_72h", "Interview within 72 hours of return")):
        if s.get(key) is not None:
            rows.append((text, s[key], ended))
    out = []
    for text, k, n in rows:
        pct = "-" if not n else ("*" if is_small(k, settings) or is_small(n, settings)
                                 else f"{100 * k / n:.0f}%")
        out.append({"": text, "Episodes": fmt_count(k, settings), "Share": pct})
    return pd.DataFrame(out)


def disruption_link_sentence(linked: pd.DataFrame, ref_date, settings: Settings) -> str:
    """How many placements that broke down in the year to R had a missing episode in the 30 days
    before."""
    ref = pd.Timestamp(ref_date)
    end = pd.to_datetime(linked["end"])
    year = linked[linked["disrupted"] & (end > ref - pd.DateOffset(years=1)) & (end <= ref)]
    n = len(year)
    if n == 0:
        return "No placement broke down in the last 12 months."
    k = int(year["any_missing_before"].sum())
    if is_small(k, settings) or is_small(n, settings):
        return (f"{fmt_count(k, settings)} of {fmt_count(n, settings)} placements that broke down in "
                "the last 12 months had a missing episode in the 30 days before.")
    low, high = wilson_interval(k, n)
    return (f"{k} of {n} placements that broke down in the last 12 months ({100 * k / n:.0f}%, 95% "
            f"interval {100 * low:.0f}% to {100 * high:.0f}%) had a missing episode in the 30 days "
            "before the breakdown.")


def quality_note(verdict) -> HTML:
    """The data-quality caveat at the top of an analysis report: a warning when the cleaning's
    verdict is 'not fit' or 'caveat', otherwise one quiet line."""
    if verdict.caveat:
        reasons = " ".join(f"{r[0].upper()}{r[1:]}." for r in verdict.reasons)
        return callout(f"Data quality: {verdict.headline} {reasons} See the data-quality report "
                       "for this month.", "warning")
    return HTML("<div class='lac-report'><p class='lac-meta'>Data quality: "
                f"{html.escape(verdict.headline)}</p></div>")


def quality_tiles(summary: dict, past: pd.DataFrame, verdict, settings: Settings) -> HTML:
    """Headline tiles for the data-quality report: rows received, share set aside against the
    tolerance (with last month and a year ago from `past`, the quality history), duplicates merged
    and cells corrected. Counts of rows, not children, so they are not suppressed."""
    totals = summary["tables"]
    rows_in = sum(t["rows_in"] for t in totals.values())
    set_aside = sum(t["quarantined"] for t in totals.values())
    share = 100 * set_aside / rows_in if rows_in else float("nan")
    month = summary.get("month") or ""
    earlier = past.set_index("month")["quarantined_pct"] if len(past) else pd.Series(dtype=float)
    detail = []
    for offset, name in ((1, "last month"), (12, "a year ago")):
        key = str(pd.Period(month, freq="M") - offset) if month else ""
        if key in earlier.index and not pd.isna(earlier[key]):
            detail.append(f"{earlier[key]:.1f}% {name}")
    detail.append(f"tolerance {settings.max_quarantined_pct:g}%")
    rag = "red" if not verdict.fit else "amber" if verdict.caveat else "green"
    merged = sum(t["merged"] for t in totals.values())
    corrected = sum(t["corrected_cells"] for t in totals.values())
    return tiles([
        Tile("Rows received", f"{rows_in:,}", detail=[f"{len(totals)} tables"]),
        Tile("Rows set aside", f"{share:.1f}%", rag=rag, detail=[f"{set_aside:,} rows", *detail]),
        Tile("Duplicate rows merged", f"{merged:,}"),
        Tile("Values tidied (cells corrected)", f"{corrected:,}"),
    ])
