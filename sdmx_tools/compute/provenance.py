"""Observation provenance: which file (by sha256) and which input rows made each value.

A municipal observation names the source rows its numerator was summed from (``rows
12-23``: twelve monthly cells of one wide row make one line each, a count of records many
lines); a state or national value names its sources and how many rows went into it. The
text travels as the SDMX ``SOURCE_DETAIL`` observation attribute, in the indicator table
and on the release pages. Rows implied by an exhaustive source (zero-filled
municipalities, row 0) have no line to point at and are not listed.
"""

from __future__ import annotations

from collections.abc import Callable

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
    # The rows the cube sums: the numerator's selection, municipal rows only. Everything
    # below works on categorical codes: a few thousand areas and periods, millions of rows.
    num = select_term(observations, defn.numerator, dims, None, keep=("source", "row"))
    cols = {k: pd.Categorical(num[k]) for k in [*keys, "source"]}
    municipal = _per_category(cols["REF_AREA"], lambda c: areas.level(c) == "municipality")
    cols = {k: c[municipal] for k, c in cols.items()}
    rows = num["row"].to_numpy(dtype=np.int64)[municipal]
    cols["TIME_PERIOD"] = _recode(cols["TIME_PERIOD"], lambda p: indicator_period(
        pd.Series(p, dtype=object), defn.frequency).to_numpy(dtype=object))
    names = [*keys, "source"]
    at, groups = _groups(cols, names)
    g, r = _pairs(at, rows)
    lines = np.bincount(g, minlength=len(groups))
    parts = [_detail(groups, _ranges(g, r, len(groups)), sha, keys)]
    for level_of in (areas.parent, lambda _c: NATION):  # each from municipal groups
        up = groups.assign(REF_AREA=groups["REF_AREA"].map(level_of))
        ids = up.groupby(names, sort=False).ngroup().to_numpy()
        first = np.unique(ids, return_index=True)[1]
        # A line has one area: the lines of a state's municipal groups never repeat, so
        # the distinct lines add up (one wide row still counts once: its twelve months
        # are one municipal group of the year).
        counted = np.bincount(ids, weights=lines, minlength=len(first)).astype(np.int64)
        text = np.array([_ZERO if n == 0 else f"({n:,} row{'s' if n > 1 else ''})"
                         for n in counted.tolist()], dtype=object)
        parts.append(_detail(up.iloc[first].reset_index(drop=True), text, sha, keys))
    out = pd.concat(parts, ignore_index=True)
    several = out.duplicated(keys, keep=False)  # keys fed by more than one source
    if not several.any():
        return out
    joined = out[several].groupby(keys, sort=False)["SOURCE_DETAIL"].agg("; ".join)
    return pd.concat([out[~several], joined.reset_index()], ignore_index=True)


def _detail(groups: pd.DataFrame, text: np.ndarray, sha: dict[str, str], keys: list[str]
            ) -> pd.DataFrame:
    digest = groups["source"].map(lambda s: sha[s][:12])
    return groups[keys].assign(SOURCE_DETAIL=groups["source"] + " sha256:" + digest + " "
                               + text)


def _per_category(cat: pd.Categorical, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of every row's value, computed once per category (missing: False)."""
    per = np.array([test(c) for c in cat.categories] + [False], dtype=bool)
    return per[cat.codes]


def _recode(cat: pd.Categorical, fn: Callable[[np.ndarray], np.ndarray]) -> pd.Categorical:
    """``fn`` of the categories (an array of labels), as a categorical of the rows."""
    mapped = pd.Categorical(fn(np.asarray(cat.categories, dtype=object)))
    return pd.Categorical.from_codes(mapped.codes[cat.codes], mapped.categories)


def _groups(cols: dict[str, pd.Categorical], names: list[str]
            ) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group (in order of first appearance) and the groups' values."""
    combined = np.zeros(len(cols[names[0]]), dtype=np.int64)
    for name in names:
        cat = cols[name]
        combined = combined * (len(cat.categories) + 1) + (cat.codes.astype(np.int64) + 1)
    at, _ = pd.factorize(combined)
    first = np.unique(at, return_index=True)[1]
    groups = pd.DataFrame({name: np.asarray(cols[name].categories, dtype=object)[
        cols[name].codes[first]] for name in names})
    return at.astype(np.int64), groups


def _pairs(group: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(group, line)`` of real lines (not row 0), sorted by group, line."""
    real = rows > 0
    span = int(rows.max(initial=0)) + 1
    both = np.sort(group[real] * span + rows[real])  # a sort: np.unique hashes, slower here
    both = both[np.r_[True, both[1:] != both[:-1]]] if len(both) else both
    return both // span, both % span


def row_ranges(rows: np.ndarray) -> str:
    """Line numbers as ranges, ``rows 4-15, 30``; long lists are cut with a count."""
    rows = np.asarray(rows, dtype=np.int64)
    return str(_ranges(*_pairs(np.zeros(len(rows), dtype=np.int64), rows), 1)[0])


def _ranges(g: np.ndarray, r: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`row_ranges` of every group at once, from the distinct ``(group, line)``
    pairs sorted by group and line (:func:`_pairs`): no Python loop per group."""
    out = np.full(n_groups, _ZERO, dtype=object)
    if not len(g):
        return out
    # A span starts where the group changes or the line does not follow the previous one.
    start = np.r_[True, (g[1:] != g[:-1]) | (r[1:] != r[:-1] + 1)]
    end = np.r_[start[1:], True]
    span_group = g[start]
    rank = np.arange(len(span_group)) - np.searchsorted(span_group, span_group)
    spans = np.bincount(span_group, minlength=n_groups)
    lines = np.bincount(g, minlength=n_groups)
    keep = rank < _MAX_RANGES  # text only for the spans shown: at most 8 a group
    first, last, kept_group = r[start][keep], r[end][keep], span_group[keep]
    pieces = np.array([f"{a}, " if a == b else f"{a}-{b}, "
                       for a, b in zip(first.tolist(), last.tolist(), strict=True)],
                      dtype=object)
    heads = np.flatnonzero(np.r_[True, kept_group[1:] != kept_group[:-1]])
    joined = np.add.reduceat(pieces, heads)  # '+' on objects concatenates, in one C loop
    for i, spans_text in zip(kept_group[heads], joined, strict=True):
        label = "row" if lines[i] == 1 else "rows"
        cut = f" … ({lines[i]:,} rows)" if spans[i] > _MAX_RANGES else ""
        out[i] = f"{label} {spans_text[:-2]}{cut}"
    return out
