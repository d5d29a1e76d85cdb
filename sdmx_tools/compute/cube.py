"""Indicator cubes: computed from tidy observations, aggregated up the territory, checked.

Counts are the raw material and rates are computed, never summed or averaged: a state's
rate is (sum of its municipalities' numerators) / (sum of their denominators) x multiplier.
A state (or the nation) where some municipalities reported nothing is incomplete: its value
is withheld or flagged, as the indicator definition says. A municipality created after the
2020 census has no census denominator: its rate is missing with a note, never 0 or inf.

The cube is an ``xarray.Dataset`` with the DSD's dimension ids as dims. The value comes
from the indicator's formula applied to the pint-quantified numerator and denominator
(pint-xarray), so the result's unit is checked against the declared UNIT_MEASURE on the
data actually computed. The one pass over every input row (:mod:`sdmx_tools.compute.reduce`) runs
on pandas or, for inputs that do not fit in memory, on Dask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pint_xarray  # noqa: F401  (registers the .pint accessor)
import xarray as xr

from sdmx_tools.compute.checks import completeness, expected_municipalities, outliers, value_checks
from sdmx_tools.compute.definitions import FREQUENCIES, IndicatorDef, Term, require_measures
from sdmx_tools.compute.formulas import get_formula
from sdmx_tools.compute.reduce import (
    KEY,
    Engine,
    as_engine,
    coarser_periods,
    duplicate_findings,
    indicator_period,
    inventory,
    term_frame,
)
from sdmx_tools.errors import IndicatorError
from sdmx_tools.report import Finding
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.vocabulary.units import check_result_unit, registry

__all__ = ["Computed", "compute_indicator", "cube_to_frame"]



@dataclass(slots=True)
class Computed:
    """One indicator's cube, its findings and the sources it used."""

    definition: IndicatorDef
    cube: xr.Dataset
    findings: list[Finding] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def compute_indicator(defn: IndicatorDef, observations: Any, areas: AreaCodelist, *,
                      engine: Engine = "auto", inv: pd.DataFrame | None = None) -> Computed:
    """Compute one indicator at municipality, state and national level.

    Parameters
    ----------
    defn
        The indicator definition.
    observations
        Tidy observations of every source (see :mod:`sdmx_tools.ingest.harmonise`): a
        pandas DataFrame, or a Dask DataFrame for inputs larger than memory.
    areas
        The INEGI area codelist, for levels, parents and expected municipalities.
    engine
        ``auto`` (Dask for a Dask frame, else pandas), ``pandas`` or ``dask`` (needs the
        ``[dask]`` extra). Both give identical cubes.
    inv
        :func:`~sdmx_tools.compute.reduce.inventory` of ``observations``, when the caller computes
        several indicators from them (it is a pass over every row).

    Returns
    -------
    Computed
        ``cube`` has dims ``REF_AREA, TIME_PERIOD`` plus the disaggregations, and variables
        ``OBS_VALUE``, ``numerator``, ``denominator`` (with ``units`` attrs, pint-xarray
        style), the observation attributes ``OBS_STATUS``, ``UNIT_MULT``, ``NATURE``,
        ``COMMENT_OBS``, and ``level``, ``reported``, ``expected``.

    Raises
    ------
    UnitError
        An input unit that is unknown or does not convert to the term's unit (naming the
        source, measure and both units), or a result unit unlike the UNIT_MEASURE.
    IndicatorError
        A measure no source gives, or an unknown formula.
    """
    obs = as_engine(observations, engine)
    inv = inventory(obs) if inv is None else inv
    require_measures(defn, set(inv["measure"]))
    dims = list(defn.disaggregations)
    sources = sorted(inv.loc[inv["measure"].isin(defn.measures()), "source"].unique())
    findings = duplicate_findings(obs, defn, inv)
    num = _to_frequency(term_frame(obs, defn.numerator, dims, inv), defn, dims, defn.numerator,
                        numerator=True)
    den = (_to_frequency(term_frame(obs, defn.denominator, [], inv), defn, [], defn.denominator,
                         numerator=False) if defn.denominator is not None else None)
    level = num["REF_AREA"].map(areas.level)
    municipal = num[level == "municipality"].copy()
    if municipal.empty:
        raise IndicatorError(
            f"indicator {defn.id}: no municipal values of {defn.numerator.measure!r}",
            file=defn.file, value=", ".join(sources),
            hint="indicators are computed from municipalities and summed up; the sources "
                 "give only state or national rows (area.level in their specs)")
    municipal["state"] = municipal["REF_AREA"].map(areas.parent)
    # Looked up once here, shared by the municipal, state and national passes.
    municipal["denominator"] = _with_denominator(municipal, den, defn.denominator)

    rows = [_municipal_rows(municipal, defn, areas)]
    rows.append(_aggregate(municipal, den, defn, areas, by_state=True, dims=dims))
    rows.append(_aggregate(municipal, den, defn, areas, by_state=False, dims=dims))
    table = pd.concat([r for r in rows if len(r)], ignore_index=True)
    zero = table["denominator"].eq(0)
    table.loc[zero, "OBS_STATUS"] = "O"
    table.loc[zero, "COMMENT_OBS"] = "denominator is zero"
    table["UNIT_MULT"] = defn.unit_mult
    table["NATURE"] = "C"
    cube = table.drop(columns=["complete"]).set_index(KEY + dims).to_xarray()
    cube["OBS_VALUE"] = _value(cube, defn)
    _missing_is_never_available(cube)
    frame = cube_frame(cube)
    findings += value_checks(frame, defn)
    findings += completeness(municipal, defn, areas)
    findings += outliers(frame, defn, areas)
    cube["OBS_VALUE"] = cube["OBS_VALUE"].round(defn.decimals)
    return Computed(definition=defn, cube=cube, findings=findings, sources=sources)


