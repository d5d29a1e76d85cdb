"""Data queries on the embedded registry: what to select, and in which format to answer.

The store keeps a data set as it was pushed; a query reads it into the exchange stage's
tidy frame, selects (series key with wildcards and ``+``, ``startPeriod``/``endPeriod``,
``lastNObservations``/``firstNObservations``, ``detail``) and writes the format the client
asked for by ``Accept`` or ``format``: SDMX-ML 2.1 structure-specific (the default) or
generic, SDMX-CSV 1.0 or 2.0. Anything else is 406.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.sdmxml import write_data_xml
from sdmx_tools.exchange.structurespecific import write_structure_specific
from sdmx_tools.registry.http import HTTPFailure
from sdmx_tools.vocabulary.dsd import SERIES_ATTRIBUTES

__all__ = ["MEDIA_TYPES", "answer", "kind", "negotiate", "select"]

MEDIA_TYPES = {
    "structurespecific": "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    "generic": "application/vnd.sdmx.genericdata+xml; version=2.1",
    "csv1": "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
    "csv2": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
}
_FORMAT_PARAM = {"structurespecificdata": "structurespecific", "genericdata": "generic",
                 "csvfile": "csv1", "csv": "csv1", "sdmx-csv": "csv1",
                 "sdmx-csv2": "csv2"}
_XML_DEFAULT = {"application/xml", "text/xml", "application/*", "*/*", "*", ""}


def negotiate(accept: str, format_param: str = "") -> str:
    """The answer's format, from ``?format=`` or else the ``Accept`` header (first usable).

    Raises
    ------
    HTTPFailure
        406 when nothing asked for can be produced (SDMX-JSON data, for now).
    """
    if format_param:
        chosen = _FORMAT_PARAM.get(format_param.strip().lower())
        if chosen is None:
            raise HTTPFailure(406, f"format {format_param!r} cannot be produced; use one of "
                              + ", ".join(sorted(_FORMAT_PARAM)))
        return chosen
    ranges = []
    for i, item in enumerate((accept or "*/*").split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        options = dict(p.split("=", 1) for p in params if "=" in p)
        try:
            quality = float(options.get("q", "1"))
        except ValueError:
            quality = 0.0
        if quality > 0:
            ranges.append((-quality, i, media.lower(), options.get("version", "")))
    for _, _, media, version in sorted(ranges):
        if media in _XML_DEFAULT:
            return "structurespecific"
        if media == "application/vnd.sdmx.structurespecificdata+xml":
            return "structurespecific"
        if media == "application/vnd.sdmx.genericdata+xml":
            return "generic"
        if media in {"application/vnd.sdmx.data+csv", "text/csv", "application/csv"}:
            return "csv2" if version.startswith("2") else "csv1"
    raise HTTPFailure(406, f"none of {accept!r} can be produced; data are served as "
                      + ", ".join(MEDIA_TYPES.values()))


def kind(content: bytes) -> str:
    """Which of the served formats a stored message is (the store keeps SDMX-ML 2.1 data
    messages and SDMX-CSV 1.0): by the root element's name, generic or not."""
    head = content[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return "csv1"
    root = re.search(rb"<(?:[\w.-]+:)?(\w+)[\s>/]", re.sub(rb"<[?!][^>]*>", b"", head))
    return "generic" if root and root.group(1).startswith(b"Generic") else "structurespecific"


def select(frame: pd.DataFrame, dimensions: Sequence[str], key: str | None,
           query: Mapping[str, str]) -> pd.DataFrame:
    """The observations a key and the SDMX-REST query parameters select.

    Raises
    ------
    HTTPFailure
        400 for a key of the wrong length or a parameter that is not a number.
    """
    if key and key not in {"all", "*"}:
        parts = key.split(".")
        if len(parts) != len(dimensions):
            raise HTTPFailure(400, f"The key has {len(parts)} parts, the dataflow has "
                              f"{len(dimensions)} dimensions ({'.'.join(dimensions)})")
        for dim, part in zip(dimensions, parts, strict=True):
            if part and part != "*":
                frame = frame[frame[dim].isin(part.split("+"))]
    periods = frame["TIME_PERIOD"].astype(str)
    if start := query.get("startperiod"):
        frame, periods = _keep(frame, periods, periods.str[: len(start)] >= start)
    if end := query.get("endperiod"):
        frame, periods = _keep(frame, periods, periods.str[: len(end)] <= end)
    series = [d for d in dimensions if d in frame.columns]
    for name, last in (("lastnobservations", True), ("firstnobservations", False)):
        if text := query.get(name):
            if not text.isdigit():
                raise HTTPFailure(400, f"{name} must be a whole number", )
            ordered = frame.assign(_p=periods).sort_values("_p", kind="stable")
            grouped = ordered.groupby(series, sort=False, dropna=False)
            frame = (grouped.tail(int(text)) if last else grouped.head(int(text))).drop(
                columns="_p")
            periods = frame["TIME_PERIOD"].astype(str)
    detail = query.get("detail", "full").lower()
    if detail == "dataonly":
        frame = frame[[*series, "TIME_PERIOD", "OBS_VALUE"]]
    elif detail != "full":
        raise HTTPFailure(400, f"detail={detail!r} is not supported (full, dataonly)")
    if query.get("dimensionatobservation", "TIME_PERIOD") not in {"TIME_PERIOD", ""}:
        raise HTTPFailure(400, "only dimensionAtObservation=TIME_PERIOD is served")
    return frame


def _keep(frame: pd.DataFrame, periods: pd.Series, mask: pd.Series
          ) -> tuple[pd.DataFrame, pd.Series]:
    return frame[mask], periods[mask]


def answer(content: bytes, flow: tuple[str, str, str], dimensions: Sequence[str],
           key: str | None, query: Mapping[str, str], fmt: str) -> tuple[bytes, str]:
    """The stored data set, selected and written as ``fmt``; with its media type."""
    frame = read_data(content, name="the stored data set")
    # An empty data set, or one that leaves a dimension out, still has every column.
    frame = frame.reindex(columns=list(dict.fromkeys([*dimensions, *frame.columns])),
                          fill_value="")
    frame = select(frame, dimensions, key, query)
    agency, ident, version = flow
    attributes = [c for c in frame.columns if c not in (*dimensions, "TIME_PERIOD",
                                                        "OBS_VALUE")]
    series_attrs = [a for a in attributes if a in SERIES_ATTRIBUTES]
    obs_attrs = [a for a in attributes if a not in series_attrs]
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
        else:
            write_data_csv(frame, out, dataflow_ref=f"{agency}:{ident}({version})",
                           version="2.0" if fmt == "csv2" else "1.0", dimensions=dimensions,
                           attributes=attributes)
        return out.read_bytes(), MEDIA_TYPES[fmt]
