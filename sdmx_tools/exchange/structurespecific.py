"""Vectorised SDMX-ML 2.1 structure-specific data writer (time series, TIME_PERIOD at Obs).

The format the UN SDG API and most national services exchange: every component is an
XML attribute named by its id (``<Series FREQ="A" REF_AREA="01001" ...>`` holding
``<Obs TIME_PERIOD="2020" OBS_VALUE="12.5" OBS_STATUS="A"/>``), typed by a schema derived
from the DSD (``xsi:type="ns1:DataSetType"``, ``ns1`` the dataflow's URN namespace).

No Python object is built per observation: the element text of every observation and
series start is assembled column by column with numpy string operations on object
arrays, escaping each distinct attribute value once, and written in blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from sdmx_tools.exchange.numbers import format_numbers
from sdmx_tools.exchange.xmltext import attribute_text, present, series_starts
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.dsd import DIMENSIONS, OBS_ATTRIBUTES, SERIES_ATTRIBUTES

__all__ = ["dataflow_namespace", "write_structure_specific"]

MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_BLOCK = 100_000


def dataflow_namespace(agency: str, dataflow_id: str, version: str) -> str:
    """The structure-specific namespace of a dataflow's time-series data sets."""
    return (f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:{dataflow_id}"
            f"({version}):ObsLevelDim:TIME_PERIOD")


def write_structure_specific(frame: pd.DataFrame, path: Path, *, agency: str,
                             dataflow_id: str, version: str = "1.0",
                             synthetic: bool = False,
                             dimensions: Sequence[str] = DIMENSIONS,
                             series_attributes: Sequence[str] = SERIES_ATTRIBUTES,
                             obs_attributes: Sequence[str] = OBS_ATTRIBUTES) -> int:
    """Write observations as an SDMX-ML 2.1 structure-specific data message.

    Parameters
    ----------
    frame
        One row per observation with every DSD dimension, ``TIME_PERIOD``, ``OBS_VALUE``
        (NaN written as ``NaN``) and any attribute columns of the DSD (empty or missing
        cells are left out).
    path
        Output file, written atomically.
    agency, dataflow_id, version
        The dataflow the data belong to.
    synthetic
        Say in the header that the data are synthetic.
    dimensions, series_attributes, obs_attributes
        The DSD's components in order (default: the national SDG DSD's); attributes the
        frame lacks are left out.

    Returns
    -------
    int
        Number of observations written.
    """
    series_attrs = [a for a in series_attributes if a in frame.columns]
    obs_attrs = [a for a in obs_attributes if a in frame.columns]
    frame = frame.sort_values([*dimensions, "TIME_PERIOD"], kind="stable", ignore_index=True)
    n = len(frame)
    starts = series_starts(frame, dimensions)
    with atomic_write(Path(path), "w") as fh:
        fh.write(_header(agency, dataflow_id, version, synthetic))
        # Block by block: the text of one block at a time is held in memory.
        for at in range(0, n, _BLOCK):
            block, opens = frame.iloc[at: at + _BLOCK], starts[at: at + _BLOCK]
            head = np.full(len(block), "", dtype=object)
            first = np.flatnonzero(opens)
            opening = _attributes(block.iloc[first], dimensions, series_attrs)
            head[first] = np.where(first + at > 0, "</Series>\n", "") + "<Series" + opening \
                + ">\n"
            obs = _attributes(block, ["TIME_PERIOD"], obs_attrs, value=True)
            fh.write("".join((head + "<Obs" + obs + "/>\n").tolist()))
        fh.write(("</Series>\n" if n else "") + "</mes:DataSet>\n</mes:StructureSpecificData>\n")
    return n


def _attributes(frame: pd.DataFrame, required: Sequence[str], optional: Sequence[str], *,
                value: bool = False) -> np.ndarray:
    """`` id="value"`` text for each row: required components always, optional ones when set."""
    out = np.full(len(frame), "", dtype=object)
    for column in required:
        out = out + f' {column}="' + attribute_text(frame[column]) + '"'
    if value:
        out = out + ' OBS_VALUE="' + format_numbers(frame["OBS_VALUE"]) + '"'
    for column in optional:
        cells = frame[column]
        out = out + np.where(present(cells), f' {column}="' + attribute_text(cells) + '"', "")
    return out


def _header(agency: str, dataflow_id: str, version: str, synthetic: bool) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    namespace = dataflow_namespace(agency, dataflow_id, version)
    source = ('<mes:Source xml:lang="en">SYNTHETIC demonstration data generated by '
              "sdmx-tools: not official statistics</mes:Source>") if synthetic else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<mes:StructureSpecificData xmlns:mes="{MES}" xmlns:com="{COM}" xmlns:ss="{SS}" '
        f'xmlns:xsi="{XSI}" xmlns:ns1={quoteattr(namespace)}>\n'
        f"<mes:Header><mes:ID>DATA{now:%Y%m%dT%H%M%S}</mes:ID><mes:Test>false</mes:Test>"
        f"<mes:Prepared>{now:%Y-%m-%dT%H:%M:%S}</mes:Prepared>"
        f"<mes:Sender id={quoteattr(agency)}/>"
        f'<mes:Structure structureID="STR1" namespace={quoteattr(namespace)} '
        'dimensionAtObservation="TIME_PERIOD"><com:StructureUsage>'
        f"<Ref agencyID={quoteattr(agency)} id={quoteattr(dataflow_id)} "
        f'version={quoteattr(version)} class="Dataflow"/></com:StructureUsage>'
        f"</mes:Structure>{source}</mes:Header>\n"
        '<mes:DataSet ss:structureRef="STR1" xsi:type="ns1:DataSetType" '
        'ss:dataScope="Dataflow" ss:action="Replace">\n'
    )
