"""Write endpoints of the embedded registry.

- SDMX-REST 2 maintenance API: ``POST /structure[/{type}]`` (create, or replace a
  non-final artefact, as .Stat's NSI does), ``PUT /structure/{type}/{agency}/{id}/{version}``,
  ``DELETE`` on the same path. Answers: 201 created, 200 nothing new, 409 conflict or
  missing reference, 422 type mismatch, 404 delete of an unknown artefact, each with an
  SDMX-ML ``SubmitStructureResponse`` body. A submission is atomic, so a refusal is never
  partial (no 207 from this server; the clients still understand 207 from others).
- FMR dialect: ``POST /ws/secure/sdmxapi/rest`` with an ``Action`` header (Append, Replace,
  Merge, FullReplace, Delete; any case), body SDMX-ML or SDMX-JSON 2.0 (what pysdmx sends),
  raw or as the multipart field ``uploadFile``; 200 on success, 400 on refusal (as FMR).
- Data, our own extension (the standard defines no data upload): ``POST /data/{flow}``
  with an SDMX-ML or SDMX-CSV body, answered with JSON. FMR-style ``POST
  /ws/public/data/validate`` and ``/load`` (which here also stores the data) with
  ``GET /ws/public/data/loadStatus?uid=``.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from typing import Any

from sdmx_tools.registry.artefacts import (
    Artefact,
    Key,
    key_from_urn,
    rest_types,
    split_structure_message,
)
from sdmx_tools.registry.http import HTTPFailure, Request, Response
from sdmx_tools.registry.messages import submit_structure_response
from sdmx_tools.registry.outcome import DataFormat, PushOutcome, format_flow_ref
from sdmx_tools.registry.sdmxjson import json_to_artefacts
from sdmx_tools.registry.store import Action, RegistryStore

__all__ = [
    "delete_structure", "fmr_data", "fmr_load_status", "fmr_structure", "post_data",
    "post_structure", "put_structure",
]

_FMR_ACTIONS: dict[str, Action] = {
    "append": "append", "replace": "replace", "fullreplace": "replace", "merge": "merge",
    "delete": "delete",
}


def _artefacts(request: Request) -> list[Artefact]:
    body = request.upload()
    if body.lstrip()[:1] == b"{":
        return json_to_artefacts(body)
    return split_structure_message(body)


def _action(request: Request, default: Action) -> Action:
    value = request.header("Action").strip().lower()
    if not value:
        return default
    if value not in _FMR_ACTIONS:
        raise HTTPFailure(400, f"Unknown Action {value!r}: use Append, Replace, Merge or Delete")
    return _FMR_ACTIONS[value]


def _rest_status(outcomes: list[PushOutcome]) -> int:
    codes = {o.code for o in outcomes if o.status == "failed"}
    if not codes:
        return 201 if any(o.status == "created" for o in outcomes) else 200
    if "type-mismatch" in codes:
        return 422
    if codes <= {"not-found", "aborted"}:
        return 404
    return 409


def _answer(status: int, action: str, outcomes: list[PushOutcome]) -> Response:
    rows = [(key_from_urn(o.item), action, o) for o in outcomes]
    return Response(status, submit_structure_response(rows))


def _mismatch(artefacts: list[Artefact], allowed: list[str], why: str) -> list[PushOutcome]:
    return [
        PushOutcome(a.urn, "failed", why, "type-mismatch") if a.type not in allowed
        else PushOutcome(a.urn, "failed", "not stored: another artefact of this submission "
                         "does not match the request", "aborted")
        for a in artefacts
    ]


def post_structure(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``POST /structure[/{type}]``: create, or replace non-final artefacts."""
    artefacts = _artefacts(request)
    action = _action(request, "replace")
    if not artefacts:
        raise HTTPFailure(400, "The structure message holds no maintainable artefact")
    if m["type"]:
        allowed = rest_types(m["type"])
        if allowed is None:
            raise HTTPFailure(404, f"Unknown structure type {m['type']!r}")
        if any(a.type not in allowed for a in artefacts):
            return _answer(422, action, _mismatch(
                artefacts, allowed, f"is not a {m['type']} (posted to /structure/{m['type']})"))
    outcomes = store.put_artefacts(artefacts, action)
    return _answer(_rest_status(outcomes), action, outcomes)


