"""HTML pieces for the reports: the page header, headline tiles, callouts, tables, figures and the
table of contents. The look is one style sheet, `templates/report.css`; pages and the index are
templates in `templates/`. Functions return `IPython.display.HTML`, so a notebook cell shows them.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from pipeline.analyses.headlines import headline_figures
from pipeline.config import Settings
from pipeline.indicators import labels, wide
from pipeline.ingest.quality import Verdict
from pipeline.report import charts, words
from pipeline.report.suppression import fmt_count, fmt_value, is_small

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def style_sheet() -> str:
    """The reports' CSS (templates/report.css)."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def render_page(template: str, **context) -> str:
    """A page from a Jinja template in templates/ (autoescaped), e.g. the index."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True
    )
    return env.get_template(template).render(style_sheet=style_sheet(), **context)


def page_header(month: str, settings: Settings, subtitle: str = "") -> HTML:
    """The byline under the notebook's title (LA, month, reference date) and the report's style
    sheet (self-contained: no external resources)."""
    period = pd.Period(month, freq="M")
    sub = f"<p class='lac-meta'>{html.escape(subtitle)}</p>" if subtitle else ""
    running = f"{settings.la_name} · {period.strftime('%B %Y')}"
    page = (
        f"@page {{ @top-left {{ content: {_css_string(running)}; font-size: 8pt; }} "
        f"@top-right {{ content: {_css_string(MARKING)}; font-size: 8pt; font-weight: 700; }} }}"
    )
    caveat = settings.caveats.get(str(period))
    note = (
        f"<div class='callout warning' role='note'><strong>Data caveat for "
        f"{period.strftime('%B %Y')}:</strong> {html.escape(caveat)}</div>"
        if caveat
        else ""
    )
    return HTML(
        f"<style>\n{style_sheet()}{page}\n</style>\n<div class='lac-report'>"
        f"<p class='lac-meta'>{html.escape(settings.la_name)} &middot; reporting month "
        f"{period.strftime('%B %Y')} &middot; figures at {period.end_time:%d %B %Y} &middot; "
        f"<strong>{MARKING}</strong></p>{sub}{note}</div>"
    )


MARKING = "OFFICIAL"  # the protective marking of stakeholder pages (aggregate, suppressed)


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for @page content)."""
    return (
        '"' + "".join(c if c.isalnum() or c in " ·,.-()'" else f"\\{ord(c):x} " for c in text) + '"'
    )


def report_nav(siblings) -> str:
    """Links back to the index and to the month's reports (`siblings`: (file stem, title))."""
    links = [("../index.html", "All months"), *((f"{stem}.html", t) for stem, t in siblings)]
    items = "".join(f"<a href='{html.escape(h)}'>{html.escape(t)}</a>" for h, t in links)
    return f"<nav class='report-nav' aria-label='Reports'>{items}</nav>"


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
        rag = f"<div class='rag'>{words.RAG_WORDS.get(t.rag, '')}</div>" if t.rag else ""
        detail = "".join(f"<div class='detail'>{html.escape(d)}</div>" for d in t.detail)
        parts.append(
            f"<div class='tile {t.rag}' role='group' aria-label='{html.escape(t.label)}'>"
            f"<div class='label'>{html.escape(t.label)}</div>"
            f"<div class='value'>{html.escape(t.value)}</div>{rag}{detail}</div>"
        )
    return HTML(f"<div class='lac-report'><div class='tiles'>{''.join(parts)}</div></div>")


