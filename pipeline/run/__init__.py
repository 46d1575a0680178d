"""The run layer: one month opened the same way by every notebook (`month`), the monthly batch
(`batch`: papermill over a warm `kernel`, `render` to HTML, the `index` page).

PARAMETERS are the notebook parameters the batch passes, in the order each notebook's
`parameters` cell declares them (`config_path`: the settings file, validated by the batch
before any notebook runs). LEAD_REPORT is the report a reader opens first (the scorecard): the
index and every report's links list it first, the rest in run order."""

import sys

# jsonschema, which papermill and nbformat import, builds an IRI grammar at import time when the
# optional `rfc3987_syntax` is installed (about 2 s; jupyterlab's dependencies install it). The
# batch never validates IRIs, so the module is marked absent in the processes that import this.
sys.modules.setdefault("rfc3987_syntax", None)

PARAMETERS = ("month", "raw_root", "processed_root", "output_root", "config_path")
LEAD_REPORT = "04_corporate_parenting_scorecard"


def reading_order(stems) -> list:
    """Report names (or paths, by their stem) with LEAD_REPORT first, the rest in run order."""
    items = list(stems)
    stem = [getattr(i, "stem", i) for i in items]
    order = sorted(range(len(items)), key=lambda i: (stem[i] != LEAD_REPORT, stem[i]))
    return [items[i] for i in order]
