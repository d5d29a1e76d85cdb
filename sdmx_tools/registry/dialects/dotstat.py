"""Push to a .Stat Suite: structures to its NSI web service, data to its transfer service.

What this follows (no .Stat can run here: ``tests/registry/dotstat_fake.py`` imitates it):

- Structures: ``POST {nsiws}/rest/structure`` with the SDMX-ML 2.1 message, dependencies
  in the same message; final artefacts may change only names and annotations (.Stat Suite
  documentation, "Using .Stat Suite APIs", sis-cc.gitlab.io/dotstatsuite-documentation
  /using-api/). The NSI answers an SDMX-ML ``SubmitStructureResponse``, and may report a
  failure inside a 200 (pysdmx's ``StatUploader`` notes it); an NSI that answers text or
  JSON with a 2xx has accepted the message (every artefact is reported replaced).
- Data: ``POST {transfer}/1.2/import/sdmxFile``, ``multipart/form-data`` with ``dataspace``,
  ``dataflow`` (``AGENCY:ID(VERSION)``: optional since transfer 5.0.15, which reads the
  file's own, DLM issue #146) and ``file``; JSON answer whose message names the request
  ("Successfully registered request with ID: 5", transfer issue #49). Asynchronous: ``POST
  {transfer}/1.2/status/request`` with ``dataspace`` and ``id`` gives ``executionStatus``
  (Queued, InProgress, Completed...), ``outcome`` (Success, Warning, Error) and ``logs``;
  polled for at most :data:`POLL_SECONDS`. Status polls are POSTs: never retried.
- Authentication: an OpenID Connect access token as ``Authorization: Bearer`` on both
  services, read from the environment variable ``token_env`` names.
- Data format: SDMX-CSV 2.0. .Stat documents it for every upload action since release
  "blueberry" (2022), while "SDMX-ML file format for Merge and Combined actions is not yet
  available" (DLM "Upload data" page), and an SDMX-ML upload has loaded 0 observations
  where the same data as CSV loaded (transfer issue #140). The file part is declared
  ``text/csv``: the transfer service accepts plain file types there, not the SDMX media
  type (pysdmx ``StatUploader``).
- Reads for a diff: the NSI's SDMX-REST paths, ``GET {nsiws}/rest/{type}/{agency}/{id}/
  {version}`` and ``GET {nsiws}/rest/data/{AGENCY,ID,VERSION}/all``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry.artefacts import split_structure_message
from sdmx_tools.registry.dialects import Dialect
from sdmx_tools.registry.dialects._http import (
    base_url,
    fail,
    json_body,
    open_client,
    registry_message,
    send,
    structure_outcomes,
)
from sdmx_tools.registry.dialects._read import rest_path, rest_reader
from sdmx_tools.registry.mediatypes import STRUCTURE_XML
from sdmx_tools.registry.outcome import DataUpload, PushOutcome
from sdmx_tools.workspace import RegistryTarget

__all__ = ["DIALECT", "push", "transfer_url"]

POLL_SECONDS = 120.0
POLL_INTERVAL = 0.5
API = "/1.2"
_TERMINAL = {"Completed", "Failed", "TimedOut", "Canceled"}
_FILE_TYPES = {"sdmx-csv2": "text/csv", "sdmx-csv": "text/csv", "sdmx-ml": "application/xml"}
_JSON = {"Accept": "application/json"}
_REQUEST_ID = re.compile(r"\bID\b\W{0,3}(\d+)", re.IGNORECASE)


def transfer_url(target: RegistryTarget) -> str:
    """The transfer service's base URL, checked like ``url`` (no credentials in it)."""
    if not target.transfer_url:
        raise RegistryError("A dotstat target needs a transfer_url",
                            hint="set transfer_url in the [registry] settings")
    return base_url(replace(target, url=target.transfer_url))


def _dataspace(target: RegistryTarget) -> str:
    if not (target.dataspace or "").strip():
        raise RegistryError("A dotstat target needs a dataspace",
                            hint="set dataspace in the [registry] settings, e.g. 'design'")
    return str(target.dataspace).strip()


