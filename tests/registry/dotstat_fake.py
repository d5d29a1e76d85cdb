"""A stand-in for a .Stat Suite (NSI web service + transfer service), for the push tests.

No real .Stat can run here (a .NET stack with SQL Server and Keycloak), so this imitates
the *documented protocol* and checks each request's shape as the real services would
refuse it (see ``sdmx_tools/registry/dialects/dotstat.py`` for the sources):

- every request: an ``Authorization`` header, when sent, must be ``Bearer <token>`` (401
  otherwise, with a careless body that echoes the token received); writes need it;
- NSI ``POST /nsi/rest/structure``: an SDMX-ML structure content type, a Structure
  message whose references are stored or sent along, final artefacts unchanged; answers a
  ``SubmitStructureResponse`` (other prefixes than ours), or plain text (``text_answers``);
- NSI ``GET /nsi/rest/{type}/{agency}/{id}/{version}``: the stored artefact re-serialised
  (other prefixes, indentation, ``urn`` attributes: as a registry reformats);
  ``GET /nsi/rest/data/{AGENCY,ID,VERSION}/all``: SDMX-CSV 1.0, 404 when empty;
- transfer ``POST /transfer/1.2/import/sdmxFile``: multipart fields ``dataspace`` (the one
  configured), ``dataflow`` (``AGENCY:ID(VERSION)``) and ``file`` (a plain file type);
  answers ``{"message": "Successfully registered request with ID: N"}``; the import runs
  "later": SDMX-CSV 2.0 for a stored dataflow loads (replacing the data set), anything else
  ends with outcome ``Error``;
- transfer ``POST /transfer/1.2/status/request`` (form ``dataspace``, ``id``): ``InProgress``
  on the first poll, then ``Completed``.

``fail_next[(method, path)]`` lists statuses to answer before serving that path normally
(503s for the retry tests); ``log`` records every request as ``(method, path)``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.xmlsafe import NS
from sdmx_tools.registry.artefacts import (
    TYPES,
    content_digest,
    rest_types,
    split_structure_message,
    urn,
)
from sdmx_tools.registry.server import RegistryServer
from sdmx_tools.workspace import RegistryTarget

Key = tuple[str, str, str, str]
#: The Bearer token the tests give the fake and the push (a secret that must never leak).
TOKEN = "tok-S3cret-0123456789abcdef"
_STRUCTURE_TYPES = {"application/xml", "text/xml", "application/vnd.sdmx.structure+xml"}
_FILE_TYPES = {"text/csv", "application/xml", "text/xml"}
_FLOW_REF = re.compile(r"^[A-Za-z0-9_@$.-]+:[A-Za-z0-9_@$-]+\([0-9.]+\)$")
_OUT_NS = {"message": NS["mes"], "structure": NS["str"], "common": NS["com"],
           "registry": NS["reg"]}


@dataclass
class FakeDotStat:
    """The state of the fake services; ``url``/``transfer_url`` once :func:`running`."""

    token: str
    dataspace: str = "design"
    text_answers: bool = False
    artefacts: dict[Key, etree._Element] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)  # flow ref -> SDMX-CSV 2.0
    imports: list[dict[str, Any]] = field(default_factory=list)
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    fail_next: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    url: str = ""
    transfer_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def target(self) -> RegistryTarget:
        """A ``dotstat`` push target for these services (token from ``DOTSTAT_TOKEN``)."""
        return RegistryTarget("dotstat", url=self.url, transfer_url=self.transfer_url,
                              dataspace=self.dataspace, token_env="DOTSTAT_TOKEN")

    @property
    def writes(self) -> list[tuple[str, str]]:
        """Requests that change something (status polls are POSTs but read only)."""
        return [(m, p) for m, p in self.log if m in {"POST", "PUT", "DELETE"}
                and not p.endswith("/status/request")]

    def app(self) -> Starlette:
        routes = [
            Route("/nsi/rest/structure", self._submit, methods=["POST"]),
            Route("/nsi/rest/data/{flow}/{key}", self._get_data, methods=["GET"]),
            Route("/nsi/rest/{type}/{agency}/{id}/{version}", self._get_structure,
                  methods=["GET"]),
            Route("/transfer/1.2/import/sdmxFile", self._import, methods=["POST"]),
            Route("/transfer/1.2/status/request", self._status, methods=["POST"]),
        ]
        return Starlette(routes=routes, middleware=[])

    # -- every request: log, scripted failures, the token
    def _gate(self, request: Request, write: bool) -> Response | None:
        with self.lock:
            self.log.append((request.method, request.url.path))
            queued = self.fail_next.get((request.method, request.url.path))
            if queued:
                return PlainTextResponse("busy", status_code=queued.pop(0))
        auth = request.headers.get("authorization")
        if auth is None and not write:
            return None
        if auth != f"Bearer {self.token}":
            given = (auth or "").partition(" ")[2]
            return JSONResponse({"message": f"invalid bearer token {given}"}, status_code=401)
        return None

    # -- NSI
    async def _submit(self, request: Request) -> Response:
        if (refused := self._gate(request, write=True)) is not None:
            return refused
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in _STRUCTURE_TYPES:
            return PlainTextResponse(f"unsupported content type {media}", status_code=415)
        try:
            sent = split_structure_message(await request.body())
        except StructureError as exc:
            return PlainTextResponse(f"cannot read the structure message: {exc}", 400)
        keys = {a.key for a in sent}
        results = []
        with self.lock:
            for a in sent:
                held = self.artefacts.get(a.key)
                missing = [r for r in a.references if r not in keys and r not in self.artefacts]
                if missing:
                    results.append((a.key, "409", f"missing reference {urn(missing[0])}"))
                elif held is not None and held.get("isFinal") == "true" and \
                        content_digest(held) != content_digest(a.element):
                    results.append((a.key, "409", "final artefact: only names may change"))
                else:
                    self.artefacts[a.key] = a.element
                    results.append((a.key, "201" if held is None else "200", ""))
        if self.text_answers:
            return PlainTextResponse(f"{len(results)} structures imported", 200)
        ok = all(code != "409" for _, code, _ in results)
        return Response(_submit_response(results), 201 if ok else 409,
                        media_type="application/xml")

    async def _get_structure(self, request: Request) -> Response:
        if (refused := self._gate(request, write=False)) is not None:
            return refused
        p = request.path_params
        types = rest_types(p["type"]) or []
        with self.lock:
            found = [(k, el) for k, el in self.artefacts.items()
                     if k[0] in types and k[1:] == (p["agency"], p["id"], p["version"])]
        if not found:
            return PlainTextResponse("NoRecordsFound", 404)
        return Response(_structure_message(found), 200, media_type="application/xml")

    async def _get_data(self, request: Request) -> Response:
        if (refused := self._gate(request, write=False)) is not None:
            return refused
        if "csv" not in request.headers.get("accept", ""):
            return PlainTextResponse("only SDMX-CSV here", 406)
        agency, ident, version = request.path_params["flow"].split(",")
        with self.lock:
            stored = self.data.get(f"{agency}:{ident}({version})")
        if stored is None:
            return PlainTextResponse("NoResultsFound", 404)
        return Response(_csv1(stored), 200,
                        media_type="application/vnd.sdmx.data+csv; version=1.0.0")

    # -- transfer service
    async def _import(self, request: Request) -> Response:
        if (refused := self._gate(request, write=True)) is not None:
            return refused
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return JSONResponse({"message": "multipart/form-data expected"}, 415)
        form = await request.form()
        upload = form.get("file")
        problems = []
        if form.get("dataspace") != self.dataspace:
            problems.append(f"unknown dataspace {form.get('dataspace')!r}")
        if not _FLOW_REF.match(str(form.get("dataflow", ""))):
            problems.append(f"dataflow must be AGENCY:ID(VERSION), not {form.get('dataflow')!r}")
        if upload is None or isinstance(upload, str):
            problems.append("no file field")
        elif upload.content_type not in _FILE_TYPES:
            problems.append(f"file content type {upload.content_type} is not accepted")
        if problems:
            return JSONResponse({"message": "; ".join(problems)}, 400)
        assert upload is not None and not isinstance(upload, str)
        content = await upload.read()
        with self.lock:
            self.imports.append({"fields": {k: v for k, v in form.items() if k != "file"},
                                 "filename": upload.filename,
                                 "content_type": upload.content_type, "content": content})
            ident = len(self.requests) + 1
            self.requests[ident] = self._run_import(str(form["dataflow"]), content)
        return JSONResponse({"message": f"Successfully registered request with ID: {ident}"})

    def _run_import(self, flow: str, content: bytes) -> dict[str, Any]:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        head = rows[0][:3] if rows else []
        flow_key = ("Dataflow", *re.split(r"[:()]", flow)[:3])
        if head != ["STRUCTURE", "STRUCTURE_ID", "ACTION"]:
            error = "not SDMX-CSV 2.0"
        elif any(r and r[1] != flow for r in rows[1:]):
            error = "rows of another dataflow"
        elif flow_key not in self.artefacts:
            error = f"dataflow {flow} not found in dataspace {self.dataspace}"
        else:
            self.data[flow] = content
            return {"outcome": "Success", "logs": [{"message": f"{len(rows) - 1} observations"}],
                    "polls": 0}
        return {"outcome": "Error", "logs": [{"message": error}], "polls": 0}

    async def _status(self, request: Request) -> Response:
        if (refused := self._gate(request, write=True)) is not None:
            return refused
        form = await request.form()
        with self.lock:
            job = self.requests.get(int(str(form.get("id", "0")) or 0))
            if job is None or form.get("dataspace") != self.dataspace:
                return JSONResponse({"message": "request not found"}, 404)
            job["polls"] += 1
            done = job["polls"] > 1
        return JSONResponse({"requestId": int(str(form["id"])),
                             "executionStatus": "Completed" if done else "InProgress",
                             "outcome": job["outcome"] if done else "None",
                             "logs": job["logs"] if done else []})


def _submit_response(results: list[tuple[Key, str, str]]) -> bytes:
    root = etree.Element(f"{{{NS['mes']}}}RegistryInterface", nsmap=_OUT_NS)
    etree.SubElement(root, f"{{{NS['mes']}}}Header")
    body = etree.SubElement(root, f"{{{NS['mes']}}}SubmitStructureResponse")
    for key, code, text in results:
        result = etree.SubElement(body, f"{{{NS['reg']}}}SubmissionResult")
        sub = etree.SubElement(result, f"{{{NS['reg']}}}SubmittedStructure", action="Append")
        obj = etree.SubElement(sub, f"{{{NS['reg']}}}MaintainableObject")
        etree.SubElement(obj, "URN").text = urn(key)
        status = etree.SubElement(result, f"{{{NS['reg']}}}StatusMessage",
                                  status="Failure" if code == "409" else "Success")
        if text:
            message = etree.SubElement(status, f"{{{NS['reg']}}}MessageText", code=code)
            etree.SubElement(message, f"{{{NS['com']}}}Text").text = text
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _copy(el: etree._Element, parent: etree._Element | None) -> etree._Element:
    """``el`` rebuilt under the fake's own prefixes (lxml keeps prefixes on copy)."""
    made = (etree.Element(el.tag, dict(el.attrib), nsmap=_OUT_NS) if parent is None
            else etree.SubElement(parent, el.tag, dict(el.attrib)))
    made.text = el.text
    for child in el:
        if isinstance(child.tag, str):
            _copy(child, made).tail = child.tail
    return made


