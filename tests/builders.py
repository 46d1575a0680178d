"""Builders shared by the tests: hand-made raw (text) tables, cleaned (typed) tables, models,
placement rows for the analyses, and the small synthetic LA's readers. Every test that needs a
table builds it here, so a change to a table's shape is made once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import data, model
from pipeline.config import Settings
from pipeline.ingest.clean import clean_table

# ---------------------------------------------------------------------------------- raw text


def raw_table(table: str, rows: list[dict]) -> pd.DataFrame:
    """An all-text raw table with every required column (blank where a row does not say)."""
    cols = data.tables()[table]["required"]
    extra = [c for r in rows for c in r if c not in cols]
    cols = cols + list(dict.fromkeys(extra))
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    return frame.astype("str").where(frame.notna(), pd.NA) if len(frame) else frame.astype("str")


def cleaned(table: str, rows: list[dict]) -> pd.DataFrame:
    """A cleaned table from raw text rows (what the analyses receive)."""
    return clean_table(table, raw_table(table, rows)).kept


def episode(
    child="1",
    decom="01/04/2016",
    rne="S",
    ls="C2",
    place="U4",
    dec=None,
    rec=None,
    reason=None,
    cin="N1",
    provider="PR1",
    pl_post="ZZ9 1AA",
    **kw,
) -> dict:
    """One raw episode row (903 text form)."""
    row = {
        "CHILD": child,
        "DECOM": decom,
        "RNE": rne,
        "LS": ls,
        "CIN": cin,
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": dec,
        "REC": rec,
        "REASON_PLACE_CHANGE": reason,
        "HOME_POST": "ZZ1 1AA",
        "PL_POST": pl_post,
        "URN": "SC000001",
    }
    row.update(kw)
    return row


def missing_row(child, kind, start, end=None, offered=None, rhi=None, dob="01/01/2000") -> dict:
    """One raw missing-episode row with the local return-interview columns."""
    return {
        "CHILD": child,
        "DOB": dob,
        "MISSING": kind,
        "MIS_START": start,
        "MIS_END": end,
        "RHI_OFFERED": offered,
        "RHI_ACCEPTED": "Y" if rhi else ("N" if offered else None),
        "RHI_DATE": rhi,
    }


# ---------------------------------------------------------------------------------- typed tables

EPISODE_COLUMNS = data.tables()["episodes"]["required"]
_CODE_COLUMNS = [c for c in EPISODE_COLUMNS if c not in ("DECOM", "DEC")]


def d(text):
    """'dd/mm/yyyy' -> Timestamp (None -> NaT)."""
    return pd.NaT if text is None else pd.to_datetime(text, format="%d/%m/%Y")


def spell(child, steps, end=None, rec="E4A", ls="C2", provider="PR1"):
    """Consecutive episodes of one child: steps are (DECOM, RNE, PLACE[, reason[, PL_POST[, LS]]]).

    Each episode ends when the next starts (REC X1); the last ends on `end` with `rec` (open when
    `end` is None). `reason` is REASON_PLACE_CHANGE recorded on that (ending) episode. PL_POST
    defaults to one postcode per PLACE code, so returning to the same PLACE matches.
    """
    rows = []
    for i, step in enumerate(steps):
        decom, rne, place, *rest = step
        reason = rest[0] if len(rest) > 0 else None
        pl_post = rest[1] if len(rest) > 1 and rest[1] else f"ZZ9 {place}"
        step_ls = rest[2] if len(rest) > 2 else ls
        last = i == len(steps) - 1
        rows.append(
            {
                "CHILD": str(child),
                "DECOM": decom,
                "RNE": rne,
                "LS": step_ls,
                "CIN": "N1",
                "PLACE": place,
                "PLACE_PROVIDER": provider,
                "DEC": end if last else steps[i + 1][0],
                "REC": (rec if end is not None else None) if last else "X1",
                "REASON_PLACE_CHANGE": reason,
                "HOME_POST": "ZZ1 1AA",
                "PL_POST": pl_post,
                "URN": "SC000001",
            }
        )
    return rows


def episodes_frame(*spells):
    """A cleaned episodes table (903 columns, str codes, datetime64[ns] dates) from spells."""
    rows = [r for s in spells for r in s]
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    frame["DECOM"] = pd.to_datetime(frame["DECOM"], format="%d/%m/%Y").astype("datetime64[ns]")
    frame["DEC"] = pd.to_datetime(frame["DEC"], format="%d/%m/%Y").astype("datetime64[ns]")
    frame = frame.astype({c: "str" for c in _CODE_COLUMNS})
    return frame.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)


def header_frame(dobs: dict, sex="1"):
    """A cleaned header table: {child: 'dd/mm/yyyy' DOB}."""
    frame = pd.DataFrame(
        {
            "CHILD": [str(c) for c in dobs],
            "SEX": sex,
            "DOB": pd.to_datetime(list(dobs.values()), format="%d/%m/%Y"),
            "ETHNIC": "WBRI",
            "UPN": None,
            "MOTHER": None,
            "MC_DOB": pd.NaT,
        }
    )
    return frame.astype(
        {"CHILD": "str", "SEX": "str", "ETHNIC": "str", "UPN": "str", "MOTHER": "str",
         "DOB": "datetime64[ns]", "MC_DOB": "datetime64[ns]"}
    )  # fmt: skip


def sdq_frame(rows):
    """A cleaned sdq table; rows: (child, 'dd/mm/yyyy' or a date, score or None for a reason)."""
    return pd.DataFrame(
        {
            "CHILD": pd.Series([str(c) for c, _, _ in rows], dtype="str"),
            "SDQ_DATE": pd.Series(
                [d(t) if isinstance(t, str) and "/" in t else pd.Timestamp(t) for _, t, _ in rows],
                dtype="datetime64[ns]",
            ),
            "SDQ_SCORE": pd.array([s for _, _, s in rows], dtype="Int64"),
            "SDQ_REASON": pd.Series(
                [None if s is not None else "SDQ4" for _, _, s in rows], dtype="str"
            ),
        }
    )


DOB10 = "01/06/2006"  # aged 10 on 31/01/2017


def tables_of(*spells, dobs=None, sdq=None, oc2=None) -> dict[str, pd.DataFrame]:
    """Cleaned episodes and header (every child aged 10 at 31/01/2017 unless `dobs` says), with
    an sdq table from (child, date, score) rows and an oc2 table from (child, score) rows."""
    eps = episodes_frame(*spells)
    dob = {c: DOB10 for c in dict.fromkeys(eps["CHILD"])}
    dob.update({str(k): v for k, v in (dobs or {}).items()})
    out = {"episodes": eps, "header": header_frame(dob)}
    if sdq is not None:
        out["sdq"] = sdq_frame(sdq)
    if oc2 is not None:
        out["oc2"] = pd.DataFrame(
            {
                "CHILD": pd.Series([str(c) for c, _ in oc2], dtype="str"),
                "SDQ_SCORE": pd.array([s for _, s in oc2], dtype="Int64"),
            }
        )
    return out


def model_of(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> model.Model:
    """The model of cleaned tables (default settings)."""
    return model.build(tables, settings or Settings())


def child_placements(frame, child):
    return frame[frame["CHILD"] == str(child)].reset_index(drop=True)


# ---------------------------------------------------------------------------------- analysis rows


def placement_row(
    child, start, end=None, cat=None, group="foster", age=10, first=False, place="U4"
):
    """One placement row in the model's contract (for the analyses' hand-worked cases)."""
    return {
        "CHILD": str(child),
        "period_id": 0,
        "placement_id": 0,
        "placement_seq": 1,
        "is_first_in_period": first,
        "start": pd.Timestamp(start),
        "end": pd.Timestamp(end) if end else pd.NaT,
        "place": place,
        "place_group": group,
        "provider": "PR1",
        "end_reason": pd.NA,
        "end_category": cat or ("open" if end is None else "planned"),
        "moved_to_next": end is not None,
        "DOB": pd.NaT,
        "SEX": "1",
        "age_at_start": age,
        "period_start": pd.Timestamp(start),
    }


def placements_of(rows) -> pd.DataFrame:
    """A placements frame from `placement_row`s (placement ids numbered in order)."""
    frame = pd.DataFrame(rows)
    frame["placement_id"] = np.arange(len(frame))
    frame["age_at_start"] = frame["age_at_start"].astype("Int64")
    return frame


def scored_frame(
    scores, outcomes, children=None, groups="foster", ages=10, times=400, endings=None
) -> pd.DataFrame:
    """An analysis-like frame straight from scores and 12-month outcomes (one child each unless
    `children` says), with placement groups, ages at start, follow-up times and end categories
    (default: 'disruption' for an outcome, 'open' otherwise) as scalars or lists."""
    n = len(scores)
    event = np.asarray(outcomes, dtype=bool)
    return pd.DataFrame(
        {
            "CHILD": children if children is not None else [str(i) for i in range(n)],
            "sdq_score": np.asarray(scores),
            "disrupted_12m": pd.array(outcomes, dtype="boolean"),
            "age_at_start": ages,
            "place_group": groups,
            "time_days": times,
            "event": event,
            "end_category": endings
            if endings is not None
            else np.where(event, "disruption", "open").astype(object),
        }
    )


# ---------------------------------------------------------------------------------- synthetic LA

SYNTH_MONTHS = ["2016-12", "2017-01"]


def generate_small(root, seed=5, **kw):
    """A small synthetic LA (a fifth of the default size), two months to January 2017."""
    from pipeline import synth

    args = dict(seed=seed, history_start="2012-04", end="2017-01", months=2, scale=0.2)
    args.update(kw)
    return synth.generate(root, **args)


def truth_table(root, month, table):
    """One table of the generator's truth, as text."""
    return pd.read_csv(root / "truth" / month / f"{table}.csv", dtype=str, keep_default_na=False)


