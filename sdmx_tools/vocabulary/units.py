"""Units: one pint registry for every measure, with unit checks and conversions.

Every measure carries a pint unit string. What a source counts has its own dimension:
``person``, ``victim``, ``death``, ``birth``, ``seat``, ``household``, ``dwelling``,
``event``, ``vehicle``, ``establishment`` (plus pint's plain ``count``), so deaths never
pass for a population, nor a percentage or a length for a count. A rate per 100,000 is
``death / person`` scaled by the indicator's multiplier, and its definition names the SDMX
UNIT_MEASURE (``PER_100000_POP``). Money in Mexican pesos uses the ``MXN`` currency
dimension, so ``thousand_MXN`` converts but never mixes with tonnes.

:data:`UNIT_MEASURES` maps SDMX UNIT_MEASURE codes to the pint unit a published value is in
(PT: ``percent``, PER_100000_POP: ``per_100000 / person``). Checking a result against it,
the kind counted in the numerator drops out (deaths per person is "per population"), the
kind in the denominator does not (deaths per dwelling is not); an indicator's declared
``multiplier`` and ``unit_mult`` must agree with the conversion (:func:`check_result_unit`).
"""

from __future__ import annotations

import difflib
import math
from functools import lru_cache
from typing import Any

import pint
import platformdirs

from sdmx_tools.errors import UnitError

__all__ = ["COUNTED", "UNIT_MEASURES", "check_result_unit", "conversion_factor", "is_additive",
           "parse_unit", "registry"]

# Things counted, each its own base dimension, with plural and Spanish aliases.
COUNTED: dict[str, tuple[str, ...]] = {
    "person": ("persons", "people", "habitante", "habitantes", "persona", "personas"),
    "victim": ("victims", "victima", "victimas"),
    "death": ("deaths", "defuncion", "defunciones"),
    "birth": ("births", "nacimiento", "nacimientos"),
    "seat": ("seats", "escano", "escanos"),
    "household": ("households", "hogar", "hogares"),
    "dwelling": ("dwellings", "vivienda", "viviendas"),
    "event": ("events", "incident", "incidents", "evento", "eventos"),
    "vehicle": ("vehicles", "vehiculo", "vehiculos"),
    "establishment": ("establishments", "establecimiento", "establecimientos"),
}
_DEFINITIONS = "\n".join(
    f"{name} = [{name}] = " + " = ".join(aliases) for name, aliases in COUNTED.items()
) + """
MXN = [currency] = peso = pesos
thousand_MXN = 1000 * MXN = miles_de_pesos
million_MXN = 1000000 * MXN = millones_de_pesos
per_100 = 1e-2
per_1000 = 1e-3
per_10000 = 1e-4
per_100000 = 1e-5
per_1000000 = 1e-6
"""
# Shown first when a unit is misspelt (pint knows thousands of names).
_COMMON = (*COUNTED, "count", "percent", "t", "kg", "g", "ha", "km", "m", "km**2", "MXN",
           "thousand_MXN", "million_MXN", "day", "year", "L", "m**3")

# UNIT_MEASURE code -> pint unit of the published value (UNIT_MULT 0). The per_N units
# are defined above, so "per 100,000 population" is a unit pint can convert to.
UNIT_MEASURES: dict[str, str] = {
    "NUMBER": "count",
    "PT": "percent",
    "RO": "dimensionless",
    "IX": "dimensionless",
    "PER_100_POP": "per_100 / person",
    "PER_1000_POP": "per_1000 / person",
    "PER_10000_POP": "per_10000 / person",
    "PER_100000_POP": "per_100000 / person",
    "PER_1000000_POP": "per_1000000 / person",
    "T": "t",
    "KG": "kg",
    "HA": "ha",
    "KM": "km",
    "KM2": "km**2",
    "CUR_LCU": "MXN",
}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The toolkit's shared pint registry (built once per process).

    Pint parses its definitions file anew for each process (about 0.1 s, a tenth of a
    small convert); its own disk cache keeps the parsed file, in the user's cache folder,
    one folder per pint version (the cache is pickled pint objects). A cache that cannot
    be written or read (a read-only home, a file cut short) is bypassed, never fatal.
    """
    # force_ndarray_like: pint-xarray refuses registries that may hand back Python scalars.
    try:
        folder = platformdirs.user_cache_path("sdmx-tools") / f"pint-{pint.__version__}"
        ureg: pint.UnitRegistry = pint.UnitRegistry(force_ndarray_like=True,
                                                    cache_folder=folder)
    except Exception:  # noqa: BLE001 - pickle, OS, pint errors: the cache is a shortcut
        ureg = pint.UnitRegistry(force_ndarray_like=True)
    for line in _DEFINITIONS.strip().splitlines():
        ureg.define(line)
    return ureg


def parse_unit(text: str, *, where: str | None = None) -> pint.Unit:
    """Parse a unit string, raising :class:`UnitError` with a hint when pint does not know it.

    An empty unit is refused: a measure says what it counts or measures.
    """
    hint = "use a pint unit such as 'person', 'death', 'dwelling', 't', 'kg', 'ha', " \
           "'km**2', 'percent', 'MXN'"
    if not isinstance(text, str) or not text.strip():
        raise UnitError("a unit is required", file=where, value=text, hint=hint)
    try:
        return registry().Unit(text)
    except Exception as exc:  # pint raises a dozen kinds (ZeroDivisionError for "1/0")
        near = difflib.get_close_matches(text.strip(), _COMMON, n=1, cutoff=0.6)
        raise UnitError("unknown unit", file=where, value=text,
                        hint=f"did you mean {near[0]!r}?" if near else hint) from exc


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
        factor = float(_per_kind(result).to(target).magnitude)
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


def _per_kind(unit: pint.Unit) -> Any:
    """One ``unit`` with the kinds counted in its numerator dropped: death/person -> 1/person."""
    quantity = registry().Quantity(1.0, unit).to_base_units()
    for name in COUNTED:
        power = float(quantity.dimensionality.get(f"[{name}]", 0))  # type: ignore[arg-type]
        if power > 0:
            quantity = quantity / registry().Unit(name) ** power
    return quantity


def is_additive(text: str) -> bool:
    """Whether values in this unit add up across areas: counts and amounts, not rates.

    A share (``percent``), a ratio or anything per a counted kind or per area
    (``1 / person``, ``kg / km**2``) does not; a count, a mass, money, or a flow per unit of
    time (``t/day``) does.
    """
    unit = parse_unit(text)
    dims = registry().Quantity(1.0, unit).dimensionality
    if not dims:
        return bool(unit == registry().count)
    return all(float(power) > 0 or name == "[time]"  # type: ignore[arg-type]
               for name, power in dims.items())
