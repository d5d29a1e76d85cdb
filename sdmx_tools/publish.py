"""Push and release: the two stages after ``convert``, reading only its outputs.

Both read what ``convert`` published (SDMX files, the indicator table, the manifest), so a
release always shows exactly what was pushed, and either can run again without reconverting.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from sdmx_tools.compute.definitions import load_indicators
from sdmx_tools.errors import WorkspaceError
from sdmx_tools.pipeline import OutputPaths
from sdmx_tools.registry import DataFile, PushResult, push
from sdmx_tools.release import IndicatorPage, Release, SourceNote, render_site
from sdmx_tools.release.model import OBSERVATION_COLUMNS
from sdmx_tools.vocabulary.codelists import load_codelists
from sdmx_tools.workspace import Workspace

__all__ = ["build_release", "push_outputs", "release_site"]


def _manifest(paths: OutputPaths) -> dict[str, Any]:
    if not paths.manifest.is_file():
        raise WorkspaceError("no converted outputs found", file=paths.manifest,
                             hint="run 'sdmx-tools convert' first")
    data: dict[str, Any] = json.loads(paths.manifest.read_text(encoding="utf-8"))
    return data


def push_outputs(ws: Workspace) -> PushResult:
    """Push the converted structures and data to the workspace's registry."""
    paths = OutputPaths(ws.output)
    manifest = _manifest(paths)
    return push(ws.registry, structure=paths.structure,
                data=[DataFile(paths.data_csv, manifest["dataflow"], "sdmx-csv")])


def build_release(ws: Workspace) -> Release:
    """The release model from the converted outputs and the indicator definitions."""
    paths = OutputPaths(ws.output)
    manifest = _manifest(paths)
    table = pd.read_csv(paths.indicators_csv, dtype={"REF_AREA": str, "TIME_PERIOD": str},
                        keep_default_na=False, na_values=[""])
    table["COMMENT_OBS"] = table["COMMENT_OBS"].fillna("")
    by_indicator = {ident: rows for ident, rows in table.groupby("indicator", sort=False)}
    definitions = load_indicators(ws.bundled_and_overrides("indicators"))
    codelists = load_codelists(ws.overrides("codelists"))
    units, statuses = codelists["CL_UNIT_MEASURE"], codelists["CL_OBS_STATUS"]
    pages = []
    for info in manifest["indicators"]:
        d = definitions[info["id"]]
        quality = [f["message"] + (f" ({f['key']})" if f.get("key") else "")
                   for f in info["findings"] if f["severity"] != "info"]
        rows = by_indicator.get(info["id"], table.iloc[:0])
        pages.append(IndicatorPage(
            id=d.id, series=d.series, goal=d.goal, target=d.target, names=d.names,
            unit_labels={lang: units[d.unit_measure].name(lang).lower() for lang in ws.languages},
            metadata=d.metadata,
            observations=rows[list(OBSERVATION_COLUMNS)].reset_index(drop=True),
            decimals=d.decimals,
            sources=info["sources"], quality_notes={lang: quality for lang in ws.languages}))
    sources = [SourceNote(**{f.name: s[f.name] for f in fields(SourceNote)})
               for s in manifest["sources"]]
    return Release(title=ws.title, agency=ws.agency, languages=list(ws.languages),
                   synthetic=bool(manifest["synthetic"]), generated_at=manifest["generated_at"],
                   downloads=[paths.structure, paths.data_xml, paths.data_csv,
                              paths.indicators_csv, paths.quarantine, paths.report_json],
                   indicators=pages, sources=sources,
                   status_names={lang: {c.id: c.name(lang) for c in statuses}
                                 for lang in ws.languages})


def release_site(ws: Workspace, out: Path | None = None) -> list[Path]:
    """Render the release site (default: ``<output>/site``); returns the pages written."""
    target = out or OutputPaths(ws.output).site
    return render_site(build_release(ws), target, ws.overrides("templates"))