def truth_episodes(root, month):
    """The truth's episodes with DECOM and DEC as dates, by child and start."""
    ep = truth_table(root, month, "episodes")
    for col in ("DECOM", "DEC"):
        ep[col] = pd.to_datetime(ep[col].replace("", None), format="%d/%m/%Y")
    return ep.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)


def with_dob(root, month, frame):
    """`frame` with the truth header's SEX and DOB joined on CHILD."""
    header = truth_table(root, month, "header")[["CHILD", "SEX", "DOB"]]
    header = header.assign(DOB=pd.to_datetime(header["DOB"], format="%d/%m/%Y"))
    return frame.merge(header, on="CHILD", how="left", suffixes=("", "_header"))


# ---------------------------------------------------------------------------------- the missing LA


def missing_la() -> dict[str, pd.DataFrame]:
    """A hand-built LA for the missing-from-care tests, reporting month January 2017
    (R = 31/01/2017):

    child 1, boy born 01/06/2002 (14 in Jan 2017), home S61 2BB:
        U4 at S60 1AA from 01/04/2016, then K2 at M1 1AA from 01/12/2016 (open)
        M 05/01/2017 09:00-10:00  1 h    RHI offered, held 08/01 10:00 = exactly 72 h after return
        M 05/01/2017 20:00-23:00  3 h    RHI offered, held 09/01 09:00 = 82 h after return
        A 10/01/2017 15:00-17:00  away (whereabouts known)
        M 31/01/2017 22:00 - 01/02/2017 02:30   4.5 h, crosses the month end; RHI not offered
    child 2, girl born 15/03/1999: K2 from 01/01/2016 to her 18th birthday 15/03/2017 (REC E8)
        M 14/03/2017 20:00 - 16/03/2017 10:00: starts aged 17, ends after she turned 18 (38 h)
    child 3, boy born 01/01/2005 (12), home S61 2BB:
        U4 at S99 9ZZ from 01/01/2016, T4 10/01-14/01/2017, back to U4 from 14/01/2017 (open)
        M 31/01/2016 10:00-11:00  exactly R - 1 year: outside the year to R
        M 01/02/2016 10:00-11:00  the year's first day: inside
        M 12/01/2017 - 14/01/2017 dates only: 2 days * 24 = 48 h (untimed); RHI 16/01 (date) = 2 days
        M 20/01/2017 18:00, never ended: open at R
    child 4, short breaks only (V3 03/01-05/01/2017): M 04/01/2017 10:00-12:00 -> set aside
    child 5: U4 01/01/2015 - 01/02/2016 (left care on the year's first day: looked after in the year)
    child 6: U4 01/01/2015 - 31/01/2016 (left the day before: not in the year to R)
    """
    header = [
        {"CHILD": "1", "SEX": "1", "DOB": "01/06/2002"},
        {"CHILD": "2", "SEX": "2", "DOB": "15/03/1999"},
        {"CHILD": "3", "SEX": "1", "DOB": "01/01/2005"},
        {"CHILD": "4", "SEX": "2", "DOB": "01/01/2006"},
        {"CHILD": "5", "SEX": "1", "DOB": "01/01/2003"},
        {"CHILD": "6", "SEX": "2", "DOB": "01/01/2003"},
    ]
    home = {"HOME_POST": "S61 2BB"}
    episodes = [
        episode("1", "01/04/2016", place="U4", pl_post="S60 1AA", dec="01/12/2016", rec="X1",
                reason="CREQB", **home),
        episode("1", "01/12/2016", rne="P", place="K2", pl_post="M1 1AA", **home),
        episode("2", "01/01/2016", place="K2", dec="15/03/2017", rec="E8"),
        episode("3", "01/01/2016", place="U4", pl_post="S99 9ZZ", dec="10/01/2017", rec="X1", **home),
        episode("3", "10/01/2017", rne="P", place="T4", pl_post="S99 8ZZ", dec="14/01/2017",
                rec="X1", **home),
        episode("3", "14/01/2017", rne="P", place="U4", pl_post="S99 9ZZ", **home),
        episode("4", "03/01/2017", ls="V3", place="U4", dec="05/01/2017", rec="E4A"),
        episode("5", "01/01/2015", place="U4", dec="01/02/2016", rec="E4A"),
        episode("6", "01/01/2015", place="U4", dec="31/01/2016", rec="E4A"),
    ]  # fmt: skip
    missing = [
        missing_row("1", "M", "05/01/2017 09:00", "05/01/2017 10:00", "Y", "08/01/2017 10:00"),
        missing_row("1", "M", "05/01/2017 20:00", "05/01/2017 23:00", "Y", "09/01/2017 09:00"),
        missing_row("1", "A", "10/01/2017 15:00", "10/01/2017 17:00", "N"),
        missing_row("1", "M", "31/01/2017 22:00", "01/02/2017 02:30", "N"),
        missing_row("2", "M", "14/03/2017 20:00", "16/03/2017 10:00", "Y"),
        missing_row("3", "M", "31/01/2016 10:00", "31/01/2016 11:00", "Y"),
        missing_row("3", "M", "01/02/2016 10:00", "01/02/2016 11:00", "Y"),
        missing_row("3", "M", "12/01/2017", "14/01/2017", "Y", "16/01/2017"),
        missing_row("3", "M", "20/01/2017 18:00"),
        missing_row("4", "M", "04/01/2017 10:00", "04/01/2017 12:00", "Y"),
    ]
    return {
        "header": cleaned("header", header),
        "episodes": cleaned("episodes", episodes),
        "missing": cleaned("missing", missing),
    }


