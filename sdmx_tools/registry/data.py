"""Data messages in the embedded registry: light checks, and the DSD's dimensions.

The registry stores data as sent (SDMX-ML 2.1, SDMX-CSV 1.0 or 2.0). Here is checked what
a store must know before reading it: the content is safe, of the format declared, and
belongs to the dataflow it is filed under; :mod:`~sdmx_tools.exchange.conformance` then
checks it against the structure.
"""

from __future__ import annotations

import csv
import hashlib
import io

from lxml import etree

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.xmlsafe import parse, q

__all__ = ["check", "digest"]

_DATA_ROOTS = {
    "StructureSpecificData", "GenericData", "StructureSpecificTimeSeriesData",
    "GenericTimeSeriesData",
}


def digest(content: bytes) -> str:
    """SHA-256 of the bytes (data are compared byte for byte)."""
    return hashlib.sha256(content).hexdigest()


def check(content: bytes, fmt: str, flow: str) -> str | None:
    """Why ``content`` cannot be stored as ``fmt`` data of ``flow``; None when it can."""
    if fmt in _CSV_HEADS:
        return _check_csv(content, fmt, flow)
    if fmt != "sdmx-ml":
        return f"unknown data format {fmt!r} (expected sdmx-ml, sdmx-csv or sdmx-csv2)"
    try:
        root = parse(content, what="data message")
    except StructureError as exc:
        return str(exc)
    name = etree.QName(root).localname
    if name not in _DATA_ROOTS:
        return f"not an SDMX-ML 2.1 data message (root element {name})"
    flow_id = flow.split(":", 1)[1].split("(", 1)[0]
    for usage in root.iter(q("com", "StructureUsage")):
        ref = usage.find("Ref")
        if ref is not None and ref.get("id") not in {None, flow_id}:
            return f"the message header names dataflow {ref.get('id')!r}, not {flow}"
    return None


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# Format -> (version, first column, the column naming the dataflow).
_CSV_HEADS = {"sdmx-csv": ("1.0", "DATAFLOW", 0), "sdmx-csv2": ("2.0", "STRUCTURE", 1)}


def _check_csv(content: bytes, fmt: str, flow: str) -> str | None:
    version, head, at = _CSV_HEADS[fmt]
    try:
        rows = _rows(content)
    except (UnicodeDecodeError, csv.Error) as exc:
        return f"not readable as UTF-8 CSV: {exc}"
    if not rows or not rows[0] or rows[0][0].strip().upper() != head:
        return f"not SDMX-CSV {version}: the first column must be {head}"
    for n, row in enumerate(rows[1:], start=2):
        if row and (len(row) <= at or row[at] != flow):
            return f"row {n} belongs to dataflow {row[at] if len(row) > at else ''!r}, not {flow}"
    return None
