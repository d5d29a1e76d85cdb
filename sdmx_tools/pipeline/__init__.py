"""Orchestration: a workspace's run, its conversion to files, the notebook API.

- :func:`run` (:mod:`.run`): read, harmonise, compute and check, in memory.
- :func:`convert` (:mod:`.convert`): the run written as SDMX, tables, report, manifest.
- :class:`OutputPaths` (:mod:`.paths`): where each output goes.
- :func:`open_workspace` (:mod:`.session`): the same from a notebook, without files.
"""

from __future__ import annotations

from sdmx_tools.pipeline.convert import ConvertError, ConvertResult, convert
from sdmx_tools.pipeline.paths import OutputPaths
from sdmx_tools.pipeline.run import Progress, Run, run, sdmx_frame
from sdmx_tools.pipeline.session import Session, open_workspace

__all__ = ["ConvertError", "ConvertResult", "OutputPaths", "Progress", "Run", "Session",
           "convert", "open_workspace", "run", "sdmx_frame"]
