"""Fault injection (pipeline.synth.faults): every kind injected and logged, the raw files carry
them, and the no-faults option."""

from __future__ import annotations

from pipeline import synth
from tests.builders import SYNTH_MONTHS, generate_small, truth_table


def test_every_fault_kind_is_injected(small):
    root, _ = small
    for month in SYNTH_MONTHS:
        faults = truth_table(root, month, "faults")
        assert set(faults["fault"]) == set(synth.FAULT_RATES)
        recoverable = faults.groupby("fault")["recoverable"].first()
        for kind, flag in synth.RECOVERABLE.items():
            assert recoverable[kind] == str(flag)
        lost = faults[faults["recoverable"] == "False"]
        # at most one unrecoverable/structural fault per child
        structural = faults[
            (faults["recoverable"] == "False") | (faults["fault"] == "episode_overlap")
        ]
        assert not structural["CHILD"].duplicated().any()
        present = [t for t in synth.TABLE_COLUMNS if (root / "truth" / month / f"{t}.csv").exists()]
        rows = sum(len(truth_table(root, month, t)) for t in present)
        assert len(lost) < 0.01 * rows


def test_raw_files_read_back_with_the_faults(small):
    root, _ = small
    raw = root / "raw" / "2017-01"
    episodes = next(p for p in raw.iterdir() if "pisode" in p.name)
    text = episodes.read_bytes().decode("utf-8-sig", errors="replace")
    truth = (root / "truth" / "2017-01" / "episodes.csv").read_text()
    assert text.count("\n") > truth.count("\n")  # duplicates (exact and conflicting) appended
    assert (raw / "prev_perm.csv").read_text().strip() == "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM"


def test_no_faults_option_writes_raw_equal_to_truth_content(tmp_path):
    generate_small(tmp_path, months=1, faults=False)
    faults = truth_table(tmp_path, "2017-01", "faults")
    assert faults.empty


def test_each_table_has_its_own_fault_stream():
    from pipeline.synth.faults import inject

    tables = synth.truth_tables(end="2016-06", history_start="2012-04", scale=0.3)
    seed = [903, 100, 2016, 6]
    _, base, _ = inject(tables, seed)
    # a new table (in no fault list), drawn before the others
    extra = {"header": tables["header"], "zz_local": tables["reviews"].iloc[:50].copy()}
    extra.update(tables)
    _, more, _ = inject(extra, seed)
    more = more[more["table"] != "zz_local"].reset_index(drop=True)
    # a table's faults do not move when another table is added
    for table in tables:
        a = base[base["table"] == table].sort_values(["fault", "CHILD", "KEY", "column"])
        b = more[more["table"] == table].sort_values(["fault", "CHILD", "KEY", "column"])
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), table
