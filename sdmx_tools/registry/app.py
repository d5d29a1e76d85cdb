"""The embedded registry's HTTP app: an ASGI application (Starlette) over a store.

Reads (public):

- ``GET /structure/{type}/{agency}/{id}/{version}`` (SDMX-REST 2) and the 1.x paths sdmx1
  builds, ``GET /{type}/{agency}/{id}/{version}`` (``dataflow``, ``datastructure``,
  ``codelist``...), with ``?references=`` and the wildcards ``all``/``*``/``latest``/``~``/``+``.
- ``GET /data/{flow}[/{key}]`` and ``GET /data/dataflow/{agency}/{id}/{version}[/{key}]``:
  the data set selected by key and period and written in the format ``Accept`` or
  ``?format=`` asks for (see :mod:`.dataquery`).

Writes (Basic/Bearer auth when the server has credentials): see :mod:`.submit`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from sdmx_tools.errors import StructureError, ToolkitError
from sdmx_tools.exchange.structurejson import structure_json
from sdmx_tools.registry import dataquery, submit
from sdmx_tools.registry.artefacts import rest_types
from sdmx_tools.registry.cache import BoundedCache
from sdmx_tools.registry.http import (
    MAX_BODY,
    Credentials,
    HTTPFailure,
    Request,
    Response,
    content_length,
)
from sdmx_tools.registry.mediatypes import (
    MEDIA_TYPES,
    STRUCTURE_TYPES,
    negotiate_data,
    negotiate_structure,
    with_charset,
)
from sdmx_tools.registry.store import NotFoundError, RegistryStore

__all__ = ["create_app"]

_LOG = logging.getLogger(__name__)
Handler = Callable[[Request, RegistryStore, "re.Match[str]"], Response]


def _structure(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    typ = m["type"]
    if rest_types(typ) is None:
        raise HTTPFailure(404, f"Unknown structure type {typ!r}")
    body = store.get_structures(
        typ, m["agency"] or "*", m["id"] or "*", m["version"] or "latest",
        references=request.query.get("references", "none"),
    )
    return _structures(request, body)


def _structures(request: Request, message: bytes) -> Response:
    """A Structure message in the format the request negotiates (SDMX-ML or SDMX-JSON)."""
    fmt = negotiate_structure(request.header("Accept"), request.query.get("format", ""))
    if fmt == "json":
        try:
            message = structure_json(message, languages=_languages(request))
        except StructureError as exc:  # a type SDMX-JSON is not written for
            raise HTTPFailure(406, str(exc)) from None
    return Response(200, message, with_charset(STRUCTURE_TYPES[fmt]))


def _languages(request: Request) -> tuple[str, ...]:
    """The languages ``Accept-Language`` prefers, in order (SDMX-JSON's ``name``), then en."""
    asked = [item.split(";")[0].strip().lower() for item in
             request.header("Accept-Language").split(",")]
    return (*[lang for lang in asked if lang and lang != "*"], "en")


def _schema(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    """``GET /schema/{context}/{agency}/{id}/{version}``: the DSD a data set must follow
    (for a dataflow, its DSD) with the codelists and concepts it uses."""
    context = m["context"].lower()
    if context not in {"datastructure", "dataflow"}:
        raise HTTPFailure(404, f"schema queries for {context!r} are not served "
                          "(datastructure, dataflow)")
    version = m["version"] or "latest"
    if context == "dataflow":
        flow = store.resolve_flow(f"{m['agency']},{m['id']},{version}")
        _, agency, ident, version = store.dsd_key(flow)
    else:
        agency, ident = m["agency"], m["id"]
    return _structures(request, store.get_structures("datastructure", agency, ident, version,
                                                     references="descendants"))


def _data(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    gd = m.groupdict()
    flow = gd.get("flow") or f"{gd['agency']},{gd['id']},{gd['version']}"
    if gd.get("provider") not in {None, "", "all", "*"}:
        raise HTTPFailure(501, "data providers are not recorded: ask for provider all")
    fmt = negotiate_data(request.header("Accept"), request.query.get("format", ""))
    flow_key = store.resolve_flow(flow)
    content, stored = store.dataset(flow_key)
    key = gd.get("key")
    if (key in {None, "", "all", "*"} and not request.query.keys() - {"format"}
            and dataquery.kind(content, stored) == fmt):
        return Response(200, content, MEDIA_TYPES[fmt])  # as pushed, byte for byte
    body, media_type = dataquery.answer(content, flow_key[1:], store.rules(flow_key), key,
                                        request.query, fmt)
    return Response(200, body, media_type)


def _home(request: Request, store: RegistryStore, m: re.Match[str]) -> Response:
    listing = [
        {"urn": a.urn, "final": a.is_final, "updated": a.updated} for a in store.list_artefacts()
    ]
    return Response.json(200, {"service": "sdmx-tools embedded registry", "artefacts": listing})


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"^/?$"), _home),
    ("GET", re.compile(
        r"^/structure/(?P<type>[^/]+)(?:/(?P<agency>[^/]+))?(?:/(?P<id>[^/]+))?"
        r"(?:/(?P<version>[^/]+))?/?$"), _structure),
    ("GET", re.compile(
        r"^/schema/(?P<context>[^/]+)/(?P<agency>[^/]+)/(?P<id>[^/]+)(?:/(?P<version>[^/]+))?/?$"),
     _schema),
    ("GET", re.compile(
        r"^/data/dataflow/(?P<agency>[^/]+)/(?P<id>[^/]+)/(?P<version>[^/]+)"
        r"(?:/(?P<key>[^/]+))?/?$"), _data),
    ("GET", re.compile(
        r"^/data/(?P<flow>[^/]+)(?:/(?P<key>[^/]+))?(?:/(?P<provider>[^/]+))?/?$"), _data),
    ("GET", re.compile(r"^/ws/public/data/loadStatus/?$"), submit.fmr_load_status),
    ("GET", re.compile(
        r"^/(?P<type>[a-z]+)(?:/(?P<agency>[^/]+))?(?:/(?P<id>[^/]+))?"
        r"(?:/(?P<version>[^/]+))?/?$"), _structure),
    ("POST", re.compile(r"^/structure(?:/(?P<type>[^/]+))?/?$"), submit.post_structure),
    ("PUT", re.compile(
        r"^/structure/(?P<type>[^/]+)/(?P<agency>[^/]+)/(?P<id>[^/]+)/(?P<version>[^/]+)/?$"),
     submit.put_structure),
    ("DELETE", re.compile(
        r"^/structure/(?P<type>[^/]+)/(?P<agency>[^/]+)/(?P<id>[^/]+)/(?P<version>[^/]+)/?$"),
     submit.delete_structure),
    ("POST", re.compile(r"^/ws/secure/sdmxapi/rest/?$"), submit.fmr_structure),
    ("POST", re.compile(r"^/data/(?P<flow>[^/]+)/?$"), submit.post_data),
    ("POST", re.compile(r"^/ws/public/data/(?P<op>validate|load)/?$"), submit.fmr_data),
]


