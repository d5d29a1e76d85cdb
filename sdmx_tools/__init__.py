"""sdmx-tools: crowdsourced local open data to official SDG indicators in SDMX.

From Python (a notebook)::

    import sdmx_tools
    results = sdmx_tools.open_workspace("my-workspace").convert()   # writes nothing
    results.cubes["16.1.1"]          # xarray Dataset; .pint.quantify() knows the units
    results.observations, results.report

``open_workspace`` (:mod:`sdmx_tools.pipeline.session`) is imported on first use, so that
``import sdmx_tools`` stays cheap.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from sdmx_tools.errors import ToolkitError
from sdmx_tools.report import Finding, Report, RowAccount, Severity

if TYPE_CHECKING:
    from sdmx_tools.pipeline.session import Run, Session, open_workspace

try:
    __version__ = version("sdmx-tools")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["Finding", "Report", "RowAccount", "Run", "Session", "Severity", "ToolkitError",
           "__version__", "open_workspace"]

_NOTEBOOK_API = {"open_workspace", "Session", "Run"}


def __getattr__(name: str) -> Any:
    # The package's face: the notebook API lives with the orchestration it drives.
    if name in _NOTEBOOK_API:
        from sdmx_tools.pipeline import session

        return getattr(session, name)
    raise AttributeError(f"module 'sdmx_tools' has no attribute {name!r}")
