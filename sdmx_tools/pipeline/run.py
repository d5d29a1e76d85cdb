"""A workspace's run in memory: read, harmonise, compute, check; nothing is written.

:func:`run` is what :func:`~sdmx_tools.pipeline.convert.convert` writes out, and what the
notebook API hands over as xarray cubes and pandas frames.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from sdmx_tools.compute import (
    KEY,
    TOTAL,
    Computed,
    IndicatorDef,
    compute_indicator,
    cube_to_frame,
    inventory,
    source_detail,
)
from sdmx_tools.compute.definitions import for_workspace
from sdmx_tools.compute.lines import LineSpans
from sdmx_tools.compute.provenance import Coverage, NumeratorLines, merged_lines
from sdmx_tools.errors import IndicatorError, SpecError, ToolkitError
from sdmx_tools.exchange import check_codes
from sdmx_tools.ingest import Harmonised, Origin, SourceSpec, fetch_source, load_spec
from sdmx_tools.ingest.blocks import block_mapper, concat_observations, harmonise_source
from sdmx_tools.pipeline.runtime import defer_dask_arrays, long_lived, tune_allocator
from sdmx_tools.report import Finding, Report, Severity
from sdmx_tools.territory import AreaCodelist, load_areas
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.dsd import DIMENSIONS
from sdmx_tools.workspace import Workspace

__all__ = ["Progress", "Run", "run", "sdmx_frame"]

Progress = Callable[[str, str], None]
"""Told ``(stage, item)`` as each step starts: ``("harmonise", source id)``, then for a
large file ``("harmonise", "id (block 3 of 25)")`` as its blocks are done (not on a
cluster), ``("compute", indicator id)``, ``("provenance", "")``, ``("write", "")``."""


@dataclass(slots=True)
class Run:
    """Everything a run computed, in memory (what the notebook API hands over).

    Attributes
    ----------
    harmonised
        Per source: its tidy observations (summed by key), quarantine and row account.
    computed
        Per indicator: its xarray cube, findings and the sources it used.
    report
        Row accounts and findings of the whole run; ``report.ok`` when nothing is an error.
    observations
        The tidy observations of every source together (what the indicators read).
    table
        The SDMX observations: every DSD dimension and attribute, one row per key.
    frames
        Per indicator id: its cube as a frame, with the provenance of each value.
    codelists, areas
        The codelists in force (with the workspace's declared series) and the areas.
    origins
        Per downloaded source: where and when it was fetched.
    timings
        Seconds per stage: ``harmonise`` (read included), ``compute``, ``provenance``.
    """

    harmonised: list[Harmonised]
    computed: list[Computed]
    report: Report
    observations: pd.DataFrame
    table: pd.DataFrame
    frames: dict[str, pd.DataFrame]
    codelists: dict[str, Codelist]
    areas: AreaCodelist
    origins: dict[str, Origin] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cubes(self) -> dict[str, xr.Dataset]:
        """Each indicator's cube by id: dims ``REF_AREA``, ``TIME_PERIOD`` and its
        disaggregations; ``OBS_VALUE``, ``numerator``, ``denominator`` carry ``units``."""
        return {c.definition.id: c.cube for c in self.computed}

    @property
    def quarantine(self) -> pd.DataFrame:
        """Every quarantined input row with its source, row, column, value and reason."""
        return pd.concat([h.quarantine for h in self.harmonised], ignore_index=True)

    @property
    def ok(self) -> bool:
        """True when the run has no errors (what ``convert`` would publish)."""
        return self.report.ok


def run(ws: Workspace, progress: Progress | None = None) -> Run:
    """Read, harmonise and compute every source and indicator of a workspace, in memory.

    Parameters
    ----------
    ws
        The loaded workspace.
    progress
        Told each step as it starts (for a progress display).

    Returns
    -------
    Run
        With the data errors in ``report`` (the run does not stop for them).

    Raises
    ------
    ToolkitError
        For problems that stop the run at once (a bad spec, an unreadable file).
    """
    if not ws.source_files:
        raise ToolkitError("the workspace has no source specs", file=ws.root / "sources",
                           hint="add one TOML file per source in sources/ "
                                "(see 'sdmx-tools init')")
    tune_allocator()
    defer_dask_arrays()
    with long_lived():  # the modules imported
        definitions, codelists = for_workspace(ws)
        areas = load_areas(ws.overrides("codelists"), codelists)
        with long_lived():  # and now the codelists and their name index
            return _run(ws, progress, definitions, codelists, areas)


def _run(ws: Workspace, progress: Progress | None, definitions: dict[str, IndicatorDef],
         codelists: dict[str, Codelist], areas: AreaCodelist) -> Run:
    say = progress or (lambda stage, item: None)
    specs, origins = [], {}
    for f in ws.source_files:
        spec, origin = fetch_source(load_spec(f, ws.root))
        specs.append(spec)
        if origin is not None:
            origins[spec.id] = origin
    _check_distinct_ids(specs)
    clock = _Clock()
    # Each block keeps the lines of its numerators' groups, then sums its rows by key:
    # what leaves a block is small, whatever the file.
    lines = NumeratorLines([d for d in definitions.values()
                            if not ws.indicators or d.id in ws.indicators], areas)
    harmonised = []
    with block_mapper(ws.engine, ws.scheduler) as mapper:
        for s in specs:
            say("harmonise", s.id)
            # A cluster's tasks run in other processes: they cannot call back.
            on_block = None if progress is None or ws.scheduler else (
                lambda done, total, sid=s.id: say("harmonise", f"{sid} (block {done} of "
                                                               f"{total})"))
            harmonised.append(harmonise_source(s, areas, years=ws.years,
                                               block_bytes=ws.block_bytes, mapper=mapper,
                                               summarise=lines, on_block=on_block,
                                               staging=ws.output))
    _check_distinct_files(harmonised)
    clock.lap("harmonise")
    report = Report()
    report.findings.extend(
        Finding(code="source-offline", severity=Severity.WARNING, message=o.note,
                source=sid, file=o.url, hint="the published file may have changed since")
        for sid, o in origins.items() if o.note)
    for h in harmonised:
        report.accounts.append(h.account)
        report.findings.extend(h.findings)

    # Summed by key in the blocks, so small whatever the files: the cube is reduced in
    # pandas whatever the engine. A dimension a source does not give is its total.
    tidy = concat_observations([h.observations for h in harmonised], fill=TOTAL)
    inv = inventory(tidy)  # once for every indicator
    available = set(inv["measure"])
    if ws.indicators:
        unknown = [i for i in ws.indicators if i not in definitions]
        if unknown:
            raise IndicatorError("indicator listed in workspace.indicators has no definition",
                                 file=ws.config, value=unknown[0],
                                 hint=f"defined: {', '.join(definitions)}")
        chosen = [definitions[i] for i in ws.indicators]
    else:
        chosen = [d for d in definitions.values() if set(d.measures()) <= available]
    _check_distinct_series(chosen)
    if not chosen:
        report.add(Finding(code="no-indicator", severity=Severity.ERROR, file=str(ws.config),
                           message="no indicator can be computed from these sources",
                           hint=_missing_measures(definitions.values(), available)))
    computed = []
    for d in chosen:
        say("compute", d.id)
        computed.append(compute_indicator(d, tidy, areas, inv=inv))
    clock.lap("compute")
    say("provenance", "")
    sha = {h.spec.id: h.sha256 for h in harmonised}
    frames = {c.definition.id: _with_provenance(cube_to_frame(c), c, tidy, areas, sha,
                                                merged_lines(c.definition, harmonised))
              for c in computed}
    clock.lap("provenance")
    files = {h.spec.id: str(h.spec.path) for h in harmonised}
    for c in computed:
        c.findings = _located(c, frames[c.definition.id], files)
        report.findings.extend(c.findings)
    frame = sdmx_frame(computed, frames)
    report.findings.extend(check_codes(frame, codelists))
    if computed and frame["OBS_VALUE"].notna().sum() == 0:
        report.add(Finding(
            code="no-observations", severity=Severity.ERROR,
            message=f"{', '.join(c.definition.id for c in computed)}: no observation has a "
                    "value", hint="every input row was quarantined or excluded: see "
                    "quarantine.csv"))
    return Run(harmonised, computed, report, tidy, frame, frames, codelists, areas,
               origins=origins, timings=clock.laps)


class _Clock:
    """Seconds between laps, by the name of the stage each lap ends."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _check_distinct_ids(specs: list[SourceSpec]) -> None:
    """Two spec files with one id (a copied spec) would merge as one source."""
    seen: dict[str, Path] = {}
    for s in specs:
        if s.id in seen:
            raise SpecError(f"two source specs have the id {s.id!r}", file=s.spec_file,
                            value=s.id, hint=f"{seen[s.id].name} has it too: give each source "
                            "its own id, or remove the copy")
        seen[s.id] = s.spec_file


def _check_distinct_series(chosen: list[IndicatorDef]) -> None:
    """Two indicators of one series and frequency would publish every SDMX key twice."""
    seen: dict[tuple[str, str], IndicatorDef] = {}
    for d in chosen:
        first = seen.setdefault((d.series, d.frequency), d)
        if first is not d:
            raise IndicatorError(
                f"indicators {first.id} and {d.id} both publish series {d.series} at "
                f"frequency {d.frequency}: every SDMX key would be given twice",
                file=d.file, value=d.series,
                hint="give one of them its own series code (with series_name), or list the "
                     "indicators to compute in workspace.indicators")


def _check_distinct_files(harmonised: list[Harmonised]) -> None:
    """The same file (by sha256) read twice for one measure would count every row twice."""
    seen: dict[tuple[str, str], Harmonised] = {}
    for h in harmonised:
        for m in h.spec.measures:
            first = seen.setdefault((h.sha256, m.id), h)
            if first is not h:
                raise SpecError(
                    f"sources {first.spec.id!r} and {h.spec.id!r} read the same file "
                    f"(sha256 {h.sha256[:12]}) for measure {m.id!r}: it would be counted twice",
                    file=h.spec.spec_file, value=m.id,
                    hint=f"keep one of {first.spec.spec_file.name} and {h.spec.spec_file.name}")


def _missing_measures(definitions: Iterable[IndicatorDef], available: set[str]) -> str:
    """What each indicator lacks, for the hint of an empty convert (the first few)."""
    lines = [f"{d.id} needs {', '.join(repr(m) for m in sorted(set(d.measures()) - available))}"
             for d in definitions]
    have = ", ".join(repr(m) for m in sorted(available)) or "none"
    more = f"; and {len(lines) - 6} more" if len(lines) > 6 else ""
    return f"{'; '.join(lines[:6])}{more} (measures given: {have})"


# Checks of a value that its numerator's input rows explain: they name the file and rows.
_FROM_NUMERATOR = {"value-out-of-range", "negative-count", "outlier"}


def _located(c: Computed, frame: pd.DataFrame, files: dict[str, str]) -> list[Finding]:
    """The indicator's value findings with the input file and rows of their observation."""
    wanted = {f.key for f in c.findings if f.code in _FROM_NUMERATOR and f.file is None}
    if not wanted:
        return c.findings
    keys = pd.Series(c.definition.series, index=frame.index)
    for column in ["REF_AREA", "TIME_PERIOD", *c.definition.disaggregations]:
        keys = keys + "." + frame[column].astype(str)
    hit = keys.isin(wanted)
    detail = dict(zip(keys[hit], frame.loc[hit, "SOURCE_DETAIL"], strict=True))
    out = []
    for f in c.findings:
        text = detail.get(f.key or "") if f.code in _FROM_NUMERATOR and f.file is None else None
        if text:
            source = text.split(" ", 1)[0]
            f = dataclasses.replace(f, source=source, file=files.get(source),
                                    message=f"{f.message} (numerator from {text})")
        out.append(f)
    return out


def _with_provenance(frame: pd.DataFrame, c: Computed, obs: pd.DataFrame, areas: AreaCodelist,
                     sha: dict[str, str], lines: LineSpans) -> pd.DataFrame:
    """The cube's frame with ``SOURCE_DETAIL``: the file and input rows of each value."""
    keys = [*KEY, *c.definition.disaggregations]
    detail = source_detail(c.definition, obs, areas, sha, lines,
                           Coverage.of(frame, c.definition))
    return frame.merge(detail, on=keys, how="left", validate="one_to_one")


def sdmx_frame(computed: list[Computed], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every indicator's observations with all DSD dimensions and attributes filled.

    ``frames`` holds each indicator's :func:`cube_to_frame` with ``SOURCE_DETAIL``, by id.
    """
    parts = []
    for c in computed:
        d = c.definition
        f = frames[d.id]
        out = pd.DataFrame({dim: TOTAL for dim in DIMENSIONS}, index=f.index)
        out["FREQ"], out["REPORTING_TYPE"], out["SERIES"] = d.frequency, "N", d.series
        for dim in ["REF_AREA", *d.disaggregations]:
            out[dim] = f[dim]
        out["TIME_PERIOD"] = f["TIME_PERIOD"]
        out["OBS_VALUE"] = f["OBS_VALUE"]
        out["OBS_STATUS"] = f["OBS_STATUS"]
        out["UNIT_MULT"] = f["UNIT_MULT"]
        out["UNIT_MEASURE"] = d.unit_measure
        out["NATURE"] = f["NATURE"]
        out["COMMENT_OBS"] = f["COMMENT_OBS"].fillna("")
        out["SOURCE_DETAIL"] = f["SOURCE_DETAIL"]
        parts.append(out)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"])


