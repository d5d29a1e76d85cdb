"""Data queries on the embedded registry: what to select, and in which format to answer.

The store keeps a data set as it was pushed; a query reads it into the exchange stage's
tidy frame, selects (series key with wildcards and ``+``, ``startPeriod``/``endPeriod``,
``lastNObservations``/``firstNObservations``, ``detail``) and writes the format
:func:`~.mediatypes.negotiate_data` chose: SDMX-ML 2.1 structure-specific (the default) or
generic, SDMX-CSV 1.0 or 2.0, SDMX-JSON 2.0.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sdmx_tools.exchange.conformance import StructureRules
from sdmx_tools.exchange.jsondata import write_data_json
from sdmx_tools.exchange.periods import period_bounds, query_bound
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.sdmxml import write_data_xml
from sdmx_tools.exchange.structurespecific import write_structure_specific
from sdmx_tools.exchange.xmlsafe import root_name
from sdmx_tools.registry.cache import BoundedCache
from sdmx_tools.registry.http import HTTPFailure
from sdmx_tools.registry.mediatypes import MEDIA_TYPES
from sdmx_tools.registry.outcome import DataFormat

__all__ = ["answer", "kind", "select"]


def kind(content: bytes, stored: DataFormat) -> str:
    """Which served format (a key of :data:`~.mediatypes.MEDIA_TYPES`) a stored data set is
    in: CSV by its version, SDMX-ML by its root element's name, generic or not."""
    if stored != "sdmx-ml":
        return "csv2" if stored == "sdmx-csv2" else "csv1"
    root = root_name(content[:2048]) or ""
    return "generic" if root.startswith("Generic") else "structurespecific"


#: The query parameters served; any other is 501: ignoring it would answer other data than
#: was asked for, as if it were the selection (``c[...]`` filters are checked apart).
PARAMETERS = {"startperiod", "endperiod", "lastnobservations", "firstnobservations",
              "detail", "dimensionatobservation", "attributes", "measures", "format",
              "includehistory"}


def select(frame: pd.DataFrame, dimensions: Sequence[str], key: str | None,
           query: Mapping[str, str]) -> pd.DataFrame:
    """The observations a key and the SDMX-REST query parameters select.

    Raises
    ------
    HTTPFailure
        400 for a key of the wrong length or a parameter that is not a number.
    """
    unknown = sorted(k for k in query if k not in PARAMETERS and not k.startswith("c["))
    if unknown:
        raise HTTPFailure(501, f"query parameter {unknown[0]!r} is not served; served: "
                          + ", ".join(sorted(PARAMETERS)) + ", c[COMPONENT]")
    if query.get("includehistory", "false").lower() != "false":
        raise HTTPFailure(501, "includeHistory: no history is kept")
    if key and key not in {"all", "*"}:
        parts = key.split(".")
        if len(parts) != len(dimensions):
            raise HTTPFailure(400, f"The key has {len(parts)} parts, the dataflow has "
                              f"{len(dimensions)} dimensions ({'.'.join(dimensions)})")
        for dim, part in zip(dimensions, parts, strict=True):
            if part and part != "*":
                frame = frame[frame[dim].isin(part.split("+"))]
    frame = _components(frame, query)
    frame = _period_window(frame, query)
    series = [d for d in dimensions if d in frame.columns]
    for name, last in (("lastnobservations", True), ("firstnobservations", False)):
        if text := query.get(name):
            if not (text.isascii() and text.isdigit() and len(text) <= 9):
                raise HTTPFailure(400, f"{name} must be a whole number (at most 9 digits)")
            ordered = frame.assign(_p=period_bounds(frame["TIME_PERIOD"])[0]).sort_values(
                "_p", kind="stable")
            grouped = ordered.groupby(series, sort=False, dropna=False)
            frame = (grouped.tail(int(text)) if last else grouped.head(int(text))).drop(
                columns="_p")
    detail = query.get("detail", "full").lower()
    attributes = query.get("attributes", "dsd").lower()
    if detail == "dataonly" or attributes == "none":
        frame = frame[[*series, "TIME_PERIOD", "OBS_VALUE"]]
    elif detail != "full":
        raise HTTPFailure(400, f"detail={detail!r} is not supported (full, dataonly)")
    elif attributes not in {"dsd", "all"}:
        raise HTTPFailure(501, f"attributes={attributes!r} is not supported (dsd, all, none)")
    if query.get("measures", "all").lower() not in {"all", "obs_value"}:
        raise HTTPFailure(501, "measures: only all (OBS_VALUE) is served")
    if query.get("dimensionatobservation", "TIME_PERIOD") not in {"TIME_PERIOD", ""}:
        raise HTTPFailure(400, "only dimensionAtObservation=TIME_PERIOD is served")
    return frame


