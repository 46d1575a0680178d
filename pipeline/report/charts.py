"""Matplotlib charts for the reports: labelled axes, Okabe-Ito colours, no child-level points.

Each function takes an analysis frame and returns a Figure; the notebook passes it to
`pipeline.report.html.show_figure(fig, alt=...)`, which embeds it with alt text.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline import data
from pipeline.config import Settings
from pipeline.report.suppression import fmt_count, is_small
from pipeline.report.tables import band_states

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
DAYS_PER_MONTH = 365.25 / 12
BAND_COLOURS = {
    "normal": PALETTE["green"],
    "borderline": PALETTE["orange"],
    "concern": PALETTE["vermillion"],
}


def _legend(ax, note: str = "Nothing to show for this month", **kwargs) -> None:
    """The axes' legend; when nothing on them is labelled (an optional table absent, every group
    suppressed), a plain note in their middle instead of an empty legend and a warning."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)
    else:
        ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, fontsize=9)


def setup_style() -> None:
    """Matplotlib defaults for the reports: readable sizes, Okabe-Ito colour cycle."""
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 3.6),
            "figure.dpi": 100,
            "axes.prop_cycle": mpl.cycler(color=SERIES),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
            # laid out when drawn, so a chart is saved whole without a second, cropping pass
            "figure.constrained_layout.use": True,
        }
    )


MONTH_NOTE = (
    "Each month as this month's extract gives it; earlier reports show the figures published then."
)


def month_axis(ax, period_ends, highlight: bool = True) -> None:
    """Months labelled on their own points ("Jan 2017"), not on the 1st of the next month: at
    most eight labels, always the latest; the latest month's gridline drawn stronger."""
    dates = pd.to_datetime(pd.Series(period_ends)).reset_index(drop=True)
    if dates.empty:
        return
    step = max(1, int(np.ceil(len(dates) / 8)))
    keep = list(range(len(dates) - 1, -1, -step))[::-1]
    ax.set_xticks(dates.iloc[keep].to_list())
    ax.set_xticklabels([d.strftime("%b %Y") for d in dates.iloc[keep]], rotation=45, ha="right")
    if highlight:
        ax.axvline(dates.iloc[-1], color=PALETTE["grey"], lw=0.8, alpha=0.6)
    # the note as the axis label, so the layout makes room for it below the month labels
    ax.set_xlabel(
        MONTH_NOTE, fontsize=7, color=PALETTE["grey"], loc="left"
    )  # fmt: skip


PNG_DPI = 110  # the resolution the reports draw charts at
EDGE_PT = 3.0  # the space left at the figure's edge (constrained layout's default pad)


@functools.lru_cache(maxsize=4096)
def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height, in points, of `text` set at `size` points in the reports' font (kept:
    the same month names and tick values recur on every chart)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer = RendererAgg(1, 1, PNG_DPI)  # measured as drawn: glyphs are hinted to the pixel
    width, height, _ = renderer.get_text_width_height_descent(
        text, FontProperties(size=size), ismath=False
    )
    return width * 72 / PNG_DPI, height * 72 / PNG_DPI


def fit_trend_layout(ax) -> None:
    """Margins for a monthly trend chart (one axes, its legend inside, month labels at 45
    degrees, the month note below them) worked out from the widths of its own tick labels and
    axis labels: what a layout pass would give, without drawing the chart twice to find it
    (that pass was a fifth of a chart's time)."""
    fig = ax.figure
    tick = mpl.rcParams["ytick.major.size"] + mpl.rcParams["ytick.major.pad"]
    font = mpl.rcParams["font.size"]
    low, high = sorted(ax.get_ylim())
    values = [v for v in ax.get_yticks() if low <= v <= high]
    y_labels = ax.yaxis.get_major_formatter().format_ticks(values)
    label_width = max((_text_size(t, font)[0] for t in y_labels), default=0.0)
    _, label_height = _text_size("Mg", font)
    y_title = _text_size(ax.get_ylabel(), font)[1] if ax.get_ylabel() else 0.0
    left = EDGE_PT + y_title + mpl.rcParams["axes.labelpad"] + label_width + tick
    rotated = max(
        (
            sum(_text_size(t.get_text(), font)) * np.sin(np.radians(45))
            for t in ax.get_xticklabels()
        ),
        default=0.0,
    )
    x_title = _text_size(ax.get_xlabel(), 7)[1] if ax.get_xlabel() else 0.0
    bottom = EDGE_PT + x_title + mpl.rcParams["axes.labelpad"] + rotated + tick
    top = EDGE_PT + label_height / 2  # the top tick label is centred on the axes' edge
    width, height = (72 * v for v in fig.get_size_inches())
    fig.subplots_adjust(
        left=left / width,
        right=1 - 2 * EDGE_PT / width,
        bottom=bottom / height,
        top=1 - top / height,
    )


def _last_point(ax, x, y, colour: str) -> None:
    """The reporting month's point, larger."""
    if len(x) and not pd.isna(y.iloc[-1]):
        ax.plot([x.iloc[-1]], [y.iloc[-1]], "o", ms=7, color=colour, zorder=5)


