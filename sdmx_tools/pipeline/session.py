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
from dataclasses import dataclass
from pathlib import Path

import pint

from sdmx_tools.compute.definitions import IndicatorDef, for_workspace
from sdmx_tools.pipeline.convert import convert
from sdmx_tools.pipeline.run import Progress, Run, run
from sdmx_tools.vocabulary.codelists import Codelist
from sdmx_tools.vocabulary.units import registry
from sdmx_tools.workspace import Workspace, find_workspace, load_workspace

__all__ = ["Session", "open_workspace"]


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

    def convert(self, *, write: bool = False, progress: Progress | None = None) -> Run:
        """Read, harmonise and compute every source and indicator.

        Parameters
        ----------
        write
            False (the default): nothing is written, not even the report; data errors are
            in ``report`` (``ok`` is False). True: the CLI's ``convert``, which writes the
            outputs (:class:`~sdmx_tools.pipeline.OutputPaths`) and raises
            :class:`~sdmx_tools.pipeline.ConvertError` on data errors.
        progress
            Told each step as it starts: ``(stage, item)``.

        Returns
        -------
        Run
            ``cubes`` (xarray), ``observations`` (tidy), ``table`` (SDMX), ``report``,
            ``quarantine``, ``ok``.
        """
        if write:
            return convert(self.workspace, progress).run
        return run(self.workspace, progress)
