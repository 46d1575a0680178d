"""Privacy scan: no stakeholder HTML holds a child identifier, date of birth or postcode from the input.

Runs over every HTML the batch wrote for the small synthetic LA (reports and index), with the
style sheets and embedded images removed so only what a reader can see or copy is scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _identifiers(raw_root: Path) -> dict[str, set[str]]:
    ids, dobs, postcodes = set(), set(), set()
    for path in raw_root.glob("*/*.*"):
        if path.suffix.lower() != ".csv":
            continue
        if path.stat().st_size == 0:
            continue
        try:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, encoding="cp1252", keep_default_na=False)
        frame.columns = [c.strip().upper().replace(" ", "_") for c in frame.columns]
        for column in ("CHILD", "UPN"):
            if column in frame:
                ids |= {
                    v.strip().lstrip("0").removesuffix(".0")
                    for v in frame[column]
                    if len(v.strip()) >= 4
                }
        for column in ("DOB", "MC_DOB"):
            if column in frame:
                text = frame[column].str.strip().str[:10]
                parsed = (
                    pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
                    .fillna(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
                    .dropna()
                )
                dobs |= set(parsed.dt.strftime("%d/%m/%Y")) | set(parsed.dt.strftime("%Y-%m-%d"))
        for column in ("HOME_POST", "PL_POST"):
            if column in frame:
                postcodes |= {v.strip().upper() for v in frame[column] if len(v.strip()) >= 5}
    return {"ids": ids, "dobs": dobs, "postcodes": postcodes}


def _visible_text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S | re.I)
    page = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", " ", page)
    return page


def test_no_identifiers_in_stakeholder_html(rendered_outputs, small_synth):
    found = _identifiers(small_synth / "raw")
    assert len(found["ids"]) > 100 and found["dobs"] and found["postcodes"], "scan found no inputs"
    pages = [p for p in rendered_outputs.rglob("*.html") if "restricted" not in p.parts]
    assert len(pages) >= 4
    for page in pages:
        text = _visible_text(page.read_text(encoding="utf-8"))
        tokens = set(re.findall(r"[A-Za-z0-9]+", text))
        leaked = tokens & found["ids"]
        assert not leaked, f"{page.name}: child identifiers {sorted(leaked)[:5]}"
        upper = text.upper()
        dob = [d for d in found["dobs"] if d in text]
        assert not dob, f"{page.name}: dates of birth {dob[:3]}"
        post = [p for p in found["postcodes"] if p in upper]
        assert not post, f"{page.name}: postcodes {post[:3]}"


def test_child_level_lists_only_in_restricted(rendered_outputs):
    # nothing child-level anywhere in the publishable outputs folder
    for csv in rendered_outputs.rglob("*.csv"):
        assert csv.name in {"kpis.csv", "published.csv"}, f"child-level file in outputs/: {csv}"
        assert "CHILD" not in csv.read_text().splitlines()[0].split(",")
    assert not list(rendered_outputs.rglob("restricted"))
    # the lists are in restricted/YYYY-MM beside it, each with its note
    lists = list((rendered_outputs.parent / "restricted").glob("*/*.csv"))
    assert {p.name for p in lists} >= {"sdq_at_risk_children.csv", "repeat_missing_children.csv"}
    for csv in lists:
        assert (csv.parent / "SENSITIVE.txt").is_file()
        assert csv.read_text().splitlines()[0].startswith("sensitivity")
