"""Harmonisation: a raw table and its spec to tidy observations, quarantine and accounting.

Every input row ends in exactly one of three places: **used** (it gave at least one
observation), **quarantined** (something in it is wrong: unknown area, bad number, bad
period, unmapped category, duplicate key — with the reason and the raw values), or
**excluded** on purpose (blank, a rule of the spec such as a total or footer row, or every
value missing). The three add up to the rows read; :class:`RowAccount` proves it.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sdmx_tools.errors import SpecError
from sdmx_tools.ingest.areas import resolve_areas
from sdmx_tools.ingest.readers import ROW, RawTable
from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.ingest.values import MONTHS_ES, parse_numbers, parse_periods
from sdmx_tools.report import Finding, RowAccount, Severity
from sdmx_tools.territory import AreaCodelist

__all__ = ["OBS_COLUMNS", "QUARANTINE_COLUMNS", "Harmonised", "harmonise"]

OBS_COLUMNS = ["source", "row", "measure", "REF_AREA", "TIME_PERIOD", "value", "unit"]
QUARANTINE_COLUMNS = ["source", "file", "row", "reason", "column", "value", "message",
                      "candidates", "raw"]


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
    """

    spec: SourceSpec
    sha256: str
    encoding: str
    observations: pd.DataFrame
    quarantine: pd.DataFrame
    account: RowAccount
    findings: list[Finding] = field(default_factory=list)


class _Problems:
    """Per-row first problem, filled stage by stage (first problem wins)."""

    def __init__(self, index: pd.Index) -> None:
        self.reason = pd.Series(None, index=index, dtype=object)
        self.column = pd.Series(None, index=index, dtype=object)
        self.value = pd.Series(None, index=index, dtype=object)
        self.message = pd.Series(None, index=index, dtype=object)
        self.candidates = pd.Series("", index=index, dtype=object)

    def add(self, mask: pd.Series, reason: pd.Series | str, column: pd.Series | str | None,
            value: pd.Series | str, message: pd.Series | str,
            candidates: pd.Series | str = "") -> None:
        """Record a problem on the rows of ``mask`` that have none yet."""
        new = mask & self.reason.isna()
        if not new.any():
            return
        for target, src in ((self.reason, reason), (self.column, column), (self.value, value),
                            (self.message, message), (self.candidates, candidates)):
            target[new] = src[new] if isinstance(src, pd.Series) else src

    @property
    def any(self) -> pd.Series:
        return self.reason.notna()


def harmonise(raw: RawTable, spec: SourceSpec, areas: AreaCodelist) -> Harmonised:
    """Turn one raw table into tidy observations, quarantine and row accounting.

    Raises
    ------
    SpecError
        When the spec names a column the file does not have.
    """
    df = raw.frame
    _check_columns(spec, df, raw)
    account = RowAccount(source=spec.id, read=len(df))
    data_cols = [c for c in df.columns if c != ROW]
    stripped = df[data_cols].apply(lambda s: s.str.strip())

    excluded = pd.Series(None, index=df.index, dtype=object)
    excluded[(stripped == "").all(axis=1)] = "blank"
    for rule in spec.exclude:
        cells = stripped[rule.column]
        hit = cells.isin(rule.equals)
        if rule.matches:
            hit |= cells.str.match(rule.pattern())
        excluded[hit & excluded.isna()] = rule.reason

    active = excluded.isna()
    rows = stripped[active]
    problems = _Problems(rows.index)

    area = resolve_areas(rows, spec.area, areas)
    problems.add(area["reason"].notna(), area["reason"], area["column"], area["value"],
                 area["message"], area["candidates"])

    period = _periods(rows, spec, problems)
    dims = _dimensions(rows, spec, problems)
    cells = _cells(rows, spec, period, dims)

    missing = cells["text"].isin(spec.missing)
    values, ok = parse_numbers(cells["text"], spec.read.decimal, spec.read.thousands)
    bad = ~missing & ~ok
    first_bad = cells[bad].drop_duplicates("row_index").set_index("row_index")
    problems.add(pd.Series(rows.index.isin(first_bad.index), index=rows.index), "bad-number",
                 first_bad["column"].reindex(rows.index), first_bad["text"].reindex(rows.index),
                 "value is not a number (check read.thousands and read.decimal, "
                 "or list the marker in 'missing')")
    cells["value"] = values
    good_cells = cells[~missing & ok]
    quarantined = problems.any
    good_cells = good_cells[~quarantined.reindex(good_cells["row_index"]).to_numpy()]
    obs = _observations(good_cells, df[ROW], area, spec)
    obs = _duplicates(obs, spec, problems, rows.index)
    obs = _zero_fill(obs, spec, areas)
    quarantined = problems.any

    has_obs = pd.Series(False, index=rows.index)
    has_obs[obs.loc[obs["row_index"] >= 0, "row_index"].unique()] = True
    no_data = ~quarantined & ~has_obs
    excluded[no_data[no_data].index] = "no-data"

    account.quarantined = int(quarantined.sum())
    account.excluded = int(excluded.notna().sum())
    account.used = int((~quarantined & has_obs).sum())
    account.excluded_by_rule = {str(k): int(v) for k, v in excluded.value_counts().items()}

    quarantine = _quarantine_frame(df, data_cols, problems, quarantined, raw, spec)
    findings = _findings(quarantine, spec, account)
    obs = obs.drop(columns="row_index")
    return Harmonised(spec=spec, sha256=raw.sha256, encoding=raw.encoding, observations=obs,
                      quarantine=quarantine, account=account, findings=findings)


