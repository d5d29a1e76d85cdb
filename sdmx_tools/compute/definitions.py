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

An office's own indicators are national: an id that extends an SDG id (``16.1.1.a``) or
starts with the workspace's ``national_prefix`` (``MX.SEG.1``). A series code that is not in
CL_SERIES (any of the global SDG codes the bundled subset lacks, or an office's own code) is
declared with ``series_name``; :func:`with_national_series` adds it to the national
CL_SERIES with those names, so no codelist is overridden by hand.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pint
import pint_xarray  # noqa: F401  (registers the .pint accessor)
import xarray as xr

from sdmx_tools.compute.formulas import get_formula
from sdmx_tools.errors import IndicatorError, SpecError, ToolkitError
from sdmx_tools.fsutil import bundled
from sdmx_tools.ingest import load_spec
from sdmx_tools.ingest.draft import Wanted
from sdmx_tools.tomlspec import check_keys, get, load_toml, printable
from sdmx_tools.vocabulary.codelists import CATALOGUE, Code, Codelist, load_codelists
from sdmx_tools.vocabulary.dsd import DIMENSIONS
from sdmx_tools.vocabulary.units import check_result_unit, parse_unit, registry
from sdmx_tools.workspace import Workspace, load_workspace

__all__ = ["IndicatorDef", "Term", "for_workspace", "load_indicators", "unmet_measures",
           "with_national_series"]

_KEYS = ["id", "series", "series_name", "goal", "target", "name", "frequency", "numerator",
         "denominator", "multiplier", "unit_measure", "unit_mult", "decimals", "range",
         "disaggregations", "incomplete", "formula", "metadata"]
# Dimensions an indicator cannot be disaggregated by: they key every observation already.
_FIXED = {"FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA"}
_SDG_ID = re.compile(r"\d{1,2}\.[0-9a-z]{1,2}\.\d{1,2}")
# A national extension of an SDG indicator: 16.1.1.a, 16.1.1.m2
_EXTENDED_ID = re.compile(r"\d{1,2}\.[0-9a-z]{1,2}\.\d{1,2}\.[0-9a-z]{1,3}")
# After a workspace's national prefix: MX.SEG.1, MX.robo
_NATIONAL_TAIL = re.compile(r"[0-9A-Za-z_]{1,20}(\.[0-9A-Za-z_]{1,20}){0,4}")
# Series codes as the SDG DSD writes them (VC_IHR_PSRC); SDMX ids, uppercase.
_SERIES_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,49}")
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
    series_names: dict[str, str] = field(default_factory=dict)
    """Names of a series code this definition declares (not in CL_SERIES); else empty."""
    national: bool = False
    """An office's own indicator (``16.1.1.a``, ``MX.SEG.1``), not a global SDG one."""

    def measures(self) -> list[str]:
        """Source measures this indicator needs."""
        return [t.measure for t in (self.numerator, self.denominator) if t is not None]


def load_indicators(dirs: Sequence[Path], codelists: Mapping[str, Codelist] | None = None,
                    *, national_prefix: str | None = None) -> dict[str, IndicatorDef]:
    """Load every ``*.toml`` definition from ``dirs`` (later folders override by id).

    Parameters
    ----------
    dirs
        Indicator folders: the bundled one, then a workspace's.
    codelists
        Codelists to check SERIES, UNIT_MEASURE and UNIT_MULT against; by default the
        bundled ones overridden by any ``codelists/`` folder beside a folder of ``dirs``.
    national_prefix
        The workspace's prefix of national indicator ids (``MX`` allows ``MX.SEG.1``).

    Raises
    ------
    IndicatorError
        Also when two definitions declare one new series code with different names.
    """
    if codelists is None:
        codelists = load_codelists(_codelist_dirs(dirs))
    out: dict[str, IndicatorDef] = {}
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.toml")):
            d = load_indicator(path, codelists, national_prefix=national_prefix)
            out[d.id] = d
    _check_declared_series(out.values())
    return dict(sorted(out.items(), key=lambda kv: id_order(kv[0])))


def for_workspace(ws: Workspace) -> tuple[dict[str, IndicatorDef], dict[str, Codelist]]:
    """A workspace's definitions (bundled, then its own) and the codelists in force.

    The codelists are the bundled ones, overridden by the workspace's ``codelists/``, with
    the series codes its definitions declare added to CL_SERIES.
    """
    codelists = load_codelists(ws.overrides("codelists"))
    definitions = load_indicators(ws.bundled_and_overrides("indicators"), codelists,
                                  national_prefix=ws.national_prefix)
    return definitions, with_national_series(codelists, definitions.values(),
                                             ws.structure_version)


def unmet_measures(root: Path) -> list[Wanted]:
    """The measures the workspace's indicators need that none of its sources gives, for
    ``describe``'s draft (none when its settings or definitions do not load)."""
    try:
        ws = load_workspace(root)
        definitions = for_workspace(ws)[0]
    except ToolkitError:
        return []
    given: set[str] = set()
    for spec_file in ws.source_files:
        try:
            given |= {m.id for m in load_spec(spec_file, ws.root).measures}
        except ToolkitError:
            continue  # a spec being written: describe still drafts
    needs: dict[tuple[str, str], list[str]] = {}
    for d in definitions.values():
        for term in (d.numerator, d.denominator):
            if term is not None and term.measure not in given:
                needs.setdefault((term.measure, term.unit), []).append(d.id)
    return [Wanted(m, u, tuple(ids)) for (m, u), ids in sorted(needs.items())]


def id_order(ident: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of indicator ids: numerically by part (``5.10.1`` after ``5.9.1``)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in ident.split("."))


