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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdmx_tools.compute.cube import is_covered
from sdmx_tools.compute.definitions import IndicatorDef
from sdmx_tools.compute.lines import (
    LineSpans,
    concat_line_spans,
    group_codes,
    line_spans,
    merge_line_spans,
    span_text,
)
from sdmx_tools.compute.reduce import KEY, TOTAL, indicator_period, select_term
from sdmx_tools.ingest.harmonise import Harmonised
from sdmx_tools.territory import NATION, AreaCodelist

__all__ = ["Coverage", "NumeratorLines", "merged_lines", "numerator_lines", "row_ranges",
           "source_detail"]

_ZERO = "no input row (zero by coverage)"


def source_detail(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist,
                  sha: dict[str, str], lines: LineSpans | None = None,
                  coverage: Coverage | None = None) -> pd.DataFrame:
    """``SOURCE_DETAIL`` text per observation key of one indicator.

    Parameters
    ----------
    defn
        The indicator (its numerator: measure, filter; its disaggregations).
    observations
        Tidy observations of every source (``source``, ``row``, ``measure``, keys): one
        per input value, or summed by key when ``lines`` gives the lines.
    areas
        For the parents of municipalities.
    sha
        Each source's file sha256.
    lines
        :func:`numerator_lines` of the input rows (merged over blocks and sources); by
        default taken from ``observations``.
    coverage
        The state and national values computed from their covered municipalities only
        (flagged partial coverage): their rows are counted from those municipalities
        alone, as their numerators are.

    Returns
    -------
    pandas.DataFrame
        ``REF_AREA, TIME_PERIOD``, the disaggregations, ``SOURCE_DETAIL``.
    """
    keys = [*KEY, *defn.disaggregations]
    names = [*keys, "source"]
    cols, rows = _municipal_numerator(defn, observations, areas)
    at, groups = group_codes(cols, names)
    if lines is None:
        lines = line_spans(at, groups, rows)
    # The groups are those of the observations (a zero by coverage has no line), their
    # lines those the input rows gave.
    known = groups.merge(lines.groups[names].assign(_at=np.arange(len(lines.groups))),
                         on=names, how="left", validate="one_to_one")["_at"]
    index = np.full(len(lines.groups), -1, dtype=np.int64)
    found = known.notna().to_numpy()
    index[known[found].astype(np.int64).to_numpy()] = np.flatnonzero(found)
    spans = lines.spans[index[lines.spans["group"].to_numpy()] >= 0]
    per = groups.assign(n_lines=0, n_spans=0)
    per.loc[found, ["n_lines", "n_spans"]] = lines.groups.loc[
        known[found].astype(np.int64), ["n_lines", "n_spans"]].to_numpy()
    text = span_text(LineSpans(per, spans.assign(group=index[spans["group"].to_numpy()])),
                     _ZERO)
    parts = [_detail(groups, text, sha, keys)]
    counts = per["n_lines"].to_numpy()
    covered = _among(groups, keys, coverage and coverage.covered)
    for level_of in (areas.parent, lambda _c: NATION):  # each from municipal groups
        up = groups.assign(REF_AREA=groups["REF_AREA"].map(level_of))
        ids = up.groupby(names, sort=False).ngroup().to_numpy()
        first = np.unique(ids, return_index=True)[1]
        # A line has one area: the lines of a state's municipal groups never repeat, so
        # the distinct lines add up (one wide row still counts once: its twelve months
        # are one municipal group of the year).
        weights = np.where(_among(up, keys, coverage and coverage.partial) & ~covered, 0,
                           counts)
        counted = np.bincount(ids, weights=weights, minlength=len(first)).astype(np.int64)
        text = np.array([_ZERO if n == 0 else f"({n:,} row{'s' if n > 1 else ''})"
                         for n in counted.tolist()], dtype=object)
        parts.append(_detail(up.iloc[first].reset_index(drop=True), text, sha, keys))
    out = pd.concat(parts, ignore_index=True)
    several = out.duplicated(keys, keep=False)  # keys fed by more than one source
    if not several.any():
        return out
    joined = out[several].groupby(keys, sort=False)["SOURCE_DETAIL"].agg("; ".join)
    return pd.concat([out[~several], joined.reset_index()], ignore_index=True)


def numerator_lines(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist
                    ) -> LineSpans:
    """The lines of each municipal group of the indicator's numerator, from observations
    with one row per input value (a block of one source's rows will do: dimensions it
    does not give are the total)."""
    cols, rows = _municipal_numerator(defn, observations, areas)
    at, groups = group_codes(cols, [*KEY, *defn.disaggregations, "source"])
    return line_spans(at, groups, rows)