# Read answers, shared by the apps of a process (the key holds the store's revision).
_CACHE: BoundedCache[Response] = BoundedCache(512, 64 << 20, lambda r: len(r.body))


def create_app(store: RegistryStore, credentials: Credentials | None = None, *,
               anonymous_writes: bool = False) -> Starlette:
    """The ASGI application serving ``store``.

    Parameters
    ----------
    store
        Where artefacts and data live.
    credentials
        What every write (POST/PUT/DELETE) must present; reads stay public.
    anonymous_writes
        Without credentials, whether writes are accepted at all (a loopback test server);
        by default they are refused with 401.
    """

    async def endpoint(request: StarletteRequest) -> StarletteResponse:
        try:
            ours = await _read(request)
            # A kept answer straight from the loop (one indexed SQLite read: the revision);
            # anything else, SQLite and lxml work that blocks, on the thread pool.
            key = _cache_key(ours, store)
            cached = _CACHE.get(key) if key is not None else None
            response = cached if cached is not None else await run_in_threadpool(
                _answer, ours, store, credentials, anonymous_writes, key)
        except HTTPFailure as failure:
            response = Response.error(failure)
        headers = {**response.headers, "Vary": "Accept, Accept-Language"}
        return StarletteResponse(response.body, response.status, headers=headers,
                                 media_type=response.content_type)

    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