def push(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload]
) -> list[PushOutcome]:
    """Submit the structure message to the NSI, then import each data file and wait for it."""
    nsi, transfer, space = base_url(target), transfer_url(target), _dataspace(target)
    outcomes: list[PushOutcome] = []
    with open_client(target) as client:
        if structure is not None:
            response = send(client, "POST", f"{nsi}/rest/structure", content=structure,
                            headers={"Content-Type": STRUCTURE_XML})
            outcomes += _structure_outcomes(response, structure)
        outcomes += [_import(client, transfer, space, upload) for upload in data]
    return outcomes


def _structure_outcomes(response: httpx.Response, sent: bytes) -> list[PushOutcome]:
    if response.is_success and response.content.lstrip()[:1] != b"<":
        note = f"accepted; the NSI answered: {registry_message(response) or response.status_code}"
        return [PushOutcome(a.urn, "replaced", note) for a in split_structure_message(sent)]
    return structure_outcomes(response, "Structure submission")


def _lower(body: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}


def _request_id(body: dict[str, Any]) -> str | None:
    for key in ("requestid", "id"):
        if str(body.get(key, "")).strip().isdigit():
            return str(body[key]).strip()
    found = _REQUEST_ID.search(str(body.get("message", "")))
    return found.group(1) if found else None


def _import(client: httpx.Client, transfer: str, space: str, upload: DataUpload) -> PushOutcome:
    what = f"Data import of {upload.name}"
    files = {"file": (upload.name, upload.content, _FILE_TYPES[upload.format])}
    fields = {"dataspace": space, "dataflow": upload.flow_ref}
    response = send(client, "POST", f"{transfer}{API}/import/sdmxFile", data=fields,
                    files=files, headers=_JSON)
    if response.status_code not in {200, 201, 202}:
        raise fail(response, what)
    body = _lower(json_body(response, what))
    request_id = _request_id(body)
    if body.get("success") is False or request_id is None:
        return PushOutcome(upload.label, "failed", "the transfer service registered no request "
                           f"to follow: {registry_message(response)}", "invalid")
    return _wait(client, transfer, space, request_id, upload)


def _logs(report: dict[str, Any]) -> str:
    entries = report.get("logs") or []
    texts = [str(_lower(e).get("message", e)) if isinstance(e, dict) else str(e)
             for e in (entries if isinstance(entries, list) else [entries])]
    return "; ".join(t for t in texts if t.strip())


def _wait(client: httpx.Client, transfer: str, space: str, request_id: str,
          upload: DataUpload) -> PushOutcome:
    """Poll the import's status until it ends or :data:`POLL_SECONDS` pass."""
    what = f"Status of import request {request_id} ({upload.name})"
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = send(client, "POST", f"{transfer}{API}/status/request",
                        data={"dataspace": space, "id": request_id}, headers=_JSON)
        if response.status_code != 200:
            raise fail(response, what)
        report = _lower(json_body(response, what))
        execution = str(report.get("executionstatus", ""))
        if execution in _TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(POLL_INTERVAL)
    item, outcome, logs = upload.label, str(report.get("outcome", "")), _logs(report)
    if execution not in _TERMINAL:
        return PushOutcome(item, "failed", f"import not finished after {POLL_SECONDS:.0f} s "
                           f"(request {request_id}: {execution or 'no status'})", "timeout")
    if execution == "Completed" and outcome in {"Success", "Warning"}:
        warned = f"; warnings: {logs}" if outcome == "Warning" and logs else ""
        return PushOutcome(item, "loaded", f"request {request_id}{warned}"[:1000])
    detail = f"request {request_id}: {execution}, {outcome or 'no outcome'}"
    return PushOutcome(item, "failed", (detail + (f": {logs}" if logs else ""))[:1000],
                       "invalid")


DIALECT = Dialect(
    push=push, data_format="sdmx-csv2",
    reader=lambda target: rest_reader(
        target, lambda nsi, key: f"{nsi}/rest/{rest_path(key)}",
        lambda nsi, flow: f"{nsi}/rest/data/{','.join(flow)}/all"),
)
