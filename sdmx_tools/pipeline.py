"""The day's work as library calls: convert, push, release (the CLI only wires these).

``convert`` reads every source of a workspace, harmonises it, computes the indicators and
writes SDMX (structures, generic data, SDMX-CSV), the indicator tables and a manifest
(provenance, row accounting, quality notes) into the output folder. The SDMX outputs are
written only when the run has no errors; the report and quarantine always are, complete.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sdmx_tools import __version__
from sdmx_tools.compute import (
    KEY,
    TOTAL,
    Computed,
    IndicatorDef,
    compute_indicator,
    cube_to_frame,
    inventory,
    load_indicators,
    source_detail,
)
from sdmx_tools.compute.lines import LineSpans
from sdmx_tools.compute.provenance import Coverage, NumeratorLines, merged_lines
from sdmx_tools.errors import IndicatorError, SpecError, ToolkitError
from sdmx_tools.exchange import (
    NationalStructures,
    build_structures,
    check_codes,
    dataflow_namespace,
    write_data_csv,
    write_data_json,
    write_data_xml,
    write_dsd_schema,
    write_structure_specific,
    write_structures,
)
from sdmx_tools.fsutil import atomic_dir, atomic_write, file_sha256
from sdmx_tools.ingest import (
    QUARANTINE_COLUMNS,
    Harmonised,
    Origin,
    SourceSpec,
    fetch_source,
    load_spec,
)
from sdmx_tools.ingest.blocks import block_mapper, concat_observations, harmonise_source
from sdmx_tools.report import Finding, Report, Severity, write_report_html
from sdmx_tools.territory import AreaCodelist, load_areas
from sdmx_tools.vocabulary.codelists import Codelist, load_codelists
from sdmx_tools.vocabulary.dsd import COMPONENTS, DIMENSIONS
from sdmx_tools.workspace import Workspace

__all__ = ["ConvertError", "ConvertResult", "OutputPaths", "convert"]


class ConvertError(ToolkitError, ValueError):
    """The run found data errors: nothing was published (see the report)."""


@dataclass(frozen=True, slots=True)
class OutputPaths:
    """Where a workspace's outputs go (all under ``Workspace.output``)."""

    root: Path

    @property
    def sdmx(self) -> Path:
        return self.root / "sdmx"

    @property
    def structure(self) -> Path:
        return self.sdmx / "structure.xml"

    @property
    def data_xml(self) -> Path:
        return self.sdmx / "data.xml"

    @property
    def data_csv(self) -> Path:
        return self.sdmx / "data.csv"

    @property
    def data_ss(self) -> Path:
        """Structure-specific SDMX-ML 2.1 (typed by ``data-ss.xsd`` beside it)."""
        return self.sdmx / "data-ss.xml"

    @property
    def data_ss_schema(self) -> Path:
        return self.sdmx / "data-ss.xsd"

    @property
    def data_csv2(self) -> Path:
        """SDMX-CSV 2.0."""
        return self.sdmx / "data-v2.csv"

    @property
    def data_json(self) -> Path:
        """SDMX-JSON 2.0 (dimension values named in the first language)."""
        return self.sdmx / "data.json"

    def flow_data(self, dataflow_id: str, fmt: str) -> Path:
        """An indicator dataflow's data: ``flows/{id}.xml`` (structure-specific) or ``.csv``
        (SDMX-CSV 2.0)."""
        return self.sdmx / "flows" / f"{dataflow_id}.{'csv' if fmt == 'sdmx-csv2' else 'xml'}"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def report_json(self) -> Path:
        return self.reports / "report.json"

    @property
    def report_html(self) -> Path:
        return self.reports / "report.html"

    @property
    def quarantine(self) -> Path:
        return self.reports / "quarantine.csv"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def indicators_csv(self) -> Path:
        return self.tables / "indicators.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def checked(self) -> list[Path]:
        """The outputs push and release read or publish, with a sha256 in the manifest."""
        return [self.structure, self.data_xml, self.data_csv, self.data_ss, self.data_ss_schema,
                self.data_csv2, self.data_json, *sorted(self.sdmx.glob("flows/*")),
                self.indicators_csv, self.quarantine, self.report_json]