# ---------------------------------------------------------------------------------- tidy figures


def values_at(tidy: pd.DataFrame, period_end) -> dict[str, tuple[float, float, float]]:
    """{indicator: (value, numerator, denominator)} of a tidy frame at one reference date
    ('YYYY-MM' or a date)."""
    from pipeline.model.dates import as_reference_dates

    r = as_reference_dates([period_end])[0]
    rows = tidy[tidy["period_end"] == r]
    return {
        row.indicator: (row.value, row.numerator, row.denominator)
        for row in rows.itertuples(index=False)
    }


# ---------------------------------------------------------------------------------- raw files

HEADER_CSV = ",".join(data.tables()["header"]["required"]) + "\n"
EPISODES_CSV = ",".join(data.tables()["episodes"]["required"]) + "\n"
HEADER_ROW = "1,1,01/01/2010,WBRI,,,\n"
EPISODE_ROW = "1,01/04/2016,S,C2,N1,U4,PR1,,,,ZZ1 1AA,ZZ1 2BB,SC1\n"


def write(folder, name, text, encoding="utf-8"):
    """Write a raw extract file (text in the given encoding)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode(encoding))


def write_minimal_month(folder, episodes=EPISODE_ROW):
    """A month folder holding the two mandatory tables: one child, its episode rows."""
    write(folder, "header.csv", HEADER_CSV + HEADER_ROW)
    write(folder, "episodes.csv", EPISODES_CSV + episodes)


# ---------------------------------------------------------------------------------- hand-built LAs
# (the indicator, series and analysis tests share them; each documents its worked answers)


def looked_after_fixture():
    return tables_of(
        spell(1, [("01/01/2016", "S", "U4")]),  # open: looked after
        spell(2, [("01/06/2016", "S", "U4")], end="31/01/2017"),  # left on R: not looked after
        spell(3, [("31/01/2017", "S", "U4")]),  # started on R: looked after, a January start
        spell(4, [("20/01/2017", "S", "U6")], end="05/02/2017", ls="V3"),  # short break: ignored
        spell(5, [("01/06/2016", "S", "U4")], end="10/02/2017"),  # leaves after R: looked after
        # a move in January (X1): one child, no start
        spell(6, [("01/06/2016", "S", "U4", "CARPL"), ("15/01/2017", "P", "U6")]),
        spell(7, [("01/01/2017", "S", "U4")], end="15/01/2017"),  # in and out in January
        # left 20/12/2016, back 05/01/2017: a December end and a January start
        spell(8, [("01/03/2016", "S", "U4")], end="20/12/2016"),
        spell(8, [("05/01/2017", "S", "U4")]),
    )


def three_plus_fixture():
    return tables_of(
        # A: U4 ended 31/01/2016, the day before the year -> only U6 and K2 overlap: 2
        spell("A", [("01/06/2015", "S", "U4", "CARPL"), ("31/01/2016", "P", "U6", "CARPL"),
                    ("01/06/2016", "P", "K2")]),
        # B: U4 ended 01/02/2016, the year's first day -> overlaps: 3
        spell("B", [("01/06/2015", "S", "U4", "CARPL"), ("01/02/2016", "P", "U6", "CARPL"),
                    ("01/06/2016", "P", "K2")]),
        # C: a carer's holiday (T3) and the return fold into the U4 placement: 2
        spell("C", [("01/03/2016", "S", "U4"), ("01/05/2016", "P", "T3"),
                    ("15/05/2016", "P", "U4", "CREQB"), ("01/09/2016", "P", "U6")]),
        # D: two placements in a period that ended, then a new period: 3 across periods
        spell("D", [("01/03/2016", "S", "U4", "CARPL"), ("01/04/2016", "P", "U6")],
              end="01/05/2016"),
        spell("D", [("01/10/2016", "S", "K2")]),
        # E: 3 placements but left care 20/01/2017: not in the denominator
        spell("E", [("01/03/2016", "S", "U4", "CARPL"), ("01/04/2016", "P", "U6", "CARPL"),
                    ("01/05/2016", "P", "K2")], end="20/01/2017"),
        # F: same carer moving house twice (RNE T): 1 placement by default, 3 if T/U count
        spell("F", [("01/03/2016", "S", "U4", "PLACE"), ("01/06/2016", "T", "U4", "PLACE", "ZZ2"),
                    ("01/09/2016", "T", "U4", None, "ZZ3")]),
        # G: moves on R itself: U4, U6 (ends on R) and K2 (starts on R) all overlap -> 3
        spell("G", [("01/01/2016", "S", "U4", "CARPL"), ("01/06/2016", "P", "U6", "CREQB"),
                    ("31/01/2017", "P", "K2")]),
    )  # fmt: skip


def moves_fixture():
    return tables_of(
        # G: two January moves; the U4 placement broke down (CREQB) on 10/01
        spell("G", [("01/06/2016", "S", "U4", "CREQB"), ("10/01/2017", "P", "U6", "CARPL"),
                    ("20/01/2017", "P", "K2")]),
        # H: period start (not a move) and a same-carer move (RNE T, not a move by default)
        spell("H", [("05/01/2017", "S", "U4", "PLACE"), ("15/01/2017", "T", "U4", None, "ZZ5")]),
        # I: a temporary placement and the return to the same carer: no move
        spell("I", [("01/01/2016", "S", "U4"), ("03/01/2017", "P", "T4"),
                    ("08/01/2017", "P", "U4")]),
        # J: CREQB on an episode that ends the period: left care, not a disruption
        spell("J", [("01/06/2016", "S", "U4", "CREQB")], end="25/01/2017"),
        # K: a move after an allegation: a move, not a breakdown
        spell("K", [("01/06/2016", "S", "U4", "ALLEG"), ("12/01/2017", "P", "U6")]),
        # L: same-day moves: U6 lasts no time (LAREQ breakdown), K2 follows the same day
        spell("L", [("01/06/2016", "S", "U4", "CARPL"), ("10/01/2017", "P", "U6", "LAREQ"),
                    ("10/01/2017", "P", "K2")]),
        # M: a December move and breakdown
        spell("M", [("01/06/2016", "S", "U4", "CREQO"), ("20/12/2016", "P", "U6")]),
    )  # fmt: skip


def stability_fixture():
    return tables_of(
        spell(1, [("31/07/2014", "S", "U4")]),  # in care exactly 30 months, same carer: stable
        spell(2, [("01/08/2014", "S", "U4")]),  # a day short of 30 months: not counted
        spell(3, [("01/01/2012", "S", "U4")]),  # 16 on R (born 31/01/2001): not counted
        # 15 (born 01/02/2001); placement began exactly 24 months before R: stable
        spell(4, [("01/01/2012", "S", "U4", "CARPL"), ("31/01/2015", "P", "U6")]),
        # placement began a day after R - 24 months: not stable
        spell(5, [("01/01/2012", "S", "U4", "CARPL"), ("01/02/2015", "P", "U6")]),
        # adoption placement (A4) since 01/06/2016 + previous foster placement from 01/01/2014
        # together began before R - 24 months: stable
        spell(6, [("01/01/2014", "S", "U4", "CARPL"), ("01/06/2016", "P", "A4")]),
        # A6 after a placement that began 01/03/2015: together too recent: not stable
        spell(7, [("01/01/2014", "S", "U4", "CARPL"), ("01/03/2015", "P", "U6", "CARPL"),
                  ("01/06/2016", "P", "A6")]),
        # placed for adoption with the current foster carer (A3): the same placement: stable
        spell(8, [("01/01/2014", "S", "U4"), ("01/06/2016", "P", "A3")]),
        # a residential move after a long foster placement: only adoption combines: not stable
        spell(9, [("01/01/2014", "S", "U4", "CARPL"), ("01/06/2016", "P", "K2")]),
        # a hospital stay (T1) and return to the same carer: still the 2014 placement: stable
        spell(10, [("01/01/2014", "S", "U4", None, "AA1"), ("01/05/2016", "P", "T1", None, "HH1"),
                   ("20/05/2016", "P", "U4", None, "AA1")]),
        spell(11, [("01/01/2012", "S", "U4")], end="31/01/2017"),  # left care on R
        # re-entered care 01/03/2016: the current period is under 30 months: not counted
        spell(12, [("01/01/2010", "S", "U4")], end="01/01/2013"),
        spell(12, [("01/03/2016", "S", "U4")]),
        dobs={3: "31/01/2001", 4: "01/02/2001"},
    )  # fmt: skip


def sdq_fixture(with_sdq=True, oc2=None):
    return tables_of(
        spell(1, [("01/02/2016", "S", "U4")]),  # in care from the year's first day: eligible
        spell(2, [("02/02/2016", "S", "U4")]),  # a day short of 12 months: not eligible
        spell(3, [("01/01/2013", "S", "U4")]),  # 5 exactly on R: eligible
        spell(4, [("01/01/2010", "S", "U4")]),  # 17: not eligible
        spell(5, [("01/01/2010", "S", "K2")]),  # 16: eligible
        spell(6, [("01/01/2013", "S", "U4")]),  # 4: not eligible
        spell(7, [("01/01/2012", "S", "U4")]),  # eligible, a reason (no score) only
        # left and came back 01/06/2016: not continuously looked after
        spell(8, [("01/01/2012", "S", "U4")], end="01/05/2016"),
        spell(8, [("01/06/2016", "S", "U4")]),
        spell(9, [("01/01/2012", "S", "U4")]),  # eligible; a score after R is ignored
        # a placement move in the year does not break continuity: eligible, no score
        spell(12, [("01/01/2012", "S", "U4", "CARPL"), ("01/06/2016", "P", "U6")]),
        dobs={3: "31/01/2012", 4: "01/06/1999", 5: "01/06/2000", 6: "01/06/2012"},
        sdq=[
            (1, "01/12/2015", 25), (1, "01/06/2016", 12), (1, "01/12/2016", 20),
            (2, "01/12/2016", 30),
            (3, "31/01/2016", 22),  # the day before the year: not in the 12 months
            (4, "01/06/2016", 18),
            (5, "01/02/2016", 17),  # the year's first day: in the 12 months
            (7, "01/06/2016", None),
            (8, "01/03/2016", 10),
            (9, "01/08/2016", 13), (9, "15/02/2017", 35),
        ] if with_sdq else None,
        oc2=oc2,
    )  # fmt: skip