def trend_chart(
    series: pd.DataFrame,
    y: str,
    label: str,
    unit: str = "",
    target=None,
    benchmark=None,
    benchmark_label: str = "England",
    rolling: str | None = None,
    neighbours=None,
    neighbours_label: str = "Statistical neighbours",
):
    """A monthly line chart (x = 'period_end') with optional target and benchmark lines, each
    labelled with its value; the reporting month's point highlighted."""
    fig, ax = plt.subplots(layout="none")
    x = series["period_end"]
    ax.plot(x, series[y], marker="o", ms=3, color=PALETTE["blue"], label=label)
    _last_point(ax, x, series[y], PALETTE["blue"])
    if rolling:
        ax.plot(x, series[rolling], color=PALETTE["orange"], lw=2, label="3-month rolling mean")
    for value, name, colour, style in (
        (target, "Target", PALETTE["green"], "--"),
        (benchmark, benchmark_label, PALETTE["grey"], ":"),
        (neighbours, neighbours_label, PALETTE["purple"], "-."),
    ):
        if value is not None and not pd.isna(value):
            ax.axhline(value, color=colour, ls=style, lw=1.5, label=f"{name}: {value:g}")
    ax.set_ylabel(unit or label)
    _legend(ax, loc="best", fontsize=8)
    ax.set_ylim(bottom=0)
    month_axis(ax, x)
    fit_trend_layout(ax)
    return fig


def indicator_trend(series: pd.DataFrame, indicator: str, settings: Settings, ylabel: str = ""):
    """`trend_chart` for a register indicator: its label, the LA's target, and the England and
    statistical-neighbour benchmarks named with their year (`config/la.toml`)."""
    england, england_label = settings.benchmark("national", indicator)
    neighbours, neighbours_label = settings.benchmark("statistical_neighbours", indicator)
    return trend_chart(
        series,
        indicator,
        data.indicators()[indicator]["label"],
        ylabel,
        target=settings.targets.get(indicator),
        benchmark=england,
        benchmark_label=england_label,
        neighbours=neighbours,
        neighbours_label=neighbours_label,
    )


def quality_history(frame: pd.DataFrame):
    """Share of rows set aside per month, as a bar chart."""
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(frame["month"], frame["quarantined_pct"], color=PALETTE["blue"])
    ax.set_ylabel("Rows set aside (%)")
    ax.set_xlabel("Reporting month")
    ax.tick_params(axis="x", rotation=45)
    return fig


def rate_with_interval(
    frame: pd.DataFrame,
    label: str,
    rate: str = "rate",
    low: str = "ci_low",
    high: str = "ci_high",
    xlabel: str = "",
    percent: bool = True,
    settings: Settings | None = None,
    count: str = "disrupted",
):
    """Horizontal bars of rates with 95% interval whiskers, n in the tick labels. With
    `settings`, a rate built on a suppressed count (its `count` column or n) is withheld: no bar,
    labelled 'withheld', and n is shown as the suppression shows it ('<5')."""
    scale = 100 if percent else 1
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(frame)))
    y = np.arange(len(frame))
    hide = np.zeros(len(frame), bool)
    n_text = [f"{n:,}" for n in frame["n"]]
    if settings is not None and "children" in frame:  # a by-band table: protect as it does
        n_text, shown = band_states(frame, settings, k=count)
        hide = ~np.asarray(shown, dtype=bool)
    elif settings is not None:
        counts = frame[count] if count in frame else frame["n"]
        hide = np.array(
            [
                is_small(k, settings) or is_small(n, settings)
                for k, n in zip(counts, frame["n"], strict=True)
            ],
            dtype=bool,
        )
        n_text = [fmt_count(n, settings) for n in frame["n"]]
    values = np.where(hide, np.nan, frame[rate].to_numpy(dtype=float) * scale)
    err = np.vstack(
        [
            values - frame[low].to_numpy(dtype=float) * scale,
            frame[high].to_numpy(dtype=float) * scale - values,
        ]
    )
    ax.barh(y, values, color=PALETTE["sky"], edgecolor=PALETTE["blue"])
    ax.errorbar(
        values,
        y,
        xerr=np.clip(np.nan_to_num(err), 0, None),
        fmt="none",
        ecolor=PALETTE["black"],
        capsize=3,
    )
    ticks = [
        f"{lab} (n={n}{', withheld' if h else ''})"
        for lab, n, h in zip(frame[label], n_text, hide, strict=True)
    ]
    ax.set_yticks(y, ticks)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel or ("Rate (%)" if percent else "Rate"))
    highs = np.where(hide, np.nan, frame[high].to_numpy(dtype=float) * scale)
    top = np.nanmax(highs) if np.isfinite(highs).any() else 10
    ax.set_xlim(0, min(100, max(10, top * 1.1)))
    ax.grid(axis="y", visible=False)
    return fig


