"""Registries: push clients (one per dialect) and the embedded registry (store + HTTP app).

Takes the SDMX files of a convert and hands them to a registry: ``diff(target,
structure=..., data=...)`` says what would change (new, changed, unchanged) and
``push(target, structure=..., data=...)`` sends them to the embedded SQLite store, to any
SDMX-REST 2 maintenance API, to a Fusion Metadata Registry or to a .Stat Suite (NSI and
transfer service); ``serve`` runs the embedded registry over HTTP so that sdmx1, pysdmx and
browsers can read it.
"""

from __future__ import annotations

from sdmx_tools.registry.client import data_format, diff, push
from sdmx_tools.registry.dialects._http import RegistryHTTPError, RegistryUnreachable
from sdmx_tools.registry.diff import PushReport, RegistryDiff
from sdmx_tools.registry.outcome import DataFile, PushOutcome, PushResult
from sdmx_tools.registry.server import make_server, serve
from sdmx_tools.registry.store import ArtefactInfo, NotFoundError, RegistryStore
from sdmx_tools.workspace import RegistryTarget

__all__ = [
    "ArtefactInfo",
    "DataFile",
    "NotFoundError",
    "PushOutcome",
    "PushReport",
    "PushResult",
    "RegistryDiff",
    "RegistryHTTPError",
    "RegistryStore",
    "RegistryTarget",
    "RegistryUnreachable",
    "data_format",
    "diff",
    "make_server",
    "push",
    "serve",
]
