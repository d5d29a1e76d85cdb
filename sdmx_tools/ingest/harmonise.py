"""Harmonisation: a raw table and its spec to tidy observations, quarantine and accounting.

Every input row ends in exactly one of three places: **used** (it gave at least one
observation), **quarantined** (something in it is wrong: unknown area, bad number, bad
period, unmapped category, duplicate key — with the reason and the raw values), or
**excluded** on purpose (blank, a rule of the spec such as a total or footer row, or every
value missing). The three add up to the rows read; :class:`RowAccount` proves it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sdmx_tools.errors import SpecError
from sdmx_tools.ingest.areas import resolve_areas
from sdmx_tools.ingest.coverage import zero_fill
from sdmx_tools.ingest.keys import key_codes
from sdmx_tools.ingest.quarantine import Problems, quarantine_frame
from sdmx_tools.ingest.quarantine import findings as quarantine_findings
from sdmx_tools.ingest.readers import ROW, RawTable
from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.ingest.totals import reconcile, split_totals
from sdmx_tools.ingest.values import MONTHS_ES, parse_numbers, parse_periods
from sdmx_tools.report import Finding, RowAccount, Severity
from sdmx_tools.territory import NATION, AreaCodelist
from sdmx_tools.workspace import default_years

__all__ = ["OBS_COLUMNS", "Harmonised", "Part", "finish", "harmonise", "harmonise_block",
           "stripped_cells"]

OBS_COLUMNS = ["source", "row", "measure", "REF_AREA", "TIME_PERIOD", "value", "unit"]
_REPEATED = "another row already gave a value for the same area, period and dimensions"


@dataclass(slots=True)
class Harmonised:
    """What one source gave.

    Attributes
    ----------
    observations
        Tidy observations: ``source, row, measure, REF_AREA, TIME_PERIOD``, one column per
        extra dimension (``SEX``...), ``value`` (float, in ``unit``), ``unit`` (pint).
    quarantine
        One row per rejected input row: ``source, file, row, reason, column, value,
        message, candidates, raw`` (raw cells as JSON).
    account
        Rows read, used, quarantined and excluded.
    findings
        Typed findings (a summary error when quarantined rows exceed the tolerance).
    summaries
        Each block's :attr:`Part.summary`, in file order (:mod:`.blocks`).
    """

    spec: SourceSpec
    sha256: str
    encoding: str
    observations: pd.DataFrame
    quarantine: pd.DataFrame
    account: RowAccount
    findings: list[Finding] = field(default_factory=list)
    summaries: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class Part:
    """What one block of a source's rows gave (:func:`harmonise_block`); blocks add up to
    the source (:func:`finish`).

    Attributes
    ----------
    observations
        Tidy observations, with the dimensions :attr:`SourceSpec.sum_over` and
        ``LOCALITY`` still there (a repeated key is checked across blocks with them):
        one per input value, or summed by key (:mod:`.blocks`).
    totals
        The file's own state and national rows (``level = "any"``), kept aside.
    quarantine, account
        The block's quarantined rows and its row accounting.
    localities
        Distinct locality codes (``level = "locality"``), else None.
    summary
        What the caller took from the block's rows before they were summed by key (the
        lines of each observation, for provenance); None if nothing.
    """

    observations: pd.DataFrame
    totals: pd.DataFrame
    quarantine: pd.DataFrame
    account: RowAccount
    localities: frozenset[str] | None = None
    summary: Any = None


def harmonise(raw: RawTable, spec: SourceSpec, areas: AreaCodelist, *,
              years: tuple[int, int] | None = None) -> Harmonised:
    """Turn one raw table into tidy observations, quarantine and row accounting.

    Parameters
    ----------
    raw, spec, areas
        The table read from the source file, its spec and the area codelist.
    years
        The plausible years, first and last (default :func:`default_years`): a period
        outside them is quarantined (``0000`` and ``9999`` mean "unknown", not a year).

    Raises
    ------
    SpecError
        When the spec names a column the file does not have.
    """
    part = harmonise_block(raw, spec, areas, years=years, first=True)
    return finish(spec, raw.sha256, raw.encoding, part.observations, [part], areas)


def harmonise_block(raw: RawTable, spec: SourceSpec, areas: AreaCodelist, *,
                    years: tuple[int, int] | None = None, first: bool = True,
                    repeated: frozenset[int] = frozenset(),
                    stripped: pd.DataFrame | None = None) -> Part:
    """:func:`harmonise` of one block of a file's rows (the ``first`` holds the rows
    ``read.skip_rows`` skips): everything but what needs every block (see :func:`finish`).
    The rows on the lines ``repeated`` give a key an earlier block gave: quarantined as
    ``duplicate-key``, as a repeat within the block is. ``stripped`` is the block's
    :func:`stripped_cells`, when made already (beside another block's harmonising).

    Raises
    ------
    SpecError
        When the spec names a column the file does not have.
    """
    df = raw.frame
    if stripped is None:
        stripped = stripped_cells(raw, spec)
    account = RowAccount(source=spec.id, read=len(df))
    data_cols = [c for c in df.columns if c != ROW]

    excluded = pd.Series(None, index=df.index, dtype=object)
    excluded[_blank(df, stripped, data_cols)] = "blank"
    if first:
        excluded.iloc[: spec.read.skip_rows] = excluded.iloc[: spec.read.skip_rows].fillna(
            "skip_rows")
    for rule in spec.exclude:
        cells = stripped[rule.column]
        hit = cells.isin(rule.equals)
        if rule.matches:
            pattern = rule.pattern()
            # Once per distinct cell (a categorical): the pattern never sees a row twice.
            hit |= cells.map(lambda v, p=pattern: p.match(v) is not None).astype(bool)
        excluded[hit & excluded.isna()] = rule.reason

    active = excluded.isna()
    rows = stripped[active]
    problems = Problems(rows.index)

    if raw.short_rows:
        short = pd.Series(df.loc[rows.index, ROW].isin(raw.short_rows).to_numpy(),
                          index=rows.index)
        problems.add(short, "short-row", None, "",
                     "the line has fewer fields than the header: cut short, or a note "
                     "(exclude it with an [[exclude]] rule if it is a footer)")
    area, failed, localities = resolve_areas(rows, spec.area, areas)
    problems.add(pd.Series(rows.index.isin(failed.index), index=rows.index), failed["reason"],
                 failed["column"], failed["value"], failed["message"], failed["candidates"])

    period = _periods(rows, spec, problems)
    dims = _dimensions(rows, spec, problems)
    cells = _cells(rows, spec, period, dims)

    _period_range(cells, spec, years, problems, rows.index)
    missing = cells["text"].isin(spec.missing).to_numpy()
    values, ok = parse_numbers(cells["text"], spec.read.decimal, spec.read.thousands)
    convention = f"decimal {spec.read.decimal!r}, thousands {spec.read.thousands or 'none'!r}"
    _cell_problem(cells, ~missing & ~ok, problems, rows.index, "bad-number",
                  f"not a number in this file's convention ({convention}; ASCII digits, "
                  "thousands in groups of three): check read.decimal and read.thousands, "
                  "or list the marker in 'missing'")
    signed = [m.id for m in spec.measures if m.allow_negative]
    _cell_problem(cells, ok & (values < 0) & ~cells["measure"].isin(signed).to_numpy(),
                  problems, rows.index, "negative-value",
                  "a negative value for a measure that cannot be below zero (set "
                  "allow_negative = true on the measure if it can)")
    cells["value"] = values
    quarantined = problems.any.to_numpy()
    keep = ~missing & ok & ~quarantined[cells["pos"].to_numpy()]
    obs = _observations(cells[keep], df[ROW], area, spec)
    if localities is not None:
        obs["LOCALITY"] = pd.Categorical.from_codes(
            localities.codes[cells.loc[keep, "pos"].to_numpy()], localities.categories)
    obs = _duplicates(obs, spec, problems, rows.index)
    if repeated:
        again = obs["row"].isin(list(repeated)).to_numpy()
        problems.add(pd.Series(rows.index.isin(obs["row_index"].to_numpy()[again]),
                               index=rows.index), "duplicate-key", None, "", _REPEATED)
        obs = obs[~again]
    totals = obs.iloc[:0]
    if spec.area.level == "any":
        obs, totals = split_totals(obs, areas)
        excluded[totals["row_index"].to_numpy()] = totals["REF_AREA"].map(
            lambda c: "national-total" if c == NATION else "state-total").to_numpy()
    quarantined_s = problems.any

    # Row labels are positions in the read frame (a RangeIndex).
    gave = np.zeros(len(df), dtype=bool)
    gave[obs["row_index"].to_numpy()] = True
    has_obs = pd.Series(gave[rows.index.to_numpy()], index=rows.index)
    no_data = ~quarantined_s & ~has_obs & excluded[rows.index].isna()
    excluded[no_data[no_data].index] = "no-data"

    account.quarantined = int(quarantined_s.sum())
    account.excluded = int(excluded.notna().sum())
    account.used = int((~quarantined_s & has_obs).sum())
    account.excluded_by_rule = {str(k): int(v) for k, v in excluded.value_counts().items()}
    found = problems.frame()
    account.quarantined_by_reason = {
        str(k): int(v) for k, v in found["reason"].value_counts().items()}
    return Part(observations=obs.drop(columns="row_index"),
                totals=totals.drop(columns="row_index"),
                quarantine=quarantine_frame(df, data_cols, found, raw, spec), account=account,
                localities=None if localities is None else frozenset(
                    str(c) for c in obs["LOCALITY"].unique() if isinstance(c, str)))


def stripped_cells(raw: RawTable, spec: SourceSpec) -> pd.DataFrame:
    """The spec's columns of ``raw`` as categoricals of stripped text: every later step
    (exclusions, areas, periods, categories, numbers) then works once per distinct value.
    A :class:`SpecError` when the spec names a column the file does not have.

    Mostly pyarrow's hashing, without the GIL: :mod:`.blocks` makes it on its reader thread.
    """
    df = raw.frame
    _check_columns(spec, df, raw)
    return pd.DataFrame({c: _factor_map(df[c], lambda u: u.str.strip())
                         for c in spec.required_columns()}, index=df.index)


def finish(spec: SourceSpec, sha256: str, encoding: str, observations: pd.DataFrame,
           parts: list[Part], areas: AreaCodelist, summaries: list[Any] | None = None
           ) -> Harmonised:
    """A source from its blocks' parts: accounts summed, quarantine in file order, the
    file's totals reconciled, declared sums dropped, an exhaustive source's zeros.

    ``observations`` are the parts' observations concatenated in order (and any repeated
    key across blocks already quarantined: :mod:`.blocks`); ``summaries`` are kept as
    :attr:`Harmonised.summaries`.
    """
    account = RowAccount(source=spec.id)
    for p in parts:
        a = p.account
        account.read += a.read
        account.used += a.used
        account.quarantined += a.quarantined
        account.excluded += a.excluded
        for mine, theirs in ((account.excluded_by_rule, a.excluded_by_rule),
                             (account.quarantined_by_reason, a.quarantined_by_reason)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
    quarantine = pd.concat([p.quarantine for p in parts], ignore_index=True) \
        if len(parts) > 1 else parts[0].quarantine
    if len(parts) > 1:
        quarantine = quarantine.sort_values("row", kind="stable", ignore_index=True)
    findings = quarantine_findings(quarantine, spec, account)
    if spec.area.level == "any":
        totals = pd.concat([p.totals for p in parts], ignore_index=True) \
            if len(parts) > 1 else parts[0].totals
        findings += reconcile(totals, observations, spec, areas)
    localities = [p.localities for p in parts if p.localities is not None]
    if localities:
        findings.append(Finding(
            code="localities-summed", severity=Severity.INFO, source=spec.id,
            file=str(spec.path), message=f"{len(frozenset().union(*localities))} localities "
            f"summed to {observations['REF_AREA'].nunique()} municipalities"))
    # Declared sums (and localities): these dimensions add up downstream, as the total.
    obs = observations.drop(columns=[*spec.sum_over, *(["LOCALITY"] if localities else [])])
    obs = zero_fill(obs, spec, areas).reset_index(drop=True)
    return Harmonised(spec=spec, sha256=sha256, encoding=encoding, observations=obs,
                      quarantine=quarantine, account=account, findings=findings,
                      summaries=summaries or [])


def _cell_problem(cells: pd.DataFrame, bad: np.ndarray, problems: Problems, index: pd.Index,
                  reason: str, message: str, value: str = "text",
                  column: str | None = None) -> None:
    """Record ``reason`` on each input row holding a ``bad`` cell, with its first such cell.

    The value shown is the cell's ``value`` column; the column named is ``column``, or the
    file column the cell came from.
    """
    if not bad.any():
        return
    first = cells[bad].drop_duplicates("row_index").set_index("row_index")
    problems.add(pd.Series(index.isin(first.index), index=index), reason,
                 column or first["column"].astype(object), first[value].astype(object),
                 message)


def _period_range(cells: pd.DataFrame, spec: SourceSpec, years: tuple[int, int] | None,
                  problems: Problems, index: pd.Index) -> None:
    """Quarantine cells whose period lies outside the plausible years."""
    first, last = years or default_years()
    periods = cells["TIME_PERIOD"].array
    year = pd.to_numeric(pd.Series(periods.categories.astype(str)).str[:4], errors="coerce")
    outside = np.flatnonzero(~year.between(first, last).to_numpy())
    wide = spec.layout.kind == "wide" and spec.layout.names_to == "period"
    _cell_problem(cells, np.isin(periods.codes, outside), problems, index,
                  "period-out-of-range",
                  f"the period is outside the plausible years {first}-{last} (set "
                  "first_year and last_year in [workspace] if it is real)",
                  value="TIME_PERIOD", column=None if wide else spec.period.column)


def _blank(df: pd.DataFrame, stripped: pd.DataFrame, data_cols: list[str]) -> pd.Series:
    """Rows whose every cell is blank (checked on the spec's columns first: cheaper)."""
    maybe = (stripped == "").all(axis=1)
    rest = [c for c in data_cols if c not in stripped.columns]
    if rest and maybe.any():
        maybe[maybe] = (df.loc[maybe, rest].apply(lambda s: s.str.strip()) == "").all(axis=1)
    return maybe


def _check_columns(spec: SourceSpec, df: pd.DataFrame, raw: RawTable) -> None:
    have = [c for c in df.columns if c != ROW]
    for col in spec.required_columns():
        if col in raw.duplicates:
            at = raw.duplicates[col]
            raise SpecError(
                f"the header names {len(at)} columns {col!r} (positions "
                f"{', '.join(map(str, at))}): the spec cannot tell which one is meant",
                file=raw.path, row=spec.read.header_row, column=col,
                hint="rename the duplicates in the file, or point the spec at the one meant "
                     f"as {col + '.2'!r}, {col + '.3'!r}... (the later ones, in order)")
        if col not in have:
            near = difflib.get_close_matches(col, have, n=1)
            raise SpecError(
                "column named in the spec is not in the file", file=spec.spec_file, column=col,
                hint=(f"did you mean {near[0]!r}? " if near else "")
                + f"the header (line {spec.read.header_row} of {raw.path.name}) has: "
                + ", ".join(repr(h) for h in have[:12]),
            )


def _periods(rows: pd.DataFrame, spec: SourceSpec, problems: Problems) -> pd.Categorical:
    """The period of every row, as a categorical (a file holds few distinct periods)."""
    p = spec.period
    if p.column is None:
        return _const(str(p.value), len(rows))
    cells = rows[p.column]
    parsed = _factor_map(cells, lambda u: parse_periods(u, p.format))
    if p.month_column:
        month = _factor_map(rows[p.month_column], _months)
        problems.add(pd.Series(parsed.notna() & month.isna(), index=rows.index), "bad-period",
                     p.month_column, rows[p.month_column],
                     "not a month (a number 1-12 or a Spanish month name)")
        parsed = _joined(parsed, month)
    problems.add(pd.Series(parsed.isna(), index=rows.index), "bad-period", p.column, cells,
                 f"not a period in format {p.format!r}")
    return parsed


def _joined(year: pd.Categorical, month: pd.Categorical) -> pd.Categorical:
    """``YYYY-MM`` of each row (missing when either is), built once per distinct pair."""
    pair = year.codes.astype(np.int64) * (len(month.categories) + 1) + month.codes + 1
    codes, pairs = pd.factorize(pair)
    years, months = np.divmod(pairs, len(month.categories) + 1)
    labels = [f"{year.categories[y]}-{month.categories[m - 1]}" if y >= 0 and m > 0 else None
              for y, m in zip(years, months, strict=True)]
    joined = pd.Categorical(np.asarray(labels, dtype=object))
    return pd.Categorical.from_codes(joined.codes[codes], joined.categories)


def _months(cells: pd.Series) -> pd.Series:
    """Month cells (a Spanish name, or a whole number 1-12 as pandas reads numbers) to
    ``MM``; None for anything else. Called with a block's few distinct cells: a loop."""
    named = parse_periods(cells, "month-name").tolist()
    numeric = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float).tolist()
    return pd.Series([name if name is not None else f"{int(n):02d}"
                      if 1 <= n <= 12 and n % 1 == 0 else None  # NaN compares False
                      for name, n in zip(named, numeric, strict=True)],
                     index=cells.index, dtype=object)


