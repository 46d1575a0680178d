"""A synthetic local authority: simulated SSDA903 extracts (dirty) and their clean truth.

The generator simulates a fictional LA's looked-after children from `history_start` to `end`,
vectorised over children (numpy arrays stepping through events round by round, never a Python loop
per child), then writes one extract per reporting month:

- ``truth/YYYY-MM/``: header, episodes, missing, sdq, oc2, reviews (canonical 903 CSV) + faults.csv
- ``raw/YYYY-MM/``: the same data as a case-management system might export it, with faults
  (faults.py).

Modules: calibration (the documented constants: the truth the analyses must rediscover),
simulate (the vectorised simulation), faults (the faults of the raw copy) and write (the 903
text, the monthly files and generate()). Inside pipeline, the package imports only pipeline.codes.
"""

from pipeline.synth.calibration import NATIONAL_SCALE, PLACEMENT_AGE_HAZARD_RATIO
from pipeline.synth.faults import FAULT_RATES, RECOVERABLE
from pipeline.synth.write import TABLE_COLUMNS, generate, looked_after, truth_tables

__all__ = [
    "FAULT_RATES",
    "NATIONAL_SCALE",
    "PLACEMENT_AGE_HAZARD_RATIO",
    "RECOVERABLE",
    "TABLE_COLUMNS",
    "generate",
    "looked_after",
    "truth_tables",
]
