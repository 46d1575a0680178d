#!/usr/bin/env python3
"""Run the DfE SSDA903 validator (csc-validator-be-903, `lac_validator`) on a synthetic truth.

The validator pins pandas<2, so this script runs with the validator's own interpreter, never the
project venv, and imports nothing from `pipeline`:

    /work/.venv-903/bin/python tools/validate_903.py --truth data/truth/2023-03 --year 2023

It builds the 903 return for one collection year (1 April YEAR-1 to 31 March YEAR) from a truth
extract taken at or after the year's end, as the DfE guide defines the return:

- episodes: every episode open at some time in the year (DECOM <= 31 March, DEC blank or >= 1 April);
  an episode still open at 31 March is returned open (DEC, REC, REASON_PLACE_CHANGE blank);
- header: one row per child in those episodes (MOTHER 1 and MC_DOB only for a birth by 31 March);
- missing: missing / away episodes open at some time in the year, dates only (the 903 has no times),
  MIS_END blank when still missing at 31 March; local RHI_* columns dropped;
- reviews: reviews dated in the year;
- oc2: the truth `oc2` as it is, when the extract is the year's March one (the generator writes
  the OC2 of the collection year in progress); from any later extract OC2 is left out and the
  rules that need it are skipped;
- sw_episodes (from the 2023-24 return): the social worker episodes of the children looked after
  on 31 March (SW01STG1, SW12STG2), each allocation open at some time in the year; one still open
  on 31 March is returned open (SW_DEC blank);
- dolo (from the 2026-27 return): the deprivation of liberty orders open at some time in the year,
  open ones (and those ending after 31 March) with DOLO_END blank;
- SEX in the year's codes: 1/2 to 2023-24, M/F/U from 2024-25 (rule 101);
- the local `sdq` history is not a 903 table and is left out; there is no UASC, OC3, AD1,
  placed-for-adoption or previous-permanence data in the synthetic LA.

The previous year's return, built the same way from the same extract, is given as "Prev year"
(unless --no-previous) so the rules comparing the two years run too. Each rule gets its own deep
copy of the tables (unless --shared-copies; see docs/validator.md, "Rule isolation").

Every rule of the ruleset is run; the summary lists each rule that fired (rows flagged per table,
message) and the rules that crashed. Exit status: 0 when every rule that fired is explained by
ALLOWED (the synthetic data breaks it on purpose, or the rule misfires; reason given) and every
crash by ALLOWED_CRASHES, 1 otherwise, 2 for bad input. docs/validator.md explains the allow-list.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import logging
import re
import sys
import tempfile
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Allow:
    """A rule the synthetic LA may fail, and why. `rulesets`: only these (None: every ruleset).
    `rows`: a test on the flagged rows of one table (table name, those rows as the validator holds
    them, derived columns such as PL_LA included, and all the tables) giving True where the row is
    explained; flagged rows it does not explain still fail. None: every flagged row is explained."""

    reason: str
    rulesets: frozenset | None = None
    rows: Callable[[str, pd.DataFrame, dict], pd.Series] | None = None


def _fictional_postcode(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """Episodes whose placement or home postcode is one of the generator's 'ZZ' postcodes."""
    if table != "Episodes":
        return pd.Series(False, index=rows.index)
    fake = pd.Series(False, index=rows.index)
    for col in ("PL_POST", "HOME_POST"):
        fake |= rows[col].astype(str).str.upper().str.startswith("ZZ")
    return fake


