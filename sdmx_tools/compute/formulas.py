"""Indicator formulas beyond ratio x multiplier, as registered Python functions.

A definition names its formula (``formula = "complement_share"``); the default is
``ratio``. A formula takes the numerator and denominator as pint-quantified DataArrays
(summed at the level being computed: municipality, state or nation) and returns the
unscaled result as a quantity; the cube checks its unit against the declared
UNIT_MEASURE and applies the multiplier. Formulas therefore never see rates, only counts,
so aggregates stay sums of counts.

Register one with the decorator, in a module imported before the indicators load::

    @formula("complement_share")
    def complement_share(num, den):
        return (den - num) / den
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from sdmx_tools.errors import IndicatorError

__all__ = ["Formula", "formula", "get_formula"]

Formula = Callable[[xr.DataArray, xr.DataArray | None], xr.DataArray]
_REGISTRY: dict[str, Formula] = {}


def formula(name: str) -> Callable[[Formula], Formula]:
    """Decorator registering ``func`` as the formula ``name`` (a later one replaces it)."""
    def register(func: Formula) -> Formula:
        _REGISTRY[name] = func
        return func
    return register


def get_formula(name: str) -> Formula:
    """The formula registered as ``name``; :class:`IndicatorError` naming the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise IndicatorError("unknown formula", value=name,
                             hint=f"registered: {', '.join(sorted(_REGISTRY))}") from None


@formula("ratio")
def ratio(num: xr.DataArray, den: xr.DataArray | None) -> xr.DataArray:
    """Numerator over denominator; the numerator alone when there is no denominator."""
    return num if den is None else num / den


@formula("complement_share")
def complement_share(num: xr.DataArray, den: xr.DataArray | None) -> xr.DataArray:
    """Share of the denominator *not* in the numerator: (den - num) / den.

    For sources that count the deficit (dwellings without drainage) rather than the
    coverage; the deficit and the total are summed up the territory first.
    """
    if den is None:
        raise IndicatorError("formula complement_share needs a denominator")
    return (den - num) / den
