"""A month whose latest run failed: its last good set is kept only with the failure marked.

`mark_failed` writes `.failed.json` (date and reason) in the month's output folder, puts a
"Not updated: failed on DATE, reason" banner at the top of each of its HTML pages, and removes the
month's fingerprint so the next run redoes it. The index reads the same marker (`read_failure`).
A month that later succeeds is replaced whole, marker and banners included.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from pipeline.io import atomic_write_text

MARKER = ".failed.json"
REASON_CHARS = 240  # the reason as the run summary gives it, cut short on the page
_BANNER = re.compile(r"<!--not-updated-->.*?<!--/not-updated-->", re.S)
_BODY = re.compile(r"<body[^>]*>", re.I)


def not_updated_text(failure: dict) -> str:
    """The one sentence shown on every page of a failed month and in the index."""
    return f"Not updated: failed on {failure['date']}, {failure['reason']}"


def banner(failure: dict) -> str:
    """The HTML banner put at the top of each page of a failed month."""
    return (
        "<!--not-updated--><div class='not-updated' role='alert' style='border:3px solid "
        "#b2182b;padding:0.6em 1em;margin:0 0 1em;font-weight:bold'>"
        f"{escape(not_updated_text(failure))}. The figures below are from the previous "
        "successful run and may be out of date.</div><!--/not-updated-->"
    )


def with_banner(page: str, failure: dict | None) -> str:
    """`page` with the failure banner just inside <body> (or without any, for None)."""
    page = _BANNER.sub("", page)
    if failure is None:
        return page
    found = _BODY.search(page)
    at = found.end() if found else 0
    return page[:at] + banner(failure) + page[at:]


def mark_failed(month_dir: Path, reason: str, when: datetime | None = None) -> dict:
    """Record that the latest run of this month failed and mark each page of its last good set."""
    month_dir = Path(month_dir)
    when = when or datetime.now(UTC)
    reason = " ".join(reason.split())
    if len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 3] + "..."
    failure = {"date": when.strftime("%d %B %Y %H:%M UTC"), "reason": reason}
    (month_dir / ".fingerprint").unlink(missing_ok=True)  # redo it next time
    atomic_write_text(json.dumps(failure, indent=2), month_dir / MARKER)
    for page in sorted(month_dir.glob("*.html")):
        atomic_write_text(with_banner(page.read_text(encoding="utf-8"), failure), page)
    return failure


def read_failure(month_dir: Path) -> dict | None:
    """The month's failure marker ({date, reason}), or None when its latest run succeeded."""
    marker = Path(month_dir) / MARKER
    if not marker.is_file():
        return None
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return {"date": "an unknown date", "reason": "the failure record is unreadable"}
