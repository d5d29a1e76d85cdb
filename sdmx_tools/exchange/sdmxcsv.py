"""SDMX-CSV data writer, 1.0 and 2.0: the structure, the dimensions, OBS_VALUE, attributes.

1.0 opens with ``DATAFLOW``; 2.0 with ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` and
``ACTION`` (``I``, information). Numbers are formatted as in SDMX-ML, a column at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sdmx_tools.exchange.csvtext import write_csv
from sdmx_tools.exchange.numbers import format_numbers
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.dsd import DIMENSIONS, OBS_ATTRIBUTES, SERIES_ATTRIBUTES

__all__ = ["write_data_csv"]


def write_data_csv(frame: pd.DataFrame, path: Path, *, dataflow_ref: str,
                   version: Literal["1.0", "2.0"] = "1.0",
                   dimensions: Sequence[str] = DIMENSIONS,
                   attributes: Sequence[str] = (*SERIES_ATTRIBUTES, *OBS_ATTRIBUTES)) -> int:
    """Write observations as SDMX-CSV (atomically); returns the observation count.

    ``dataflow_ref`` is ``AGENCY:ID(VERSION)``; ``dimensions`` and ``attributes`` are the
    DSD's (default: the national SDG DSD's). Missing values and absent attributes are
    empty cells, as the format says.
    """
    attrs = [a for a in attributes if a in frame.columns]
    out = frame[[*dimensions, "TIME_PERIOD", "OBS_VALUE", *attrs]].copy()
    if version == "2.0":
        out.insert(0, "STRUCTURE", "dataflow")
        out.insert(1, "STRUCTURE_ID", dataflow_ref)
        out.insert(2, "ACTION", "I")
    else:
        out.insert(0, "DATAFLOW", dataflow_ref)
    out = out.sort_values([*dimensions, "TIME_PERIOD"], kind="stable")
    floats = out.columns[out.dtypes.map(pd.api.types.is_float_dtype)]
    for column in dict.fromkeys(["OBS_VALUE", *floats]):
        # The SDMX-ML writers' format, so every file carries the same numbers.
        missing = out[column].isna().to_numpy()
        out[column] = np.where(missing, "", format_numbers(out[column]))
    with atomic_write(Path(path), "w") as fh:
        write_csv(out, fh)
    return len(out)
