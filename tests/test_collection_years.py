"""One small extract per collection year (tests/fixtures/years/), cleaned and turned into
indicators, with the answers worked out by hand: each year's codes are accepted, a code is judged
against every collection year its record spans, and a fault outside the key columns blanks a
cell without losing the child."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline import model
from pipeline.config import Settings
from pipeline.indicators import kpi_table
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
from pipeline.model import vocab

YEARS = Path(__file__).parent / "fixtures" / "years"
MONTH = {"2016-17": "2017-01", "2023-24": "2024-01", "2024-25": "2025-01", "2025-26": "2026-01",
         "2026-27": "2026-10"}  # fmt: skip


def extract(year):
    result = clean_extract(load_extract(YEARS / year), month=MONTH[year])
    kpis = kpi_table(model.build(result.tables, Settings()), MONTH[year]).set_index("indicator")
    return result, kpis


def blanked(result):
    return sorted(
        zip(result.cells["column"], result.cells["value"], result.cells["rule"], strict=True)
    )


def test_2016_17_one_code_blanked_one_row_set_aside():
    # child 3's K3 (valid from 2024-25) in a 2016-17 episode: blanked, child 3 still counted;
    # child 4's RNE "X" (a key column): that episode set aside; its short break is not care
    result, kpis = extract("2016-17")
    assert blanked(result) == [("PLACE", "K3", "CODE-INVALID")]
    assert result.quarantine[["CHILD", "rule"]].values.tolist() == [["4", "CODE-INVALID"]]
    assert "RNE = X is not a valid code in 2016-17" in result.quarantine["reason"].iloc[0]
    episodes = result.summary["tables"]["episodes"]
    assert (episodes["rows_in"], episodes["kept"], episodes["quarantined"]) == (7, 6, 1)
    assert episodes["blanked_cells"] == 1
    assert kpis.loc["cla_count", "value"] == 3  # children 1, 2 and 3
    # child 2: U4, K2 and U6 all overlap the year to 31/01/2017 -> 1 of 3 children
    assert kpis.loc["placements_3plus_pct", "value"] == pytest.approx(100 / 3)
    assert kpis.loc["cla_starts", "value"] == 0  # the only January start was set aside


def test_2023_24_social_worker_episodes_are_read_and_typed():
    result, kpis = extract("2023-24")
    sw = result.tables["sw_episodes"]
    assert len(sw) == 3 and sw["SW_DECOM"].dtype == "datetime64[ns]"
    assert sw["SW_DEC"].isna().sum() == 2  # two allocations still open
    assert result.quarantine.empty and result.cells.empty
    assert kpis.loc["cla_count", "value"] == 2  # H5 (valid until 2024-25) and U4


def test_2024_25_sex_m_f_u_and_k3():
    result, kpis = extract("2024-25")
    header = result.tables["header"]
    assert header["SEX"].tolist() == ["M", "F", "U"]
    assert vocab.sex_group(header["SEX"]).tolist() == ["Male", "Female", "Not known"]
    # Z11 is valid only from 2025-26: blanked in child 22's December 2024 episode
    assert blanked(result) == [("PLACE", "Z11", "CODE-INVALID")]
    assert result.quarantine.empty
    assert kpis.loc["cla_count", "value"] == 3
    # child 20 moved H5 -> K3 (a new placement, RNE P): 2 placements, not 3
    assert kpis.loc["placements_3plus_pct", "value"] == 0


def test_2025_26_open_h5_and_z1_carried_on_stay_valid():
    # child 30: H5 since June 2023, open: valid in 2023-24 and 2024-25, so accepted in 2025-26;
    # child 31: Z1 since February 2025, open: accepted; child 32: H5 starting May 2025: invalid
    result, kpis = extract("2025-26")
    assert blanked(result) == [("PLACE", "H5", "CODE-INVALID")]
    assert result.cells["CHILD"].tolist() == ["32"]
    assert "PLACE = H5 is not a valid code in 2025-26" in result.cells["reason"].iloc[0]
    assert kpis.loc["cla_count", "value"] == 3


def test_2026_27_dolo_and_new_placement_codes():
    result, kpis = extract("2026-27")
    dolo = result.tables["dolo"]
    assert dolo["CHILD"].tolist() == ["40", "41"] and dolo["DOLO_END"].isna().tolist() == [
        True,
        False,
    ]
    # child 41's Z1 episode (April 2024 - June 2026) spans 2024-25 to 2026-27: Z1 is accepted
    assert result.quarantine.empty and result.cells.empty
    assert kpis.loc["cla_count", "value"] == 3
    assert kpis.loc["cla_starts", "value"] == 0  # child 42 started in September
    places = model.build(result.tables, Settings()).placements
    assert places["place"].tolist() == ["Z12", "Z1", "Z13", "U4"]
    assert places["place_group"].tolist() == ["other", "other", "other", "foster"]


@pytest.mark.parametrize("year", sorted(MONTH))
def test_every_year_balances(year):
    result, _ = extract(year)
    for table, t in result.summary["tables"].items():
        assert t["rows_in"] == t["kept"] + t["merged"] + t["quarantined"], (year, table)
        assert t["blanked_cells"] == (result.cells["table"] == table).sum()
    assert pd.Series([r["cells"] for r in result.summary["cells"]]).sum() == len(result.cells)