def _period_window(frame: pd.DataFrame, query: Mapping[str, str]) -> pd.DataFrame:
    """Observations whose period overlaps ``startPeriod``..``endPeriod`` (as date ranges)."""
    start, end = query.get("startperiod"), query.get("endperiod")
    if not (start or end):
        return frame
    first, last = period_bounds(frame["TIME_PERIOD"])
    keep = np.ones(len(frame), dtype=bool)
    try:
        if start:
            keep &= last >= query_bound(start, end=False)
        if end:
            keep &= first <= query_bound(end, end=True)
    except ValueError as exc:
        raise HTTPFailure(400, str(exc)) from None
    return frame[keep]


def _components(frame: pd.DataFrame, query: Mapping[str, str]) -> pd.DataFrame:
    """SDMX-REST 2 component filters ``c[ID]=v1,v2`` (equality; other operators are 501).

    A filter the server cannot apply is refused: ignoring it would answer more data than
    was asked for, as if it were the selection.
    """
    for name, value in query.items():
        if not (name.startswith("c[") and name.endswith("]")):
            continue
        component = next((c for c in frame.columns if c.lower() == name[2:-1]), None)
        if component is None:
            raise HTTPFailure(400, f"{name}: no such component in the data set")
        if component == "OBS_VALUE":
            raise HTTPFailure(501, f"{name}: filters on the measure are not served")
        wanted = [v for v in value.split(",") if v]
        wanted = [v.removeprefix("eq:") for v in wanted]
        if any(":" in v for v in wanted):
            raise HTTPFailure(501, f"{name}: only equality filters are served (no operators)")
        frame = frame[frame[component].astype(str).isin(wanted)]
    return frame


_FRAMES: BoundedCache[pd.DataFrame] = BoundedCache(4)


def _stored_frame(digest: bytes, content: bytes) -> pd.DataFrame:
    """The stored data set, read once per content (keyed by its digest); never modified."""
    frame = _FRAMES.get(digest)
    if frame is None:
        frame = read_data(content, name="the stored data set")
        _FRAMES.put(digest, frame)
    return frame


def answer(content: bytes, flow: tuple[str, str, str], rules: StructureRules,
           key: str | None, query: Mapping[str, str], fmt: str) -> tuple[bytes, str]:
    """The stored data set, selected and written as ``fmt``; with its media type.

    ``rules`` are the dataflow's DSD's: its dimensions give the key, its attribute
    relationships say which attributes go on series and which on observations.
    """
    dimensions = rules.dimensions
    frame = _stored_frame(hashlib.sha256(content).digest(), content)
    # An empty data set, or one that leaves a dimension out, still has every column.
    frame = frame.reindex(columns=list(dict.fromkeys([*dimensions, *frame.columns])),
                          fill_value="")
    frame = select(frame, dimensions, key, query)
    agency, ident, version = flow
    present = [c for c in frame.columns if c not in (*dimensions, "TIME_PERIOD", "OBS_VALUE")]
    obs_attrs = [a for a in present if a in rules.observation_attributes]
    series_attrs = [a for a in present if a not in obs_attrs]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "answer"
        if fmt == "structurespecific":
            write_structure_specific(frame, out, agency=agency, dataflow_id=ident,
                                     version=version, dimensions=dimensions,
                                     series_attributes=series_attrs, obs_attributes=obs_attrs)
        elif fmt == "generic":
            write_data_xml(frame, out, agency=agency, dataflow_id=ident, version=version,
                           dimensions=dimensions, series_attributes=series_attrs,
                           obs_attributes=obs_attrs)
        elif fmt == "json":
            write_data_json(frame, out, agency=agency, dataflow_id=ident, version=version,
                            dimensions=dimensions, series_attributes=series_attrs,
                            obs_attributes=obs_attrs)
        else:
            write_data_csv(frame, out, dataflow_ref=f"{agency}:{ident}({version})",
                           version="2.0" if fmt == "csv2" else "1.0", dimensions=dimensions,
                           attributes=present)
        return out.read_bytes(), MEDIA_TYPES[fmt]
