"""Indicator definitions as data: one TOML file per SDG indicator in ``indicators/``.

A definition names its SDG goal/target/number, SDMX SERIES code, names (es, en), the
numerator and denominator (source measures, units), the multiplier, the result's SDMX
UNIT_MEASURE/UNIT_MULT, disaggregations, the aggregation rule and its metadata. A user adds
an indicator by adding a file to the workspace's ``indicators/`` folder; a formula beyond
ratio x multiplier is a registered Python function (:mod:`sdmx_tools.compute.formulas`).

Loading checks what can be checked without data: the units parse, the formula's result
unit (through pint-xarray) is the declared UNIT_MEASURE at the declared multiplier and
UNIT_MULT, and SERIES, UNIT_MEASURE and UNIT_MULT are codes of the codelists in force
(bundled, or a workspace's ``codelists/`` beside its ``indicators/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pint
import pint_xarray  # noqa: F401  (registers the .pint accessor)
import xarray as xr

from sdmx_tools.compute.formulas import get_formula
from sdmx_tools.errors import IndicatorError, SpecError
from sdmx_tools.fsutil import bundled
from sdmx_tools.tomlspec import check_keys, get, load_toml
from sdmx_tools.vocabulary.codelists import CATALOGUE, Codelist, load_codelists
from sdmx_tools.vocabulary.dsd import DIMENSIONS
from sdmx_tools.vocabulary.units import check_result_unit, parse_unit, registry

__all__ = ["IndicatorDef", "Term", "load_indicators"]

_KEYS = ["id", "series", "goal", "target", "name", "frequency", "numerator", "denominator",
         "multiplier", "unit_measure", "unit_mult", "decimals", "range", "disaggregations",
         "incomplete", "formula", "metadata"]
# Dimensions an indicator cannot be disaggregated by: they key every observation already.
_FIXED = {"FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA"}
# Indicator frequency -> the months one of its periods holds.
FREQUENCIES = {"A": 12, "Q": 3, "M": 1}


@dataclass(frozen=True, slots=True)
class Term:
    """A numerator or denominator: a source measure in a unit, optionally filtered.

    ``period`` is ``same`` (same period as the numerator) or ``latest`` (the latest period
    at or before it, e.g. census population for later years). ``filter`` keeps only the
    observations whose dimension has one of the given codes (``{"SEX": ("F",)}``).
    """

    measure: str
    unit: str
    period: Literal["same", "latest"] = "same"
    filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """One indicator's definition (see the module docstring)."""

    id: str
    series: str
    goal: int
    target: str
    names: dict[str, str]
    frequency: str
    numerator: Term
    denominator: Term | None
    multiplier: float
    unit_measure: str
    unit_mult: str
    decimals: int
    range: tuple[float, float] | None
    disaggregations: tuple[str, ...]
    incomplete: Literal["withhold", "flag"]
    formula: str = "ratio"
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    file: Path | None = None

    def measures(self) -> list[str]:
        """Source measures this indicator needs."""
        return [t.measure for t in (self.numerator, self.denominator) if t is not None]


def load_indicators(dirs: Sequence[Path], codelists: Mapping[str, Codelist] | None = None
                    ) -> dict[str, IndicatorDef]:
    """Load every ``*.toml`` definition from ``dirs`` (later folders override by id).

    Parameters
    ----------
    dirs
        Indicator folders: the bundled one, then a workspace's.
    codelists
        Codelists to check SERIES, UNIT_MEASURE and UNIT_MULT against; by default the
        bundled ones overridden by any ``codelists/`` folder beside a folder of ``dirs``.
    """
    if codelists is None:
        codelists = load_codelists(_codelist_dirs(dirs))
    out: dict[str, IndicatorDef] = {}
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.toml")):
            d = load_indicator(path, codelists)
            out[d.id] = d
    return dict(sorted(out.items(), key=lambda kv: [int(p) if p.isdigit() else p
                                                    for p in kv[0].split(".")]))


def _codelist_dirs(dirs: Sequence[Path]) -> list[Path]:
    own = bundled("codelists").resolve()
    found = [Path(d).parent / "codelists" for d in dirs]
    return [f for f in found if (f / CATALOGUE).is_file() and f.resolve() != own]


