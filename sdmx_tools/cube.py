"""Indicator cubes: computed from tidy observations, aggregated up the territory, checked.

Counts are the raw material and rates are computed, never summed or averaged: a state's
rate is (sum of its municipalities' numerators) / (sum of their denominators) x multiplier.
A state (or the nation) where some municipalities reported nothing is incomplete: its value
is withheld or flagged, as the indicator definition says. A municipality created after the
2020 census has no census denominator: its rate is missing with a note, never 0 or inf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from sdmx_tools.indicators import IndicatorDef, Term, require_measures
from sdmx_tools.report import Finding, Severity
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.units import convert

__all__ = ["Computed", "compute_indicator", "cube_to_frame"]

_KEY = ["REF_AREA", "TIME_PERIOD"]
_SMALL_COUNT = 5


@dataclass(slots=True)
class Computed:
    """One indicator's cube, its findings and the sources it used."""

    definition: IndicatorDef
    cube: xr.Dataset
    findings: list[Finding] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def compute_indicator(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist
                      ) -> Computed:
    """Compute one indicator at municipality, state and national level.

    Parameters
    ----------
    defn
        The indicator definition.
    observations
        Tidy observations of every source (see :mod:`sdmx_tools.ingest.harmonise`).
    areas
        The INEGI area codelist, for levels, parents and expected municipalities.

    Returns
    -------
    Computed
        ``cube`` has dims ``REF_AREA, TIME_PERIOD`` plus the disaggregations, and variables
        ``OBS_VALUE``, ``numerator``, ``denominator`` (with ``units`` attrs, pint-xarray
        style), ``OBS_STATUS``, ``COMMENT_OBS``, ``reported``, ``expected``.
    """
    require_measures(defn, set(observations["measure"].unique()))
    dims = list(defn.disaggregations)
    used = observations["measure"].isin(defn.measures())
    sources = sorted(observations.loc[used, "source"].unique())
    num = _term_frame(observations, defn.numerator, defn, dims)
    den = (_term_frame(observations, defn.denominator, defn, [])
           if defn.denominator is not None else None)
    level = num["REF_AREA"].map(areas.level)
    municipal = num[level == "municipality"].copy()
    municipal["state"] = municipal["REF_AREA"].map(areas.parent)
    # Looked up once here, shared by the municipal, state and national passes.
    municipal["denominator"] = _with_denominator(municipal, den, defn.denominator)

    rows = [_municipal_rows(municipal, defn, areas)]
    rows.append(_aggregate(municipal, den, defn, areas, by_state=True, dims=dims))
    rows.append(_aggregate(municipal, den, defn, areas, by_state=False, dims=dims))
    table = pd.concat([r for r in rows if len(r)], ignore_index=True)
    findings = _check(table, defn)
    table["OBS_VALUE"] = table["OBS_VALUE"].round(defn.decimals)
    cube = table.set_index(_KEY + dims).to_xarray()
    cube["numerator"].attrs["units"] = defn.numerator.unit
    if defn.denominator is not None:
        cube["denominator"].attrs["units"] = defn.denominator.unit
    cube.attrs.update(series=defn.series, indicator=defn.id, unit_measure=defn.unit_measure,
                      unit_mult=defn.unit_mult, multiplier=defn.multiplier)
    return Computed(definition=defn, cube=cube, findings=findings, sources=sources)


def _term_frame(obs: pd.DataFrame, term: Term, defn: IndicatorDef, dims: list[str]
                ) -> pd.DataFrame:
    """Values of one measure in the term's unit, by area, annual period and dimensions."""
    sel = obs[obs["measure"] == term.measure].copy()
    for unit, idx in sel.groupby("unit").groups.items():
        sel.loc[idx, "value"] = convert(sel.loc[idx, "value"].to_numpy(), str(unit), term.unit,
                                        where=f"measure {term.measure!r}")
    for d in dims:
        if d not in sel.columns:
            sel[d] = "_T"
        sel[d] = sel[d].fillna("_T")
    # Sub-annual inputs add up to the year; a year with missing months is incomplete.
    monthly = sel["TIME_PERIOD"].str.len().eq(7)
    sel["month"] = sel["TIME_PERIOD"].where(monthly)
    if defn.frequency == "A":
        sel["TIME_PERIOD"] = sel["TIME_PERIOD"].str[:4]
    out = sel.groupby(_KEY + dims, sort=True).agg(
        value=("value", "sum"), months=("month", "nunique"), monthly=("month", "count"),
    ).reset_index()
    out["complete"] = out["monthly"].eq(0) | out["months"].ge(12)
    return out.drop(columns=["months", "monthly"])


def _expected(areas: AreaCodelist) -> pd.Series:
    """Municipalities per state in the codelist (what full coverage means)."""
    munis = pd.Series(areas.municipalities())
    return munis.map(areas.parent).value_counts()


