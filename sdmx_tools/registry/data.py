"""Data sets in the embedded registry: what a store checks before filing one.

The registry stores data as sent (SDMX-ML 2.1, SDMX-CSV 1.0 or 2.0), read once by the
exchange stage's reader (which refuses unsafe or malformed content). Here is checked that
they are of the format declared and belong to the dataflow they are filed under;
:mod:`~sdmx_tools.exchange.conformance` then checks them against the structure.
"""

from __future__ import annotations

import hashlib

import pandas as pd

__all__ = ["check", "digest"]

def digest(content: bytes) -> str:
    """SHA-256 of the bytes (data are compared byte for byte)."""
    return hashlib.sha256(content).hexdigest()


_LABELS = {"sdmx-ml": "an SDMX-ML 2.1 data message", "sdmx-csv": "SDMX-CSV 1.0",
           "sdmx-csv2": "SDMX-CSV 2.0", "sdmx-json": "SDMX-JSON 2.0"}


def check(frame: pd.DataFrame, fmt: str, flow: str) -> str | None:
    """Why data read by :func:`~sdmx_tools.exchange.readers.read_data` cannot be stored as
    ``fmt`` data of ``flow`` (``AGENCY:ID(VERSION)``); None when they can.

    The reader says, in ``frame.attrs``, what format the content was and which dataflows
    it names (CSV rows, the SDMX-ML header); a header that names only an id is compared
    by id.
    """
    if fmt not in _LABELS:
        return f"unknown data format {fmt!r} (expected sdmx-ml, sdmx-csv or sdmx-csv2)"
    found = frame.attrs.get("format")
    if found != fmt:
        return f"declared {_LABELS[fmt]}, but the content is {_LABELS.get(found, found)}"
    flow_id = flow.split(":", 1)[1].split("(", 1)[0]
    for named, row in frame.attrs.get("dataflows", {}).items():
        if named != flow and named != flow_id:
            where = "row" if fmt != "sdmx-ml" else "line"
            return f"{where} {row} names dataflow {named!r}, not {flow}"
    return None
