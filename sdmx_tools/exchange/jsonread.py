"""SDMX-JSON 2.0 data messages read into the tidy frame (the writer is :mod:`.jsondata`).

Series-keyed and flat (AllDimensions) data sets, data-set, series and observation
attributes; every index is checked against the structure it points into, so a malformed
message is a located :class:`~sdmx_tools.errors.StructureError`, never a wrong frame.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sdmx_tools.errors import StructureError, clip, first_line

__all__ = ["read_data_json"]

_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves: no UTF-8 (nor pandas str) for them
Locate = Callable[[int], str]


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
