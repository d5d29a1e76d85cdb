"""The notebook API: a workspace's run as Python objects, with or without output files.

Example (the README's "From Python" section runs the same in a test)::

    import sdmx_tools
    ws = sdmx_tools.open_workspace("demo/workspace")
    results = ws.convert()                        # nothing is written
    cube = results.cubes["16.1.1"]                # an xarray Dataset
    cube["OBS_VALUE"].pint.quantify()             # pint-xarray, the project's units
    results.report.ok, len(results.observations)

``convert(write=True)`` is the CLI's ``convert``: the same run, written to the output folder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pint
import xarray as xr

from sdmx_tools.compute.definitions import IndicatorDef, for_workspace
from sdmx_tools.pipeline.convert import convert
from sdmx_tools.pipeline.run import Progress, Run, run
from sdmx_tools.report import Report
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.units import registry
from sdmx_tools.workspace import Workspace, find_workspace, load_workspace

__all__ = ["Results", "Session", "open_workspace"]


def open_workspace(path: str | Path | None = None) -> Session:
    """Open a workspace for work from Python.

    Parameters
    ----------
    path
        The workspace folder (or its ``sdmx-tools.toml``); by default the nearest one above
        the current folder, as the CLI finds it.

    Returns
    -------
    Session
        Also makes the toolkit's unit registry (pint's defaults plus the things counted:
        ``person``, ``victim``...) pint's application registry, so that ``.pint.quantify()``
        on a cube needs no ``unit_registry`` argument.

    Raises
    ------
    WorkspaceError
        When there is no workspace there, or its settings are invalid.
    """
    folder = Path(path) if path is not None else find_workspace(Path.cwd())
    pint.set_application_registry(registry())
    return Session(load_workspace(folder))


@dataclass(frozen=True)
class Session:
    """A loaded workspace, its definitions and codelists, and the run of its sources."""

    workspace: Workspace

    @functools.cached_property
    def _loaded(self) -> tuple[dict[str, IndicatorDef], dict[str, Codelist]]:
        return for_workspace(self.workspace)

    @property
    def indicators(self) -> dict[str, IndicatorDef]:
        """Every indicator definition in force (bundled, then the workspace's), by id."""
        return self._loaded[0]

    @property
    def codelists(self) -> dict[str, Codelist]:
        """The codelists in force, with the series the workspace's definitions declare."""
        return self._loaded[1]

    @property
    def units(self) -> pint.UnitRegistry:
        """The toolkit's pint unit registry."""
        return registry()

    def convert(self, *, write: bool = False, progress: Progress | None = None) -> Results:
        """Read, harmonise and compute every source and indicator.

        Parameters
        ----------
        write
            False (the default): nothing is written, not even the report; data errors are
            in ``Results.report``. True: the CLI's ``convert``, which writes the outputs and
            raises :class:`~sdmx_tools.pipeline.ConvertError` on data errors.
        progress
            Told each step as it starts: ``(stage, item)``.
        """
        if write:
            converted = convert(self.workspace, progress)
            assert converted.run is not None
            return Results(converted.run, files=converted.files)
        return Results(run(self.workspace, progress))


@dataclass(frozen=True)
class Results:
    """One run's results as xarray and pandas objects.

    Attributes
    ----------
    run
        Everything the run computed (:class:`~sdmx_tools.pipeline.run.Run`).
    files
        The files written (``convert(write=True)``), else empty.
    """

    run: Run
    files: list[Path] = field(default_factory=list)

    @property
    def cubes(self) -> dict[str, xr.Dataset]:
        """Each indicator's cube by id: dims ``REF_AREA``, ``TIME_PERIOD`` and its
        disaggregations; ``OBS_VALUE``, ``numerator``, ``denominator`` carry ``units``."""
        return {c.definition.id: c.cube for c in self.run.computed}

    @property
    def observations(self) -> pd.DataFrame:
        """The tidy observations of every source (summed by key), as the indicators read
        them: ``source``, ``measure``, ``REF_AREA``, ``TIME_PERIOD``, ``value``, ``unit``..."""
        return self.run.observations

    @property
    def table(self) -> pd.DataFrame:
        """The SDMX observations: every DSD dimension and attribute, one row per key."""
        return self.run.frame

    @property
    def report(self) -> Report:
        """Row accounts (read = used + quarantined + excluded) and findings."""
        return self.run.report

    @property
    def quarantine(self) -> pd.DataFrame:
        """Every quarantined input row with its source, row, column, value and reason."""
        frames = [h.quarantine for h in self.run.harmonised]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def ok(self) -> bool:
        """True when the run has no errors (what ``convert`` would publish)."""
        return self.run.report.ok
