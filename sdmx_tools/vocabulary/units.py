"""Units: one pint registry for every measure, with unit checks and conversions.

Every measure carries a pint unit string. Counts of people, deaths or seats are
dimensionless ``count``; a rate per 100,000 is ``count / count`` scaled by the indicator's
multiplier, and its definition names the SDMX UNIT_MEASURE (``PER_100000_POP``). Money in
Mexican pesos uses
the ``MXN`` currency dimension, so ``thousand_MXN`` converts but never mixes with tonnes.

:data:`UNIT_MEASURES` maps SDMX UNIT_MEASURE codes to the pint unit a published value is in
(PT: ``percent``, PER_100000_POP: ``per_100000``); an indicator's declared ``multiplier``
and ``unit_mult`` must agree with the pint conversion of its result (:func:`check_result_unit`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pint

from sdmx_tools.errors import UnitError

__all__ = ["UNIT_MEASURES", "check_result_unit", "conversion_factor", "parse_unit", "registry"]

# Domain units on top of pint's defaults. Why aliases of count: a person, a victim and a
# seat are all things counted; the indicator definition says what is counted.
_DEFINITIONS = """
person = count = persons = people
victim = count = victims
death = count = deaths
seat = count = seats
household = count = households
dwelling = count = dwellings
MXN = [currency] = peso = pesos
thousand_MXN = 1000 * MXN = miles_de_pesos
million_MXN = 1000000 * MXN = millones_de_pesos
per_100 = 1e-2
per_1000 = 1e-3
per_10000 = 1e-4
per_100000 = 1e-5
per_1000000 = 1e-6
"""

# UNIT_MEASURE code -> pint unit of the published value (UNIT_MULT 0). The per_N units
# are defined above, so "per 100,000 population" is a unit pint can convert to.
UNIT_MEASURES: dict[str, str] = {
    "NUMBER": "count",
    "PT": "percent",
    "RO": "dimensionless",
    "IX": "dimensionless",
    "PER_100_POP": "per_100",
    "PER_1000_POP": "per_1000",
    "PER_10000_POP": "per_10000",
    "PER_100000_POP": "per_100000",
    "PER_1000000_POP": "per_1000000",
    "T": "t",
    "KG": "kg",
    "HA": "ha",
    "KM": "km",
    "KM2": "km**2",
    "CUR_LCU": "MXN",
}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The toolkit's shared pint registry (built once)."""
    # force_ndarray_like: pint-xarray refuses registries that may hand back Python scalars.
    ureg: pint.UnitRegistry = pint.UnitRegistry(force_ndarray_like=True)
    for line in _DEFINITIONS.strip().splitlines():
        ureg.define(line)
    return ureg


def parse_unit(text: str, *, where: str | None = None) -> pint.Unit:
    """Parse a unit string, raising :class:`UnitError` with a hint when pint does not know it."""
    try:
        return registry().Unit(text)
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, TypeError,
            ValueError, AssertionError) as exc:  # pint raises several kinds for bad text
        raise UnitError(
            "unknown unit",
            file=where,
            value=text,
            hint="use a pint unit such as 'count', 't', 'kg', 'ha', 'km**2', 'percent', 'MXN'",
        ) from exc


def conversion_factor(from_unit: str, to_unit: str, *, where: str | None = None) -> float:
    """The factor that converts magnitudes in ``from_unit`` to ``to_unit``.

    Raises
    ------
    UnitError
        If either unit is unknown or their dimensions differ; the message names ``where``
        (source and measure) and both units.
    """
    src, dst = parse_unit(from_unit, where=where), parse_unit(to_unit, where=where)
    if src == dst:
        return 1.0
    try:
        return float(registry().Quantity(1.0, src).to(dst).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"{where + ': ' if where else ''}unit {from_unit!r} cannot be converted to "
            f"{to_unit!r} ({src.dimensionality} vs {dst.dimensionality})",
            value=from_unit,
            hint=f"declare a unit with the same dimension as {to_unit!r}",
        ) from exc


def check_result_unit(result: pint.Unit, unit_measure: str, multiplier: float,
                      unit_mult: str, *, where: str | None = None) -> str:
    """Check that a result unit, scaled, is what ``unit_measure`` and ``unit_mult`` say.

    Parameters
    ----------
    result
        The pint unit of the unscaled result (``victim / person``, ``t / day / (t / day)``).
    unit_measure, unit_mult
        The declared SDMX UNIT_MEASURE and UNIT_MULT codes.
    multiplier
        The declared multiplier: published value = result x multiplier.

    Returns
    -------
    str
        The pint unit of the published value (``percent``).

    Raises
    ------
    UnitError
        If the code has no pint unit here, the dimensions differ (a mass for PT), or the
        multiplier disagrees (PT with multiplier 1).
    """
    if unit_measure not in UNIT_MEASURES:
        raise UnitError("no pint unit is known for this UNIT_MEASURE code", file=where,
                        value=unit_measure,
                        hint=f"known: {', '.join(UNIT_MEASURES)} (sdmx_tools.vocabulary.units)")
    target = UNIT_MEASURES[unit_measure]
    try:
        factor = float(registry().Quantity(1.0, result).to(target).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"the result unit {result!s} ({result.dimensionality}) cannot be expressed as "
            f"UNIT_MEASURE {unit_measure} ({target})", file=where, value=str(result),
            hint="check the numerator and denominator units") from exc
    want = factor / 10 ** int(unit_mult)
    if not math.isclose(multiplier, want, rel_tol=1e-9):
        raise UnitError(
            f"multiplier {multiplier:g} disagrees with UNIT_MEASURE {unit_measure} and "
            f"UNIT_MULT {unit_mult}: a result in {result!s} needs multiplier {want:.10g}",
            file=where, value=multiplier, hint=f"set multiplier = {want:.10g}")
    return target
