"""Looked-after children (SSDA903) analysis pack.

Data flows one way, and so do imports: ingest (load, clean) -> model (every definition once) ->
indicators -> analyses -> report (words, HTML) -> run (notebooks, batch) -> cli. See
docs/architecture.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lac-analysis-pack")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
