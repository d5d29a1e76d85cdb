"""SDMX-CSV 1.0 data writer: DATAFLOW, the dimensions, OBS_VALUE, then attributes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sdmx_tools.exchange.numbers import format_number
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.dsd import DIMENSIONS, OBS_ATTRIBUTES, SERIES_ATTRIBUTES

__all__ = ["write_data_csv"]


def write_data_csv(frame: pd.DataFrame, path: Path, *, dataflow_ref: str) -> int:
    """Write observations as SDMX-CSV 1.0 (atomically); returns the observation count.

    ``dataflow_ref`` is ``AGENCY:ID(VERSION)``. Missing values and absent attributes are
    empty cells, as the format says.
    """
    attrs = [a for a in (*SERIES_ATTRIBUTES, *OBS_ATTRIBUTES) if a in frame.columns]
    out = frame[[*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *attrs]].copy()
    out.insert(0, "DATAFLOW", dataflow_ref)
    out = out.sort_values([*DIMENSIONS, "TIME_PERIOD"], kind="stable")
    floats = out.columns[out.dtypes.map(pd.api.types.is_float_dtype)]
    for column in dict.fromkeys(["OBS_VALUE", *floats]):
        # The SDMX-ML writer's format, so both files carry the same numbers.
        out[column] = [format_number(v) if not pd.isna(v) else "" for v in out[column]]
    with atomic_write(Path(path), "w") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")
    return len(out)