def _value(cube: xr.Dataset, defn: IndicatorDef) -> xr.DataArray:
    """The formula on the pint-quantified terms, checked against UNIT_MEASURE, scaled."""
    units = {"numerator": defn.numerator.unit}
    if defn.denominator is not None:
        units["denominator"] = defn.denominator.unit
    q = cube[list(units)].pint.quantify(units, unit_registry=registry())
    with np.errstate(divide="ignore", invalid="ignore"):
        result = get_formula(defn.formula)(
            q["numerator"], q["denominator"] if defn.denominator is not None else None)
    unit = result.pint.units if result.pint.units is not None else registry().dimensionless
    published = check_result_unit(unit, defn.unit_measure, defn.multiplier, defn.unit_mult,
                                  where=str(defn.file or defn.id))
    with np.errstate(invalid="ignore"):
        value = result.pint.dequantify() * defn.multiplier
    value = value.where((cube["OBS_STATUS"] != "O") & np.isfinite(value))
    value.attrs = {"units": published} if defn.unit_mult == "0" else {}
    value.attrs.update(unit_measure=defn.unit_measure, unit_mult=defn.unit_mult)
    for name, unit_text in units.items():
        cube[name].attrs["units"] = unit_text
    return value


def _missing_is_never_available(cube: xr.Dataset) -> None:
    """An observation without a value is missing (``O``) with a reason, never ``A``.

    The rules above give every such case its own note; this is the net under them, so that
    no rule added later can publish an empty value as a normal one.
    """
    empty = cube["OBS_VALUE"].isnull() & (cube["OBS_STATUS"] == "A")
    if bool(empty.any()):
        cube["COMMENT_OBS"] = cube["COMMENT_OBS"].where(
            ~empty | (cube["COMMENT_OBS"].fillna("") != ""), "no value: numerator or "
            "denominator missing")
        cube["OBS_STATUS"] = cube["OBS_STATUS"].where(~empty, "O")


