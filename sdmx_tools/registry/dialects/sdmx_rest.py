"""Push to a registry speaking the SDMX-REST 2 structure maintenance API.

Structures: ``POST {base}/structure`` with the SDMX-ML 2.1 message; the answer is a
``SubmitStructureResponse`` (201, 207, 409, 422 all carry one). Data: the standard has no
upload, so this uses the embedded registry's extension ``POST {base}/data/{flow}``; a
registry without it answers 404/405, reported as a RegistryError.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx

from sdmx_tools.registry.dialects._http import (
    fail,
    json_body,
    push_structure_then_data,
    send,
)
from sdmx_tools.registry.outcome import DataFile, PushOutcome, RegistryTarget, parse_flow_ref

__all__ = ["push"]

STRUCTURE_TYPE = "application/vnd.sdmx.structure+xml; version=2.1"
DATA_TYPES = {
    "sdmx-ml": "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=1.0.0",
}


def push(
    target: RegistryTarget, structure: Path | None, data: Sequence[DataFile]
) -> list[PushOutcome]:
    """POST the structure message, then each data file."""
    return push_structure_then_data(
        target, structure, data, structure_path="/structure",
        structure_headers={"Content-Type": STRUCTURE_TYPE}, push_one=_push_data)


def _push_data(client: httpx.Client, base: str, df: DataFile) -> PushOutcome:
    flow = ",".join(parse_flow_ref(df.dataflow))
    response = send(client, "POST", f"{base}/data/{flow}", content=Path(df.path).read_bytes(),
                    headers={"Content-Type": DATA_TYPES[df.format]})
    if response.status_code in {404, 405, 401, 403} or response.status_code >= 500:
        raise fail(response, f"Data upload of {Path(df.path).name}")
    body = json_body(response, f"Data upload of {Path(df.path).name}")
    return PushOutcome(f"{Path(df.path).name} -> {body.get('item', df.dataflow)}",
                       body.get("status", "failed"), body.get("message", ""),
                       body.get("code", ""))
