"""The input lines of each municipal group, kept small enough to travel between blocks.

A municipal observation's provenance shows the first spans of its numerator's lines
(``rows 4-15, 30 … (1,204 rows)``): all it needs is how many lines there are, how many
spans they make, the first spans and where the lines begin and end. :func:`line_spans`
takes those from one block's rows; :func:`merge_line_spans` puts the blocks of a file
together exactly, because blocks hold disjoint, increasing line ranges: a span runs on
into the next block only when one block's last line and the next block's first follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdmx_tools.ingest.keys import first_rows, key_codes

__all__ = ["SHOWN", "LineSpans", "concat_line_spans", "group_codes", "line_pairs",
           "line_spans", "merge_line_spans", "span_text"]

SHOWN = 8  # spans written out; the rest are counted
_KEPT = SHOWN + 1  # one more than shown: a block's last kept span may run on


@dataclass(frozen=True, slots=True)
class LineSpans:
    """Lines of groups: ``groups`` has the group columns and ``n_lines``, ``n_spans``,
    ``first`` and ``last`` (0 when a group has no real line); ``spans`` has ``group`` (the
    row of ``groups``), ``start``, ``end``: each group's first spans, in order."""

    groups: pd.DataFrame
    spans: pd.DataFrame


def group_codes(cols: dict[str, pd.Categorical], names: list[str]
                ) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group (numbered in order of first appearance) and the groups' values."""
    at, _ = pd.factorize(key_codes(pd.DataFrame(cols), names))
    first = first_rows(at)
    groups = pd.DataFrame({name: np.asarray(cols[name].categories, dtype=object)[
        cols[name].codes[first]] for name in names})
    return at.astype(np.int64), groups


