"""From tidy observations to an indicator's terms: filter, convert units, sum.

The same pandas-API code works on a ``pandas.DataFrame`` and on a
``dask.dataframe.DataFrame`` (``compute_indicator(..., engine="dask")``, for a caller
holding tidy observations as a Dask frame), and what leaves it is small (one row per area,
period and disaggregation), computed into pandas for the rest of the cube. Sums of counts
are exact in float64, so both engines give identical cubes. ``convert`` hands it
observations already summed by key inside the blocks of each file
(:mod:`sdmx_tools.ingest.blocks`), so there it runs in pandas.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from sdmx_tools.compute.definitions import IndicatorDef, Term
from sdmx_tools.errors import IndicatorError, ToolkitError
from sdmx_tools.ingest.harmonise import OBS_COLUMNS
from sdmx_tools.report import Finding, Severity
from sdmx_tools.vocabulary.units import conversion_factor

__all__ = ["KEY", "TOTAL", "Engine", "as_engine", "coarser_periods", "duplicate_findings",
           "indicator_period",
           "inventory", "select_term", "term_frame"]

Engine = Literal["auto", "pandas", "dask"]
KEY = ["REF_AREA", "TIME_PERIOD"]
TOTAL = "_T"  # the SDMX code of a dimension's total
_NOT_DIMS = frozenset(OBS_COLUMNS)
_PARTITION_ROWS = 500_000
_SHOWN = 20


def _is_dask(frame: Any) -> bool:
    return type(frame).__module__.startswith("dask")


def as_engine(observations: Any, engine: Engine) -> Any:
    """The observations as the engine wants them (a Dask frame for ``dask``).

    Raises
    ------
    ToolkitError
        When ``dask`` is asked for and not installed (the ``[dask]`` extra).
    """
    if engine == "auto" or (engine == "dask") == _is_dask(observations):
        return observations
    if engine == "pandas":
        return observations.compute()
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # optional dependency
        raise ToolkitError("engine 'dask' needs Dask",
                           hint="pip install 'sdmx-tools[dask]'") from exc
    return dd.from_pandas(observations, npartitions=max(1, len(observations) // _PARTITION_ROWS))


def _compute(obj: Any) -> Any:
    return obj.compute() if _is_dask(obj) else obj


def inventory(observations: Any) -> pd.DataFrame:
    """Distinct ``measure, source, unit`` triples (small: one pass over the input)."""
    triples = observations[["measure", "source", "unit"]].drop_duplicates()
    return _compute(triples).astype(str).sort_values(["measure", "source", "unit"]
                                                     ).reset_index(drop=True)


def dimension_columns(observations: Any) -> list[str]:
    """The extra dimension columns of the tidy table (``SEX``, ``AGE``...)."""
    return [c for c in observations.columns if c not in _NOT_DIMS]


def select_term(observations: Any, term: Term, dims: list[str],
                inv: pd.DataFrame | None, keep: tuple[str, ...] = ()) -> Any:
    """One term's rows: its measure, ``term.filter`` applied, values in the term's unit.

    Dimensions a source does not give count as the total ``_T``. Returns ``REF_AREA,
    TIME_PERIOD, *dims, value, *keep`` (a Dask frame stays lazy). Without ``inv`` the
    values are not converted (for callers that only need which rows).

    Raises
    ------
    UnitError
        A source's unit is unknown or cannot convert to the term's unit; the message names
        the source, the measure and both units.
    IndicatorError
        A filter names a dimension no source gives.
    """
    sel = _filtered(observations, term)
    value = sel["value"]
    for row in (inv[inv["measure"] == term.measure].itertuples() if inv is not None else ()):
        factor = conversion_factor(row.unit, term.unit,
                                   where=f"source {row.source!r}, measure {term.measure!r}")
        if factor != 1.0:
            value = value.mask(sel["unit"] == row.unit, value * factor)
    cols: dict[str, Any] = {"value": value}
    for d in dims:
        cols[d] = sel[d].fillna(TOTAL) if d in observations.columns else TOTAL
    return sel.assign(**cols)[[*KEY, *dims, "value", *keep]]


def _filtered(observations: Any, term: Term) -> Any:
    """The term's measure, ``term.filter`` applied (a missing dimension counts as ``_T``)."""
    sel = observations[observations["measure"] == term.measure]
    for dim, codes in term.filter.items():
        if dim not in observations.columns:
            raise IndicatorError(f"filter on {dim}, which no source gives", column=dim,
                                 value=list(codes))
        sel = sel[sel[dim].fillna(TOTAL).isin(list(codes))]
    return sel


