"""SDMX data readers: SDMX-ML 2.1 (generic, structure-specific), SDMX-CSV 1.0/2.0 and
SDMX-JSON 2.0 (:func:`~sdmx_tools.exchange.jsonread.read_data_json`).

Each gives the same tidy frame: one row per observation, a text column per dimension and
attribute found (codes stay text: ``01001`` keeps its zero), ``TIME_PERIOD`` and
``OBS_VALUE`` as float. Its ``attrs`` say what the file was: ``attrs["format"]`` (``sdmx-ml``,
``sdmx-csv``, ``sdmx-csv2`` or ``sdmx-json``) and ``attrs["dataflows"]``, the dataflows it
names (up to ten, each with the row or line that first names it), so a registry can file
an upload without reading it twice. So a previous release, an upload, or data from another SDMX
service can be compared with, or published like, what ``convert`` computes.

SDMX-ML is read as a stream (``iterparse``, each series cleared once read) with entities,
DTDs and the network off; a DOCTYPE is refused.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from sdmx_tools.errors import StructureError, first_line
from sdmx_tools.exchange.jsonread import read_data_json

__all__ = ["read_data"]

_GENERIC = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
_CSV_HEADS = {"DATAFLOW": "1.0", "STRUCTURE": "2.0"}
_CSV_META = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION"}


def read_data(source: Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Observations of an SDMX data file or message, whatever its format (told by content).

    Parameters
    ----------
    source
        A file, or the bytes of a message (an upload, a registry's stored copy).
    name
        What to call bytes in error messages.

    Raises
    ------
    StructureError
        Not an SDMX data message or SDMX-CSV file, or a malformed one, located. Content
        starting with ``{`` (after a BOM or blanks) is read as SDMX-JSON.
    """
    if isinstance(source, bytes):
        where: Path | str = name or "(data message)"
        start = source[:4096]
        opened: Path | io.BytesIO = io.BytesIO(source)
    else:
        where = opened = Path(source)
        try:
            with opened.open("rb") as fh:
                start = fh.read(4096)
        except OSError as exc:
            raise StructureError(f"cannot read the file: {exc.strerror}", file=where) from exc
    head = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _read_xml(opened, where)
    if head.startswith(b"{"):  # SDMX-JSON: parsed whole (json.loads), so read whole
        try:
            content = opened.getvalue() if isinstance(opened, io.BytesIO) else opened.read_bytes()
        except OSError as exc:
            raise StructureError(f"cannot read the file: {exc.strerror}", file=where) from exc
        frame = read_data_json(content, where)
        frame.attrs = {"format": "sdmx-json", "dataflows": {}}
        return frame
    return _read_csv(opened, where)


def _read_csv(source: Path | io.BytesIO, path: Path | str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise StructureError(f"not readable as SDMX-CSV: {first_line(exc)}", file=path) from exc
    first = frame.columns[0].strip().upper() if len(frame.columns) else ""
    if first not in _CSV_HEADS or "OBS_VALUE" not in frame.columns:
        raise StructureError("not SDMX-CSV: the first column must be DATAFLOW (1.0) or "
                             "STRUCTURE (2.0), and OBS_VALUE must be a column", file=path,
                             value=first or None)
    action = next((c for c in frame.columns if c.upper() == "ACTION"), None)
    if action is not None:
        wrong = ~frame[action].str.strip().str.upper().isin(["", "I", "A", "R", "M"])
        if wrong.any():
            at = int(np.flatnonzero(wrong.to_numpy())[0])
            raise StructureError("only observations to add or replace are read (ACTION I, A, "
                                 "R, M); deletions are not", file=path, row=at + 2,
                                 column=action, value=str(frame[action].iloc[at]))
    version = _CSV_HEADS[first]
    wanted = "DATAFLOW" if version == "1.0" else "STRUCTURE_ID"
    flow_column = next((c for c in frame.columns if c.strip().upper() == wanted), None)
    if flow_column is None:
        raise StructureError("not SDMX-CSV 2.0: no STRUCTURE_ID column", file=path)
    firsts = frame[flow_column].drop_duplicates().iloc[:10]
    out = frame.drop(columns=[c for c in frame.columns if c.upper() in _CSV_META]).astype(object)
    out["OBS_VALUE"] = _numbers(out["OBS_VALUE"], path)
    out = out.reset_index(drop=True)
    out.attrs = {"format": "sdmx-csv" if version == "1.0" else "sdmx-csv2",
                 "dataflows": {str(v): int(i) + 2 for i, v in firsts.items()}}
    return out


def _numbers(cells: pd.Series, path: Path | str) -> pd.Series:
    text = cells.replace({"": "NaN", "INF": "inf", "-INF": "-inf"})
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & (text != "NaN")
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy())[0])
        raise StructureError("OBS_VALUE is not a number", file=path, row=at + 2,
                             value=str(cells.iloc[at]))
    return values.astype("float64")


# A structure-specific DataSet's own XML attributes; the others are DSD attributes.
_DATASET_OWN = {"action", "reportingBeginDate", "reportingEndDate", "validFromDate",
                "validToDate", "publicationYear", "publicationPeriod", "setID", "dataScope",
                "structureRef"}
