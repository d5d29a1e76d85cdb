"""Observation provenance: which file (by sha256) and which input rows made each value.

A municipal observation names the source rows its numerator was summed from (``rows
12-23``: twelve monthly cells of one wide row make one line each, a count of records many
lines); a state or national value names its sources and how many rows went into it. The
text travels as the SDMX ``SOURCE_DETAIL`` observation attribute, in the indicator table
and on the release pages. Rows implied by an exhaustive source (zero-filled
municipalities, row 0) have no line to point at and are not listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_tools.compute.definitions import IndicatorDef
from sdmx_tools.compute.reduce import KEY, indicator_period, select_term
from sdmx_tools.territory import NATION, AreaCodelist

__all__ = ["row_ranges", "source_detail"]

_MAX_RANGES = 8
_ZERO = "no input row (zero by coverage)"


def source_detail(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist,
                  sha: dict[str, str]) -> pd.DataFrame:
    """``SOURCE_DETAIL`` text per observation key of one indicator.

    Parameters
    ----------
    defn
        The indicator (its numerator: measure, filter; its disaggregations).
    observations
        Tidy observations of every source (``source``, ``row``, ``measure``, keys).
    areas
        For the parents of municipalities.
    sha
        Each source's file sha256.

    Returns
    -------
    pandas.DataFrame
        ``REF_AREA, TIME_PERIOD``, the disaggregations, ``SOURCE_DETAIL``.
    """
    dims = list(defn.disaggregations)
    keys = [*KEY, *dims]
    # The rows the cube sums: the numerator's selection, municipal rows only.
    num = select_term(observations, defn.numerator, dims, None, keep=("source", "row"))
    num = num[num["REF_AREA"].map(areas.level).to_numpy() == "municipality"]
    frame = pd.DataFrame({k: num[k].to_numpy(dtype=object) for k in [*keys, "source"]})
    frame["TIME_PERIOD"] = indicator_period(frame["TIME_PERIOD"], defn.frequency)
    frame["row"] = num["row"].to_numpy(dtype=np.int64)
    parts = []
    for level_of in (None, areas.parent, lambda _c: NATION):  # each from municipal codes
        level = frame if level_of is None else frame.assign(
            REF_AREA=frame["REF_AREA"].map(level_of))
        groups = level[[*keys, "source"]].drop_duplicates().reset_index(drop=True)
        at = pd.MultiIndex.from_frame(groups).get_indexer(
            pd.MultiIndex.from_frame(level[[*keys, "source"]]))
        rows = level["row"].to_numpy()
        if level_of is None:
            text = _ranges(at, rows, len(groups))
        else:
            # Distinct input lines: one wide row gives twelve monthly observations.
            pairs = np.unique(np.stack([at, rows])[:, rows > 0], axis=1)
            counted = np.bincount(pairs[0], minlength=len(groups))
            text = np.array([_ZERO if n == 0 else f"({n:,} row{'s' if n > 1 else ''})"
                             for n in counted], dtype=object)
        digest = groups["source"].map(lambda s: sha[s][:12])
        groups["SOURCE_DETAIL"] = groups["source"] + " sha256:" + digest + " " + text
        parts.append(groups[[*keys, "SOURCE_DETAIL"]])
    out = pd.concat(parts, ignore_index=True)
    several = out.duplicated(keys, keep=False)  # keys fed by more than one source
    if not several.any():
        return out
    joined = out[several].groupby(keys, sort=False)["SOURCE_DETAIL"].agg("; ".join)
    return pd.concat([out[~several], joined.reset_index()], ignore_index=True)


def row_ranges(rows: np.ndarray) -> str:
    """Line numbers as ranges, ``rows 4-15, 30``; long lists are cut with a count."""
    return str(_ranges(np.zeros(len(rows), dtype=np.int64), np.asarray(rows), 1)[0])


def _ranges(group: np.ndarray, rows: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`row_ranges` of every group at once (one sort, no Python loop per group)."""
    out = np.full(n_groups, _ZERO, dtype=object)
    pairs = np.unique(np.stack([group, rows])[:, rows > 0], axis=1)
    if not pairs.size:
        return out
    g, r = pairs
    # A span starts where the group changes or the line does not follow the previous one.
    start = np.r_[True, (g[1:] != g[:-1]) | (r[1:] != r[:-1] + 1)]
    end = np.r_[start[1:], True]
    first, last, span_group = r[start], r[end], g[start]
    text = np.where(first == last, first.astype(str),
                    np.char.add(np.char.add(first.astype(str), "-"), last.astype(str)))
    rank = np.arange(len(span_group)) - np.searchsorted(span_group, span_group)
    spans = np.bincount(span_group, minlength=n_groups)
    lines = np.bincount(g, minlength=n_groups)
    keep = rank < _MAX_RANGES
    pieces, kept_group = np.char.add(text[keep], ", ").astype(object), span_group[keep]
    heads = np.flatnonzero(np.r_[True, kept_group[1:] != kept_group[:-1]])
    joined = np.add.reduceat(pieces, heads)  # '+' on objects concatenates, in one C loop
    for i, spans_text in zip(kept_group[heads], joined, strict=True):
        label = "row" if lines[i] == 1 else "rows"
        cut = f" … ({lines[i]:,} rows)" if spans[i] > _MAX_RANGES else ""
        out[i] = f"{label} {spans_text[:-2]}{cut}"
    return out
