"""Looked-after children (SSDA903) analysis pack.

Data flows one way: load -> clean -> model (placements, missing, sdq) -> indicators -> notebooks -> runner.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lac-analysis-pack")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
