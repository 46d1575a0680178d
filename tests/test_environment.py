"""pyproject.toml and environment.yml name the same packages with the same lower bounds."""

from __future__ import annotations

import re
import tomllib

from pipeline.paths import repo_root


def _pairs(specs):
    out = {}
    for spec in specs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[\d.]+)?", spec)
        if m and m.group(1) not in {"python", "pip"}:
            out[m.group(1).lower()] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_mirrors_pyproject():
    project = tomllib.loads((repo_root() / "pyproject.toml").read_text())["project"]
    wanted = _pairs(project["dependencies"] + project["optional-dependencies"]["dev"])
    text = (repo_root() / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1].splitlines()
    conda = _pairs(line.strip()[2:] for line in deps if re.match(r"^\s{2}- [A-Za-z]", line))
    assert conda == wanted
