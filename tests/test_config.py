"""Settings: the shipped config loads; each kind of mistake gives its own clear message."""

from __future__ import annotations

import pytest

from pipeline.config import ConfigError, Settings, load_settings, settings_from_dict


def test_shipped_config_loads():
    s = load_settings()
    assert s.sdq_threshold == 18 and s.breakdown == ("CREQB", "CREQO", "CHILD", "LAREQ")
    assert s.targets["placements_3plus_pct"] == 10.0


def test_defaults_without_file():
    s = Settings()
    assert s.suppression_threshold == 5 and s.sdq_threshold == 18 and s.sdq_window_months == 36
    assert s.population_0_17 is None and s.default_months is None and s.targets == {}


def test_shipped_config_sets_only_what_differs_from_the_defaults():
    import dataclasses
    import tomllib

    from pipeline.config import _SCHEMA
    from pipeline.paths import repo_root

    raw = tomllib.loads((repo_root() / "config" / "la.toml").read_text(encoding="utf-8"))
    defaults = Settings()
    for (section, key), (field, _, _) in _SCHEMA.items():
        value = raw.get(section, {}).get(key) if section else raw.get(key)
        if value is not None:
            default = getattr(defaults, field)
            assert value != (list(default) if isinstance(default, tuple) else default), (
                f"config/la.toml repeats the default of {section + '.' if section else ''}{key}"
            )
    assert {f.name for f in dataclasses.fields(Settings)} >= {f for f, _, _ in _SCHEMA.values()}


def test_population_is_optional():
    assert settings_from_dict({"la_name": "X"}).population_0_17 is None


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"la_nme": "x"}, "unknown key 'la_nme'"),
        ({"population_0_17": "many"}, "population_0_17: expected an integer, got str"),
        ({"population_0_17": 0}, "population_0_17: 0 is outside 1..20000000"),
        ({"sdq": {"targeting_threshold": 41}}, "sdq.targeting_threshold: 41 is outside 0..40"),
        ({"suppression": {"enabled": "yes"}}, "suppression.enabled: expected true/false"),
        (
            {"placements": {"breakdown": ["CREQB", "NOPE"]}},
            "'NOPE' is not a REASON_PLACE_CHANGE code",
        ),
        (
            {"targets": {"placements_3plus_pct": "ten"}},
            "targets.placements_3plus_pct: expected a number",
        ),
        ({"colours": {}}, "unknown section [colours]"),
    ],
)
def test_each_mistake_has_a_clear_message(raw, message):
    with pytest.raises(ConfigError) as err:
        settings_from_dict(raw)
    assert message in str(err.value)


def test_all_mistakes_reported_together():
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"la_nme": "x", "population_0_17": -1})
    assert str(err.value).count("\n  - ") == 2


def test_benchmarks_carry_their_name_and_year(tmp_path):
    path = tmp_path / "la.toml"
    path.write_text(
        '[benchmarks.national]\nname = "England"\nas_of = "year to March 2025"\n'
        "placements_3plus_pct = 10.0\n[benchmarks.statistical_neighbours]\n"
        "placements_3plus_pct = 11.0\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.benchmark("national", "placements_3plus_pct") == (
        10.0,
        "England, year to March 2025",
    )
    assert settings.benchmark("statistical_neighbours", "placements_3plus_pct") == (
        11.0,
        "Statistical neighbours",
    )
    assert settings.benchmark("national", "sdq_mean") == (None, "England, year to March 2025")
    path.write_text("[benchmarks.national]\nas_of = 2025\nx = 1.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="benchmarks.national.as_of: expected text"):
        load_settings(path)


def test_caveats_by_month_are_checked_and_kept():
    settings = settings_from_dict({"caveats": {"2016-10": " System changed "}})
    assert settings.caveats == {"2016-10": "System changed"}
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"caveats": {"October": "x", "2016-11": 3}})
    assert "'October' is not a month" in str(err.value)
    assert "caveats.2016-11: expected the caveat as text" in str(err.value)
