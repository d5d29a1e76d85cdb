"""Push and release: the two stages after ``convert``, reading only its outputs.

Both read what ``convert`` published (SDMX files, the indicator table, the manifest), so a
release always shows exactly what was pushed, and either can run again without reconverting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from sdmx_tools.compute.definitions import for_workspace
from sdmx_tools.errors import ToolkitError, WorkspaceError, first_line
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.fsutil import file_sha256
from sdmx_tools.ingest import load_spec
from sdmx_tools.pipeline import OutputPaths
from sdmx_tools.registry import DataFile, PushReport, PushResult, data_format, diff, push
from sdmx_tools.registry.outcome import parse_flow_ref
from sdmx_tools.release import IndicatorPage, Release, SourceNote, render_site
from sdmx_tools.release.geo import load_boundaries
from sdmx_tools.release.model import OBSERVATION_COLUMNS, Dimension, Finding, SdmxTarget
from sdmx_tools.release.notes import ReleaseNotes, compare, read_previous
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.dsd import COMPONENTS, Component
from sdmx_tools.workspace import Workspace

__all__ = ["WorkspaceStatus", "build_release", "push_outputs", "release_site",
           "workspace_status"]


_MANIFEST_BYTES = 256 << 20
# What push and release read from the manifest, and the type each must have.
_MANIFEST_KEYS: dict[str, type | tuple[type, ...]] = {
    "generated_at": str, "dataflow": str, "synthetic": bool, "sources": list,
    "indicators": list, "outputs": dict,
}
_INDICATOR_KEYS: dict[str, type | tuple[type, ...]] = {"id": str, "sources": list,
                                                       "findings": list}


def _manifest(paths: OutputPaths, needed: list[Path]) -> dict[str, Any]:
    """The manifest of the last convert, checked, with the ``needed`` outputs verified.

    Raises
    ------
    WorkspaceError
        No manifest; a manifest that is not JSON, lacks a key or has one of the wrong type;
        or an output whose sha256 is not what convert wrote (truncated, edited, replaced).
    """
    again = "run 'sdmx-tools convert' again"
    if not paths.manifest.is_file():
        raise WorkspaceError("no converted outputs found", file=paths.manifest,
                             hint="run 'sdmx-tools convert' first")
    with paths.manifest.open("rb") as fh:
        raw = fh.read(_MANIFEST_BYTES + 1)
    try:
        data: Any = json.loads(raw.decode("utf-8")) if len(raw) <= _MANIFEST_BYTES else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WorkspaceError(f"the manifest is damaged: {first_line(exc)}",
                             file=paths.manifest, hint=again) from exc
    problem = _shape(data, _MANIFEST_KEYS) if isinstance(data, dict) else "not a JSON object"
    if problem is None:
        for i, info in enumerate(data["indicators"]):
            problem = _shape(info, _INDICATOR_KEYS, f"indicators[{i}].")
            if problem:
                break
    flows = data.get("indicator_dataflows", {}) if problem is None else {}
    if not isinstance(flows, dict) or not all(isinstance(r, str) for r in flows.values()):
        problem = "indicator_dataflows is not an object of dataflow references"
    if problem:
        raise WorkspaceError(f"the manifest is damaged: {problem}", file=paths.manifest,
                             hint=again)
    _verify(paths, data, needed)
    return dict(data)


def _verify(paths: OutputPaths, manifest: dict[str, Any], needed: list[Path]) -> None:
    """Each ``needed`` output is there and is the file convert wrote (its sha256)."""
    again = "run 'sdmx-tools convert' again"
    for path in needed:
        name = str(path.relative_to(paths.root))
        want = manifest["outputs"].get(name)
        if not path.is_file():
            raise WorkspaceError("an output of convert is missing", file=path, hint=again)
        if want != file_sha256(path):
            raise WorkspaceError(
                "this output is not the one convert wrote (truncated, edited or replaced: "
                "its sha256 differs from the manifest's)", file=path, hint=again)


def _shape(table: Any, keys: dict[str, type | tuple[type, ...]], prefix: str = "") -> str | None:
    """What is wrong with a JSON object's keys, or None."""
    if not isinstance(table, dict):
        return f"{prefix.rstrip('.')} is not an object"
    for key, kind in keys.items():
        if key not in table:
            return f"{prefix}{key} is missing"
        if not isinstance(table[key], kind):
            return f"{prefix}{key} has the wrong type"
    return None


