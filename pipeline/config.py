"""Local-authority settings (config/la.toml): loaded, validated, one clear message per mistake."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.paths import parse_month, resolve

DEFAULT_CONFIG = "config/la.toml"


class ConfigError(ValueError):
    """A configuration mistake; the message lists every problem found, one per line."""


@dataclass(frozen=True)
class Settings:
    """Every setting with its default: SPEC defaults for the policy choices; the authority's own
    facts (name, population, months, targets, benchmarks) come from config/la.toml."""

    la_name: str = "Local authority"
    population_0_17: int | None = None  # without it there is no rate per 10,000
    default_months: str | None = None  # months `run` reports when --months is not given
    suppression_enabled: bool = True
    suppression_threshold: int = 5
    max_quarantined_pct: float = 2.0
    max_table_quarantined_pct: float = 5.0
    count_same_carer_moves: bool = False
    breakdown: tuple[str, ...] = ("CREQB", "CREQO", "CHILD", "LAREQ")
    other_unplanned: tuple[str, ...] = ("ALLEG", "STAND", "APPRR", "CLOSE")
    planned: tuple[str, ...] = ("CARPL",)
    status_change: tuple[str, ...] = ("PLACE",)
    sdq_threshold: int = 18
    sdq_window_months: int = 36
    restricted_folder: str | None = None  # child-level lists; default: restricted/ beside outputs/
    caveats: dict[str, str] = field(default_factory=dict)  # "YYYY-MM" -> a data caveat shown
    # where children live: the LA's own local-authority district codes (ONS, e.g. E08000026) and
    # the distance from home that the scorecard counts (DfE publishes "more than 20 miles")
    la_area_codes: tuple[str, ...] = ()
    distance_miles: float = 20.0
    # UASC: the National Transfer Scheme threshold, % of the child population (REFERENCE)
    uasc_nts_pct: float = 0.1
    targets: dict[str, float] = field(default_factory=dict)
    benchmarks: dict[str, dict[str, float]] = field(default_factory=dict)
    # per benchmark: who and when, as the reports name it ("England, year to March 2025")
    benchmark_labels: dict[str, str] = field(default_factory=dict)
    source: str = "defaults"

    def benchmark(self, name: str, indicator: str) -> tuple[float | None, str]:
        """A benchmark's value for an indicator (None when not configured) and its label."""
        default = {"national": "England", "statistical_neighbours": "Statistical neighbours"}
        label = self.benchmark_labels.get(name, default.get(name, name.replace("_", " ")))
        return self.benchmarks.get(name, {}).get(indicator), label


