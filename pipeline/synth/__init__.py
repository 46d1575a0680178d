"""A synthetic local authority: simulated SSDA903 extracts (dirty) and their clean truth.

The generator simulates a fictional LA's looked-after children from `history_start` to `end`,
vectorised over children (numpy arrays stepping through events round by round, never a Python loop
per child), then writes one extract per reporting month:

- ``truth/YYYY-MM/``: header, episodes, missing, sdq, oc2, reviews, health (local), oc3, uasc,
  ad1, placed_for_adoption, and from 2023-24 sw_episodes, from 2026-27 dolo (canonical 903 CSV,
  each collection year's codes: SEX 1/2 to 2023-24, M/F/U from 2024-25; real ONS postcodes
  around the home area) + faults.csv
- ``raw/YYYY-MM/``: the same data as a case-management system might export it, with faults
  (faults.py): one CSV per table, or (``output_format="xml"``) the 903 tables as one XML file in
  the DfE's shape with the local tables (missing, sdq, health) as CSV beside it (xml903.py).

Modules: calibration (the documented constants: the truth the analyses must rediscover),
simulate (the vectorised simulation), faults (the faults of the raw copy), write (the 903 text,
the monthly files and generate()) and xml903 (the XML form). Inside pipeline, the package imports
only pipeline.codes and pipeline.data.
"""

from pipeline.synth.calibration import NATIONAL_SCALE, PLACEMENT_AGE_HAZARD_RATIO
from pipeline.synth.faults import FAULT_COLUMNS, FAULT_RATES, RECOVERABLE
from pipeline.synth.write import TABLE_COLUMNS, generate, looked_after, truth_tables

__all__ = [
    "FAULT_COLUMNS",
    "FAULT_RATES",
    "NATIONAL_SCALE",
    "PLACEMENT_AGE_HAZARD_RATIO",
    "RECOVERABLE",
    "TABLE_COLUMNS",
    "generate",
    "looked_after",
    "truth_tables",
]
