"""Analyses: what the notebooks present beyond the indicators, as data (frames and dataclasses).

`headlines` holds the headline figures of an indicator series; `stability`, `disruption_sdq` and `missing_trends` the three analyses of SPEC 6; `cohorts`
the child-level lists for the restricted folder. The sentences are built in `pipeline.report`.
"""