class NumeratorLines:
    """A block's :func:`numerator_lines` for every indicator whose numerator it gives (a
    class, not a closure: Dask sends it to other processes)."""

    def __init__(self, definitions: list[IndicatorDef], areas: AreaCodelist) -> None:
        self.definitions, self.areas = definitions, areas

    def __call__(self, obs: pd.DataFrame) -> dict[str, LineSpans]:
        given = set(obs["measure"].unique())
        return {d.id: numerator_lines(d, obs, self.areas) for d in self.definitions
                if d.numerator.measure in given}


def merged_lines(defn: IndicatorDef, harmonised: list[Harmonised]) -> LineSpans:
    """The lines of the indicator's numerator groups over every block of every source."""
    names = [*KEY, *defn.disaggregations, "source"]
    per_source = [merge_line_spans(parts, names) for h in harmonised
                  if (parts := [s[defn.id] for s in h.summaries if defn.id in s])]
    return concat_line_spans(per_source, names)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Keys of flagged partial state and national values (``partial``) and of the
    municipal values they are computed from (``covered``: complete, with a denominator)."""

    partial: pd.DataFrame
    covered: pd.DataFrame

    @classmethod
    def of(cls, frame: pd.DataFrame, defn: IndicatorDef) -> Coverage:
        """The coverage of a cube's frame (:func:`~.cube.cube_to_frame`)."""
        keys = [*KEY, *defn.disaggregations]
        aggregate = frame["level"] != "municipality"
        # Published although fewer municipalities reported than expected: flagged partial.
        partial = aggregate & (frame["OBS_STATUS"] == "A") & (frame["reported"]
                                                            < frame["expected"])
        municipal = frame[~aggregate]
        covered = is_covered(municipal["reported"] >= 1, municipal["denominator"], defn)
        return cls(frame.loc[partial, keys], municipal.loc[covered, keys])


def _among(groups: pd.DataFrame, keys: list[str], wanted: pd.DataFrame | None) -> np.ndarray:
    """Whether each group's key is one of ``wanted`` (none are when it is None)."""
    if wanted is None or wanted.empty:
        return np.zeros(len(groups), dtype=bool)
    marks = wanted[keys].astype(object).drop_duplicates().assign(_in=True)
    hit = groups[keys].astype(object).merge(marks, on=keys, how="left")["_in"]
    return hit.notna().to_numpy()


def _municipal_numerator(defn: IndicatorDef, observations: pd.DataFrame, areas: AreaCodelist
                         ) -> tuple[dict[str, pd.Categorical], np.ndarray]:
    """The rows the cube sums (the numerator's selection, municipal rows only) as
    categoricals of the group columns, periods as the indicator's, and their lines."""
    dims = list(defn.disaggregations)
    missing = [d for d in [*dims, *defn.numerator.filter] if d not in observations.columns]
    if missing:  # a source not giving a dimension gives its total
        observations = observations.assign(**dict.fromkeys(missing, TOTAL))
    num = select_term(observations, defn.numerator, dims, None, keep=("source", "row"))
    cols = {k: pd.Categorical(num[k]) for k in [*KEY, *dims, "source"]}
    municipal = _per_category(cols["REF_AREA"], lambda c: areas.level(c) == "municipality")
    cols = {k: c[municipal] for k, c in cols.items()}
    cols["TIME_PERIOD"] = _recode(cols["TIME_PERIOD"], lambda p: indicator_period(
        pd.Series(p, dtype=object), defn.frequency).to_numpy(dtype=object))
    return cols, num["row"].to_numpy(dtype=np.int64)[municipal]


def _detail(groups: pd.DataFrame, text: np.ndarray, sha: dict[str, str], keys: list[str]
            ) -> pd.DataFrame:
    digest = groups["source"].map(lambda s: sha[s][:12])
    return groups[keys].assign(SOURCE_DETAIL=groups["source"] + " sha256:" + digest + " "
                               + text)


def _per_category(cat: pd.Categorical, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of every row's value, computed once per category (missing: False)."""
    per = np.array([test(c) for c in cat.categories.tolist()] + [False], dtype=bool)
    return per[cat.codes]


def _recode(cat: pd.Categorical, fn: Callable[[np.ndarray], np.ndarray]) -> pd.Categorical:
    """``fn`` of the categories (an array of labels), as a categorical of the rows."""
    mapped = pd.Categorical(fn(np.asarray(cat.categories, dtype=object)))
    return pd.Categorical.from_codes(mapped.codes[cat.codes], mapped.categories)


def row_ranges(rows: np.ndarray) -> str:
    """Line numbers as ranges, ``rows 4-15, 30``; long lists are cut with a count."""
    rows = np.asarray(rows, dtype=np.int64)
    one = pd.DataFrame({"g": [0]})
    return str(span_text(line_spans(np.zeros(len(rows), dtype=np.int64), one, rows),
                         _ZERO)[0])