def _check_declared_series(definitions: Iterable[IndicatorDef]) -> None:
    seen: dict[str, IndicatorDef] = {}
    for d in definitions:
        if not d.series_names:
            continue
        first = seen.setdefault(d.series, d)
        if first.series_names != d.series_names:
            raise IndicatorError(f"series {d.series} is declared with other names by "
                                 f"indicator {first.id}", file=d.file, value=d.series,
                                 hint=f"give the same series_name as {first.file or first.id}")


def with_national_series(codelists: Mapping[str, Codelist],
                         definitions: Iterable[IndicatorDef],
                         version: str = "1.0") -> dict[str, Codelist]:
    """The codelists with each series code the definitions declare added to CL_SERIES.

    The bundled CL_SERIES holds the global SDG codes of the bundled indicators; an office's
    definitions may use any other global code, or one of its own, with its names
    (``series_name``). They are added in id order, after the existing codes, and the
    extended codelist is versioned ``{its version}.{version}`` (``2025.1.1.0``): it sorts
    after the codelist it extends, and a new structure ``version`` publishes a new one.
    """
    declared = {d.series: d for d in definitions if d.series_names}
    base = codelists.get("CL_SERIES")
    if not declared or base is None:
        return dict(codelists)
    new = {sid: Code(id=sid, names=dict(d.series_names), extra={"national": "true"})
           for sid, d in sorted(declared.items()) if sid not in base}
    if not new:
        return dict(codelists)
    source = (f"{base.source}; series declared by the workspace's indicator definitions: "
              f"{', '.join(new)}")
    extended = dataclasses.replace(base, codes={**base.codes, **new}, source=source,
                                   version=f"{base.version}.{version}")
    return {**codelists, "CL_SERIES": extended}


def _codelist_dirs(dirs: Sequence[Path]) -> list[Path]:
    own = bundled("codelists").resolve()
    found = [Path(d).parent / "codelists" for d in dirs]
    return [f for f in found if (f / CATALOGUE).is_file() and f.resolve() != own]


def load_indicator(path: Path, codelists: Mapping[str, Codelist] | None = None, *,
                   national_prefix: str | None = None) -> IndicatorDef:
    """Load and validate one indicator definition (see the module docstring)."""
    t = load_toml(path)
    check_keys(t, _KEYS, file=path)
    ident = get(t, "id", str, file=path)
    national = _national(ident, national_prefix, path)
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
    names = get(t, "series_name", dict, {}, file=path)
    defn = IndicatorDef(
        id=ident,
        national=national,
        series=get(t, "series", str, file=path),
        series_names=_names(names, path, "series_name") if names else {},
        goal=get(t, "goal", int, file=path),
        target=get(t, "target", str, file=path),
        names=_names(get(t, "name", dict, file=path), path, "name"),
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


def _national(ident: str, prefix: str | None, path: Path) -> bool:
    """Whether ``ident`` is a national indicator id; raise if it is no indicator id at all."""
    if _SDG_ID.fullmatch(ident):
        return False
    if _EXTENDED_ID.fullmatch(ident):
        return True
    head, _, tail = ident.partition(".")
    if prefix and head == prefix and _NATIONAL_TAIL.fullmatch(tail):
        return True
    own = f", or '{prefix}.' and a name ('{prefix}.SEG.1')" if prefix else ""
    raise SpecError("indicator id must be an SDG id ('16.1.1') or a national one ('16.1.1.a'"
                    f"{own})", file=path, value=ident,
                    hint=None if prefix else "or choose a prefix of your own indicators with "
                    "workspace.national_prefix in sdmx-tools.toml")


def _names(table: Mapping[str, object], path: Path, key: str) -> dict[str, str]:
    """A names table (``{es = ..., en = ...}``): text, both languages, no control
    characters (XML, where names are published, cannot hold them)."""
    names = {str(k): v for k, v in table.items()}
    bad = [k for k, v in names.items()
           if not isinstance(v, str) or not v.strip() or not printable(v)]
    if bad or not {"es", "en"} <= set(names):
        raise SpecError(f"{key} needs non-empty text in es and en, without control "
                        "characters", file=path,
                        value=bad[0] if bad else ", ".join(names) or "{}",
                        hint=f'{key}.es = "..." and {key}.en = "..."')
    return {k: str(v).strip() for k, v in names.items()}


def _check_codes(defn: IndicatorDef, path: Path, codelists: Mapping[str, Codelist]) -> None:
    series = codelists.get("CL_SERIES")
    if defn.series_names:
        if not _SERIES_CODE.fullmatch(defn.series):
            raise IndicatorError("a series code of your own must be 2-50 capitals, digits or "
                                 "'_', starting with a letter", file=path, value=defn.series,
                                 hint="e.g. VC_ROB_PSRC")
        if series is not None and defn.series in series:
            known = series[defn.series].names
            if {k: known.get(k) for k in defn.series_names} != defn.series_names:
                raise IndicatorError(
                    f"series {defn.series} is already in CL_SERIES, with other names",
                    file=path, value=defn.series,
                    hint="leave series_name out to use that series, or choose a new code")
    elif series is not None and defn.series not in series:
        raise IndicatorError(
            "series is not a code of CL_SERIES", file=path, value=defn.series,
            hint=series.did_you_mean(defn.series) + "; to publish a series of your own (or "
            'any other global SDG series), declare it: series_name.es = "...", '
            'series_name.en = "..."')
    for key, codelist, code in (("unit_measure", "CL_UNIT_MEASURE", defn.unit_measure),
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
