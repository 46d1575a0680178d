"""outputs/index.html: every reported month, its headline figures with a small trend, and links.

Self-contained (inline CSS and SVG, from `pipeline/report/templates/index.html.j2`), counts
suppressed as in the reports, and restricted outputs never linked. A month whose latest run
failed is listed with "Not updated: failed on DATE, reason" (`pipeline.run.failed`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyses.headlines import headline_figures
from pipeline.config import DEFAULT_CONFIG, Settings, load_settings
from pipeline.io import atomic_write_text
from pipeline.paths import resolve
from pipeline.report import words
from pipeline.report.charts import PALETTE
from pipeline.report.html import headline_tile, key_messages, render_page, tiles
from pipeline.report.suppression import fmt_value, is_small
from pipeline.run import reading_order
from pipeline.run.failed import not_updated_text, read_failure
from pipeline.run.published import read_published
from pipeline.run.render import notebook_title

HEADLINES = [
    "cla_count",
    "placements_3plus_pct",
    "long_term_stability_pct",
    "sdq_completion_pct",
    "missing_incidents",
    "missing_children",
]


def month_folders(output_root: Path) -> list[Path]:
    """Month folders (YYYY-MM) holding at least one report or a failure marker, oldest first."""
    return sorted(
        p
        for p in Path(output_root).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")
        if p.is_dir() and (any(p.glob("*.html")) or read_failure(p) is not None)
    )


def collect_kpis(output_root: Path, folders: list[Path] | None = None) -> pd.DataFrame:
    """All months' kpis.csv rows (of `folders`, default every month folder), with a `month`
    column."""
    frames = [
        pd.read_csv(folder / "kpis.csv").assign(month=folder.name)
        for folder in (month_folders(output_root) if folders is None else folders)
        if (folder / "kpis.csv").is_file()
    ]
    if not frames:
        return pd.DataFrame(
            columns=["month", "indicator", "label", "value", "numerator", "denominator", "unit"]
        )
    return pd.concat(frames, ignore_index=True)


def as_published(kpis: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Each month's figures as first published (the register) where it has them: the index
    quotes what the council published, not a later extract's restatement."""
    if published.empty or kpis.empty:
        return kpis
    key = ["month", "indicator"]
    figures = published[[*key, "value", "numerator", "denominator"]]
    merged = kpis.merge(figures, on=key, how="left", suffixes=("", "_published"))
    for column in ("value", "numerator", "denominator"):
        merged[column] = merged[f"{column}_published"].where(
            merged[f"{column}_published"].notna() | merged["value_published"].notna(),
            merged[column],
        )
    return merged.drop(columns=[f"{c}_published" for c in ("value", "numerator", "denominator")])


def sparkline(values: list[float], width: int = 90, height: int = 22, texts=None) -> str:
    """A tiny inline SVG line of the values (oldest to newest), with a text alternative that
    quotes the first and last as the page shows them (`texts`)."""
    points = [v for v in values if v is not None and not pd.isna(v)]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
        if v is not None and not pd.isna(v)
    )
    shown = [t for t in (texts or []) if t is not None]
    first, last = (shown[0], shown[-1]) if shown else (f"{points[0]:.3g}", f"{points[-1]:.3g}")
    label = f"trend over {len(values)} months, from {first} to {last}"
    return (
        f"<svg class='spark' width='{width}' height='{height}' role='img' aria-label='{label}'>"
        f"<title>{label}</title><polyline fill='none' stroke='{PALETTE['blue']}' stroke-width='1.5' "
        f"points='{coords}'/></svg>"
    )


def _shown(row, settings: Settings) -> str:
    return fmt_value(
        row["value"], row["unit"], settings, row.get("numerator"), row.get("denominator")
    )


def _small(row, settings: Settings) -> bool:
    """Whether a kpis.csv row rests on a suppressed count."""
    count = row["value"] if row["unit"] == "count" else row.get("numerator")
    return is_small(count, settings)


def build_index(output_root: Path, settings: Settings, titles: dict[str, str] | None = None) -> str:
    """The index page's HTML; `titles` names each report (notebook stem -> title)."""
    output_root = Path(output_root)
    titles = titles or {}
    # one listing of the month folders: in a batch, other workers publish months meanwhile
    folders = month_folders(output_root)
    kpis = as_published(collect_kpis(output_root, folders), read_published(output_root))
    labels = kpis.drop_duplicates("indicator").set_index("indicator")["label"].to_dict()
    shown = [i for i in HEADLINES if i in set(kpis["indicator"])]
    rows = []
    for folder in reversed(folders):
        mine = kpis[kpis["month"] == folder.name].set_index("indicator")
        failure = read_failure(folder)
        rows.append(
            {
                "period": pd.Period(folder.name, freq="M").strftime("%B %Y"),
                "note": not_updated_text(failure) if failure else "",
                "cells": [_shown(mine.loc[i], settings) if i in mine.index else "-" for i in shown],
                "links": [
                    {"href": f"{folder.name}/{p.name}", "title": titles.get(p.stem, p.stem)}
                    for p in reading_order(folder.glob("*.html"))
                ],
            }
        )
    failed = {f.name for f in folders if read_failure(f) is not None}
    current = kpis[~kpis["month"].isin(failed)]  # a failed month's old figures are not current
    for row, folder in zip(rows, reversed(folders), strict=True):
        if (folder / "kpis.csv").is_file():
            row["links"].append({"href": f"{folder.name}/kpis.csv", "title": "Figures (CSV)"})
    trends = []
    for ind in shown:
        series = current[current["indicator"] == ind].sort_values("month")
        if series.empty:
            continue
        values = [None if _small(r, settings) else r["value"] for _, r in series.iterrows()]
        texts = [
            None if v is None else _shown(r, settings)
            for v, (_, r) in zip(values, series.iterrows(), strict=True)
        ]
        trends.append(
            {
                "label": labels.get(ind, ind),
                "latest": _shown(series.iloc[-1], settings),
                "sparkline": sparkline(values, texts=texts),
            }
        )
    return render_page(
        "index.html.j2",
        la_name=settings.la_name,
        threshold=settings.suppression_threshold,
        headings=[labels.get(i, i) for i in shown],
        rows=rows,
        trends=trends,
        latest=_latest(current, settings),
    )


def _latest(current: pd.DataFrame, settings: Settings) -> dict | None:
    """The newest month that did not fail, as the reports show it: key messages and a tile per
    headline (value, RAG word, last month and a year ago, target, benchmarks)."""
    if current.empty:
        return None
    month = max(current["month"])
    series = current.assign(
        period_end=pd.PeriodIndex(current["month"], freq="M").end_time.normalize()
    ).reindex(columns=["indicator", "period_end", "value", "numerator", "denominator"])
    figures = headline_figures(series, HEADLINES, month, settings)  # already as published
    rows = list(figures.itertuples(index=False))
    return {
        "period": pd.Period(month, freq="M").strftime("%B %Y"),
        "messages": key_messages(words.key_messages(rows, settings)).data,
        "tiles": tiles([headline_tile(r, settings) for r in rows]).data,
    }


def write_index(
    output_root: Path, notebooks: list[Path] = (), config_path: Path | None = None
) -> Path:
    """Write outputs/index.html atomically, naming reports by their notebooks' titles."""
    settings = load_settings(config_path or resolve(DEFAULT_CONFIG))
    titles = {nb.stem: notebook_title(nb) for nb in notebooks}
    return atomic_write_text(
        build_index(output_root, settings, titles), Path(output_root) / "index.html"
    )