def line_pairs(group: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(group, line)`` of real lines (not row 0), sorted by group, line."""
    real = rows > 0
    span = int(rows.max(initial=0)) + 1
    both = np.sort(group[real] * span + rows[real])  # a sort: np.unique hashes, slower here
    both = both[np.r_[True, both[1:] != both[:-1]]] if len(both) else both
    return both // span, both % span


def line_spans(at: np.ndarray, groups: pd.DataFrame, rows: np.ndarray) -> LineSpans:
    """The :class:`LineSpans` of rows in ``groups`` (``at``: each row's group)."""
    g, r = line_pairs(at, rows)
    start = np.r_[True, (g[1:] != g[:-1]) | (r[1:] != r[:-1] + 1)] if len(g) else \
        np.zeros(0, dtype=bool)
    end = np.r_[start[1:], True] if len(g) else start
    span_group, first, last = g[start], r[start], r[end]
    n = len(groups)
    out = groups.assign(n_lines=np.bincount(g, minlength=n),
                        n_spans=np.bincount(span_group, minlength=n),
                        first=np.zeros(n, dtype=np.int64), last=np.zeros(n, dtype=np.int64))
    if len(g):
        heads = np.flatnonzero(np.r_[True, span_group[1:] != span_group[:-1]])
        tails = np.r_[heads[1:] - 1, len(span_group) - 1]
        out.loc[span_group[heads], "first"] = first[heads]
        out.loc[span_group[tails], "last"] = last[tails]
    rank = _rank(span_group)
    keep = rank < _KEPT
    return LineSpans(out, pd.DataFrame({"group": span_group[keep], "start": first[keep],
                                        "end": last[keep]}))


def merge_line_spans(parts: list[LineSpans], names: list[str]) -> LineSpans:
    """The :class:`LineSpans` of one file from those of its blocks, in file order.

    ``names`` are the group columns: a group of several blocks becomes one.
    """
    if len(parts) == 1:
        return parts[0]
    sizes = np.array([len(p.groups) for p in parts])
    allg = pd.concat([p.groups for p in parts], ignore_index=True)
    gid = allg.groupby(names, sort=False).ngroup().to_numpy()
    order = np.argsort(gid, kind="stable")  # by group, then block (blocks are in order)
    g = gid[order]
    has = allg["n_lines"].to_numpy()[order] > 0
    first, last = allg["first"].to_numpy()[order], allg["last"].to_numpy()[order]
    n_spans = allg["n_spans"].to_numpy()[order]
    # Where the previous block of the group (with lines) ended on the line before.
    prev_last = np.r_[0, np.where(has, last, 0)[:-1]]
    same = np.r_[False, g[1:] == g[:-1]]
    runs_on = same & has & (prev_last > 0) & (prev_last + 1 == first)
    counted = n_spans - runs_on
    before = _cumsum_by(g, counted) - counted  # spans of the group's earlier blocks
    # A block's first spans matter while fewer than SHOWN came before it, or when its first
    # span runs on the last one shown.
    wanted = np.zeros(len(allg), dtype=bool)
    wanted[order] = (before < SHOWN) | ((before == SHOWN) & runs_on)
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    spans = pd.concat([p.spans.assign(group=p.spans["group"].to_numpy() + off)
                       for p, off in zip(parts, offsets, strict=True)], ignore_index=True)
    spans = spans[wanted[spans["group"].to_numpy()]]
    sg = gid[spans["group"].to_numpy()]
    sort = np.lexsort((spans["start"].to_numpy(), sg))
    sg, s, e = sg[sort], spans["start"].to_numpy()[sort], spans["end"].to_numpy()[sort]
    new = np.r_[True, (sg[1:] != sg[:-1]) | (s[1:] != e[:-1] + 1)] if len(sg) else \
        np.zeros(0, dtype=bool)
    at = np.flatnonzero(new)
    ends = np.r_[at[1:] - 1, len(sg) - 1] if len(at) else at
    mg, ms, me = sg[at], s[at], e[ends]
    rank = _rank(mg)
    keep = rank < _KEPT
    n = int(gid.max()) + 1
    firsts = np.unique(gid, return_index=True)[1]
    groups = allg.iloc[firsts][names].reset_index(drop=True)
    lines = np.bincount(gid, weights=allg["n_lines"].to_numpy(), minlength=n)
    total = np.bincount(g, weights=counted, minlength=n)
    first_line = np.zeros(n, dtype=np.int64)
    last_line = np.zeros(n, dtype=np.int64)
    gh = g[has]
    if len(gh):
        starts = np.flatnonzero(np.r_[True, gh[1:] != gh[:-1]])
        stops = np.r_[starts[1:] - 1, len(gh) - 1]
        first_line[gh[starts]] = first[has][starts]
        last_line[gh[stops]] = last[has][stops]
    groups = groups.assign(n_lines=lines.astype(np.int64), n_spans=total.astype(np.int64),
                           first=first_line, last=last_line)
    return LineSpans(groups, pd.DataFrame({"group": mg[keep], "start": ms[keep],
                                           "end": me[keep]}))


def concat_line_spans(parts: list[LineSpans], names: list[str]) -> LineSpans:
    """The :class:`LineSpans` of groups of several sources (no group is in two)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return LineSpans(pd.DataFrame(columns=[*names, "n_lines", "n_spans", "first",
                                               "last"]),
                         pd.DataFrame(columns=["group", "start", "end"], dtype=np.int64))
    offsets = np.r_[0, np.cumsum([len(p.groups) for p in parts])[:-1]]
    return LineSpans(
        pd.concat([p.groups for p in parts], ignore_index=True),
        pd.concat([p.spans.assign(group=p.spans["group"].to_numpy() + off)
                   for p, off in zip(parts, offsets, strict=True)], ignore_index=True))


def _rank(group: np.ndarray) -> np.ndarray:
    """Each element's position within its run of equal ``group`` (sorted by group): one
    pass, where ``searchsorted`` of every element costs a search each."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    heads = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    return np.arange(len(group)) - np.repeat(heads, np.diff(np.r_[heads, len(group)]))


def _cumsum_by(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each run of equal ``group`` (sorted by group)."""
    total = np.cumsum(values)
    heads = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else \
        np.zeros(0, dtype=np.int64)
    base = np.repeat(total[heads] - values[heads], np.diff(np.r_[heads, len(group)]))
    return total - base


def span_text(spans: LineSpans, empty: str) -> np.ndarray:
    """``rows 4-15, 30 … (N rows)`` for every group (``empty`` for one without lines)."""
    g = spans.groups
    out = np.full(len(g), empty, dtype=object)
    sp = spans.spans
    sg = sp["group"].to_numpy()
    if not len(sg):
        return out
    rank = _rank(sg)
    keep = rank < SHOWN
    kept = sg[keep]
    pieces = np.array([f"{a}, " if a == b else f"{a}-{b}, " for a, b in zip(
        sp["start"].to_numpy()[keep].tolist(), sp["end"].to_numpy()[keep].tolist(),
        strict=True)], dtype=object)
    heads = np.flatnonzero(np.r_[True, kept[1:] != kept[:-1]])
    joined = np.add.reduceat(pieces, heads)  # '+' on objects concatenates, in one C loop
    lines, n_spans = g["n_lines"].to_numpy(), g["n_spans"].to_numpy()
    for i, text in zip(kept[heads].tolist(), joined, strict=True):
        label = "row" if lines[i] == 1 else "rows"
        cut = f" … ({lines[i]:,} rows)" if n_spans[i] > SHOWN else ""
        out[i] = f"{label} {text[:-2]}{cut}"
    return out