@dataclass(slots=True)
class ConvertResult:
    """What ``convert`` did: per-source results, indicators, report and files written."""

    harmonised: list[Harmonised]
    computed: list[Computed]
    report: Report
    observations: int
    files: list[Path] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: ``harmonise`` (read included), ``compute``, ``provenance``,
    ``write`` (for benchmarks and ``-v``)."""


def convert(ws: Workspace) -> ConvertResult:
    """Read, harmonise, compute and write SDMX for every source of a workspace.

    Raises
    ------
    ConvertError
        When the report has errors (quarantine over tolerance, failed cube checks,
        unknown codes). The report and quarantine files are written first.
    ToolkitError
        For problems that stop the run at once (a bad spec, an unreadable file).
    """
    paths = OutputPaths(ws.output)
    if not ws.source_files:
        raise ToolkitError("the workspace has no source specs", file=ws.root / "sources",
                           hint="add one TOML file per source in sources/ "
                                "(see 'sdmx-tools init')")
    codelists = load_codelists(ws.overrides("codelists"))
    areas = load_areas(ws.overrides("codelists"), codelists)
    specs, origins = [], {}
    for f in ws.source_files:
        spec, origin = fetch_source(load_spec(f, ws.root))
        specs.append(spec)
        if origin is not None:
            origins[spec.id] = origin
    _check_distinct_ids(specs)
    clock = _Clock()
    definitions = load_indicators(ws.bundled_and_overrides("indicators"))
    # Each block keeps the lines of its numerators' groups, then sums its rows by key:
    # what leaves a block is small, whatever the file.
    lines = NumeratorLines([d for d in definitions.values()
                            if not ws.indicators or d.id in ws.indicators], areas)
    with block_mapper(ws.engine, ws.scheduler) as mapper:
        harmonised = [harmonise_source(s, areas, years=ws.years, block_bytes=ws.block_bytes,
                                       mapper=mapper, summarise=lines) for s in specs]
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
    if not chosen:
        report.add(Finding(code="no-indicator", severity=Severity.ERROR, file=str(ws.config),
                           message="no indicator can be computed from these sources",
                           hint=_missing_measures(definitions.values(), available)))
    computed = [compute_indicator(d, tidy, areas, inv=inv) for d in chosen]
    clock.lap("compute")
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
    _write_diagnostics(paths, harmonised, report)
    result = ConvertResult(harmonised, computed, report, observations=len(frame),
                           origins=origins, timings=clock.laps)
    if not report.ok:
        raise ConvertError(
            f"{len(report.errors)} data error(s): nothing published",
            file=paths.report_json,
            hint=report.errors[0].to_text(),
        )

    published = set(frame["SERIES"])
    series_names = {c.definition.series: c.definition.names for c in computed
                    if c.definition.series in published}
    structures = build_structures(codelists, ws.agency, ws.dataflow, synthetic=ws.synthetic,
                                  dataflow_names=ws.title,
                                  series_names=series_names if ws.indicator_dataflows else None)
    with atomic_dir(paths.sdmx) as tmp:
        write_structures(structures.message, tmp / paths.structure.name)
        write_data_xml(frame, tmp / paths.data_xml.name, agency=ws.agency,
                       dataflow_id=ws.dataflow, version=structures.version,
                       synthetic=ws.synthetic)
        write_data_csv(frame, tmp / paths.data_csv.name, dataflow_ref=structures.dataflow_ref)
        write_data_csv(frame, tmp / paths.data_csv2.name, dataflow_ref=structures.dataflow_ref,
                       version="2.0")
        write_structure_specific(frame, tmp / paths.data_ss.name, agency=ws.agency,
                                 dataflow_id=ws.dataflow, version=structures.version,
                                 synthetic=ws.synthetic)
        write_data_json(frame, tmp / paths.data_json.name, agency=ws.agency,
                        dataflow_id=ws.dataflow, version=structures.version,
                        synthetic=ws.synthetic, names=_code_names(frame, codelists,
                                                                  ws.languages[0]))
        write_dsd_schema(tmp / paths.data_ss_schema.name,
                         dataflow_namespace(ws.agency, ws.dataflow, structures.version),
                         codelists)
        _write_series_flows(frame, paths, tmp, structures, ws.synthetic)
    _write_tables(paths, computed, frames, areas)
    _write_manifest(paths, ws, harmonised, computed, structures, origins)
    result.files = [*paths.checked, paths.manifest, paths.report_html]
    clock.lap("write")
    return result


class _Clock:
    """Seconds between laps, by the name of the stage each lap ends."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _write_series_flows(frame: pd.DataFrame, paths: OutputPaths, folder: Path,
                        structures: NationalStructures, synthetic: bool) -> None:
    """Each indicator dataflow's data, structure-specific and SDMX-CSV 2.0 (what push sends),
    at their :meth:`OutputPaths.flow_data` places inside ``folder`` (the new sdmx folder)."""
    for series, flow_id in structures.series_flows.items():
        rows = frame[frame["SERIES"] == series]
        ss, csv2 = (folder / paths.flow_data(flow_id, fmt).relative_to(paths.sdmx)
                    for fmt in ("sdmx-ml", "sdmx-csv2"))
        ss.parent.mkdir(exist_ok=True)
        write_structure_specific(rows, ss, agency=structures.agency, dataflow_id=flow_id,
                                 version=structures.version, synthetic=synthetic)
        write_data_csv(rows, csv2, version="2.0", dataflow_ref=structures.flow_ref(flow_id))