# (section, key) -> (Settings field, expected type(s), (min, max) or None)
_SCHEMA: dict[tuple[str, str], tuple[str, type | tuple[type, ...], tuple[float, float] | None]] = {
    ("", "la_name"): ("la_name", str, None),
    ("", "population_0_17"): ("population_0_17", int, (1, 20_000_000)),
    ("reporting", "default_months"): ("default_months", str, None),
    ("suppression", "enabled"): ("suppression_enabled", bool, None),
    ("suppression", "threshold"): ("suppression_threshold", int, (1, 100)),
    ("quality", "max_quarantined_pct"): ("max_quarantined_pct", (int, float), (0, 100)),
    ("quality", "max_table_quarantined_pct"): ("max_table_quarantined_pct", (int, float), (0, 100)),
    ("placements", "count_same_carer_moves"): ("count_same_carer_moves", bool, None),
    ("placements", "breakdown"): ("breakdown", list, None),
    ("placements", "other_unplanned"): ("other_unplanned", list, None),
    ("placements", "planned"): ("planned", list, None),
    ("placements", "status_change"): ("status_change", list, None),
    ("sdq", "targeting_threshold"): ("sdq_threshold", int, (0, 40)),
    ("sdq", "analysis_window_months"): ("sdq_window_months", int, (6, 240)),
    ("privacy", "restricted_folder"): ("restricted_folder", str, None),
    ("geography", "la_area_codes"): ("la_area_codes", list, None),
    ("geography", "distance_miles"): ("distance_miles", (int, float), (0.1, 500)),
    ("uasc", "national_transfer_scheme_pct"): ("uasc_nts_pct", (int, float), (0, 10)),
}
_FREE_SECTIONS = {"targets", "benchmarks", "caveats"}


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate the TOML settings file (default `config/la.toml`)."""
    p = resolve(path or DEFAULT_CONFIG)
    if not p.is_file():
        if path is None:
            return Settings()
        raise ConfigError(f"{p}: configuration file not found")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{p}: not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    return settings_from_dict(raw, source=str(p))


def settings_from_dict(raw: dict, source: str = "dict") -> Settings:
    """Validate a parsed settings mapping; raise ConfigError listing every problem."""
    problems: list[str] = []
    values: dict[str, object] = {}
    known_sections = {s for s, _ in _SCHEMA if s} | _FREE_SECTIONS
    for key, value in raw.items():
        if isinstance(value, dict):
            if key not in known_sections:
                problems.append(f"unknown section [{key}]")
                continue
            if key in _FREE_SECTIONS:
                continue
            for sub, subval in value.items():
                _check(key, sub, subval, problems, values)
        else:
            _check("", key, value, problems, values)
    from pipeline.codes import codes  # local import keeps config light for the CLI

    valid_reasons = codes("REASON_PLACE_CHANGE")
    for group in ("breakdown", "other_unplanned", "planned", "status_change"):
        for code in values.get(group, []) or []:
            if code not in valid_reasons:
                problems.append(f"placements.{group}: {code!r} is not a REASON_PLACE_CHANGE code")
    targets = _numbers(raw.get("targets", {}), "targets", problems)
    benchmarks: dict[str, dict[str, float]] = {}
    benchmark_labels: dict[str, str] = {}
    for name, table in (raw.get("benchmarks") or {}).items():
        if not isinstance(table, dict):
            problems.append(f"benchmarks.{name}: expected a table of indicator = number")
            continue
        table = dict(table)
        who, when = table.pop("name", None), table.pop("as_of", None)
        for key, text in (("name", who), ("as_of", when)):
            if text is not None and not isinstance(text, str):
                problems.append(f"benchmarks.{name}.{key}: expected text")
        if isinstance(who, str) or isinstance(when, str):
            default = Settings().benchmark(name, "")[1]
            who = who if isinstance(who, str) else default
            benchmark_labels[name] = f"{who}, {when}" if isinstance(when, str) else who
        benchmarks[name] = _numbers(table, f"benchmarks.{name}", problems)
    caveats: dict[str, str] = {}
    for month, text in (raw.get("caveats") or {}).items():
        try:
            parse_month(month)
        except ValueError:
            problems.append(f"caveats: {month!r} is not a month (YYYY-MM)")
            continue
        if not isinstance(text, str) or not text.strip():
            problems.append(f"caveats.{month}: expected the caveat as text")
            continue
        caveats[str(parse_month(month))] = text.strip()
    for code in values.get("la_area_codes", []) or []:
        if not (isinstance(code, str) and len(code) == 9 and code[0] in "EWSN"):
            problems.append(f"geography.la_area_codes: {code!r} is not a 9-character ONS area code")
    if problems:
        raise ConfigError(f"{source}:\n" + "\n".join(f"  - {p}" for p in problems))
    for group in ("breakdown", "other_unplanned", "planned", "status_change", "la_area_codes"):
        if group in values:
            values[group] = tuple(values[group])
    return Settings(
        **values,
        targets=targets,
        benchmarks=benchmarks,
        benchmark_labels=benchmark_labels,
        caveats=caveats,
        source=source,
    )


def _check(section: str, key: str, value, problems: list[str], values: dict) -> None:
    name = f"{section}.{key}" if section else key
    spec = _SCHEMA.get((section, key))
    if spec is None:
        problems.append(f"unknown key {name!r}")
        return
    field_name, kind, bounds = spec
    if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
        problems.append(f"{name}: expected {_kind_name(kind)}, got a boolean")
        return
    if not isinstance(value, kind):
        problems.append(f"{name}: expected {_kind_name(kind)}, got {type(value).__name__}")
        return
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        problems.append(f"{name}: {value} is outside {bounds[0]}..{bounds[1]}")
        return
    values[field_name] = value


def _numbers(table: dict, where: str, problems: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{where}.{key}: expected a number, got {type(value).__name__}")
        else:
            out[key] = float(value)
    return out


def _as_tuple(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind) -> str:
    names = {int: "an integer", float: "a number", str: "text", bool: "true/false", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))