def headline_tile(row, settings: Settings) -> Tile:
    """The tile of one headline figure (`analyses.headlines` row): value, last month, a year
    ago, target, England and, for percentages, n and the 95% interval; small counts withheld."""
    hidden = words.headline_hidden(row, settings)
    detail = []
    for name, value, numerator, now in (
        ("last month", row.previous, row.previous_numerator, row.previous_now),
        ("a year ago", row.year_ago, row.year_ago_numerator, row.year_ago_now),
    ):
        shown = value if row.unit == "count" else numerator
        if not pd.isna(value) and not hidden and not is_small(shown, settings):
            detail.append(
                f"{fmt_value(value, row.unit, settings)} {name}{words.restated(value, now, row.unit, settings)}"
            )
    if not pd.isna(row.target):
        detail.append(f"target {fmt_value(row.target, row.unit, settings)}")
    for name in ("national", "statistical_neighbours"):
        figure, label = settings.benchmark(name, row.indicator)
        if figure is not None:
            detail.append(f"{label}: {fmt_value(figure, row.unit, settings)}")
    if row.unit == "percent" and not pd.isna(row.denominator) and not hidden:
        detail.append(
            f"{fmt_count(row.numerator, settings)} of {fmt_count(row.denominator, settings)} "
            f"(95% interval {row.ci_low:.1f}-{row.ci_high:.1f}%)"
        )
    value = fmt_value(row.value, row.unit, settings, row.numerator, row.denominator)
    return Tile(label=row.label, value=value, rag="" if hidden else row.rag, detail=detail)


def headline(series: pd.DataFrame, ids: list[str], month: str, settings: Settings, published=None):
    """Key messages, tiles and one commentary sentence per indicator of `ids`, from a tidy
    indicator series covering the month, the month before and the same month last year, and
    the published-figures register (`Month.published`): (key messages and tiles, sentences)."""
    figures = headline_figures(series, ids, month, settings, published)
    rows = list(figures.itertuples(index=False))
    box = key_messages(words.key_messages(rows, settings))
    return (
        HTML(box.data + tiles([headline_tile(r, settings) for r in rows]).data),
        [words.headline_sentence(r, settings) for r in rows],
    )


def key_messages(sentences: list[str]) -> HTML:
    """The key-messages box at the top of a report."""
    if not sentences:
        return HTML("")
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return HTML(
        "<div class='lac-report'><section class='key-messages' aria-label='Key messages'>"
        f"<h2>Key messages</h2><ul>{items}</ul></section></div>"
    )


def callout(text: str, kind: str = "info") -> HTML:
    """A highlighted paragraph: kind 'info', 'warning' or 'ok'."""
    return HTML(
        f"<div class='lac-report'><div class='callout {kind}'>{html.escape(text)}</div></div>"
    )


def bullet_list(lines: list[str]) -> HTML:
    """A bulleted list of sentences (empty ones left out)."""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in lines if s)
    return HTML(f"<div class='lac-report'><ul>{items}</ul></div>")


def glossary(keys: list[str], settings: Settings) -> HTML:
    """The glossary of the terms a report uses (`templates/glossary.toml`)."""
    items = "".join(
        f"<li><strong>{html.escape(term)}</strong>: {html.escape(text)}</li>"
        for term, text in words.glossary(keys, settings)
    )
    return HTML(f"<div class='lac-report'><ul>{items}</ul></div>")


def quality_note(verdict: Verdict) -> HTML:
    """The data-quality caveat at the top of an analysis report: a warning when the verdict is
    'not fit' or 'caveat', otherwise one quiet line."""
    text = words.quality_caveat(verdict)
    if verdict.caveat:
        return callout(text, "warning")
    return HTML(f"<div class='lac-report'><p class='lac-meta'>{html.escape(text)}</p></div>")


def verdict_callout(verdict: Verdict) -> HTML:
    """The data-quality report's verdict, highlighted by how it came out."""
    return callout(words.verdict_headline(verdict), "ok" if not verdict.caveat else "warning")