def _factor_map(cells: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Categorical:
    """``fn`` applied to each distinct cell once, expanded back as a categorical."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    mapped = pd.Categorical(
        fn(pd.Series(np.asarray(uniques, dtype=object), dtype=object)).to_numpy(dtype=object))
    return pd.Categorical.from_codes(mapped.codes[codes], mapped.categories)


def _dimensions(rows: pd.DataFrame, spec: SourceSpec, problems: Problems
                ) -> dict[str, pd.Categorical]:
    out = {}
    for d in spec.dimensions:
        if spec.layout.kind == "wide" and d.id == spec.layout.names_to:
            continue  # melted from the column names (see _cells)
        if d.column is None:
            out[d.id] = _const(str(d.value), len(rows))
            continue
        cells = rows[d.column]
        mapped = _factor_map(cells, lambda u, m=d.map: (  # type: ignore[misc]
            u.map(m) if m else u).replace("", None))
        problems.add(pd.Series(mapped.isna(), index=rows.index), "unmapped-category", d.column,
                     cells, f"no {d.id} code for this value (add it to dimensions.{d.id}.map)")
        out[d.id] = mapped
    return out


def _const(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [value])


def _cells(rows: pd.DataFrame, spec: SourceSpec, period: pd.Categorical,
           dims: dict[str, pd.Categorical]) -> pd.DataFrame:
    """One row per (input row, value cell): the long form of every layout.

    ``pos`` is the input row's position in ``rows``, ``row_index`` its label.
    """
    n = len(rows)
    parts = []
    if spec.layout.kind == "long":
        for m in spec.measures:
            text = (_const("1", n) if m.count_rows or m.column is None
                    else rows[m.column].array)
            parts.append({"measure": _const(m.id, n), "column": _const(m.column or "", n),
                          "text": text, "TIME_PERIOD": period})
    else:
        m = spec.measures[0]
        for col in spec.layout.columns:
            part: dict[str, Any] = {"measure": _const(m.id, n), "column": _const(col, n),
                                    "text": rows[col].array, "TIME_PERIOD": period}
            if spec.layout.names_to == "month":
                month = MONTHS_ES.get(col.casefold().strip(". "))
                part["TIME_PERIOD"] = period.rename_categories(
                    [f"{c}-{month:02d}" for c in period.categories.tolist()]) if month else \
                    pd.Categorical([None] * n)
            elif spec.layout.names_to == "period":
                part["TIME_PERIOD"] = _const(col, n)
            else:
                codes = next((d.map for d in spec.dimensions
                              if d.id == spec.layout.names_to), {})
                part[spec.layout.names_to] = _const(codes.get(col, col), n)
            parts.append(part)
    k = len(parts)
    cells = pd.DataFrame({
        "pos": np.tile(np.arange(n), k),
        "row_index": np.tile(rows.index.to_numpy(), k),
        "measure": _concat([p["measure"] for p in parts]),
        "column": _concat([p["column"] for p in parts]),
        "text": _concat([p["text"] for p in parts]),
        "TIME_PERIOD": _concat([p["TIME_PERIOD"] for p in parts]),
    })
    extra = [c for c in parts[0] if c not in cells.columns]
    for dim in extra:
        cells[dim] = _concat([p[dim] for p in parts])
    for dim, values in dims.items():
        cells[dim] = pd.Categorical.from_codes(np.tile(values.codes, k), values.categories)
    return cells


def _concat(cats: list[pd.Categorical]) -> pd.Categorical:
    return union_categoricals(cats) if len(cats) > 1 else cats[0]


def _observations(cells: pd.DataFrame, lines: pd.Series, area: pd.Categorical,
                  spec: SourceSpec) -> pd.DataFrame:
    units = {m.id: m.unit for m in spec.measures}
    obs = cells.drop(columns=["text", "column", "pos"])
    obs["REF_AREA"] = pd.Categorical.from_codes(area.codes[cells["pos"].to_numpy()],
                                                area.categories)
    obs["source"] = _const(spec.id, len(obs))
    obs["row"] = lines.to_numpy()[obs["row_index"].to_numpy()]
    measure = obs["measure"].array
    unit = pd.Categorical([units[c] for c in measure.categories.tolist()])
    obs["unit"] = pd.Categorical.from_codes(unit.codes[measure.codes], unit.categories)
    dims = [c for c in obs.columns if c not in OBS_COLUMNS and c != "row_index"]
    return obs[["row_index", *OBS_COLUMNS[:5], *dims, "value", "unit"]]


def _duplicates(obs: pd.DataFrame, spec: SourceSpec, problems: Problems, index: pd.Index
                ) -> pd.DataFrame:
    """Counted records sum; any other repeated key is quarantined (later rows)."""
    summed = {m.id for m in spec.measures if m.count_rows}
    key = [c for c in obs.columns if c not in ("row_index", "source", "row", "value", "unit")]
    strict = ~obs["measure"].isin(summed).to_numpy()
    codes = key_codes(obs, key)
    dup = (codes if strict.all() else codes[strict]).duplicated(keep="first")
    dup_rows = obs["row_index"].to_numpy()[strict][dup]
    if len(dup_rows):
        mask = pd.Series(index.isin(dup_rows), index=index)
        problems.add(mask, "duplicate-key", None, "", _REPEATED)
        obs = obs[~obs["row_index"].isin(dup_rows)]
    return obs