def _check_columns(spec: SourceSpec, df: pd.DataFrame, raw: RawTable) -> None:
    have = [c for c in df.columns if c != ROW]
    for col in spec.required_columns():
        if col not in have:
            near = difflib.get_close_matches(col, have, n=1)
            raise SpecError(
                "column named in the spec is not in the file", file=spec.spec_file, column=col,
                hint=(f"did you mean {near[0]!r}? " if near else "")
                + f"the header (line {spec.read.header_row} of {raw.path.name}) has: "
                + ", ".join(repr(h) for h in have[:12]),
            )


def _periods(rows: pd.DataFrame, spec: SourceSpec, problems: _Problems) -> pd.Series:
    p = spec.period
    if p.column is None:
        return pd.Series(p.value, index=rows.index, dtype=object)
    parsed = parse_periods(rows[p.column], p.format)
    problems.add(parsed.isna(), "bad-period", p.column, rows[p.column],
                 f"not a period in format {p.format!r}")
    return parsed


def _dimensions(rows: pd.DataFrame, spec: SourceSpec, problems: _Problems) -> pd.DataFrame:
    out = pd.DataFrame(index=rows.index)
    for d in spec.dimensions:
        if d.column is None:
            out[d.id] = d.value
            continue
        cells = rows[d.column]
        mapped = cells.map(d.map) if d.map else cells
        problems.add(mapped.isna() | (mapped == ""), "unmapped-category", d.column, cells,
                     f"no {d.id} code for this value (add it to dimensions.{d.id}.map)")
        out[d.id] = mapped
    return out


def _cells(rows: pd.DataFrame, spec: SourceSpec, period: pd.Series, dims: pd.DataFrame
           ) -> pd.DataFrame:
    """One row per (input row, value cell): the long form of every layout."""
    parts = []
    if spec.layout.kind == "long":
        for m in spec.measures:
            text = (pd.Series("1", index=rows.index) if m.count_rows or m.column is None
                    else rows[m.column])
            parts.append(pd.DataFrame({"row_index": rows.index, "measure": m.id,
                                       "column": m.column or "", "text": text.to_numpy(),
                                       "TIME_PERIOD": period.to_numpy()}))
    else:
        m = spec.measures[0]
        for col in spec.layout.columns:
            part = pd.DataFrame({"row_index": rows.index, "measure": m.id, "column": col,
                                 "text": rows[col].to_numpy(),
                                 "TIME_PERIOD": period.to_numpy()})
            if spec.layout.names_to == "month":
                month = MONTHS_ES.get(col.casefold().strip(". "))
                part["TIME_PERIOD"] = period.to_numpy() + f"-{month:02d}" if month else None
            elif spec.layout.names_to == "period":
                part["TIME_PERIOD"] = col
            else:
                part[spec.layout.names_to] = col
            parts.append(part)
    cells = pd.concat(parts, ignore_index=True)
    for dim in dims.columns:
        cells[dim] = dims[dim].reindex(cells["row_index"]).to_numpy()
    return cells


