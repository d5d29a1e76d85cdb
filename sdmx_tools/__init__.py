"""sdmx-tools: crowdsourced local open data to official SDG indicators in SDMX."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from sdmx_tools.errors import ToolkitError
from sdmx_tools.report import Finding, Report, RowAccount, Severity

try:
    __version__ = version("sdmx-tools")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["Finding", "Report", "RowAccount", "Severity", "ToolkitError", "__version__"]