def put_structure(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``PUT /structure/{type}/{agency}/{id}/{version}``: the body must hold exactly that."""
    artefacts = _artefacts(request)
    allowed = rest_types(m["type"]) or []
    wanted = (m["agency"], m["id"], m["version"])
    if len(artefacts) != 1 or artefacts[0].type not in allowed or artefacts[0].key[1:] != wanted:
        why = f"PUT {request.path} must carry exactly that artefact"
        return _answer(422, "replace", _mismatch(artefacts, [], why) or [
            PushOutcome(request.path, "failed", why, "type-mismatch")])
    outcomes = store.put_artefacts(artefacts, "replace")
    return _answer(_rest_status(outcomes), "replace", outcomes)


def delete_structure(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``DELETE /structure/{type}/{agency}/{id}/{version}``."""
    keys = store.find(m["type"], m["agency"], m["id"], m["version"])
    if len(keys) != 1:
        raise HTTPFailure(404, f"No single artefact matches {request.path}")
    outcome = store.delete_structure(*keys[0])
    return _answer(_rest_status([outcome]), "delete", [outcome])


def fmr_structure(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``POST /ws/secure/sdmxapi/rest``: FMR's submission, answered as FMR does (200/400)."""
    action = _action(request, "replace")
    artefacts = _artefacts(request)
    outcomes = store.put_artefacts(artefacts, action)
    failed = any(o.status == "failed" for o in outcomes)
    return _answer(400 if failed else 200, action, outcomes)


def _data_format(request: Request, body: bytes) -> DataFormat:
    """SDMX-CSV when declared so or not XML (1.0 or 2.0 by its first column); else SDMX-ML."""
    declared = (request.header("Data-Format") + request.header("Content-Type")).lower()
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if "csv" not in declared and start[:1] == b"<":
        return "sdmx-ml"
    return "sdmx-csv2" if start[:9].upper() == b"STRUCTURE" else "sdmx-csv"


def post_data(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``POST /data/{flow}`` (sdmx-tools extension): store a data message for a dataflow.

    ``{flow}`` is ``AGENCY,ID,VERSION`` or ``AGENCY:ID(VERSION)``; anything else is a
    StructureError, which the app answers with 400.
    """
    body = request.upload()
    outcome = store.put_data(m["flow"], body, _data_format(request, body))
    status = {"loaded": 201, "unchanged": 200}.get(outcome.status)
    if status is None:
        status = {"missing-reference": 409, "nonconforming": 422,
                  "busy": 503}.get(outcome.code, 400)
    return Response.json(status, vars(outcome))


_LOADS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_LOADS_LOCK = threading.Lock()


def _flow_from_header(request: Request) -> Key:
    key = key_from_urn(request.header("Structure"))
    if key is None or key[0] != "Dataflow":
        raise HTTPFailure(400, "Send the dataflow's URN in the Structure header")
    return key


def _load_report(request: Request, errors: list[str]) -> dict[str, Any]:
    """FMR's JSON validation report for one data set."""
    return {"Status": "Complete", "Errors": bool(errors),
            "Datasets": [{"Structure": request.header("Structure"), "Errors": errors}]}


def fmr_data(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``POST /ws/public/data/validate`` (a JSON report) and ``/load`` (stores; a uid)."""
    body = request.upload()
    key = _flow_from_header(request)
    flow = format_flow_ref(*key[1:])
    fmt = _data_format(request, body)
    if store.find(*key) == []:
        raise HTTPFailure(400, f"Dataflow {flow} is not in the registry")
    if m["op"] == "validate":
        refused = store.refusal(key, body, fmt)
        return Response.json(200, _load_report(request, [refused[0]] if refused else []))
    outcome = store.put_data(flow, body, fmt)  # checks the data itself: parsed once
    failed = outcome.status == "failed"
    report = _load_report(request, [outcome.message] if failed else [])
    report["Outcome"] = outcome.status
    uid = uuid.uuid4().hex
    with _LOADS_LOCK:
        _LOADS[uid] = report
        while len(_LOADS) > 1000:  # bounded memory on a long-running server
            _LOADS.popitem(last=False)
    return Response.json(200, {"Success": not report["Errors"], "uid": uid})


def fmr_load_status(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``GET /ws/public/data/loadStatus?uid=...``: the report of an earlier load."""
    with _LOADS_LOCK:
        report = _LOADS.get(request.query.get("uid", ""))
    if report is None:
        raise HTTPFailure(404, "Unknown load uid")
    return Response.json(200, report)
