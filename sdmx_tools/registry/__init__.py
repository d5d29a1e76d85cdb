"""Registries: push clients (one per dialect) and the embedded registry (store + HTTP app).

Takes the SDMX files of a convert and hands them to a registry: ``push(target,
structure=..., data=...)`` sends them to the embedded SQLite store, to any SDMX-REST 2
maintenance API, or to a Fusion Metadata Registry; ``serve`` runs the embedded registry
over HTTP so that sdmx1, pysdmx and browsers can read it.
"""

from __future__ import annotations

from sdmx_tools.registry.client import push
from sdmx_tools.registry.dialects._http import RegistryHTTPError
from sdmx_tools.registry.outcome import DataFile, PushOutcome, PushResult
from sdmx_tools.registry.server import make_server, serve
from sdmx_tools.registry.store import ArtefactInfo, NotFoundError, RegistryStore
from sdmx_tools.workspace import RegistryTarget

__all__ = [
    "ArtefactInfo",
    "DataFile",
    "NotFoundError",
    "PushOutcome",
    "PushResult",
    "RegistryHTTPError",
    "RegistryStore",
    "RegistryTarget",
    "make_server",
    "push",
    "serve",
]