def _code_names(frame: pd.DataFrame, codelists: Mapping[str, Codelist], lang: str
                ) -> dict[str, dict[str, str]]:
    """The names of the codes used, per coded component (for SDMX-JSON's value names)."""
    names = {}
    for comp in COMPONENTS:
        if comp.codelist and comp.id in frame.columns and comp.codelist in codelists:
            cl = codelists[comp.codelist]
            used = {str(v) for v in frame[comp.id].dropna().unique()} - {""}
            names[comp.id] = {c: cl[c].name(lang) for c in used if c in cl}
    return names


def _check_distinct_ids(specs: list[SourceSpec]) -> None:
    """Two spec files with one id (a copied spec) would merge as one source."""
    seen: dict[str, Path] = {}
    for s in specs:
        if s.id in seen:
            raise SpecError(f"two source specs have the id {s.id!r}", file=s.spec_file,
                            value=s.id, hint=f"{seen[s.id].name} has it too: give each source "
                            "its own id, or remove the copy")
        seen[s.id] = s.spec_file


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
    return f"{'; '.join(lines[:6])}{'; ...' if len(lines) > 6 else ''} (measures given: {have})"


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


def _write_diagnostics(paths: OutputPaths, harmonised: list[Harmonised], report: Report
                       ) -> None:
    quarantine = pd.concat([h.quarantine for h in harmonised], ignore_index=True)
    with atomic_write(paths.quarantine) as fh:
        quarantine.reindex(columns=QUARANTINE_COLUMNS).to_csv(fh, index=False,
                                                              lineterminator="\n")
    with atomic_write(paths.report_json) as fh:
        fh.write(report.to_json(examples=20))
    write_report_html(report, paths.report_html, examples=20)


def _write_tables(paths: OutputPaths, computed: list[Computed],
                  frames: dict[str, pd.DataFrame], areas: AreaCodelist) -> None:
    tables = []
    for c in computed:
        f = frames[c.definition.id].copy()
        f.insert(0, "indicator", c.definition.id)
        f.insert(1, "SERIES", c.definition.series)
        f["area_name"] = f["REF_AREA"].map(areas.name)
        tables.append(f)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=["indicator", "SERIES", "REF_AREA", "TIME_PERIOD", "OBS_VALUE"])
    with atomic_write(paths.indicators_csv) as fh:
        table.to_csv(fh, index=False, lineterminator="\n", float_format="%.15g")


def _write_manifest(paths: OutputPaths, ws: Workspace, harmonised: list[Harmonised],
                    computed: list[Computed], structures: NationalStructures,
                    origins: dict[str, Origin]) -> None:
    manifest = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "tool": f"sdmx-tools {__version__}",
        "agency": ws.agency,
        "dataflow": structures.dataflow_ref,
        "indicator_dataflows": {series: structures.flow_ref(flow_id)
                                for series, flow_id in structures.series_flows.items()},
        "synthetic": ws.synthetic,
        "sources": [{
            "id": h.spec.id, "title": h.spec.title, "publisher": h.spec.publisher,
            "licence": h.spec.licence, "url": h.spec.landing_page,
            "file": h.spec.path.name, "sha256": h.sha256, "encoding": h.encoding,
            "rows_read": h.account.read, "rows_used": h.account.used,
            "rows_quarantined": h.account.quarantined, "rows_excluded": h.account.excluded,
            "excluded_by_rule": h.account.excluded_by_rule,
            "quarantined_by_reason": h.account.quarantined_by_reason,
            **({"download": {"url": o.url, "modified": o.modified, "fetched_at": o.fetched_at,
                             "page": o.page, "note": o.note}}
               if (o := origins.get(h.spec.id)) else {}),
        } for h in harmonised],
        "indicators": [{
            "id": c.definition.id, "series": c.definition.series, "sources": c.sources,
            "findings": [{"code": f.code, "severity": f.severity.value, "message": f.message,
                          "key": f.key} for f in c.findings],
        } for c in computed],
    }
    # Push and release check these before they use a file: a truncated or edited output is
    # never published.
    manifest["outputs"] = {str(f.relative_to(paths.root)): file_sha256(f)
                           for f in paths.checked}
    with atomic_write(paths.manifest) as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
