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
    extras = project["optional-dependencies"]
    wanted = _pairs(project["dependencies"] + extras["dev"] + extras["bench"])
    text = (repo_root() / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1].splitlines()
    # conda packages (two-space items) and those conda-forge lacks, under pip (six-space items)
    conda = _pairs(line.strip()[2:] for line in deps if re.match(r"^(\s{2}|\s{6})- [A-Za-z]", line))
    assert conda == wanted
