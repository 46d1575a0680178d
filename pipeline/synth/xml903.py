"""The 903 XML form of an extract (`python -m pipeline synth --format xml`).

The DfE's SSDA903 XML, as the DfE-rules validator (`csc-validator-be-903`) reads it
(`lac_validator/ingress.py`, `read_xml_from_text`) and as its example `tests/fake_data/fake_903.xml`
writes it: the declaration `<?xml version='1.0' encoding='us-ascii'?>`, then on one line a root
`EXPSSDA903` holding one `CHILD` element per header row:

    <CHILD>
      <HEADER>
        <CHILDID/> <UPN/> <SEX/> <DOB/> <ETHNIC/>      header (CHILD is CHILDID)
        <UASC/> [<DUC/>]                               UASC 1 and DUC for a child in the uasc table
        [<IN_TOUCH/> <ACTIV/> <ACCOM/>]                oc3, as leaves of HEADER (first row)
        [<DATE_INT/> ... <LS_ADOPTR/>]                 ad1, as leaves of HEADER (first row)
        <AREVIEW> <REVIEW/> <REVIEW_CODE/> </AREVIEW>  one per review
        <MOTHER/> <MC_DOB/>
        <OC2> SDQ_SCORE ... INTERVENTION_OFFERED </OC2>
        <PERMANENCE> PREV_PERM LA_PERM DATE_PERM </PERMANENCE>
        <AD_PLACED> DATE_PLACED DATE_PLACED_CEASED REASON_PLACED_CEASED </AD_PLACED>
        <SW_EPISODE> SW_ID SW_DECOM SW_DEC SW_REASON </SW_EPISODE>
        <DOLO> DOLO_START DOLO_END </DOLO>
      </HEADER>
      <EPISODE> DECOM RNE LS CIN PL PL_POST HOME_POST URN PLACE_PROVIDER DEC REC
                REASON_PLACE_CHANGE </EPISODE>            one per episode (PLACE is PL)
    </CHILD>

Nested rows carry no CHILD or DOB (the reader takes them from the HEADER). A blank value is an
empty element (`<DEC />`), as in the example; every field is written, so the reader (which
gathers all the leaves of a CHILD) never takes a value from another row. Dates are the text the
extract holds (dd/mm/yyyy in the truth, the faults' other forms in the dirty copy). Social worker
episodes are SW_EPISODE elements in HEADER, the name the validator's current reader looks for
(the released 0.1.17 reader knows none); it knows no element for DoLOs, so DOLO (the table's name)
follows the same pattern. The local tables (LOCAL_TABLES: missing with times and
return interviews, the sdq history) stay CSV beside the XML, so `missing` is not written as
AMISSING.

Rows are placed under the CHILD element of their true child (the first header row of it), so the
faults a nested row's CHILD or DOB cell carries in the CSV form cannot exist in the XML form:
`xml_faults` leaves them out of faults.csv. Written streaming, a block of children at a time, each
element built vectorised over a table's rows (no Python loop per child).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

LOCAL_TABLES = ("missing", "sdq", "health")
TAG = {"CHILD": "CHILDID", "PLACE": "PL"}
HEAD_FIELDS = ["CHILD", "UPN", "SEX", "DOB", "ETHNIC"]
EPISODE_FIELDS = [
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PL_POST",
    "HOME_POST",
    "URN",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
]
LEAF_TABLES = {  # tables written as leaves of HEADER (one row per child)
    "oc3": ["IN_TOUCH", "ACTIV", "ACCOM"],
    "ad1": ["DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
}
NESTED = {  # table -> (element, fields), in the order they follow MOTHER / MC_DOB
    "oc2": (
        "OC2",
        [
            "SDQ_SCORE",
            "SDQ_REASON",
            "CONVICTED",
            "HEALTH_CHECK",
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ],
    ),
    "previous_permanence": ("PERMANENCE", ["PREV_PERM", "LA_PERM", "DATE_PERM"]),
    "placed_for_adoption": (
        "AD_PLACED",
        ["DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    ),
    "sw_episodes": ("SW_EPISODE", ["SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]),
    "dolo": ("DOLO", ["DOLO_START", "DOLO_END"]),
}
XML_TABLES = ("header", "episodes", "reviews", "uasc", *LEAF_TABLES, *NESTED)
BLOCK = 20_000  # header rows (CHILD elements) built and written at a time
_SPECIAL = re.compile(r"[&<>]")


def xml_faults(faults: pd.DataFrame) -> pd.DataFrame:
    """faults.csv of the XML form: without the faults of cells the XML has no place for (the
    CHILD and DOB of rows nested under a CHILD element: id_format, date_format on DOB,
    blank_child; the exact duplicates of the tables of one row per child, uasc, oc3, ad1)."""
    nested = faults["table"].isin([t for t in XML_TABLES if t != "header"])
    lost = nested & (faults["column"].isin(["CHILD", "DOB"]) | (faults["fault"] == "blank_child"))
    # a table of one row per child is written once per child (its first row): no duplicates
    lost |= faults["table"].isin(["uasc", *LEAF_TABLES]) & (faults["fault"] == "exact_duplicate")
    return faults[~lost].reset_index(drop=True)


def _text(values: np.ndarray) -> np.ndarray:
    """Values as XML text (object array): '&', '<', '>' escaped where any occurs."""
    out = np.asarray(values, dtype=object)
    series = pd.Series(out, dtype=object)
    special = series.str.contains(_SPECIAL, na=False).to_numpy()
    if special.any():
        fixed = (
            series[special]
            .str.replace("&", "&amp;", regex=False)
            .str.replace("<", "&lt;", regex=False)
            .str.replace(">", "&gt;", regex=False)
        )
        out = out.copy()
        out[special] = fixed.to_numpy(dtype=object)
    return out


def _leaves(frame: pd.DataFrame, fields: list[str]) -> np.ndarray:
    """Per row, the elements of `fields` (blank: an empty element)."""
    out = np.full(len(frame), "", dtype=object)
    for col in fields:
        tag = TAG.get(col, col)
        value = _text(frame[col].to_numpy(dtype=object))
        blank = value == ""
        out = out + np.where(blank, f"<{tag} />", f"<{tag}>" + value + f"</{tag}>")
    return out


def _wrapped(frame: pd.DataFrame, element: str, fields: list[str]) -> np.ndarray:
    """Per row, one `element` holding `fields`."""
    return f"<{element}>" + _leaves(frame, fields) + f"</{element}>"


def _first_rows(owner: np.ndarray) -> np.ndarray:
    """Positions of the first row of each owner."""
    return np.flatnonzero(~pd.Series(owner).duplicated().to_numpy())


def write_xml(path: Path, tables: dict[str, pd.DataFrame], owners: dict | None = None) -> None:
    """Write the 903 tables of one extract (those of XML_TABLES present in `tables`) as one
    EXPSSDA903 file. `owners`: each row's true CHILD per table (default: its CHILD), which places
    nested rows under their child's CHILD element (the first header row of the child)."""
    owners = owners or {t: f["CHILD"].to_numpy() for t, f in tables.items()}
    header = tables["header"]
    n_head = len(header)
    head_owner = np.asarray(owners["header"], dtype=object)
    first = _first_rows(head_owner)
    lookup = pd.Index(head_owner[first])

    def position(table: str) -> np.ndarray:
        pos = lookup.get_indexer(np.asarray(owners[table], dtype=object))
        if (pos < 0).any():
            raise ValueError(f"{table}: rows of a child with no header row cannot be nested")
        return first[pos]

    # tables of one row per child (leaves of HEADER): the first row of each child
    per_child: dict[str, pd.DataFrame] = {}
    for table in ("uasc", *LEAF_TABLES):
        if table in tables and len(tables[table]):
            frame = tables[table]
            keep = _first_rows(np.asarray(owners[table], dtype=object))
            pos = position(table)[keep]
            per_child[table] = frame.iloc[keep].set_axis(pos)
    # nested tables: rows sorted by the CHILD element they go in (stable: extract order)
    slots = [("reviews", "AREVIEW", ["REVIEW", "REVIEW_CODE"], 3)]
    slots += [(t, el, f, 5 + i) for i, (t, (el, f)) in enumerate(NESTED.items())]
    slots += [("episodes", "EPISODE", EPISODE_FIELDS, 11)]
    nested = []
    for table, element, fields, slot in slots:
        if table not in tables or not len(tables[table]):
            continue
        pos = position(table)
        order = np.argsort(pos, kind="stable")
        nested.append((tables[table], element, fields, slot, order, pos[order]))

    with open(path, "wb") as out:
        out.write(b"<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903>")
        for lo in range(0, n_head, BLOCK):
            hi = min(lo + BLOCK, n_head)
            pos = np.arange(lo, hi)
            head = header.iloc[lo:hi]
            uasc_part = np.full(hi - lo, "<UASC />", dtype=object)
            if "uasc" in per_child:
                u = per_child["uasc"].reindex(pos)
                has = u["CHILD"].notna().to_numpy()
                duc = _leaves(u[has].fillna(""), ["DUC"])
                uasc_part[has] = "<UASC>1</UASC>" + duc
            head1 = "<CHILD><HEADER>" + _leaves(head, HEAD_FIELDS) + uasc_part
            for table, fields in LEAF_TABLES.items():
                if table in per_child:
                    rows = per_child[table].reindex(pos)
                    has = rows["CHILD"].notna().to_numpy()
                    part = np.full(hi - lo, "", dtype=object)
                    part[has] = _leaves(rows[has], fields)
                    head1 = head1 + part
            parts = [
                (pos, 0, head1),
                (pos, 4, _leaves(head, ["MOTHER", "MC_DOB"])),
                (pos, 10, np.full(hi - lo, "</HEADER>", dtype=object)),
                (pos, 12, np.full(hi - lo, "</CHILD>", dtype=object)),
            ]
            for frame, element, fields, slot, order, sorted_pos in nested:
                a, b = np.searchsorted(sorted_pos, [lo, hi])
                if a == b:
                    continue
                rows = frame.iloc[order[a:b]]
                parts.append((sorted_pos[a:b], slot, _wrapped(rows, element, fields)))
            child_pos = np.concatenate([p[0] for p in parts])
            slot = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
            text = np.concatenate([p[2] for p in parts])
            seq = np.arange(len(text))
            order = np.lexsort((seq, slot, child_pos))
            out.write("".join(text[order]).encode("ascii", "xmlcharrefreplace"))
        out.write(b"</EXPSSDA903>")
