"""Indicator definitions as data: one TOML file per SDG indicator in ``indicators/``.

A definition names its SDG goal/target/number, SDMX SERIES code, names (es, en), the
numerator and denominator (source measures, units), the multiplier, the result's SDMX
UNIT_MEASURE/UNIT_MULT, disaggregations, the aggregation rule and its metadata. A user adds
an indicator by adding a file to the workspace's ``indicators/`` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sdmx_tools.errors import IndicatorError, SpecError
from sdmx_tools.tomlspec import check_keys, get, load_toml
from sdmx_tools.units import parse_unit

__all__ = ["IndicatorDef", "Term", "load_indicators"]

_KEYS = ["id", "series", "goal", "target", "name", "frequency", "numerator", "denominator",
         "multiplier", "unit_measure", "unit_mult", "decimals", "range", "disaggregations",
         "incomplete", "metadata"]


@dataclass(frozen=True, slots=True)
class Term:
    """A numerator or denominator: a source measure in a unit.

    ``period`` is ``same`` (same period as the numerator) or ``latest`` (the latest period
    at or before it, e.g. census population for later years).
    """

    measure: str
    unit: str
    period: Literal["same", "latest"] = "same"


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
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    file: Path | None = None

    def measures(self) -> list[str]:
        """Source measures this indicator needs."""
        return [t.measure for t in (self.numerator, self.denominator) if t is not None]


def load_indicators(dirs: list[Path]) -> dict[str, IndicatorDef]:
    """Load every ``*.toml`` definition from ``dirs`` (later folders override by id)."""
    out: dict[str, IndicatorDef] = {}
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.toml")):
            d = load_indicator(path)
            out[d.id] = d
    return dict(sorted(out.items(), key=lambda kv: [int(p) if p.isdigit() else p
                                                    for p in kv[0].split(".")]))


def load_indicator(path: Path) -> IndicatorDef:
    """Load and validate one indicator definition."""
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
    return IndicatorDef(
        id=ident,
        series=get(t, "series", str, file=path),
        goal=get(t, "goal", int, file=path),
        target=get(t, "target", str, file=path),
        names={str(k): str(v) for k, v in get(t, "name", dict, file=path).items()},
        frequency=get(t, "frequency", str, "A", file=path),
        numerator=_term(get(t, "numerator", dict, file=path), path, "numerator"),
        denominator=_term(den, path, "denominator") if den is not None else None,
        multiplier=float(get(t, "multiplier", (int, float), 1, file=path)),
        unit_measure=get(t, "unit_measure", str, file=path),
        unit_mult=str(get(t, "unit_mult", (str, int), "0", file=path)),
        decimals=get(t, "decimals", int, 2, file=path),
        range=(float(rng[0]), float(rng[1])) if rng else None,
        disaggregations=tuple(get(t, "disaggregations", list, [], file=path)),
        incomplete=incomplete,
        metadata={lang: {str(k): str(v) for k, v in sec.items()}
                  for lang, sec in get(t, "metadata", dict, {}, file=path).items()},
        file=path,
    )


def _term(t: dict[str, object], path: Path, section: str) -> Term:
    check_keys(t, ["measure", "unit", "period"], file=path, section=section)
    unit = get(t, "unit", str, "count", file=path, section=section)
    parse_unit(unit, where=f"{path} [{section}].unit")
    period = get(t, "period", str, "same", file=path, section=section)
    if period not in ("same", "latest"):
        raise SpecError(f"{section}.period must be 'same' or 'latest'", file=path, value=period)
    return Term(measure=get(t, "measure", str, file=path, section=section), unit=unit,
                period=period)


def require_measures(definition: IndicatorDef, available: set[str]) -> None:
    """Raise :class:`IndicatorError` naming the first measure no source provides."""
    for measure in definition.measures():
        if measure not in available:
            raise IndicatorError(
                f"indicator {definition.id} needs measure {measure!r}, which no source gives",
                file=definition.file,
                hint=f"sources give: {', '.join(sorted(available)) or 'nothing'}",
            )
