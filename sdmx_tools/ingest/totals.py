"""A source's own totals: state and national rows beside its municipalities.

Indicators are computed from municipalities and summed up the hierarchy, so a file's own
subtotal lines (INEGI's ``=CONCATENAR(0,01)`` state rows, a national line) are never used
as data: they are excluded on purpose, and each is checked against the sum of the
municipalities the same file gives, so a file with missing or revised rows shows it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.report import Finding, Severity
from sdmx_tools.territory import NATION, AreaCodelist

__all__ = ["reconcile", "split_totals"]

_TOTALS_SHOWN = 20


def split_totals(obs: pd.DataFrame, areas: AreaCodelist) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Municipal observations, and the file's own state and national total rows."""
    codes = pd.Categorical(obs["REF_AREA"])  # already one: no copy; the levels per category
    # A list first: iterating an Index of text makes each value anew (ten times slower).
    municipal = np.array([areas.level(c) == "municipality" for c in codes.categories.tolist()]
                         + [True])
    total = ~municipal[codes.codes]  # code -1 (no area) indexes the trailing True
    return obs[~total], obs[total]


def reconcile(totals: pd.DataFrame, municipal: pd.DataFrame, spec: SourceSpec,
               areas: AreaCodelist) -> list[Finding]:
    """A finding for each total row that differs from the sum of its municipalities."""
    if totals.empty:
        return []
    key = [c for c in municipal.columns
           if c not in ("row_index", "source", "row", "value", "unit", "REF_AREA")]
    parent = municipal["REF_AREA"].map(areas.state_of)  # once per category: no per-row call
    sums = pd.concat([
        municipal.assign(REF_AREA=parent).groupby([*key, "REF_AREA"], observed=True)["value"].sum(),
        municipal.assign(REF_AREA=NATION).groupby([*key, "REF_AREA"], observed=True)["value"].sum(),
    ])
    given = totals.assign(REF_AREA=totals["REF_AREA"].astype(object))
    given = given.set_index([*key, "REF_AREA"])
    given["summed"] = sums.reindex(given.index).fillna(0.0).to_numpy()
    off = given[~np.isclose(given["value"], given["summed"], rtol=1e-9, atol=1e-9)]
    found = []
    for idx, rec in off.head(_TOTALS_SHOWN).iterrows():
        where = dict(zip([*key, "REF_AREA"], idx if isinstance(idx, tuple) else (idx,),
                         strict=True))
        found.append(Finding(
            code="total-mismatch", severity=Severity.WARNING, source=spec.id,
            file=str(spec.path), row=int(rec["row"]), column=str(where["measure"]),
            value=f"{rec['value']:g}",
            message=f"the file's total for {where['REF_AREA']} {areas.name(where['REF_AREA'])}, "
                    f"{where['TIME_PERIOD']}, is {rec['value']:g}; its municipalities in the "
                    f"file add up to {rec['summed']:g} (difference "
                    f"{rec['value'] - rec['summed']:+g})",
            hint="the file's totals are not published (indicators sum the municipalities): "
                 "a difference means missing, extra or revised municipal rows"))
    if len(off) > _TOTALS_SHOWN:
        found.append(Finding(code="total-mismatch", severity=Severity.WARNING, source=spec.id,
                             file=str(spec.path),
                             message=f"{len(off) - _TOTALS_SHOWN} more totals differ from the "
                                     "sum of their municipalities"))
    return found
