"""Push to a registry speaking the SDMX-REST 2 structure maintenance API.

Structures: ``POST {base}/structure`` with the SDMX-ML 2.1 message; the answer is a
``SubmitStructureResponse`` (201, 207, 409, 422 all carry one). Data: the standard has no
upload, so this uses the embedded registry's extension ``POST {base}/data/{flow}``, with
structure-specific SDMX-ML 2.1 (what the UN SDG API and most NSIs exchange); a registry
without it answers 404/405, reported as a RegistryError. Reads for a diff: ``GET
{base}/structure/{type}/{agency}/{id}/{version}`` and ``GET {base}/data/{flow}``.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from sdmx_tools.registry.dialects import Dialect
from sdmx_tools.registry.dialects._http import (
    fail,
    json_body,
    push_structure_then_data,
    send,
    unanswered,
)
from sdmx_tools.registry.dialects._read import rest_path, rest_reader
from sdmx_tools.registry.mediatypes import DATA_TYPES, STRUCTURE_XML
from sdmx_tools.registry.outcome import DataUpload, PushOutcome
from sdmx_tools.workspace import RegistryTarget

__all__ = ["DIALECT", "push"]


def push(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload]
) -> list[PushOutcome]:
    """POST the structure message, then each data file."""
    return push_structure_then_data(
        target, structure, data, structure_path="/structure",
        structure_headers={"Content-Type": STRUCTURE_XML}, push_one=_push_data)


def _push_data(client: httpx.Client, base: str, upload: DataUpload) -> PushOutcome:
    response = send(client, "POST", f"{base}/data/{','.join(upload.dataflow)}",
                    content=upload.content,
                    headers={"Content-Type": DATA_TYPES[upload.format]})
    if unanswered(response):
        raise fail(response, f"Data upload of {upload.name}")
    body = json_body(response, f"Data upload of {upload.name}")
    return PushOutcome(upload.label, body.get("status", "failed"), body.get("message", ""),
                       body.get("code", ""))


DIALECT = Dialect(
    push=push, data_format="sdmx-ml",
    reader=lambda target: rest_reader(
        target, lambda base, key: f"{base}/structure/{rest_path(key)}",
        lambda base, flow: f"{base}/data/{','.join(flow)}"),
)