def _with_denominator(frame: pd.DataFrame, den: pd.DataFrame | None, term: Term | None
                      ) -> pd.Series:
    """The denominator of each row: same period, or the latest at or before it."""
    if den is None or term is None:
        return pd.Series(np.nan, index=frame.index)
    if term.period == "same":
        lookup = den.set_index(_KEY)["value"]
        return pd.Series(frame.set_index(_KEY).index.map(lookup), index=frame.index,
                         dtype="float64")
    # astype(str) on both sides: pandas 3 refuses to match object and string keys.
    left = frame[_KEY].assign(_y=frame["TIME_PERIOD"].str[:4].astype(int), _i=frame.index,
                              REF_AREA=frame["REF_AREA"].astype(str))
    right = den[[*_KEY, "value"]].assign(_y=den["TIME_PERIOD"].str[:4].astype(int),
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
    return _rate(out, defn)


def _aggregate(m: pd.DataFrame, den: pd.DataFrame | None, defn: IndicatorDef,
               areas: AreaCodelist, *, by_state: bool, dims: list[str]) -> pd.DataFrame:
    """Sum numerators and denominators to states (or the nation); recompute the ratio."""
    if m.empty:
        return m
    m = m.copy()
    m["group"] = m["state"] if by_state else "00"
    covered = m["complete"] & (m["denominator"].notna() | (defn.denominator is None))
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
    expected = _expected(areas)
    agg["expected"] = agg["group"].map(expected).astype(int) if by_state else int(expected.sum())
    complete = agg["reported"] >= agg["expected"]
    partial = ~complete & (defn.incomplete == "flag")
    note = (agg["reported"].astype(str) + " of " + agg["expected"].astype(str)
            + " municipalities reported")
    out = agg[["group", "TIME_PERIOD", *dims, "reported", "expected"]].rename(
        columns={"group": "REF_AREA"})
    # Flagged partial coverage: the covered municipalities' own ratio; otherwise (complete,
    # or withheld) every municipality's numerator over the whole group's denominator.
    out["numerator"] = agg["numerator_covered"].where(partial, agg["numerator"])
    out["denominator"] = agg["denominator_covered"].where(partial, agg["denominator_all"])
    out["OBS_STATUS"] = np.where(complete | partial, "A", "O")
    out["COMMENT_OBS"] = np.select([complete, partial], ["", "partial coverage: " + note],
                                   "withheld: incomplete coverage (" + note + ")")
    out["level"] = "state" if by_state else "nation"
    out["complete"] = complete.to_numpy()
    return _rate(out, defn)


def _rate(frame: pd.DataFrame, defn: IndicatorDef) -> pd.DataFrame:
    withheld = frame["OBS_STATUS"].eq("O")
    with np.errstate(divide="ignore", invalid="ignore"):
        if defn.denominator is None:
            value = frame["numerator"] * defn.multiplier
        else:
            value = frame["numerator"] / frame["denominator"] * defn.multiplier
    value = value.where(~withheld & np.isfinite(value))
    frame["OBS_VALUE"] = value.astype("float64")
    return frame


def _check(table: pd.DataFrame, defn: IndicatorDef) -> list[Finding]:
    """Cube checks: range, zero denominators, negative counts, rates from small counts."""
    findings: list[Finding] = []

    def add(mask: pd.Series, code: str, severity: Severity, message: str, hint: str) -> None:
        for row in table[mask].itertuples():
            findings.append(Finding(
                code=code, severity=severity, message=message,
                key=f"{defn.series}.{row.REF_AREA}.{row.TIME_PERIOD}",
                value=f"{row.OBS_VALUE:g}" if code == "value-out-of-range" else
                f"{row.numerator:g}/{row.denominator:g}", hint=hint))

    if defn.range is not None:
        lo, hi = defn.range
        add(table["OBS_VALUE"].notna() & ~table["OBS_VALUE"].between(lo, hi),
            "value-out-of-range", Severity.ERROR,
            f"value outside the declared range [{lo:g}, {hi:g}]",
            "check the numerator and denominator units and sources")
    add(table["denominator"].eq(0), "zero-denominator", Severity.WARNING,
        "denominator is zero: no rate computed", "check the denominator source for this area")
    add(table["numerator"].lt(0), "negative-count", Severity.ERROR, "numerator is negative",
        "counts cannot be negative: check the source row")
    add(table["numerator"].between(0, _SMALL_COUNT - 1, inclusive="both") & table["level"].ne(
        "municipality") & table["OBS_VALUE"].notna(), "small-count", Severity.INFO,
        f"rate computed from fewer than {_SMALL_COUNT} events: read with care", "")
    table.loc[table["denominator"].eq(0), "COMMENT_OBS"] = "denominator is zero"
    return findings


def cube_to_frame(computed: Computed) -> pd.DataFrame:
    """The cube as a flat frame of observations (one row per non-empty cell)."""
    frame = computed.cube.to_dataframe().reset_index()
    return frame[frame["OBS_STATUS"].notna()].reset_index(drop=True)