async def _read(request: StarletteRequest) -> Request:
    """Our request from Starlette's: the body read only up to its declared, bounded length."""
    declared = request.headers.get("content-length")
    limit = content_length(declared) if declared is not None else MAX_BODY
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            if declared is None:
                raise HTTPFailure(413, f"Request body larger than {MAX_BODY} bytes")
            raise HTTPFailure(400, "the body is longer than its Content-Length")
        chunks.append(chunk)
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name.lower() in query:  # applying one and ignoring the other would mislead
            raise HTTPFailure(400, f"the query parameter {name!r} is given twice; "
                              "list the values in one (a+b in keys, a,b in c[...])")
        query[name.lower()] = value
    return Request(request.method.upper(), request.url.path or "/", query,
                   {k.lower(): v for k, v in request.headers.items()}, b"".join(chunks))


def _cache_key(request: Request, store: RegistryStore) -> tuple[object, ...] | None:
    """What a read answer depends on: the store's revision and the whole request. Taken
    before anything is read, so a write meanwhile files the answer under an old key.

    None for writes, and when the database cannot be used (then the long way explains).
    """
    if request.method not in {"GET", "HEAD"}:
        return None
    try:
        revision = store.revision()
    except ToolkitError:
        return None
    return (revision, request.path, tuple(sorted(request.query.items())),
            request.header("Accept"), request.header("Accept-Language"))


def _answer(request: Request, store: RegistryStore, credentials: Credentials | None,
            anonymous_writes: bool, cache_key: tuple[object, ...] | None = None) -> Response:
    """The answer to ``request``; a read answer is kept under ``cache_key`` when given."""
    try:
        return _dispatch(request, store, credentials, anonymous_writes, cache_key)
    except HTTPFailure as failure:
        return Response.error(failure)
    except NotFoundError as exc:
        return Response.error(HTTPFailure(404, str(exc)))
    except ToolkitError as exc:
        return Response.error(HTTPFailure(400, str(exc)))
    except Exception:  # noqa: BLE001 - the last resort: an SDMX error, never a traceback
        _LOG.exception("unexpected failure answering %s %s", request.method, request.path)
        return Response.error(HTTPFailure(500, "The registry failed to answer this request; "
                                          "the failure is in the server's log"))


def _dispatch(request: Request, store: RegistryStore, credentials: Credentials | None,
              anonymous_writes: bool, cache_key: tuple[object, ...] | None) -> Response:
    allowed = set()
    asked = "GET" if request.method == "HEAD" else request.method  # the server drops the body
    for method, pattern, handler in _ROUTES:
        m = pattern.match(request.path)
        if m is None:
            continue
        if method != asked:
            allowed.add(method)
            continue
        # FMR's data validation is public and stores nothing; every other write,
        # /ws/public/data/load included, needs the credentials when they are set.
        read_only = method == "GET" or (handler is submit.fmr_data and m["op"] == "validate")
        if not read_only and not (
            credentials.allows(request.header("Authorization")) if credentials is not None
            else anonymous_writes
        ):
            raise HTTPFailure(
                401, "Authentication required for writes",
                {"WWW-Authenticate": 'Basic realm="sdmx-tools registry"'},
            )
        answer = handler(request, store, m)
        if (cache_key is not None and answer.status == 200
                and handler is not submit.fmr_load_status):  # load reports: in memory
            _CACHE.put(cache_key, answer)
        return answer
    if allowed:
        raise HTTPFailure(405, f"{request.method} not allowed on {request.path}",
                          {"Allow": ", ".join(sorted(allowed))})
    raise HTTPFailure(404, f"No such resource: {request.path}")
