"""outputs/index.html: every reported month, its headline figures with a small trend, and links.

Self-contained (inline CSS and SVG), counts suppressed as in the reports, and restricted outputs are
never linked.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline.config import DEFAULT_CONFIG, Settings, load_settings
from pipeline.io import atomic_write_text
from pipeline.paths import resolve
from pipeline.report import PALETTE, fmt_value

HEADLINES = [
    "cla_count",
    "placements_3plus_pct",
    "long_term_stability_pct",
    "sdq_completion_pct",
    "missing_incidents",
    "missing_children",
]
REPORT_NAMES = {
    "01_clean_extracts": "Data quality",
    "02_placement_disruption_sdq": "Placement stability and SDQ",
    "03_missing_episode_trends": "Missing from care",
}


def month_folders(output_root: Path) -> list[Path]:
    """Month folders (YYYY-MM) holding at least one report, oldest first."""
    return sorted(
        p for p in Path(output_root).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")
        if p.is_dir() and any(p.glob("*.html"))
    )


def collect_kpis(output_root: Path) -> pd.DataFrame:
    """All months' kpis.csv rows, with a `month` column."""
    frames = []
    for folder in month_folders(output_root):
        path = folder / "kpis.csv"
        if path.is_file():
            frames.append(pd.read_csv(path).assign(month=folder.name))
    if not frames:
        return pd.DataFrame(columns=["month", "indicator", "value", "numerator", "denominator", "unit"])
    return pd.concat(frames, ignore_index=True)


def sparkline(values: list[float], width: int = 90, height: int = 22) -> str:
    """A tiny inline SVG line of the values (oldest to newest), with a text alternative."""
    points = [v for v in values if v is not None and not pd.isna(v)]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values) if v is not None and not pd.isna(v)
    )
    label = f"trend over {len(values)} months, from {points[0]:g} to {points[-1]:g}"
    return (
        f"<svg class='spark' width='{width}' height='{height}' role='img' aria-label='{label}'>"
        f"<title>{label}</title><polyline fill='none' stroke='{PALETTE['blue']}' stroke-width='1.5' "
        f"points='{coords}'/></svg>"
    )


def build_index(output_root: Path, settings: Settings) -> str:
    """The index page's HTML."""
    output_root = Path(output_root)
    kpis = collect_kpis(output_root)
    months = month_folders(output_root)
    labels = {}
    if not kpis.empty and "label" in kpis:
        labels = kpis.drop_duplicates("indicator").set_index("indicator")["label"].to_dict()
    shown = [i for i in HEADLINES if i in set(kpis["indicator"])]
    head = "".join(f"<th scope='col'>{html.escape(labels.get(i, i))}</th>" for i in shown)
    rows = []
    for folder in reversed(months):
        month = folder.name
        mine = kpis[kpis["month"] == month].set_index("indicator")
        cells = []
        for ind in shown:
            if ind in mine.index:
                r = mine.loc[ind]
                cells.append(fmt_value(r["value"], r["unit"], settings, r.get("numerator"),
                                       r.get("denominator")))
            else:
                cells.append("-")
        links = " &middot; ".join(
            f"<a href='{month}/{p.name}'>{html.escape(REPORT_NAMES.get(p.stem, p.stem))}</a>"
            for p in sorted(folder.glob("*.html"))
        )
        period = pd.Period(month, freq="M").strftime("%B %Y")
        rows.append(
            f"<tr><th scope='row'>{period}</th>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + f"<td>{links}</td></tr>"
        )
    trends = []
    for ind in shown:
        series = (
            kpis[kpis["indicator"] == ind].sort_values("month")
            .assign(show=lambda f: f["value"].where(~_small(f, settings)))
        )
        latest = ""
        if len(series):
            last = series.iloc[-1]
            latest = fmt_value(last["value"], last["unit"], settings, last.get("numerator"),
                               last.get("denominator"))
        trends.append(
            f"<div class='trend'><div>{html.escape(labels.get(ind, ind))}</div>"
            f"<strong>{html.escape(latest)}</strong> {sparkline(series['show'].tolist())}</div>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(settings.la_name)}: looked-after children reports</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 1rem auto;
  max-width: 72rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.4; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: right; }}
th:first-child, td:last-child {{ text-align: left; }}
.trends {{ display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }}
.trend {{ border: 1px solid #ddd; padding: .4rem .6rem; border-radius: .3rem; font-size: .8rem; }}
.wrap {{ overflow-x: auto; }}
a {{ color: #0061a0; }}
</style></head>
<body>
<h1 class="headline">{html.escape(settings.la_name)}: looked-after children reports</h1>
<p>Monthly reports on children in care: data quality, placement stability and the strengths and
difficulties questionnaire (SDQ), and children missing from care. Counts of 1 to
{settings.suppression_threshold - 1} are shown as "&lt;{settings.suppression_threshold}" to protect
privacy; "*" marks a rate withheld for the same reason.</p>
<h2>Trends</h2>
<div class="trends">{''.join(trends)}</div>
<h2>Reports by month</h2>
<div class="wrap"><table><thead><tr><th scope="col">Month</th>{head}<th scope="col">Reports</th>
</tr></thead><tbody>{''.join(rows)}</tbody></table></div>
</body></html>
"""


def _small(frame: pd.DataFrame, settings: Settings) -> pd.Series:
    if not settings.suppression_enabled:
        return pd.Series(False, index=frame.index)
    t = settings.suppression_threshold
    num = frame.get("numerator", pd.Series(pd.NA, index=frame.index))
    counts = frame["value"].where(frame["unit"] == "count")
    return (num.between(1, t - 1) | counts.between(1, t - 1)).fillna(False).astype(bool)


def write_index(output_root: Path, config_path: Path | None = None) -> Path:
    """Write outputs/index.html atomically."""
    settings = load_settings(config_path or resolve(DEFAULT_CONFIG))
    return atomic_write_text(build_index(output_root, settings), Path(output_root) / "index.html")
