"""Registries: the embedded one (SQLite store + SDMX-REST HTTP app) and push clients.

``push(target, structure=..., data=...)`` sends SDMX to the embedded store, to any
SDMX-REST 2 maintenance API, or to a Fusion Metadata Registry; ``serve`` runs the embedded
registry over HTTP so that sdmx1, pysdmx and browsers can read it.
"""

from __future__ import annotations

from sdmx_tools.registry.client import push
from sdmx_tools.registry.dialects._http import RegistryHTTPError
from sdmx_tools.registry.outcome import DataFile, PushOutcome, PushResult, RegistryTarget
from sdmx_tools.registry.server import make_server, serve
from sdmx_tools.registry.store import ArtefactInfo, NotFoundError, RegistryStore

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
