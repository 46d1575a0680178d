"""Pandera schemas for the cleaned tables, built from the table specs (pipeline/data/tables.toml).

They state what cleaning promises the analyses: types, no blank required values, unique keys,
scores in range, episodes that do not end before they start.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from pipeline import data


@cache
def cleaned_schema(table: str) -> pa.DataFrameSchema:
    """The schema a cleaned `table` satisfies."""
    spec = data.tables()[table]
    dated = set(spec.get("dates", [])) | set(spec.get("datetimes", []))
    integers = spec.get("integers", {})
    not_null = set(spec.get("not_null", []))
    columns: dict[str, pa.Column] = {}
    for col in spec["required"] + spec.get("optional", []):
        required = col in spec["required"]
        nullable = col not in not_null
        if col in dated:
            columns[col] = pa.Column("datetime64[ns]", nullable=nullable, required=required)
        elif col in integers:
            low, high = integers[col]
            columns[col] = pa.Column(
                "Int64", pa.Check.in_range(low, high), nullable=nullable, required=required
            )
        else:
            columns[col] = pa.Column("str", nullable=nullable, required=required)
    for col in spec.get("datetimes", []):
        columns[f"{col}_TIMED"] = pa.Column(bool, required=col in spec["required"])
    for col in spec.get("flag_blanked", []):
        columns[f"{col}_BLANKED"] = pa.Column(bool, required=col in spec["required"])
    checks = []
    if table == "episodes":
        checks.append(pa.Check(lambda df: ~(df["DEC"] < df["DECOM"]), error="DEC before DECOM"))
    if table == "missing":
        checks.append(
            pa.Check(
                lambda df: ~(df["MIS_END"] < df["MIS_START"]), error="MIS_END before MIS_START"
            )
        )
    return pa.DataFrameSchema(
        columns,
        checks=checks,
        unique=spec.get("unique") or None,
        strict=False,
        coerce=False,
        name=table,
    )


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Raise pandera's SchemaError if a cleaned table breaks its schema."""
    for table, frame in tables.items():
        cleaned_schema(table).validate(frame, lazy=True)