def table_html(frame: pd.DataFrame, caption: str = "") -> HTML:
    """A plain, accessible table (already-formatted values are shown as they are). A table of
    protected counts carries what its cells add up to (`data-disclosure`, no values) so that
    the published page can be audited for recoverable small counts."""
    structure = frame.attrs.get("disclosure")
    audit = (
        f" data-disclosure='{html.escape(json.dumps(structure, separators=(',', ':')))}'"
        if structure
        else ""
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{'' if _numeric(text := _cell(v)) else ' class=t'}>{html.escape(text)}</td>"
            for v in row
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return HTML(
        f"<div class='lac-report table-wrap'><table class='lac'{audit}>{cap}<thead><tr>{head}</tr></thead>"
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


PNG_COLOURS = 64  # a chart's flat colours fit a 64-colour palette: a third of the bytes, same look


def _png(fig) -> bytes:
    """A figure as a palette PNG, and closed: drawn once at the reports' resolution, its pixels
    quantised straight from the canvas (no PNG written and read back)."""
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig.set_dpi(charts.PNG_DPI)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    plt.close(fig)
    image = Image.fromarray(pixels).quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def show_figure(fig, alt: str) -> HTML:
    """Embed a matplotlib figure as a base64 PNG with alt text, and close it."""
    data = base64.b64encode(_png(fig)).decode("ascii")
    return HTML(
        f"<figure class='lac-report lac-figure'><img src='data:image/png;base64,{data}' "
        f"alt='{html.escape(alt, quote=True)}'><figcaption>{html.escape(alt)}</figcaption></figure>"
    )


_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)(?:<a class="anchor-link".*?</a>)?</h2>', re.S)


def add_contents(body: str, siblings=()) -> str:
    """A rendered report with links to the index and its sibling reports after its title, and a
    table of contents (links to each h2) before its first h2."""
    if siblings:
        end = body.find("</h1>")
        if end != -1:
            end += len("</h1>")
            body = body[:end] + report_nav(siblings) + body[end:]
    headings = _H2.findall(body)
    if len(headings) < 2:
        return body
    items = "".join(
        f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>", "", text).strip()}</a></li>'
        for anchor, text in headings
    )
    toc = f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>{items}</ol></nav>'
    first = body.find("<h2 id=")
    # place the contents at the start of the cell holding the first heading
    cell = body.rfind('<div class="jp-Cell', 0, first)
    at = cell if cell != -1 else first
    return body[:at] + toc + body[at:]


def quality_tiles(summary: dict, past: pd.DataFrame, verdict: Verdict, settings: Settings) -> HTML:
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
    blanked = sum(t.get("blanked_cells", 0) for t in totals.values())
    return tiles(
        [
            Tile("Rows received", f"{rows_in:,}", detail=[f"{len(totals)} tables"]),
            Tile(
                "Rows set aside", f"{share:.1f}%", rag=rag, detail=[f"{set_aside:,} rows", *detail]
            ),
            Tile("Duplicate rows merged", f"{merged:,}"),
            Tile("Values tidied (cells corrected)", f"{corrected:,}"),
            Tile("Values blanked (row kept)", f"{blanked:,}"),
        ]
    )


def theme_tiles(
    series: pd.DataFrame, ids: list[str], month: str, settings: Settings, published=None
):
    """The tiles of one scorecard theme (no key-messages box: the scorecard has one at the top)
    and one commentary sentence per figure."""
    figures = headline_figures(series, ids, month, settings, published)
    rows = list(figures.itertuples(index=False))
    return tiles([headline_tile(r, settings) for r in rows]), [
        words.headline_sentence(r, settings) for r in rows
    ]


def trends(series: pd.DataFrame, ids, settings: Settings) -> HTML:
    """24-month trend charts of `ids` from a tidy series, each with its alt text. A trend is not
    drawn when a month's figure rests on a small count (the line would show it), nor when
    fewer than three months have a figure; the page says so instead."""
    parts, names = [], labels(series)
    for ind in ids:
        rows = series[series["indicator"] == ind].sort_values("period_end")
        if rows["value"].notna().sum() < 3:
            continue
        label = names.get(ind, ind)
        unit = words.indicator_unit(ind)
        counts = rows["value"] if unit == "count" else rows["numerator"]
        if any(is_small(v, settings) for v in counts) or any(
            is_small(v, settings) for v in rows["denominator"]
        ):
            parts.append(callout(words.trend_withheld(label, settings)).data)
            continue
        trend = wide(rows)
        parts.append(
            show_figure(
                charts.indicator_trend(trend, ind, settings, words.unit_axis(unit)),
                alt=words.trend_alt(label, unit, trend.set_index("period_end")[ind]),
            ).data
        )
    return HTML("".join(parts))
