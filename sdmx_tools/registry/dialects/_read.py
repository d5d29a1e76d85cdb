"""Reading a registry over HTTP for a diff: one artefact, or a dataflow's data, per GET.

The dialects differ only in their URLs (SDMX-REST 2 ``/structure/...``, FMR's
``/ws/public/sdmxapi/rest/...``, the NSI's 1.x ``/rest/...``); the answers are the same
SDMX: a Structure message, or SDMX-CSV data. 404 means the registry holds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from lxml import etree

from sdmx_tools.errors import StructureError, first_line
from sdmx_tools.registry.artefacts import TYPES, Key, split_structure_message, urn
from sdmx_tools.registry.dialects._http import base_url, fail, open_client, send
from sdmx_tools.registry.diff import NotComparable, Reader
from sdmx_tools.registry.mediatypes import DATA_TYPES, STRUCTURE_XML
from sdmx_tools.workspace import RegistryTarget

__all__ = ["RestReader", "rest_path", "rest_reader"]

Flow = tuple[str, str, str]


@dataclass
class RestReader:
    """A :class:`~..diff.Reader` over HTTP GETs (retried like every idempotent request)."""

    client: httpx.Client
    structure_url: Callable[[Key], str]
    data_url: Callable[[Flow], str]

    def structure(self, key: Key) -> etree._Element | None:
        """The artefact from the registry's Structure message for it, or None (404)."""
        what = f"Reading {urn(key)} from the registry"
        response = send(self.client, "GET", self.structure_url(key),
                        headers={"Accept": STRUCTURE_XML})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise fail(response, what)
        try:
            held = split_structure_message(response.content)
        except StructureError as exc:
            raise fail(response, f"{what} (not a Structure message: {first_line(exc)})") from None
        return next((a.element for a in held if a.key == key), None)

    def data(self, flow: Flow) -> bytes | None:
        """The dataflow's data as SDMX-CSV 1.0, None when there is none (404)."""
        response = send(self.client, "GET", self.data_url(flow),
                        headers={"Accept": DATA_TYPES["sdmx-csv"]})
        if response.status_code == 404:
            return None
        if response.status_code in {401, 403}:
            raise fail(response, "Reading the registry's data")
        if response.status_code != 200:
            raise NotComparable(f"the registry answers HTTP {response.status_code} to a data "
                                "query")
        return response.content


def rest_path(key: Key) -> str:
    """``{resource}/{agency}/{id}/{version}`` of an artefact, as SDMX-REST names it."""
    typ, agency, ident, version = key
    return f"{TYPES[typ].rest}/{agency}/{ident}/{version}"


@contextmanager
def rest_reader(target: RegistryTarget, structure_url: Callable[[str, Key], str],
                data_url: Callable[[str, Flow], str]) -> Iterator[Reader]:
    """A :class:`RestReader` on ``target``'s base URL (its credentials, its timeouts)."""
    base = base_url(target)
    with open_client(target) as client:
        yield RestReader(client, lambda key: structure_url(base, key),
                         lambda flow: data_url(base, flow))
