"""Compute: indicator definitions, turned into checked xarray cubes.

Takes tidy observations (counts and amounts with pint units) and the indicator
definitions (``indicators/*.toml``) and hands on one cube per indicator: rates computed
from numerators and denominators, aggregated up the territorial hierarchy, with
observation status, quality findings and per-observation provenance.
"""

from sdmx_tools.compute.cube import Computed, compute_indicator, cube_to_frame
from sdmx_tools.compute.definitions import IndicatorDef, Term, load_indicators
from sdmx_tools.compute.provenance import source_detail
from sdmx_tools.compute.reduce import KEY, TOTAL, as_engine, inventory

__all__ = [
    "KEY",
    "TOTAL",
    "Computed",
    "IndicatorDef",
    "Term",
    "as_engine",
    "compute_indicator",
    "cube_to_frame",
    "inventory",
    "load_indicators",
    "source_detail",
]
