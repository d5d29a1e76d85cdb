"""Observation provenance: which file (by sha256) and which input rows made each value.

A municipal observation names the source rows its numerator was summed from (``rows
12-23``: twelve monthly cells of one wide row make one line each, a count of records many
lines); a state or national value names its sources and how many rows went into it. The
text travels as the SDMX ``SOURCE_DETAIL`` observation attribute, in the indicator table
and on the release pages. Rows implied by an exhaustive source (zero-filled
municipalities, row 0) have no line to point at and are not listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_tools.indicators import IndicatorDef
from sdmx_tools.territory import AreaCodelist

__all__ = ["row_ranges", "source_detail"]

_MAX_RANGES = 8


def source_detail(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist,
                  sha: dict[str, str]) -> pd.DataFrame:
    """``SOURCE_DETAIL`` text per observation key of one indicator.

    Parameters
    ----------
    defn
        The indicator (its numerator measure and disaggregations).
    observations
        Tidy observations of every source (``source``, ``row``, ``measure``, keys).
    areas
        For the parents of municipalities.
    sha
        Each source's file sha256.

    Returns
    -------
    pandas.DataFrame
        ``REF_AREA, TIME_PERIOD``, the disaggregations, ``SOURCE_DETAIL``.
    """
    dims = list(defn.disaggregations)
    num = observations[observations["measure"] == defn.numerator.measure]
    frame = pd.DataFrame({
        "REF_AREA": num["REF_AREA"].to_numpy(dtype=object),
        "TIME_PERIOD": (num["TIME_PERIOD"].str[:4] if defn.frequency == "A"
                        else num["TIME_PERIOD"]).to_numpy(dtype=object),
        "source": num["source"].to_numpy(dtype=object),
        "row": num["row"].to_numpy(dtype=np.int64),
    })
    for d in dims:
        frame[d] = num[d].fillna("_T").to_numpy(dtype=object) if d in num else "_T"
    keys = ["REF_AREA", "TIME_PERIOD", *dims]
    municipal = frame.groupby([*keys, "source"], sort=False)["row"].agg(
        lambda r: row_ranges(r.to_numpy())).rename("rows").reset_index()
    municipal["SOURCE_DETAIL"] = (municipal["source"] + " sha256:"
                                  + municipal["source"].map(lambda s: sha[s][:12]) + " "
                                  + municipal["rows"])
    parts = [municipal]
    for level_of in (areas.parent, lambda _c: "00"):
        frame = frame.assign(REF_AREA=frame["REF_AREA"].map(level_of))
        counted = frame[frame["row"] > 0].groupby([*keys, "source"], sort=False).size()
        agg = counted.rename("n").reset_index()
        agg["SOURCE_DETAIL"] = (agg["source"] + " sha256:" + agg["source"].map(
            lambda s: sha[s][:12]) + " (" + agg["n"].map("{:,} rows".format) + ")")
        parts.append(agg)
    out = pd.concat([p[[*keys, "SOURCE_DETAIL"]] for p in parts], ignore_index=True)
    return out.groupby(keys, sort=False)["SOURCE_DETAIL"].agg("; ".join).reset_index()


def row_ranges(rows: np.ndarray) -> str:
    """Line numbers as ranges, ``rows 4-15, 30``; long lists are cut with a count."""
    lines = np.unique(rows[rows > 0])
    if not len(lines):
        return "no input row (zero by coverage)"
    breaks = np.flatnonzero(np.diff(lines) != 1) + 1
    starts, ends = lines[np.r_[0, breaks]], lines[np.r_[breaks - 1, len(lines) - 1]]
    spans = [f"{a}" if a == b else f"{a}-{b}" for a, b in zip(starts, ends, strict=True)]
    label = "row" if len(lines) == 1 else "rows"
    if len(spans) > _MAX_RANGES:
        return f"{label} {', '.join(spans[:_MAX_RANGES])} … ({len(lines):,} rows)"
    return f"{label} {', '.join(spans)}"
