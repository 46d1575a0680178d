"""The pack's facts as data, each file parsed once: code lists per collection year (codes.toml),
table specifications (tables.toml), cleaning rules (rules.toml), the indicator register
(indicators.toml), the domain definitions (definitions.toml) and the scorecard's themes
(scorecard.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> dict:
    """The parsed `pipeline/data/<name>.toml`."""
    return tomllib.loads(files("pipeline").joinpath(f"data/{name}.toml").read_text("utf-8"))


def codes() -> dict[str, dict[str, dict]]:
    """Every code list: {list name: {code: {label, from?, to?}}}."""
    return load("codes")


def tables() -> dict[str, dict]:
    """Table specifications: {table: {required, optional, dates, codes, key, ...}}."""
    return load("tables")


def rules() -> dict[str, dict]:
    """Cleaning rules in the order they run: {id: {action, description, tables?}}."""
    return load("rules")


def indicators() -> dict[str, dict]:
    """The indicator register in kpis.csv order: {id: {label, unit, higher_is_better}}."""
    return load("indicators")


def definitions() -> dict:
    """Domain definitions (short breaks, temporary placements, groups, bands ...)."""
    return load("definitions")


def scorecard() -> dict:
    """The corporate parenting scorecard's themes and breakdowns (scorecard.toml)."""
    return load("scorecard")