_ROOTS = {"StructureSpecificData": False, "StructureSpecificTimeSeriesData": False,
          "GenericData": True, "GenericTimeSeriesData": True}


def _read_xml(source: Path | io.BytesIO, path: Path | str) -> pd.DataFrame:
    rows: list[dict[str, str]] = []
    series: dict[str, str] = {}
    dataset: dict[str, str] = {}  # attributes attached to the whole data set
    named: dict[str, int] = {}  # the dataflows the header names
    generic: bool | None = None
    context = etree.iterparse(source if isinstance(source, io.BytesIO) else str(source),
                              events=("start", "end"), resolve_entities=False,
                              no_network=True, load_dtd=False)
    try:
        for event, element in context:
            name = _local(element)
            if generic is None:  # the root element
                if element.getroottree().docinfo.doctype:
                    raise StructureError("a DOCTYPE is not allowed in SDMX-ML", file=path, row=1)
                if ":" in name:  # lxml before 6.2 passes an undeclared prefix on; later ones
                    # refuse it in the parse (below): the same error either way
                    prefix, local = name.split(":", 1)  # libxml2's words, as 6.2 says
                    raise StructureError(f"malformed XML: Namespace prefix {prefix} on "
                                         f"{local} is not defined", file=path,
                                         row=element.sourceline)
                if name not in _ROOTS:
                    raise StructureError("not an SDMX-ML 2.1 data message", file=path,
                                         value=name)
                generic = _ROOTS[name]
            elif event == "start":
                if name == "Series" and not generic:
                    # Structure-specific: its key and attributes.
                    series = {**dataset, **dict(element.attrib)}
                elif name == "Series":
                    series = dict(dataset)
                elif name == "DataSet":
                    dataset = _dataset(element, generic, path)
                elif name == "Group":
                    raise StructureError("group attributes are not read", file=path,
                                         row=element.sourceline,
                                         hint="attach them to the series")
            elif name == "Series":
                series = {}
                element.clear()
            elif name == "Obs":
                rows.append({**series, **(_generic_obs(element) if generic
                                          else dict(element.attrib))})
                element.clear()
            elif generic and name in {"SeriesKey", "Attributes"} and \
                    _local(element.getparent()) == "Series":
                series.update(_values(element))
            elif generic and name == "Attributes" and \
                    _local(element.getparent()) == "DataSet":
                dataset.update(_values(element))
            elif name == "StructureUsage" and (ref := element.find("Ref")) is not None \
                    and len(named) < 10:
                named.setdefault(_flow_named(ref), element.sourceline or 0)
    except etree.XMLSyntaxError as exc:
        raise StructureError(f"malformed XML: {exc.msg}", file=path, row=exc.lineno) from exc
    frame = _frame(rows, path)
    frame.attrs = {"format": "sdmx-ml", "dataflows": named}
    return frame


def _local(element: etree._Element | None) -> str:
    """An element's local name; a prefix no namespace was declared for stays in it (lxml's
    QName refuses such names with a ValueError)."""
    tag = element.tag if element is not None else ""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _flow_named(ref: etree._Element) -> str:
    """``AGENCY:ID(VERSION)`` of a header's dataflow reference, or its id when that is all."""
    agency, version = ref.get("agencyID"), ref.get("version")
    ident = ref.get("id", "")
    return f"{agency}:{ident}({version})" if agency and version else ident


def _dataset(element: etree._Element, generic: bool, path: Path | str) -> dict[str, str]:
    """A DataSet's DSD attributes (structure-specific: unqualified XML attributes); a
    deletion message is refused, not read as observations."""
    if element.get("action", "").lower() == "delete":
        raise StructureError("a deletion message (DataSet action='Delete') is not read as "
                             "data", file=path, row=element.sourceline, value="Delete")
    if generic:
        return {}  # its Attributes child comes later
    return {k: v for k, v in element.attrib.items()
            if not k.startswith("{") and k not in _DATASET_OWN}


def _values(element: etree._Element) -> dict[str, str]:
    return {v.get("id", ""): v.get("value", "") for v in element.iter(f"{{{_GENERIC}}}Value")}


def _generic_obs(element: etree._Element) -> dict[str, str]:
    """A generic observation: ``ObsDimension``, ``ObsValue`` and ``Attributes`` children."""
    rec: dict[str, str] = {}
    for child in element:
        child_name = _local(child)
        if child_name == "ObsDimension":
            rec["TIME_PERIOD"] = child.get("value", "")
        elif child_name == "ObsValue":
            rec["OBS_VALUE"] = child.get("value", "")
        elif child_name == "Attributes":
            rec.update(_values(child))
    return rec


def _frame(rows: list[dict[str, str]], path: Path | str) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=["TIME_PERIOD", "OBS_VALUE"])
    columns = list(dict.fromkeys(k for r in rows[:1000] for k in r))
    frame = pd.DataFrame.from_records(rows)
    frame = frame[[*columns, *[c for c in frame.columns if c not in columns]]]
    frame = frame.astype(object).where(frame.notna(), "")
    if "OBS_VALUE" not in frame.columns:
        frame["OBS_VALUE"] = ""
    frame["OBS_VALUE"] = _numbers(frame["OBS_VALUE"].astype(str), path)
    return frame.reset_index(drop=True)
