"""The provenance block every report ends with (SPEC 7): parameters, input files (hash, rows),
package version, git commit (and whether the tree was dirty), run time."""

from __future__ import annotations

import html
import platform
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from pipeline import __version__
from pipeline.paths import repo_root


@dataclass
class RunContext:
    """Parameters and start time of one notebook run."""

    notebook: str
    parameters: dict
    started: float = field(default_factory=time.time)


def git_state(root: Path | None = None) -> tuple[str, bool | None]:
    """(commit, dirty) of the repository, or ('unknown', None) outside git."""
    root = root or repo_root()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        return commit, bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def _short_path(value) -> str:
    try:
        return str(Path(value).resolve().relative_to(repo_root()))
    except (TypeError, ValueError):
        return str(value)


def provenance(ctx: RunContext, quality: dict | None = None) -> HTML:
    """The provenance block; paths are shown relative to the repository where possible."""
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