def push_outputs(ws: Workspace, *, dry_run: bool = False) -> PushReport:
    """Diff the converted structures and data against the workspace's registry, then push.

    The data file sent is the one the registry takes best (structure-specific SDMX-ML, or
    SDMX-CSV 2.0 for .Stat); it and the structure message are checked against the
    manifest's sha256 first. Artefacts the registry already holds unchanged are not sent.

    Parameters
    ----------
    ws
        The workspace (its ``[registry]`` target).
    dry_run
        Only the diff: nothing is written to the registry.
    """
    paths = OutputPaths(ws.output)
    fmt = data_format(ws.registry)
    data_path = {"sdmx-ml": paths.data_ss, "sdmx-csv": paths.data_csv,
                 "sdmx-csv2": paths.data_csv2}[fmt]
    manifest = _manifest(paths, [paths.structure, data_path])
    extra = {ref: paths.flow_data(parse_flow_ref(ref)[1], fmt)
             for ref in manifest.get("indicator_dataflows", {}).values()}
    _verify(paths, manifest, list(extra.values()))  # each indicator dataflow's file too
    files = [DataFile(data_path, manifest["dataflow"], fmt),
             *[DataFile(path, ref, fmt) for ref, path in extra.items()]]
    changes = diff(ws.registry, structure=paths.structure, data=files)
    if dry_run:
        return PushReport(changes, PushResult(ws.registry.display), dry_run=True)
    return PushReport(changes, push(ws.registry, structure=paths.structure, data=files,
                                    skip_unchanged=changes))


def build_release(ws: Workspace, previous: Path | None = None) -> Release:
    """The release model from the converted outputs and the indicator definitions.

    Parameters
    ----------
    ws
        The workspace (its ``[release]`` boundaries and base URL).
    previous
        The folder of the previous release site, for the release notes.
    """
    paths = OutputPaths(ws.output)
    downloads = [paths.structure, paths.data_csv, paths.indicators_csv, paths.quarantine,
                 paths.report_json]
    manifest = _manifest(paths, [*downloads, paths.data_csv2])  # what the release reads
    table = pd.read_csv(paths.indicators_csv, dtype=str, keep_default_na=False)
    for column in ("OBS_VALUE", "numerator", "denominator", "reported", "expected"):
        if column in table:
            table[column] = pd.to_numeric(table[column].where(table[column] != ""),
                                          errors="coerce")
    by_indicator = {ident: rows for ident, rows in table.groupby("indicator", sort=False)}
    sdmx = read_data(paths.data_csv2)
    by_series = {series: rows for series, rows in sdmx.groupby("SERIES", sort=False)}
    definitions, codelists = for_workspace(ws)
    units, statuses = codelists["CL_UNIT_MEASURE"], codelists["CL_OBS_STATUS"]
    components = {c.id: c for c in COMPONENTS}
    pages = []
    for info in manifest["indicators"]:
        d = definitions[info["id"]]
        rows = by_indicator.get(info["id"], table.iloc[:0])
        dims = [_dimension(components[dim], codelists, ws.languages, rows)
                for dim in d.disaggregations]
        columns = [c for c in (*OBSERVATION_COLUMNS, *d.disaggregations) if c in rows]
        pages.append(IndicatorPage(
            id=d.id, series=d.series, goal=d.goal, target=d.target, names=d.names,
            unit_labels={lang: units[d.unit_measure].name(lang).lower() for lang in ws.languages},
            metadata=d.metadata,
            observations=rows[columns].reset_index(drop=True),
            decimals=d.decimals, sources=info["sources"],
            findings=[Finding(f["code"], f["severity"], f.get("key"))
                      for f in info["findings"]],
            dimensions=dims, sdmx=by_series.get(d.series), national=d.national))
    sources = [SourceNote(**{f.name: s[f.name] for f in fields(SourceNote) if f.name in s},
                          retrieved=(s.get("download") or {}).get("fetched_at"))
               for s in manifest["sources"]]
    agency, flow, version = parse_flow_ref(manifest["dataflow"])
    return Release(title=ws.title, agency=ws.agency, languages=list(ws.languages),
                   synthetic=bool(manifest["synthetic"]), generated_at=manifest["generated_at"],
                   downloads=downloads, indicators=pages, sources=sources,
                   status_names={lang: {c.id: c.name(lang) for c in statuses}
                                 for lang in ws.languages},
                   sdmx_target=SdmxTarget(agency, flow, version),
                   boundaries=load_boundaries(ws.boundaries) if ws.boundaries else None,
                   notes=_notes(previous, table) if previous else None,
                   base_url=ws.base_url, sdmx_csv=paths.data_csv)


def _dimension(component: Component, codelists: dict[str, Codelist],
               languages: tuple[str, ...], rows: pd.DataFrame) -> Dimension:
    """A disaggregation's names and the names of the codes its observations use."""
    used = list(dict.fromkeys(rows[component.id])) if component.id in rows else []
    used.sort(key=lambda code: code != "_T")  # the total first
    codes = codelists.get(component.codelist or "")
    names = {"es": component.name_es, "en": component.name_en}
    return Dimension(
        id=component.id, names={lang: names[lang] for lang in languages},
        codes={code: {lang: (codes[code].name(lang) if codes is not None and code in codes
                             else code) for lang in languages} for code in used})


def _notes(previous: Path, table: pd.DataFrame) -> ReleaseNotes:
    before = read_previous(previous)
    return compare(before, table, previous_generated_at=before.attrs.get("generated_at"))


