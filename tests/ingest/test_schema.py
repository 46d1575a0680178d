"""Cleaned tables satisfy their pandera schemas; a broken table does not."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from pipeline.ingest.clean import clean_table
from pipeline.ingest.schema import cleaned_schema, validate_tables
from tests.builders import episode, raw_table


def test_cleaned_episodes_pass_schema():
    out = clean_table("episodes", raw_table("episodes", [episode(child="1"), episode(child="2")]))
    validated = cleaned_schema("episodes").validate(out.kept, lazy=True)  # raises if it breaks
    assert list(validated["CHILD"]) == ["1", "2"]


def test_schema_rejects_duplicate_keys_and_end_before_start():
    kept = clean_table(
        "episodes",
        raw_table(
            "episodes", [episode(child="1", decom="01/04/2016", dec="01/05/2016", rec="E11")]
        ),
    ).kept
    broken = kept.assign(DEC=kept["DECOM"] - pd.Timedelta(days=1))
    with pytest.raises(pandera.errors.SchemaErrors):
        cleaned_schema("episodes").validate(broken, lazy=True)
    doubled = pd.concat([kept, kept.assign(PLACE="K2")], ignore_index=True)
    with pytest.raises(pandera.errors.SchemaErrors):
        cleaned_schema("episodes").validate(doubled, lazy=True)


def test_sdq_and_missing_schemas():
    sdq = clean_table(
        "sdq", raw_table("sdq", [{"CHILD": "1", "SDQ_DATE": "01/05/2016", "SDQ_SCORE": "12"}])
    ).kept
    assert cleaned_schema("sdq").validate(sdq, lazy=True)["SDQ_SCORE"].tolist() == [12]
    missing = clean_table(
        "missing",
        raw_table("missing", [{"CHILD": "1", "MISSING": "M", "MIS_START": "01/05/2016 10:00"}]),
    ).kept
    validated = cleaned_schema("missing").validate(missing, lazy=True)
    assert validated["MIS_START"].tolist() == [pd.Timestamp("2016-05-01 10:00")]


def test_validate_tables_checks_every_table():
    tables = {
        "header": clean_table(
            "header", raw_table("header", [{"CHILD": "1", "SEX": "1", "DOB": "01/01/2010"}])
        ).kept,
        "episodes": clean_table("episodes", raw_table("episodes", [episode(child="1")])).kept,
    }
    validate_tables(tables)  # clean tables pass
    tables["header"] = pd.concat([tables["header"]] * 2, ignore_index=True)  # CHILD key repeated
    with pytest.raises(pandera.errors.SchemaErrors):
        validate_tables(tables)
