"""The day's first job: convert a workspace's sources into SDMX, tables and a report.

``convert`` runs the workspace (:func:`~sdmx_tools.pipeline.run.run`: read, harmonise,
compute, check) and writes SDMX (structures, generic and structure-specific data, SDMX-CSV,
SDMX-JSON), the indicator tables and a manifest (provenance, row accounting, quality notes)
into the output folder. The SDMX outputs are written only when the run has no errors; the
report and quarantine always are, complete.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sdmx_tools import __version__
from sdmx_tools.compute import Computed
from sdmx_tools.errors import ToolkitError
from sdmx_tools.exchange import (
    NationalStructures,
    build_structures,
    dataflow_namespace,
    write_data_csv,
    write_data_json,
    write_data_xml,
    write_dsd_schema,
    write_structure_specific,
    write_structures,
)
from sdmx_tools.exchange.csvtext import write_csv
from sdmx_tools.fsutil import atomic_dir, atomic_write, file_sha256
from sdmx_tools.ingest import QUARANTINE_COLUMNS, Harmonised, Origin
from sdmx_tools.pipeline.paths import OutputPaths
from sdmx_tools.pipeline.run import Progress, Run, run
from sdmx_tools.pipeline.runtime import long_lived
from sdmx_tools.report import Report, write_report_html
from sdmx_tools.territory import AreaCodelist
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.dsd import COMPONENTS
from sdmx_tools.workspace import Workspace

__all__ = ["ConvertError", "ConvertResult", "convert"]


class ConvertError(ToolkitError, ValueError):
    """The run found data errors: nothing was published (see the report).

    ``report`` is the run's report (also written to ``reports/report.json``).
    """

    report: Report | None = None


@dataclass(slots=True)
class ConvertResult:
    """What ``convert`` did: the run (per-source results, indicators, report) and the files
    it wrote."""

    run: Run
    files: list[Path] = field(default_factory=list)

    @property
    def harmonised(self) -> list[Harmonised]:
        return self.run.harmonised

    @property
    def computed(self) -> list[Computed]:
        return self.run.computed

    @property
    def report(self) -> Report:
        return self.run.report

    @property
    def observations(self) -> int:
        """SDMX observations written."""
        return len(self.run.table)

    @property
    def origins(self) -> dict[str, Origin]:
        return self.run.origins

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per stage: ``harmonise`` (read included), ``compute``, ``provenance``,
        ``write`` (for benchmarks and ``-v``)."""
        return self.run.timings


def convert(ws: Workspace, progress: Progress | None = None) -> ConvertResult:
    """Read, harmonise, compute and write SDMX for every source of a workspace.

    Parameters
    ----------
    ws
        The loaded workspace.
    progress
        Told each step as it starts (see :data:`~sdmx_tools.pipeline.run.Progress`).

    Raises
    ------
    ConvertError
        When the report has errors (quarantine over tolerance, failed cube checks,
        unknown codes). The report and quarantine files are written first.
    ToolkitError
        For problems that stop the run at once (a bad spec, an unreadable file).
    """
    paths = OutputPaths(ws.output)
    r = run(ws, progress)
    with long_lived():  # the run's frames
        return _write(ws, paths, r, progress)


def _write(ws: Workspace, paths: OutputPaths, r: Run, progress: Progress | None
           ) -> ConvertResult:
    if progress is not None:
        progress("write", "")
    started = time.perf_counter()
    harmonised, computed, report, frame, codelists = (r.harmonised, r.computed, r.report,
                                                      r.table, r.codelists)
    _write_diagnostics(paths, r)
    if not report.ok:
        error = ConvertError(f"{len(report.errors)} data error(s): nothing published",
                             file=paths.report_json, hint=report.errors[0].to_text())
        error.report = report
        raise error

    published = set(frame["SERIES"].unique().tolist())
    series_names = {c.definition.series: c.definition.names for c in computed
                    if c.definition.series in published}
    structures = build_structures(codelists, ws.agency, ws.dataflow, synthetic=ws.synthetic,
                                  dataflow_names=ws.title,
                                  series_names=series_names if ws.indicator_dataflows else None,
                                  version=ws.structure_version)
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
    _write_tables(paths, computed, r.frames, r.areas)
    _write_manifest(paths, ws, harmonised, computed, structures, r.origins)
    r.timings["write"] = time.perf_counter() - started
    return ConvertResult(r, files=[*paths.checked, paths.manifest, paths.report_html])


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
            used = {str(v) for v in frame[comp.id].dropna().unique().tolist()} - {""}
            names[comp.id] = {c: cl[c].name(lang) for c in used if c in cl}
    return names


def _write_diagnostics(paths: OutputPaths, r: Run) -> None:
    report = r.report
    with atomic_write(paths.quarantine) as fh:
        write_csv(r.quarantine.reindex(columns=QUARANTINE_COLUMNS), fh)
    with atomic_write(paths.report_json) as fh:
        fh.write(report.to_json(examples=None))  # every finding kept
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
        write_csv(table, fh, float_format="%.15g")


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