def term_frame(observations: Any, term: Term, dims: list[str], inv: pd.DataFrame
               ) -> pd.DataFrame:
    """:func:`select_term` summed by area, source period and ``dims``, in pandas, sorted.

    Raises
    ------
    IndicatorError
        When the sum would add up the values of a dimension nobody declared: one the
        indicator does not disaggregate or filter by, which a source gives with values
        other than the total (homicide subtypes, or women only, published as all).
    """
    check_declared_sums(observations, term, dims)
    sel = select_term(observations, term, dims, inv)
    summed = _compute(sel.groupby([*KEY, *dims])["value"].sum())
    return summed.reset_index().sort_values([*KEY, *dims], ignore_index=True)


def check_declared_sums(observations: Any, term: Term, dims: list[str]) -> None:
    """Refuse to sum a term over a dimension it neither keeps nor filters (see term_frame)."""
    rest = [d for d in dimension_columns(observations) if d not in dims and d not in term.filter]
    if not rest:
        return
    # One pass for every undeclared dimension: the distinct (source, values) of the term.
    distinct = _compute(_filtered(observations, term)[["source", *rest]].drop_duplicates())
    for dim in rest:
        found = distinct[["source", dim]].dropna()
        found = found[found[dim].astype(str) != TOTAL]
        if found.empty:
            continue
        values = sorted(found[dim].astype(str).unique())
        shown = ", ".join(repr(v) for v in values[:6]) + (
            f" and {len(values) - 6} more" if len(values) > 6 else "")
        raise IndicatorError(
            f"measure {term.measure!r} of source {found['source'].iloc[0]!r} is given by "
            f"{dim} ({shown}), which the indicator neither disaggregates nor filters: "
            "summing would add them up", column=dim, value=values[0],
            hint=f"filter the term by {dim} in the indicator definition, or declare "
                 f"sum_over = [{dim!r}] in the source spec if adding them up is right")


def indicator_period(periods: pd.Series, frequency: str) -> pd.Series:
    """Source periods as the indicator's: the year (A), ``YYYY-Qn`` (Q) or ``YYYY-MM`` (M).

    A period coarser than the indicator's (a year for a monthly indicator) stays as it is;
    :func:`coarser_periods` finds those.
    """
    if frequency == "A":
        return periods.str[:4]
    periods = periods.astype(str)  # a categorical refuses the new quarter labels
    monthly = periods.str.len() >= 7
    if frequency == "M":
        return periods.where(~monthly, periods.str[:7])
    quarter = (pd.to_numeric(periods.str[5:7], errors="coerce") - 1) // 3 + 1
    return periods.where(~monthly, periods.str[:4] + "-Q" + quarter.astype("Int64").astype(str))


def coarser_periods(periods: pd.Series, frequency: str) -> list[str]:
    """Source periods too coarse for the indicator (years, for a quarterly or monthly one)."""
    if frequency == "A":
        return []
    periods = periods.astype(str)
    return sorted(set(periods[periods.str.len() < 7]))


def duplicate_findings(observations: Any, defn: IndicatorDef, inv: pd.DataFrame
                       ) -> list[Finding]:
    """Keys given by more than one source for the same measure (they would add up twice).

    Within one source harmonisation already quarantines repeats (and sums counted
    records); across sources only a measure that several sources give can repeat, so only
    those rows are grouped. One located error per key, the first few, then a summary.
    """
    measures = inv[inv["measure"].isin(defn.measures())]
    shared = measures.groupby("measure")["source"].nunique()
    shared = shared[shared > 1].index.tolist()
    if not shared:
        return []
    dims = dimension_columns(observations)
    sel = observations[observations["measure"].isin(shared)]
    sel = sel.assign(**{d: sel[d].fillna(TOTAL) for d in dims})
    counts = _compute(sel.groupby(["measure", *KEY, *dims])["source"].nunique())
    repeated = counts[counts > 1].reset_index()
    if repeated.empty:
        return []
    cols = ["measure", *KEY, *dims]
    shown = repeated.head(_SHOWN)[cols]
    hits = _compute(sel[[*cols, "source", "row"]].merge(shown, on=cols))
    found = []
    for rec in shown.itertuples(index=False):
        key = dict(zip(cols, rec, strict=True))
        hit = hits.merge(pd.DataFrame([key]), on=cols).sort_values(["source", "row"])
        where = ", ".join(f"{s} row {r}" for s, r in zip(hit["source"], hit["row"],
                                                           strict=True))
        found.append(Finding(
            code="duplicate-key", severity=Severity.ERROR,
            message=f"more than one source gives measure {key['measure']!r} for this key "
                    f"({where}): it would be counted twice",
            source=str(hit["source"].iloc[0]), row=int(hit["row"].iloc[0]),
            column=str(key["measure"]),
            key=".".join([defn.series, str(key["REF_AREA"]), str(key["TIME_PERIOD"]),
                          *(str(key[d]) for d in dims)]),
            hint="keep the measure in one source, or give the sources different measure ids"))
    if len(repeated) > _SHOWN:
        found.append(Finding(
            code="duplicate-key", severity=Severity.ERROR,
            message=f"{len(repeated) - _SHOWN} more keys are given by more than one source",
            column=", ".join(shared), key=defn.series))
    return found