def release_site(ws: Workspace, out: Path | None = None, previous: Path | None = None
                 ) -> list[Path]:
    """Render the release site (default: ``<output>/site``); returns the pages written.

    ``previous`` is the folder of the previous release site: the release notes list the
    observations that are new, revised or removed since.
    """
    target = out or OutputPaths(ws.output).site
    return render_site(build_release(ws, previous), target, ws.overrides("templates"))


@dataclass(slots=True)
class WorkspaceStatus:
    """What changed since the last ``convert``, and what the registry holds against it.

    Attributes
    ----------
    converted_at
        When the last convert wrote its manifest (UTC, ISO 8601); None: never converted.
    sources
        ``(source id, state)``: ``unchanged``, ``changed`` (its file's sha256 differs),
        ``new`` (a spec convert has not read), ``removed`` (in the manifest, no spec now),
        ``missing`` (its data file is gone).
    edited
        Settings, source specs, definitions and codelists edited since the convert.
    outputs
        ``(output, state)`` of the outputs that are ``missing`` or ``modified`` since.
    registry
        The push diff's counts (``{"unchanged": 24}``), or None when ``registry_error``.
    registry_error
        Why the registry could not be compared (unreachable, no outputs).
    """

    converted_at: str | None
    sources: list[tuple[str, str]] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    registry: dict[str, int] | None = None
    registry_error: str | None = None

    @property
    def stale(self) -> bool:
        """Something changed since the convert: its outputs are not the workspace's now."""
        return bool(self.edited or self.outputs
                    or any(state != "unchanged" for _, state in self.sources))

    @property
    def up_to_date(self) -> bool:
        """Converted, nothing changed since, and the registry holds exactly the outputs."""
        return (self.converted_at is not None and not self.stale
                and self.registry is not None and set(self.registry) <= {"unchanged"})

    def to_dict(self) -> dict[str, Any]:
        """Plain data (what ``status --format json`` prints)."""
        return {"up_to_date": self.up_to_date, "converted_at": self.converted_at,
                "sources": [{"id": i, "state": s} for i, s in self.sources],
                "edited": self.edited,
                "outputs": [{"file": f, "state": s} for f, s in self.outputs],
                "registry": self.registry, "registry_error": self.registry_error}

    def to_text(self) -> str:
        """A few lines: the convert, each source, edits, outputs, the registry."""
        if self.converted_at is None:
            return "not converted yet: run 'sdmx-tools convert'"
        lines = [f"last convert: {self.converted_at}"]
        lines += [f"  source {i}: {s}" for i, s in self.sources]
        lines += [f"  edited since: {f}" for f in self.edited]
        lines += [f"  output {f}: {s}" for f, s in self.outputs]
        if self.registry is not None:
            counts = ", ".join(f"{n} {k}" for k, n in self.registry.items()) or "nothing"
            lines.append(f"registry against the outputs: {counts}")
        else:
            lines.append(f"registry: not compared ({self.registry_error})")
        lines.append("up to date" if self.up_to_date else
                     "to do: 'sdmx-tools convert', then 'sdmx-tools push'" if self.stale
                     else "to do: 'sdmx-tools push'")
        return "\n".join(lines)


def workspace_status(ws: Workspace) -> WorkspaceStatus:
    """Compare the workspace with its last convert's manifest, and the outputs with the
    registry (a push dry run: nothing is sent)."""
    paths = OutputPaths(ws.output)
    try:
        manifest = _manifest(paths, [])
    except WorkspaceError:
        if not paths.manifest.is_file():
            return WorkspaceStatus(converted_at=None)
        raise
    status = WorkspaceStatus(converted_at=str(manifest["generated_at"]))
    written = {s.get("id"): s.get("sha256") for s in manifest["sources"]}
    for spec_file in ws.source_files:
        spec = load_spec(spec_file, ws.root)
        if spec.id not in written:
            state = "new"
        elif not spec.path.is_file():
            state = "missing" if spec.remote is None else "changed"
        else:
            state = "unchanged" if file_sha256(spec.path) == written[spec.id] else "changed"
        status.sources.append((spec.id, state))
        written.pop(spec.id, None)
    status.sources += [(str(sid), "removed") for sid in written]
    since = paths.manifest.stat().st_mtime  # written last by convert
    settings = [ws.config, *ws.source_files,
                *(f for name in ("indicators", "codelists") for folder in ws.overrides(name)
                  for f in sorted(folder.rglob("*")) if f.is_file())]
    status.edited = [str(f.relative_to(ws.root)) for f in settings if f.stat().st_mtime > since]
    root = paths.root.resolve()
    for name, sha in manifest["outputs"].items():
        path = paths.root / name
        if not path.resolve().is_relative_to(root):  # an edited manifest: never read there
            status.outputs.append((name, "outside the output folder"))
        elif not path.is_file():
            status.outputs.append((name, "missing"))
        elif file_sha256(path) != sha:
            status.outputs.append((name, "modified"))
    try:
        status.registry = push_outputs(ws, dry_run=True).diff.counts()
    except ToolkitError as exc:
        status.registry_error = first_line(exc)
    return status