def _to_frequency(frame: pd.DataFrame, defn: IndicatorDef, dims: list[str], term: Term, *,
                  numerator: bool) -> pd.DataFrame:
    """Source periods to the indicator's: months add up to the year or quarter.

    A period with monthly inputs is complete when every month of it has data (12 for a
    year, 3 for a quarter, the month itself for a monthly indicator). A numerator given
    only by the year cannot make a monthly or quarterly indicator.
    """
    sel = frame.copy()
    coarse = coarser_periods(sel["TIME_PERIOD"], defn.frequency)
    if coarse and numerator:
        raise IndicatorError(
            f"indicator {defn.id} is {'monthly' if defn.frequency == 'M' else 'quarterly'}, "
            f"and measure {term.measure!r} has values for whole years ({', '.join(coarse[:3])})",
            file=defn.file, value=coarse[0],
            hint="give monthly values (period format YYYY-MM), or set frequency = 'A'")
    monthly = sel["TIME_PERIOD"].str.len().eq(7)
    sel["month"] = sel["TIME_PERIOD"].where(monthly)
    # A yearly denominator (a population) stays yearly: it serves each month of its year.
    yearly = not numerator and not monthly.all()
    sel["TIME_PERIOD"] = indicator_period(sel["TIME_PERIOD"], "A" if yearly else defn.frequency)
    out = sel.groupby(KEY + dims, sort=True).agg(
        value=("value", "sum"), months=("month", "nunique"), monthly=("month", "count"),
    ).reset_index()
    out["complete"] = out["monthly"].eq(0) | out["months"].ge(FREQUENCIES[defn.frequency])
    return out.drop(columns=["months", "monthly"])


def _expected(areas: AreaCodelist, periods: pd.Series, by_state: bool) -> pd.DataFrame:
    """Municipalities expected per group and period (what full coverage means)."""
    parts = []
    for period in periods.unique():
        munis = pd.Series(expected_municipalities(areas, period), dtype=object)
        groups = munis.map(areas.parent) if by_state else pd.Series("00", index=munis.index)
        counts = groups.value_counts().rename("expected").rename_axis("group").reset_index()
        parts.append(counts.assign(TIME_PERIOD=period))
    return pd.concat(parts, ignore_index=True)


def _with_denominator(frame: pd.DataFrame, den: pd.DataFrame | None, term: Term | None
                      ) -> pd.Series:
    """The denominator of each row: same period, or the latest at or before it."""
    if den is None or term is None:
        return pd.Series(np.nan, index=frame.index)
    if term.period == "same":
        periods = frame["TIME_PERIOD"]
        if not den.empty and den["TIME_PERIOD"].str.len().max() == 4:
            periods = periods.str[:4]  # a yearly stock serves every month of its year
        lookup = den.set_index(KEY)["value"]
        index = pd.MultiIndex.from_arrays([frame["REF_AREA"], periods])
        return pd.Series(index.map(lookup), index=frame.index, dtype="float64")
    # astype(str) on both sides: pandas 3 refuses to match object and string keys.
    left = frame[KEY].assign(_y=frame["TIME_PERIOD"].str[:4].astype(int), _i=frame.index,
                              REF_AREA=frame["REF_AREA"].astype(str))
    right = den[[*KEY, "value"]].assign(_y=den["TIME_PERIOD"].str[:4].astype(int),
                                         REF_AREA=den["REF_AREA"].astype(str))
    merged = pd.merge_asof(left.sort_values("_y"), right.sort_values("_y")[["REF_AREA", "_y",
                                                                           "value"]],
                           on="_y", by="REF_AREA", direction="backward")
    return pd.Series(merged["value"].to_numpy(), index=merged["_i"].to_numpy()).reindex(
        frame.index)


def _municipal_rows(m: pd.DataFrame, defn: IndicatorDef, areas: AreaCodelist
                    ) -> pd.DataFrame:
    out = m.drop(columns=["state"]).rename(columns={"value": "numerator"})
    out["reported"] = out["complete"].astype(int)
    out["expected"] = 1
    out["level"] = "municipality"
    no_den = out["denominator"].isna() if defn.denominator is not None else \
        pd.Series(False, index=out.index)
    post_census = ~out["REF_AREA"].map(areas.is_census2020).astype(bool)
    incomplete = ~out["complete"]
    out["OBS_STATUS"] = np.select(
        [no_den, incomplete], ["O", "O" if defn.incomplete == "withhold" else "A"], "A")
    out["COMMENT_OBS"] = np.select(
        [no_den & post_census, no_den, incomplete],
        ["no census 2020 denominator: municipality created after the census",
         "no denominator for this area", "incomplete year: some months have no data"], "")
    return out