def roc_chart(curve: pd.DataFrame, auc: float, threshold: int | None = None, optimal=None):
    """ROC curve over SDQ cut-offs, marking the targeting cut-off and, only when one is named
    (`optimal`: a `disruption_sdq.NearOptimal`, or None), the range of near-optimal cut-offs."""
    fig, ax = plt.subplots(figsize=(5, 5))
    if len(curve):
        ax.plot(
            curve["fpr"],
            curve["tpr"],
            color=PALETTE["blue"],
            lw=2,
            label=f"SDQ score (AUC {auc:.2f})",
        )
    ax.plot([0, 1], [0, 1], color=PALETTE["grey"], ls=":", label="No better than chance")
    if optimal is not None and optimal.named:
        low, high = optimal.low, optimal.high
        span = curve[(curve["threshold"] >= low) & (curve["threshold"] <= high)]
        if len(span):
            ax.plot(
                span["fpr"],
                span["tpr"],
                color=PALETTE["orange"],
                lw=6,
                alpha=0.5,
                solid_capstyle="round",
                label=f"Near-optimal cut-offs: {low} to {high}"
                if low != high
                else f"Near-optimal cut-off: {low}",
            )
    hit = curve[curve["threshold"] == threshold] if threshold is not None else curve.iloc[:0]
    if len(hit):
        ax.scatter(
            hit["fpr"],
            hit["tpr"],
            color=PALETTE["vermillion"],
            marker="o",
            zorder=3,
            s=45,
            label=f"Targeting cut-off: score {threshold}+",
        )
    ax.set_xlabel("Placements flagged that did not break down (false positive rate)")
    ax.set_ylabel("Breakdowns caught (sensitivity)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _legend(ax, loc="lower right", fontsize=8)
    return fig


def incidence_chart(
    cif: pd.DataFrame, labels: dict[str, str] | None = None, settings: Settings | None = None
):
    """Cumulative incidence of disruption by SDQ band (other endings competing): the share of
    placements that had broken down by each month since the start, with 95% bands. With
    `settings`, a band whose placements or breakdowns are a suppressed count is not drawn."""
    fig, ax = plt.subplots()
    for band, group in cif.groupby("band", sort=False, observed=True):
        if len(group) == 0:
            continue
        events = int(np.ceil(group["cif"].iloc[-1] * group["n"].iloc[0])) if len(group) else 0
        n = int(group["n"].iloc[0])
        if settings is not None and (is_small(n, settings) or is_small(events, settings)):
            continue
        colour = BAND_COLOURS.get(str(band), PALETTE["blue"])
        name = (labels or {}).get(str(band), str(band))
        months = np.r_[0.0, group["timeline"].to_numpy(dtype=float) / DAYS_PER_MONTH]
        ax.step(months, 100 * np.r_[0.0, group["cif"]], where="post", color=colour, label=name)
        ax.fill_between(
            months,
            100 * np.r_[0.0, group["ci_low"]],
            100 * np.r_[0.0, group["ci_high"]],
            step="post",
            color=colour,
            alpha=0.15,
        )
    ax.set_xlabel("Months since the placement started")
    ax.set_ylabel("Placements broken down (%)")
    ax.set_ylim(0, 100)
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    _legend(ax, loc="upper left", fontsize=8)
    return fig


def multi_trend(series: pd.DataFrame, columns: dict[str, str], ylabel: str):
    """Several monthly lines (x = 'period_end'), one per column, named by `columns`."""
    fig, ax = plt.subplots(layout="none")
    for (column, name), colour in zip(columns.items(), SERIES, strict=False):
        ax.plot(series["period_end"], series[column], marker="o", ms=3, color=colour, label=name)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    _legend(ax, fontsize=8)
    month_axis(ax, series["period_end"])
    fit_trend_layout(ax)
    return fig


def incident_trend(monthly: pd.DataFrame, limits: pd.DataFrame):
    """Missing incidents per month with the 3-month rolling mean and this month's expected range
    (limits allowing for overdispersion, at the level the page calls a month unusual)."""
    fig, ax = plt.subplots(layout="none")
    ax.plot(
        monthly["period_end"],
        monthly["missing_incidents"],
        marker="o",
        ms=3,
        color=PALETTE["blue"],
        label="Missing incidents",
    )
    ax.plot(
        monthly["period_end"],
        monthly["missing_incidents_3m"],
        color=PALETTE["orange"],
        lw=2,
        label="3-month rolling mean",
    )
    ax.plot(
        monthly["period_end"],
        limits["ucl"],
        color=PALETTE["grey"],
        ls="--",
        lw=1,
        label="Expected range this month",
    )
    ax.plot(monthly["period_end"], limits["lcl"], color=PALETTE["grey"], ls="--", lw=1)
    _last_point(ax, monthly["period_end"], monthly["missing_incidents"], PALETTE["blue"])
    ax.set_ylabel("Incidents per month")
    ax.set_ylim(bottom=0)
    _legend(ax, fontsize=8)
    month_axis(ax, monthly["period_end"])
    fit_trend_layout(ax)
    return fig