def load_indicator(path: Path, codelists: Mapping[str, Codelist] | None = None
                   ) -> IndicatorDef:
    """Load and validate one indicator definition (see the module docstring)."""
    t = load_toml(path)
    check_keys(t, _KEYS, file=path)
    ident = get(t, "id", str, file=path)
    if not re.fullmatch(r"\d{1,2}\.[0-9a-z]{1,2}\.\d{1,2}", ident):
        raise SpecError("indicator id must look like '16.1.1'", file=path, value=ident)
    rng = get(t, "range", list, None, file=path)
    if rng is not None and (len(rng) != 2 or not all(isinstance(v, int | float) for v in rng)):
        raise SpecError("range must be [min, max]", file=path, value=str(rng))
    incomplete = get(t, "incomplete", str, "withhold", file=path)
    if incomplete not in ("withhold", "flag"):
        raise SpecError("incomplete must be 'withhold' or 'flag'", file=path, value=incomplete)
    den = get(t, "denominator", dict, None, file=path)
    dims = tuple(get(t, "disaggregations", list, [], file=path))
    bad = [d for d in dims if d not in DIMENSIONS or d in _FIXED]
    if bad:
        raise SpecError("not a disaggregation dimension of the DSD", file=path, value=bad[0],
                        hint=f"use one of {', '.join(d for d in DIMENSIONS if d not in _FIXED)}")
    defn = IndicatorDef(
        id=ident,
        series=get(t, "series", str, file=path),
        goal=get(t, "goal", int, file=path),
        target=get(t, "target", str, file=path),
        names={str(k): str(v) for k, v in get(t, "name", dict, file=path).items()},
        frequency=_frequency(get(t, "frequency", str, "A", file=path), path),
        numerator=_term(get(t, "numerator", dict, file=path), path, "numerator"),
        denominator=_term(den, path, "denominator") if den is not None else None,
        multiplier=float(get(t, "multiplier", (int, float), 1, file=path)),
        unit_measure=get(t, "unit_measure", str, file=path),
        unit_mult=str(get(t, "unit_mult", (str, int), "0", file=path)),
        decimals=get(t, "decimals", int, 2, file=path),
        range=(float(rng[0]), float(rng[1])) if rng else None,
        disaggregations=dims,
        incomplete=incomplete,
        formula=get(t, "formula", str, "ratio", file=path),
        metadata={lang: {str(k): str(v) for k, v in sec.items()}
                  for lang, sec in get(t, "metadata", dict, {}, file=path).items()},
        file=path,
    )
    _check_codes(defn, path, codelists if codelists is not None else load_codelists())
    result_unit(defn)
    return defn


def result_unit(defn: IndicatorDef) -> str:
    """The pint unit of the published value (``percent``), checked against the formula.

    The formula runs once on one-element pint-xarray quantities, so a formula's own unit
    algebra (not a rule written beside it) decides the result unit.

    Raises
    ------
    UnitError
        If the result cannot be expressed in UNIT_MEASURE at the declared multiplier.
    IndicatorError
        If the formula is not registered.
    """
    func = get_formula(defn.formula)
    ureg = registry()

    def one(unit: str) -> xr.DataArray:
        return xr.DataArray([1.0], dims="x").pint.quantify(unit, unit_registry=ureg)

    den = one(defn.denominator.unit) if defn.denominator is not None else None
    result = func(one(defn.numerator.unit), den)
    units = result.pint.units
    unit = units if isinstance(units, pint.Unit) else ureg.dimensionless
    return check_result_unit(unit, defn.unit_measure, defn.multiplier, defn.unit_mult,
                             where=f"{defn.file or defn.id}")


def _check_codes(defn: IndicatorDef, path: Path, codelists: Mapping[str, Codelist]) -> None:
    for key, codelist, code in (("series", "CL_SERIES", defn.series),
                                ("unit_measure", "CL_UNIT_MEASURE", defn.unit_measure),
                                ("unit_mult", "CL_UNIT_MULT", defn.unit_mult)):
        cl = codelists.get(codelist)
        if cl is not None and code not in cl:
            raise IndicatorError(f"{key} is not a code of {codelist}", file=path, value=code,
                                 hint=cl.did_you_mean(code) or
                                 f"add it to a codelists/ {codelist} extension")


def _term(t: dict[str, object], path: Path, section: str) -> Term:
    check_keys(t, ["measure", "unit", "period", "filter"], file=path, section=section)
    unit = get(t, "unit", str, "count", file=path, section=section)
    parse_unit(unit, where=f"{path} [{section}].unit")
    period = get(t, "period", str, "same", file=path, section=section)
    if period not in ("same", "latest"):
        raise SpecError(f"{section}.period must be 'same' or 'latest'", file=path, value=period)
    raw = get(t, "filter", dict, {}, file=path, section=section)
    filters: dict[str, tuple[str, ...]] = {}
    for dim, codes in raw.items():
        values = [codes] if isinstance(codes, str) else codes
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SpecError(f"{section}.filter.{dim} must be a code or a list of codes",
                            file=path, value=str(codes))
        filters[str(dim)] = tuple(values)
    return Term(measure=get(t, "measure", str, file=path, section=section), unit=unit,
                period=period, filter=filters)


def _frequency(value: str, path: Path) -> str:
    if value not in FREQUENCIES:
        raise SpecError("frequency must be A (annual), Q (quarterly) or M (monthly)",
                        file=path, value=value)
    return value


def require_measures(definition: IndicatorDef, available: set[str]) -> None:
    """Raise :class:`IndicatorError` naming the first measure no source provides."""
    for measure in definition.measures():
        if measure not in available:
            raise IndicatorError(
                f"indicator {definition.id} needs measure {measure!r}, which no source gives",
                file=definition.file,
                hint=f"sources give: {', '.join(sorted(available)) or 'nothing'}",
            )