def is_covered(complete: pd.Series, denominator: pd.Series, defn: IndicatorDef) -> pd.Series:
    """Municipal values a flagged partial aggregate sums: complete, with a denominator."""
    return complete & (denominator.notna() | (defn.denominator is None))


def _aggregate(m: pd.DataFrame, den: pd.DataFrame | None, defn: IndicatorDef,
               areas: AreaCodelist, *, by_state: bool, dims: list[str]) -> pd.DataFrame:
    """Sum numerators and denominators to states (or the nation); recompute the ratio."""
    if m.empty:
        return m
    m = m.copy()
    m["group"] = m["state"] if by_state else "00"
    covered = is_covered(m["complete"], m["denominator"], defn)
    m["value_covered"] = m["value"].where(covered, 0.0)
    m["denominator_covered"] = m["denominator"].where(covered)
    keys = ["group", "TIME_PERIOD", *dims]
    agg = m.groupby(keys).agg(
        numerator=("value", "sum"),
        numerator_covered=("value_covered", "sum"),
        denominator_covered=("denominator_covered", lambda d: d.sum(min_count=1)),
        reported=("complete", "sum"),
    ).reset_index()
    # The denominator of a group is that of every municipality in it, reported or not.
    if den is not None and defn.denominator is not None:
        codes = pd.Series(areas.municipalities(), dtype=object)
        all_munis = pd.DataFrame({"REF_AREA": codes,
                                  "group": codes.map(areas.parent) if by_state else "00"})
        grid = agg[["group", "TIME_PERIOD"]].drop_duplicates()
        all_rows = grid.merge(all_munis, on="group")
        all_rows["denominator"] = _with_denominator(all_rows, den, defn.denominator)
        den_all = all_rows.groupby(["group", "TIME_PERIOD"])["denominator"].sum(min_count=1)
        agg["denominator_all"] = agg.set_index(["group", "TIME_PERIOD"]).index.map(den_all)
    else:
        agg["denominator_all"] = np.nan
    expected = _expected(areas, agg["TIME_PERIOD"], by_state)
    agg = agg.merge(expected, on=["group", "TIME_PERIOD"], how="left")
    agg["expected"] = agg["expected"].fillna(0).astype(int)
    complete = agg["reported"] >= agg["expected"]
    # Flagged partial coverage needs covered municipalities with a denominator: without
    # one there is no ratio to flag, only a missing value.
    no_ratio = agg["denominator_covered"].isna() & (defn.denominator is not None)
    partial = ~complete & (defn.incomplete == "flag") & ~no_ratio
    note = (agg["reported"].astype(str) + " of " + agg["expected"].astype(str)
            + " municipalities reported")
    out = agg[["group", "TIME_PERIOD", *dims, "reported", "expected"]].rename(
        columns={"group": "REF_AREA"})
    # Flagged partial coverage: the covered municipalities' own ratio; otherwise (complete,
    # or withheld) every municipality's numerator over the whole group's denominator. The
    # numerator shown is never a 0 that stands for "not computed".
    out["numerator"] = agg["numerator_covered"].where(partial, agg["numerator"])
    out["denominator"] = agg["denominator_covered"].where(partial, agg["denominator_all"])
    out["OBS_STATUS"] = np.where(complete | partial, "A", "O")
    out["COMMENT_OBS"] = np.select(
        [complete, partial, ~complete & no_ratio & (defn.incomplete == "flag")],
        ["", "partial coverage: " + note,
         "not computed: no reporting municipality has a denominator for this period ("
         + note + ")"],
        "withheld: incomplete coverage (" + note + ")")
    out["level"] = "state" if by_state else "nation"
    out["complete"] = complete.to_numpy()
    return out


def cube_frame(cube: xr.Dataset) -> pd.DataFrame:
    """A cube as a flat frame of observations (one row per non-empty cell)."""
    frame = cube.to_dataframe().reset_index()
    return frame[frame["OBS_STATUS"].notna()].reset_index(drop=True)


def cube_to_frame(computed: Computed) -> pd.DataFrame:
    """The computed cube as a flat frame of observations (one row per non-empty cell)."""
    return cube_frame(computed.cube)