def _observations(cells: pd.DataFrame, lines: pd.Series, area: pd.DataFrame,
                  spec: SourceSpec) -> pd.DataFrame:
    units = {m.id: m.unit for m in spec.measures}
    obs = cells.drop(columns=["text", "column"]).copy()
    obs["REF_AREA"] = area["REF_AREA"].reindex(obs["row_index"]).to_numpy()
    obs["source"] = spec.id
    obs["row"] = lines.reindex(obs["row_index"]).to_numpy()
    obs["unit"] = obs["measure"].map(units)
    dims = [c for c in obs.columns if c not in OBS_COLUMNS and c != "row_index"]
    return obs[["row_index", *OBS_COLUMNS[:5], *dims, "value", "unit"]]


def _duplicates(obs: pd.DataFrame, spec: SourceSpec, problems: _Problems, index: pd.Index
                ) -> pd.DataFrame:
    """Counted records sum; any other repeated key is quarantined (later rows)."""
    summed = {m.id for m in spec.measures if m.count_rows}
    key = [c for c in obs.columns if c not in ("row_index", "source", "row", "value", "unit")]
    strict = ~obs["measure"].isin(summed)
    dup = obs[strict].duplicated(key, keep="first")
    dup_rows = obs[strict][dup]["row_index"].unique()
    if len(dup_rows):
        mask = pd.Series(index.isin(dup_rows), index=index)
        problems.add(mask, "duplicate-key", None, "",
                     "another row already gave a value for the same area, period and dimensions")
        obs = obs[~obs["row_index"].isin(dup_rows)]
    return obs


def _zero_fill(obs: pd.DataFrame, spec: SourceSpec, areas: AreaCodelist) -> pd.DataFrame:
    """Counted measures of an exhaustive source: municipalities without records had zero.

    The added observations have input row 0 (no input row: implied by ``area.covers``).
    """
    counted = [m.id for m in spec.measures if m.count_rows]
    if not spec.area.covers or not counted or obs.empty:
        return obs
    munis = [c for s in spec.area.covers for c in areas.municipalities(s)]
    key = [c for c in obs.columns if c not in ("row_index", "source", "row", "value", "unit",
                                                "REF_AREA")]
    combos = obs[obs["measure"].isin(counted)][key].drop_duplicates()
    full = combos.merge(pd.DataFrame({"REF_AREA": munis}), how="cross")
    seen = obs.set_index([*key, "REF_AREA"]).index
    zeros = full[~full.set_index([*key, "REF_AREA"]).index.isin(seen)].copy()
    if zeros.empty:
        return obs
    units = {m.id: m.unit for m in spec.measures}
    zeros = zeros.assign(row_index=-1, source=spec.id, row=0, value=0.0,
                         unit=zeros["measure"].map(units))
    return pd.concat([obs, zeros[obs.columns]], ignore_index=True)


def _quarantine_frame(df: pd.DataFrame, data_cols: list[str], problems: _Problems,
                      quarantined: pd.Series, raw: RawTable, spec: SourceSpec) -> pd.DataFrame:
    idx = quarantined[quarantined].index
    raw_cells = df.loc[idx, data_cols]
    return pd.DataFrame({
        "source": spec.id,
        "file": raw.path.name,
        "row": df.loc[idx, ROW].to_numpy(dtype=np.int64),
        "reason": problems.reason[idx].to_numpy(),
        "column": problems.column[idx].fillna("").to_numpy(),
        "value": problems.value[idx].fillna("").astype(str).to_numpy(),
        "message": problems.message[idx].fillna("").to_numpy(),
        "candidates": problems.candidates[idx].fillna("").to_numpy(),
        "raw": [json.dumps(r, ensure_ascii=False) for r in raw_cells.to_dict("records")],
    }, columns=QUARANTINE_COLUMNS)


def _findings(quarantine: pd.DataFrame, spec: SourceSpec, account: RowAccount) -> list[Finding]:
    over = account.quarantined > spec.tolerance
    severity = Severity.ERROR if over else Severity.WARNING
    findings = [
        Finding(code=str(q.reason), severity=severity, message=str(q.message),
                source=spec.id, file=str(spec.path), row=int(q.row), column=str(q.column) or None,
                value=str(q.value), hint=(f"candidates: {q.candidates}" if q.candidates else None))
        for q in quarantine.itertuples()
    ]
    if over:
        findings.append(Finding(
            code="quarantine-over-tolerance", severity=Severity.ERROR, source=spec.id,
            file=str(spec.path),
            message=f"{account.quarantined} rows quarantined, tolerance is {spec.tolerance}",
            hint="fix the rows listed in the quarantine file, or raise 'tolerance' in "
                 f"{spec.spec_file.name} if they may be dropped"))
    return findings
