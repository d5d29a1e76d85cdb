"""Push to a Fusion Metadata Registry (or anything speaking its submission dialect).

Structures: ``POST {base}/ws/secure/sdmxapi/rest`` with an ``Action`` header and the
SDMX-ML body; FMR answers a ``SubmitStructureResponse`` (200 success, 400 refused).
Data: ``POST /ws/public/data/validate`` (multipart ``uploadFile``, ``Structure: <URN>``,
``Data-Format`` for CSV) for the JSON report, then ``POST /ws/public/data/load`` and poll
``/ws/public/data/loadStatus?uid=`` until the load is complete. Data go as structure-specific
SDMX-ML 2.1 (FMR reads SDMX-CSV too; the XML carries its dataflow in the header).
Reads for a diff: FMR's query entry point ``/ws/public/sdmxapi/rest/`` ("Query Structures
Web Service", fmrwiki.sdmxcloud.org): ``{type}/{agency}/{id}/{version}`` and
``data/{flow}``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx

from sdmx_tools.registry.artefacts import urn
from sdmx_tools.registry.dialects import Dialect
from sdmx_tools.registry.dialects._http import (
    fail,
    json_body,
    push_structure_then_data,
    send,
)
from sdmx_tools.registry.dialects._read import rest_path, rest_reader
from sdmx_tools.registry.outcome import DataUpload, PushOutcome
from sdmx_tools.workspace import RegistryTarget

__all__ = ["DIALECT", "push"]

POLL_SECONDS = 120.0
_QUERY = "/ws/public/sdmxapi/rest"


def push(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload]
) -> list[PushOutcome]:
    """Submit the structure message (FMR action Replace: new versions replace), then data."""
    return push_structure_then_data(
        target, structure, data, structure_path="/ws/secure/sdmxapi/rest",
        structure_headers={"Action": "Replace", "Content-Type": "application/xml"},
        push_one=_push_data)


def _errors(report: dict[str, Any]) -> list[str]:
    found = []
    for ds in report.get("Datasets") or []:
        found += [str(e) for e in ds.get("Errors") or ds.get("ValidationReport") or []]
    if report.get("Errors") is True and not found:
        found.append("the registry reported errors")
    return found


def _push_data(client: httpx.Client, base: str, upload: DataUpload) -> PushOutcome:
    name, item = upload.name, upload.label
    headers = {"Structure": urn(("Dataflow", *upload.dataflow))}
    if upload.format in {"sdmx-csv", "sdmx-csv2"}:
        headers["Data-Format"] = "csv;delimiter=comma"
    files = {"uploadFile": (name, upload.content)}
    response = send(client, "POST", f"{base}/ws/public/data/validate", files=files,
                    headers=headers)
    if response.status_code != 200:
        raise fail(response, f"Validation of {name}")
    problems = _errors(json_body(response, f"Validation of {name}"))
    if problems:
        return PushOutcome(item, "failed", "; ".join(problems)[:1000], "invalid")
    response = send(client, "POST", f"{base}/ws/public/data/load", files=files, headers=headers)
    if response.status_code != 200:
        raise fail(response, f"Load of {name}")
    uid = json_body(response, f"Load of {name}").get("uid", "")
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        status = send(client, "GET", f"{base}/ws/public/data/loadStatus", params={"uid": uid})
        if status.status_code != 200:
            raise fail(status, f"Load status of {name}")
        report = json_body(status, f"Load status of {name}")
        if report.get("Status") == "Complete" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if report.get("Status") != "Complete":
        return PushOutcome(item, "failed", f"load not complete after {POLL_SECONDS:.0f} s "
                           f"(uid {uid})", "timeout")
    problems = _errors(report)
    if problems:
        return PushOutcome(item, "failed", "; ".join(problems)[:1000], "invalid")
    return PushOutcome(item, "loaded", f"uid {uid}")


DIALECT = Dialect(
    push=push, data_format="sdmx-ml",
    reader=lambda target: rest_reader(
        target, lambda base, key: f"{base}{_QUERY}/{rest_path(key)}",
        lambda base, flow: f"{base}{_QUERY}/data/{','.join(flow)}"),
)
