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
table.lac th:first-child, table.lac td:first-child { text-align: left; }
.lac-figure img { max-width: 100%; height: auto; }
.provenance { font-size: .8rem; color: #404040; border-top: 1px solid #ccc; margin-top: 2rem; }
.provenance table td { padding: .1rem .5rem; vertical-align: top; word-break: break-all; }
.sensitivity { font-weight: 700; color: #D55E00; }
nav.toc { border: 1px solid #ddd; padding: .4rem 1rem; margin: 1rem 0; font-size: .9rem; }
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
    """One plain-English sentence: 'X fell from 12.8% to 11.7% since last month, still above the
    10% target.'"""
    def show(v):
        if unit == "percent":
            return f"{v:.1f}%"
        if unit == "count":
            return f"{int(round(v)):,}"
        if unit == "hours":
            return f"{v:.1f} hours"
        return f"{v:.1f}"

    if current is None or pd.isna(current):
        return f"{label}: no figure this month."
    if previous is None or pd.isna(previous):
        sentence = f"{label} was {show(current)}"
    elif math.isclose(float(current), float(previous), rel_tol=1e-9, abs_tol=1e-9):
        sentence = f"{label} was unchanged at {show(current)} since {since}"
    else:
        verb = "rose" if current > previous else "fell"
        sentence = f"{label} {verb} from {show(previous)} to {show(current)} since {since}"
    if target is not None and not pd.isna(target) and higher_is_better in (True, False):
        meets = current >= target if higher_is_better else current <= target
        side = "above" if current > target else "below" if current < target else "at"
        if side == "at":
            sentence += f", at the {show(target)} target"
        else:
            qualifier = "" if meets else "still " if previous is not None and not pd.isna(
                previous) and ((previous > target) == (current > target)) else ""
            judgement = "meeting" if meets else "missing"
            sentence += f", {qualifier}{side} the {show(target)} target ({judgement} it)"
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
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return HTML(
        f"<div class='lac-report'><table class='lac'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


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
