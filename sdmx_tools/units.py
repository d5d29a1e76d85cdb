"""Units: one pint registry for every measure, with unit checks and conversions.

Every measure carries a pint unit string. Counts of people, deaths or seats are
dimensionless ``count``; a rate per 100,000 is ``count / count`` scaled by the indicator's
multiplier, and its definition names the SDMX UNIT_MEASURE (``PER_100000_POP``). Money in
Mexican pesos uses
the ``MXN`` currency dimension, so ``thousand_MXN`` converts but never mixes with tonnes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pint

from sdmx_tools.errors import UnitError

__all__ = ["convert", "parse_unit", "registry"]

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
"""


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The toolkit's shared pint registry (built once)."""
    ureg: pint.UnitRegistry = pint.UnitRegistry()
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


def convert(values: np.ndarray, from_unit: str, to_unit: str, *, where: str | None = None
            ) -> np.ndarray:
    """Convert an array of magnitudes between two units.

    Raises
    ------
    UnitError
        If either unit is unknown or their dimensions differ (tonnes to pesos).
    """
    src, dst = parse_unit(from_unit, where=where), parse_unit(to_unit, where=where)
    if src == dst:
        return np.asarray(values, dtype="float64")
    try:
        factor = registry().Quantity(1.0, src).to(dst).magnitude
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"unit {from_unit!r} cannot be converted to {to_unit!r} "
            f"({src.dimensionality} vs {dst.dimensionality})",
            file=where,
            value=from_unit,
            hint=f"declare a unit with the same dimension as {to_unit!r}",
        ) from exc
    return np.asarray(values, dtype="float64") * factor