def _short_break(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    if table != "Episodes":
        return pd.Series(False, index=rows.index)
    return rows["LS"].isin(["V3", "V4"])


def _k3(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    if table != "Episodes":
        return pd.Series(False, index=rows.index)
    return rows["PLACE"].eq("K3")


def _still_looked_after_mother(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """Rows of children with an open episode at 31 March whose child was born by 31 March."""
    ep = tables["Episodes"]
    open_children = set(ep.loc[ep["DEC"].isna(), "CHILD"])
    header = tables["Header"].set_index("CHILD")
    end = pd.Timestamp(tables["metadata"]["collection_end"][6:] + "-03-31")
    mc_dob = pd.to_datetime(header["MC_DOB"], format="%d/%m/%Y", errors="coerce")
    born = mc_dob.reindex(rows["CHILD"]).to_numpy() <= end.to_datetime64()
    return pd.Series(rows["CHILD"].isin(open_children).to_numpy() & born, index=rows.index)


def _cla_31_march(tables: dict) -> set:
    """Children with an open episode (short breaks aside) in the return: looked after on 31 March."""
    ep = tables["Episodes"]
    return set(ep.loc[ep["DEC"].isna() & ~ep["LS"].isin(["V3", "V4"]), "CHILD"])


def _sw12_explained(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """Episodes SW12STG2 flags that no SWEpisodes table can satisfy: an open episode that does not
    start a period (RNE not S; the rule asks for SW_DECOM <= DEC, and DEC is blank); an episode of a
    child not looked after on 31 March (the rule's message limits it to those, its code does not;
    SW01STG1 and SW17STG2 expect only them); an episode of a child who left care in the year and came
    back (the rule asks every allocation to start before the period that ended ended and after the
    one that began began)."""
    if table != "Episodes":
        return pd.Series(False, index=rows.index)
    ep = tables["Episodes"]
    cla = _cla_31_march(tables)
    ended = ep["REC"].notna() & ep["REC"].ne("X1") & ~ep["LS"].isin(["V3", "V4"])
    came_back = set(ep.loc[ended, "CHILD"]) & cla
    open_not_start = rows["DEC"].isna() & rows["RNE"].ne("S")
    return open_not_start | ~rows["CHILD"].isin(cla) | rows["CHILD"].isin(came_back)


def _first_contact(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """SWEpisodes rows that start a new period of care (SW_REASON FCONTA, first contact), after the
    child left care earlier in the year."""
    if table != "SWEpisodes":
        return pd.Series(False, index=rows.index)
    return rows["SW_REASON"].eq("FCONTA")


def _sex_recoded(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """Header rows whose SEX differs from last year's only by the change of codes in 2024-25: 1 to
    M, 2 to F, or either to U (not known, a code 2023-24 did not have)."""
    if table != "Header" or "Header_last" not in tables:
        return pd.Series(False, index=rows.index)
    last = tables["Header_last"].drop_duplicates("CHILD").set_index("CHILD")["SEX"]
    pair = rows["SEX"].astype(str) + "/" + rows["CHILD"].map(last).astype(str)
    return pair.isin(["M/1", "F/2", "U/1", "U/2"])


def _a_day_or_more(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    """SWEpisodes rows lasting at least a day (SW_DEC after SW_DECOM)."""
    if table != "SWEpisodes":
        return pd.Series(False, index=rows.index)
    start = pd.to_datetime(rows["SW_DECOM"], format="%d/%m/%Y", errors="coerce")
    end = pd.to_datetime(rows["SW_DEC"], format="%d/%m/%Y", errors="coerce")
    return end > start


def _sex_unknown(table: str, rows: pd.DataFrame, tables: dict) -> pd.Series:
    if table != "Header":
        return pd.Series(False, index=rows.index)
    return rows["SEX"].eq("U")


FROM_2024 = frozenset({"lac2024_25", "lac2025_26", "lac2026_27"})
POSTCODES = (
    "the synthetic LA's postcodes are fictional ('ZZ' outward codes, never real places), so the "
    "validator finds no local authority, location or distance for them"
)

# Rules the synthetic LA breaks on purpose or cannot satisfy, or that misfire on valid data, with
# the reason (docs/validator.md). Crashing rules are in ALLOWED_CRASHES.
ALLOWED: dict[str, Allow] = {
    "392c": Allow(f"Postcode(s) invalid: {POSTCODES}.", rows=_fictional_postcode),
    "169": Allow(f"LA of placement missing: {POSTCODES}.", rows=_fictional_postcode),
    "179": Allow(f"Placement location (IN/OUT) missing: {POSTCODES}.", rows=_fictional_postcode),
    "1015": Allow(
        f"Own provision (PR1) outside the LA cannot be checked: {POSTCODES} (PL_LA is blank).",
        rows=_fictional_postcode,
    ),
    "241": Allow(
        f"K3 provider's LA cannot be checked: {POSTCODES} (PL_LA is blank).",
        rows=_fictional_postcode,
    ),
    "218": Allow(
        "URN required, on short-break episodes (LS V3/V4) only: the DfE guide and rule 214 say a "
        "short break carries no placement postcode or URN, and the generator follows them; this "
        "ruleset's 218 does not set V3/V4 aside (before 2025-26 the blank PL_LA of a ZZ postcode "
        "made it skip these rows).",
        rows=_short_break,
    ),
    "232": Allow(
        "Sex reported as not known (U): the generator records a few children (SEX_UNKNOWN_P, about "
        "1 in 200) as U from 2024-25 on purpose, as real returns have; 232 is a query on them.",
        rulesets=FROM_2024,
        rows=_sex_unknown,
    ),
    "202": Allow(
        "Sex differs from last year's return: in 2024-25 the codes change from 1/2 to M/F/U (rule "
        "101) and the rule compares the text of the two years (1 against M, 2 against F, 1 or 2 "
        "against U for a child now recorded as not known).",
        rulesets=frozenset({"lac2024_25"}),
        rows=_sex_recoded,
    ),
    "SW12STG2": Allow(
        "Social worker episodes for the full year: the rule cannot pass for an open episode that "
        "does not start a period (it needs SW_DECOM on or before a blank DEC; its own test flags "
        "such a row while its comment says 'Pass'), nor for a child who left care and came back in "
        "the year; and it flags children not looked after on 31 March, whom its message (and "
        "SW01STG1, SW17STG2) leave out and the return does not report.",
        rows=_sw12_explained,
    ),
    "SW09STG2": Allow(
        "Social worker episode 'lasted for less than 24 hours': from 2025-26 the rule flags any "
        "under 3 days, but its message (and the 2023-24 rule, SW_DEC = SW_DECOM) says a day; the "
        "generator's shortest allocations, a day or two, are whole periods of care that short "
        "(police protection) of children who came back into care by 31 March.",
        rulesets=frozenset({"lac2025_26", "lac2026_27"}),
        rows=_a_day_or_more,
    ),
    "SW10STG2": Allow(
        "New social worker episode not within 7 days of the previous one, in 2023-24, for the first "
        "contact (FCONTA) of a child coming back into care after leaving it in the year: there is "
        "no allocation while the child is out of care; from 2024-25 the rule exempts FCONTA.",
        rulesets=frozenset({"lac2023_24"}),
        rows=_first_contact,
    ),
    "SW11aSTG2": Allow(
        "Social worker episode ended before 31 March with no episode within 5 days, for the same "
        "children as SW10STG2 (2023-24 only: the rule is deleted from 2024-25).",
        rulesets=frozenset({"lac2023_24"}),
        rows=_first_contact,
    ),
    "146": Allow(
        "K3 flagged as an invalid placement type in 2024-25: this ruleset's code list has 'k3' in "
        "lower case (validator bug) and the reader upper-cases every value; K3 is the 2024-25 "
        "code.",
        rulesets=frozenset({"lac2024_25"}),
        rows=_k3,
    ),
    "625": Allow(
        "Mother's child born after the child's latest ended episode, for a girl still looked "
        "after (open episode) at 31 March: the rule takes the DEC of the latest episode that has "
        "one, so it flags a birth after any placement change (validator false positive; DfE: "
        "'the date the child ceased to be looked after').",
        rows=_still_looked_after_mother,
    ),
}
# Rules that raise on any return the validator can read: code -> reason.
ALLOWED_CRASHES: dict[str, str] = {
    "231": "validator bug: reads Header column UASC_STATUS, which its own CSV reader "
    "(config.column_names) never provides (KeyError on every CSV upload).",
    "233": "validator bug: reads Episodes column DATE_EPISODE_CEASED, a column no 903 file has "
    "(KeyError on every upload; the field is DEC).",
    "706": "validator bug: reads last year's DoLo (DoLo_last) without checking that it was given; "
    "DoLo is new in 2026-27, so no previous return has it (KeyError on every upload with DoLo).",
    "709": "validator bug (only with --no-aliases): reads Episodes column PLACEMENT, which no 903 "
    "file has (the field is PLACE); by default the script runs it with PLACEMENT = PLACE.",
    "710": "as 709.",
}

# the 903 columns of each table the synthetic truth can supply: the pack's own table specs, read
# with the standard library (this script runs in the validator's venv and cannot import pipeline)
_SPECS = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "pipeline" / "data" / "tables.toml").read_text("utf-8")
)
COLUMNS = {
    t: _SPECS[t]["required"]
    for t in ("header", "episodes", "missing", "oc2", "reviews", "sw_episodes", "dolo")
}
SW_EPISODES_FROM = 2024  # first return (by its closing year) with SWEpisodes: 2023-24
DOLO_FROM = 2027  # first return with DoLo: 2026-27
SEX_MF_FROM = 2025  # SEX M/F/U from the 2024-25 return (rule 101), 1/2 before


class InputError(Exception):
    """A problem with the arguments or the truth folder (exit status 2)."""


def _date(text: pd.Series) -> pd.Series:
    """dd/mm/yyyy (optionally followed by a time) -> Timestamp at midnight; blank -> NaT."""
    return pd.to_datetime(text.str[:10], format="%d/%m/%Y", errors="coerce")


def read_truth(folder: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in COLUMNS:
        path = folder / f"{name}.csv"
        if not path.is_file():
            if name in ("header", "episodes"):
                raise InputError(f"{path} not found: is {folder} a truth extract folder?")
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in COLUMNS[name] if c not in frame.columns]
        if missing:
            raise InputError(f"{path}: columns {missing} missing")
        tables[name] = frame
    return tables


def build_return(
    truth: dict[str, pd.DataFrame], year: int, with_oc2: bool = True
) -> dict[str, pd.DataFrame]:
    """The 903 return for the collection year ending 31 March `year`, as text tables. `with_oc2`:
    the truth's oc2 is this year's OC2 (the extract is the year's March one)."""
    start = pd.Timestamp(year - 1, 4, 1)
    end = pd.Timestamp(year, 3, 31)

    ep = truth["episodes"].copy()
    decom, dec = _date(ep["DECOM"]), _date(ep["DEC"])
    keep = (decom <= end) & (dec.isna() | (dec >= start))
    ep, decom, dec = ep[keep].copy(), decom[keep], dec[keep]  # open at some time in the year
    reopen = dec > end
    ep.loc[reopen, ["DEC", "REC", "REASON_PLACE_CHANGE"]] = ""
    ep = ep.assign(_decom=decom).sort_values(["CHILD", "_decom"], kind="stable")
    children = pd.Index(ep["CHILD"].unique())

    header = truth["header"]
    header = header[header["CHILD"].isin(children)].copy()
    later_birth = _date(header["MC_DOB"]) > end  # not yet a mother at 31 March
    header.loc[later_birth, "MOTHER"] = "0"
    header.loc[later_birth, "MC_DOB"] = ""
    # SEX in the year's codes (the extract writes those of its own year)
    recode = {"1": "M", "2": "F"} if year >= SEX_MF_FROM else {"M": "1", "F": "2"}
    header["SEX"] = header["SEX"].replace(recode)

    out = {"header": header, "episodes": ep.drop(columns="_decom")}

    if "sw_episodes" in truth and year >= SW_EPISODES_FROM:
        # the children looked after on 31 March (an open episode, short breaks aside: the CLA at
        # 31 March of SW01STG1 and SW12STG2), each allocation open at some time in the year; one
        # still open on 31 March goes in open
        open_31 = ep["DEC"].eq("") & ~ep["LS"].isin(["V3", "V4"])
        cla = set(ep.loc[open_31, "CHILD"])
        sw = truth["sw_episodes"]
        sw_start, sw_end = _date(sw["SW_DECOM"]), _date(sw["SW_DEC"])
        keep = sw["CHILD"].isin(cla) & (sw_start <= end) & (sw_end.isna() | (sw_end >= start))
        sw, sw_end = sw[keep].copy(), sw_end[keep]
        sw.loc[sw_end > end, "SW_DEC"] = ""
        out["sw_episodes"] = sw

    if "dolo" in truth and year >= DOLO_FROM:
        # orders open at some time in the year, of children in the return; open on 31 March: open
        do = truth["dolo"]
        do_start, do_end = _date(do["DOLO_START"]), _date(do["DOLO_END"])
        keep = do["CHILD"].isin(children) & (do_start <= end) & (do_end.isna() | (do_end >= start))
        do, do_end = do[keep].copy(), do_end[keep]
        do.loc[do_end > end, "DOLO_END"] = ""
        out["dolo"] = do

    if "missing" in truth:
        mi = truth["missing"][COLUMNS["missing"]].copy()
        ms, me = _date(mi["MIS_START"]), _date(mi["MIS_END"])
        keep = (ms <= end) & (me.isna() | (me >= start))
        mi, me = mi[keep].copy(), me[keep]
        mi["MIS_START"] = mi["MIS_START"].str[:10]
        mi["MIS_END"] = mi["MIS_END"].str[:10].where(~(me > end), "")
        out["missing"] = mi

    if "reviews" in truth:
        rv = truth["reviews"]
        day = _date(rv["REVIEW"])
        out["reviews"] = rv[(day >= start) & (day <= end)].copy()

    if "oc2" in truth and with_oc2:
        out["oc2"] = truth["oc2"].copy()

    for name, frame in out.items():
        out[name] = frame[COLUMNS[name]].reset_index(drop=True)
    return out


def write_return(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths


def ruleset_for(year: int) -> str:
    return f"lac{year - 1}_{year % 100:02d}"


def year_from_folder(folder: Path) -> int:
    """Collection year (its closing calendar year) whose end is the last one on or before the
    extract month YYYY-MM named by `folder`."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", folder.name)
    if not m:
        raise InputError(f"cannot tell the month of {folder}: give --year")
    y, mo = int(m.group(1)), int(m.group(2))
    return y if mo >= 3 else y - 1


class _Crashes(logging.Handler):
    """Collects the exception of each rule the validator reports as failed to run."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        m = re.match(r"Rule code (\S+) failed to run", record.getMessage())
        if m and record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.errors[m.group(1)] = f"{type(exc).__name__}: {exc}"


# Rules that read a column under a name no 903 file has: rule code -> (table, column it reads,
# the 903 column it means). Run (unless --no-aliases) on tables that also carry the column under
# the name the rule reads, so that the rule checks what it is meant to instead of crashing.
COLUMN_ALIASES = {
    "709": ("Episodes", "PLACEMENT", "PLACE"),
    "710": ("Episodes", "PLACEMENT", "PLACE"),
}


def _with_column_aliases(registry: dict) -> dict:
    """`registry` with each COLUMN_ALIASES rule run on tables given the column it reads."""
    import dataclasses

    out = dict(registry)
    for code, (table, alias, column) in COLUMN_ALIASES.items():
        if code not in out:
            continue
        rule = out[code]

        def func(dfs, _func=rule.func, _t=table, _a=alias, _c=column):
            if _t in dfs and _c in dfs[_t] and _a not in dfs[_t]:
                dfs = {**dfs, _t: dfs[_t].assign(**{_a: dfs[_t][_c]})}
            return _func(dfs)

        out[code] = dataclasses.replace(rule, func=func)
    return out


def _deep_copy_datastore(data_store):
    return {k: v.copy(deep=True) if k != "metadata" else v for k, v in data_store.items()}


def run_validator(
    this_year: list[Path],
    prev_year: list[Path],
    ruleset: str,
    year: int,
    la: str,
    verbose: bool,
    isolate: bool = True,
    aliases: bool = True,
):
    """Every rule of `ruleset` on the files, as the validator's `run-offline` drives it.

    isolate: give each rule a deep copy of the tables. The validator means each rule to get "a
    clean copy" but makes a shallow one, so a rule writing into a table with .loc changes it for
    every rule after it (rule 365 writes the collection end into the DEC of every open episode, and
    575/577/580/625 then see children still looked after as having left)."""
    import lac_validator.lac_validator as lv
    from lac_validator.report import Report
    from lac_validator.utils import process_uploaded_files

    if isolate:
        lv.copy_datastore = _deep_copy_datastore

    root = logging.getLogger()
    if not verbose:  # the validator configures INFO logging to stderr on import
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(logging.NullHandler())
        root.setLevel(logging.CRITICAL)
    crashes = _Crashes()
    engine_log = logging.getLogger("lac_validator.lac_validator")
    engine_log.addHandler(crashes)
    engine_log.setLevel(logging.INFO if verbose else logging.ERROR)

    module = importlib.import_module(f"lac_validator.rules.{ruleset}")
    registry = _with_column_aliases(module.registry) if aliases else module.registry
    files = {"This year": [str(p) for p in this_year]}
    if prev_year:
        files["Prev year"] = [str(p) for p in prev_year]
    chatter = io.StringIO()  # some rules print their results
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stdout if verbose else chatter):
        if not verbose:
            warnings.simplefilter("ignore")
        validator = lv.LacValidator(
            metadata={"collectionYear": str(year), "localAuthority": la},
            files=process_uploaded_files(files),
            registry=registry,
            selected_rules=None,
        )
        report = Report(validator.ds_results, registry)
        errors = report.error_report
        errors = errors[errors["Count"] > 0]
        if len(errors):
            issues = lv.create_issue_df(report.report, report.error_report)
        else:
            issues = pd.DataFrame(columns=["child_id", "tables_affected", "row_id", "rule_code"])
    engine_log.removeHandler(crashes)
    messages = {code: rule.message for code, rule in registry.items()}
    return errors, issues, validator, messages, crashes.errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the SSDA903 return for a collection year from a synthetic truth "
        "extract and run the DfE validator on it.",
    )
    parser.add_argument(
        "--truth", required=True, type=Path, help="truth extract folder (DIR/truth/YYYY-MM)"
    )
    parser.add_argument(
        "--year",
        type=int,
        help="collection year, by its closing calendar year (2023 = 2022-23); "
        "default: the last year ended by the extract's month",
    )
    parser.add_argument("--ruleset", help="validator ruleset (default: lacYYYY_YY of --year)")
    parser.add_argument("--la", default="E09000027", help="local authority code (metadata)")
    parser.add_argument(
        "--no-previous",
        dest="previous",
        action="store_false",
        help="do not give the previous year's return as 'Prev year'",
    )
    parser.add_argument(
        "--examples", type=int, default=3, metavar="N", help="example rows per rule (default 3)"
    )
    parser.add_argument("--keep", type=Path, help="write the return here and keep it")
    parser.add_argument(
        "--shared-copies",
        action="store_true",
        help="run the rules as the validator ships, on shallow copies one rule can change for the "
        "next (default: each rule gets its own deep copy)",
    )
    parser.add_argument(
        "--no-aliases",
        dest="aliases",
        action="store_false",
        help="run the rules of COLUMN_ALIASES as shipped (they crash: they read a column no 903 "
        "file has)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="the validator's own log")
    args = parser.parse_args(argv)

    try:
        folder = args.truth
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder")
        year = args.year or year_from_folder(folder)
        ruleset = args.ruleset or ruleset_for(year)
        m = re.fullmatch(r"(\d{4})-(\d{2})", folder.name)
        if m and (int(m.group(1)), int(m.group(2))) < (year, 3):
            raise InputError(
                f"extract {folder.name} ends before 31 March {year}: the {year - 1}-"
                f"{year % 100:02d} return needs an extract at or after the year's end"
            )
        truth = read_truth(folder)
        march = bool(m) and (int(m.group(1)), int(m.group(2))) == (year, 3)
        this_year = build_return(truth, year, with_oc2=march)
        prev = build_return(truth, year - 1, with_oc2=False) if args.previous else None
        if prev is not None and prev["episodes"].empty:
            prev = None
    except InputError as exc:
        print(f"validate_903: {exc}", file=sys.stderr)
        return 2

    import lac_validator

    rules_dir = Path(lac_validator.__file__).parent / "rules"
    known = sorted(p.name for p in rules_dir.glob("lac*") if p.is_dir())
    if ruleset not in known:
        print(
            f"validate_903: no ruleset {ruleset} in this validator (has {', '.join(known)})",
            file=sys.stderr,
        )
        return 2

    with tempfile.TemporaryDirectory(prefix="validate903-") as tmp:
        base = args.keep or Path(tmp)
        this_paths = write_return(this_year, base / "this_year")
        prev_paths = write_return(prev, base / "prev_year") if prev is not None else []
        errors, issues, validator, messages, crash_text = run_validator(
            this_paths,
            prev_paths,
            ruleset,
            year,
            args.la,
            args.verbose,
            not args.shared_copies,
            args.aliases,
        )

    rows = ", ".join(f"{t} {len(f)}" for t, f in this_year.items())
    print(f"SSDA903 {year - 1}-{year % 100:02d} return from {folder} ({rows})")
    prev_note = (
        f"previous year given ({len(prev['episodes'])} episodes)"
        if prev is not None
        else "no previous year"
    )
    if "oc2" not in this_year:
        print(f"no OC2: the extract is not the one of March {year}, OC2 rules are skipped")
    aliased = [c for c in COLUMN_ALIASES if c in messages]
    if aliased and args.aliases:
        print(
            "run with column aliases (the rule reads a column no 903 file has): "
            + ", ".join(
                f"{c} {'.'.join(COLUMN_ALIASES[c][:2])} = {COLUMN_ALIASES[c][2]}" for c in aliased
            )
        )
    n_rules = len(messages)
    print(
        f"ruleset {ruleset}: {n_rules} rules, {len(validator.dones)} ran, "
        f"{len(validator.skips)} skipped (tables absent), {len(validator.fails)} crashed; {prev_note}"
    )
    unexplained = []
    print(f"{len(errors)} rule(s) fired" + (":" if len(errors) else ""))
    for row in errors.itertuples(index=False):
        code = row.Code
        hits = issues[issues["rule_code"] == code].drop_duplicates(["tables_affected", "row_id"])
        per_table = hits.groupby("tables_affected").size()
        where = ", ".join(f"{t} {n}" for t, n in per_table.items())
        allow = ALLOWED.get(code)
        if allow is not None and allow.rulesets is not None and ruleset not in allow.rulesets:
            allow = None
        left = hits
        tables = {**validator.ds_results, "metadata": validator.metadata}
        if allow is not None and allow.rows is not None:
            keep = []
            for table, group in hits.groupby("tables_affected"):
                rows = validator.ds_results[table].loc[group["row_id"].to_numpy()]
                keep.append(group[~allow.rows(table, rows, tables).to_numpy()])
            left = pd.concat(keep) if keep else hits.iloc[:0]
        elif allow is not None:
            left = hits.iloc[:0]
        if allow is None:
            tag = "FAIL"
        elif len(left):
            tag = "PARTLY"
        else:
            tag = "allowed"
        print(f"  {code:<10} {tag:<8} rows {int(row.Count):>5} ({where})  {row.Description}")
        if allow is not None:
            print(f"  {'':<10} reason: {allow.reason}")
        if len(left):
            unexplained.append(code)
            if args.examples:
                kids = ", ".join(left["child_id"].astype(str).drop_duplicates().head(args.examples))
                print(f"  {'':<10} {len(left)} row(s) unexplained, e.g. CHILD {kids}")
    for code in validator.fails:
        reason = ALLOWED_CRASHES.get(code)
        tag = "allowed" if reason else "FAIL"
        print(f"  {code:<10} crashed  {tag}: {crash_text.get(code, '(no exception recorded)')}")
        print(f"  {'':<10} rule: {messages.get(code, '')}")
        if reason:
            print(f"  {'':<10} reason: {reason}")
        else:
            unexplained.append(code)
    if unexplained:
        print(f"unexplained: {len(unexplained)} rule(s): {', '.join(unexplained)}")
        return 1
    print("ok: every rule that fired or crashed is explained in the allow-list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