def _structure_message(found: list[tuple[Key, etree._Element]]) -> bytes:
    root = etree.Element(f"{{{NS['mes']}}}Structure", nsmap=_OUT_NS)
    etree.SubElement(root, f"{{{NS['mes']}}}Header")
    structures = etree.SubElement(root, f"{{{NS['mes']}}}Structures")
    for key, el in found:
        container = etree.SubElement(structures, f"{{{NS['str']}}}{TYPES[key[0]].container}")
        copy = _copy(el, container)
        copy.set("urn", urn(key))
        for ref_holder in copy.iter():  # registries add urn attributes everywhere
            if ref_holder.get("id") and ref_holder is not copy and ref_holder.tag != "Ref":
                ref_holder.set("urn", f"{urn(key)}.{ref_holder.get('id')}")
    etree.indent(root, space="    ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _csv1(csv2: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(csv2.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["DATAFLOW", *rows[0][3:]])
    writer.writerows([r[1], *r[3:]] for r in rows[1:])
    return out.getvalue().encode()


@contextlib.contextmanager
def running(fake: FakeDotStat) -> Iterator[FakeDotStat]:
    """Serve ``fake`` on a free loopback port (uvicorn on a thread, as ``served()`` does)."""
    server = RegistryServer(fake.app(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    fake.url, fake.transfer_url = f"http://{host}:{port}/nsi", f"http://{host}:{port}/transfer"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


__all__ = ["TOKEN", "FakeDotStat", "running"]
