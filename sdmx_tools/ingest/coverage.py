"""An exhaustive source's zeros: municipalities it covers and gives no record for."""

from __future__ import annotations

import pandas as pd

from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.territory import AreaCodelist

__all__ = ["zero_fill"]


def zero_fill(obs: pd.DataFrame, spec: SourceSpec, areas: AreaCodelist) -> pd.DataFrame:
    """Counted measures of an exhaustive source: municipalities without records had zero.

    The added observations have input row 0 (no input row: implied by ``area.covers``).
    """
    counted = [m.id for m in spec.measures if m.count_rows]
    if not spec.area.covers or not counted or obs.empty:
        return obs
    munis = [c for s in spec.area.covers for c in areas.municipalities(s)]
    key = [c for c in obs.columns if c not in ("source", "row", "value", "unit", "REF_AREA")]
    combos = obs[obs["measure"].isin(counted)][key].drop_duplicates()
    full = combos.merge(pd.DataFrame({"REF_AREA": munis}), how="cross")
    seen = obs.set_index([*key, "REF_AREA"]).index
    zeros = full[~full.set_index([*key, "REF_AREA"]).index.isin(seen)].copy()
    if zeros.empty:
        return obs
    units = {m.id: m.unit for m in spec.measures}
    zeros = zeros.assign(source=spec.id, row=0, value=0.0,
                         unit=zeros["measure"].map(units))
    return pd.concat([obs, zeros[obs.columns]], ignore_index=True)
