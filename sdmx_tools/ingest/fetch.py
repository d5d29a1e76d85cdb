"""Remote sources: a direct URL or a CKAN portal resource, downloaded into the cache.

CKAN's Action API is asked for the package (``/api/3/action/package_show?id=...``); the
resource is picked by name, id or format, and its file is downloaded (streamed, bounded by
``read.max_bytes``) into ``.cache/sources/<source id>/`` of the workspace, beside a
``meta.json`` recording the resource URL, its modification date, the ETag and the file's
sha256. A later run sends the ETag/date back and reuses the copy on ``304 Not Modified``;
when the portal cannot be reached, the cached copy is used and the run says so.

Everything from the portal is untrusted: only http(s) URLs are followed, the local file
name never comes from the server, and an API key (from the environment variable named in
the spec) travels only in a header, never in a URL, message or record.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from sdmx_tools.errors import SourceReadError, SpecError, redact_url
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.ingest.spec import RemoteSpec, SourceSpec

__all__ = ["Origin", "fetch_source"]

_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_SUFFIXES = {"csv": ".csv", "tsv": ".tsv", "txt": ".txt", "xlsx": ".xlsx", "json": ".json",
             "jsonl": ".jsonl", "zip": ".zip"}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a remote source's file came from (recorded in the manifest).

    ``note`` says when the cached copy was used because the portal could not be reached.
    """

    url: str
    modified: str | None
    fetched_at: str
    sha256: str
    page: str | None = None
    note: str | None = None


def fetch_source(spec: SourceSpec, *, client: httpx.Client | None = None
                 ) -> tuple[SourceSpec, Origin | None]:
    """Download a remote source (if the spec has one) and point the spec at the file.

    Returns
    -------
    spec, origin
        The spec with ``path`` set to the local file, and the download's origin (``None``
        for a local source).

    Raises
    ------
    SourceReadError
        The portal answered with an error, the package/resource does not exist, the file is
        too large, or nothing could be fetched and no cached copy exists.
    """
    if spec.remote is None:
        return spec, None
    cache = spec.path
    meta_file = cache / "meta.json"
    meta = _load_meta(meta_file)
    own = client is None
    http = client or httpx.Client(timeout=_TIMEOUT, follow_redirects=True,
                                  transport=httpx.HTTPTransport(retries=2))
    try:
        url, modified, page, suffix = _resolve(http, spec.remote, spec)
        file = cache / f"data{suffix}"
        # The URL itself may carry a token (signed links): meta.json keeps only its hash.
        url_key = hashlib.sha256(url.encode()).hexdigest()
        headers = _auth(spec.remote)
        conditional = meta.get("url_sha256") == url_key and (cache / str(meta.get("file"))
                                                              ).is_file()
        if conditional:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        sha, etag, last = _download(http, url, headers, file, spec, conditional)
    except httpx.TransportError as exc:
        return _offline(spec, meta, type(exc).__name__)
    except httpx.HTTPError as exc:  # too many redirects, a body that does not decode
        raise SourceReadError(f"download failed: {type(exc).__name__}", file=spec.spec_file,
                              value=redact_url(str(exc.request.url)) if _has_request(exc)
                              else None) from exc
    finally:
        if own:
            http.close()
    if sha is None:  # 304: the cached copy is current
        sha = meta["sha256"]
    else:
        meta = {"url": redact_url(url), "url_sha256": url_key, "file": file.name, "etag": etag,
                "last_modified": last, "modified": modified, "page": page, "sha256": sha,
                "fetched_at": datetime.now(UTC).replace(microsecond=0).isoformat()}
        with atomic_write(meta_file) as fh:
            json.dump(meta, fh, indent=2)
    origin = Origin(url=redact_url(url), modified=modified or last, fetched_at=meta["fetched_at"],
                    sha256=sha, page=page)
    return dataclasses.replace(spec, path=file), origin


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 (httpx raises when the error has no request)
    except RuntimeError:
        return False
    return True


def _resolve(http: httpx.Client, remote: RemoteSpec, spec: SourceSpec
             ) -> tuple[str, str | None, str | None, str]:
    """The file URL, its modification date, the landing page and the local suffix."""
    if remote.url is not None:
        return remote.url, None, None, _suffix(remote.url, None, spec)
    base = str(remote.ckan).rstrip("/")
    api = f"{base}/api/3/action/package_show"
    answer = _get_json(http, api, {"id": str(remote.package)}, _auth(remote), spec)
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(answer, dict) or answer.get("success") is not True or \
            not isinstance(result, dict):
        error = answer.get("error") if isinstance(answer, dict) else None
        raise SourceReadError("CKAN package_show did not succeed", file=spec.spec_file,
                              value=str(remote.package),
                              hint=f"the portal said: {json.dumps(error)[:200]}")
    resource = _pick(result.get("resources") or [], remote, spec)
    url = str(resource.get("url") or "")
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # 'http://[::1' and other unparseable text
        scheme = ""
    if scheme not in ("http", "https"):
        raise SourceReadError("the CKAN resource has no http(s) URL", file=spec.spec_file,
                              value=redact_url(url)[:200])
    modified = resource.get("last_modified") or resource.get("metadata_modified")
    page = f"{base}/dataset/{result.get('name') or remote.package}"
    return url, str(modified) if modified else None, page, _suffix(
        url, str(resource.get("format") or ""), spec)


def _pick(resources: list[Any], remote: RemoteSpec, spec: SourceSpec) -> dict[str, Any]:
    items = [r for r in resources if isinstance(r, dict)]
    if remote.resource is not None:
        hits = [r for r in items if remote.resource in (r.get("name"), r.get("id"))]
    elif remote.format is not None:
        hits = [r for r in items if str(r.get("format", "")).casefold()
                == remote.format.casefold()]
    else:
        hits = items
    listing = "; ".join(f"{r.get('name')!r} ({r.get('format')})" for r in items[:10])
    if len(hits) != 1:
        what = "no resource matches" if not hits else f"{len(hits)} resources match"
        raise SourceReadError(f"CKAN package {remote.package!r}: {what}",
                              file=spec.spec_file,
                              value=remote.resource or remote.format,
                              hint=f"set location.resource to one of: {listing}")
    return hits[0]


def _suffix(url: str, fmt: str | None, spec: SourceSpec) -> str:
    by_format = _SUFFIXES.get((fmt or "").strip().casefold().lstrip("."))
    by_url = PurePosixPath(urlsplit(url).path).suffix.casefold()
    if by_format:
        return by_format
    if by_url in _SUFFIXES.values():
        return by_url
    raise SourceReadError("cannot tell the downloaded file's format", file=spec.spec_file,
                          value=fmt or by_url or redact_url(url)[:120],
                          hint="give location.format (CSV, XLSX, JSON, ZIP)")


def _get_json(http: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str],
              spec: SourceSpec) -> Any:
    response = http.get(url, params=params, headers=headers)
    if response.status_code != 200:
        _http_error(response, spec)
    try:
        return response.json()
    except ValueError as exc:
        raise SourceReadError("the CKAN API did not answer JSON", file=spec.spec_file,
                              value=redact_url(str(response.url)),
                              hint="check location.ckan (the portal's base URL)") from exc


def _download(http: httpx.Client, url: str, headers: dict[str, str], file: Path,
              spec: SourceSpec, conditional: bool
              ) -> tuple[str | None, str | None, str | None]:
    """Stream the file into the cache; ``None`` hash when the server says 304."""
    limit = spec.read.max_bytes
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 304 and conditional:
            return None, None, None
        if response.status_code != 200:
            _http_error(response, spec)
        digest, size = hashlib.sha256(), 0
        file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(file, "wb") as fh:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise SourceReadError(
                        f"download is larger than read.max_bytes ({limit:,} bytes)",
                        file=spec.spec_file, value=redact_url(url),
                        hint="raise read.max_bytes in the spec if it is expected")
                digest.update(chunk)
                fh.write(chunk)
        return digest.hexdigest(), response.headers.get("etag"), \
            response.headers.get("last-modified")


def _offline(spec: SourceSpec, meta: dict[str, Any], why: str
             ) -> tuple[SourceSpec, Origin]:
    file = spec.path / str(meta.get("file", ""))
    if not meta.get("sha256") or not meta.get("file") or not file.is_file():
        raise SourceReadError("cannot reach the source and there is no cached copy",
                              file=spec.spec_file, value=why,
                              hint="check the network or the URL in [location]")
    origin = Origin(url=str(meta["url"]), modified=meta.get("modified"),
                    fetched_at=str(meta["fetched_at"]), sha256=str(meta["sha256"]),
                    page=meta.get("page"),
                    note=f"source unreachable ({why}); used the copy fetched "
                         f"{meta['fetched_at']}")
    return dataclasses.replace(spec, path=file), origin


def _load_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _auth(remote: RemoteSpec) -> dict[str, str]:
    if not remote.api_key_env:
        return {}
    key = os.environ.get(remote.api_key_env)
    if not key:
        raise SpecError(f"environment variable {remote.api_key_env} is not set",
                        hint="it must hold the portal API key named in location.api_key_env")
    return {"Authorization": key}  # CKAN's header for API keys and tokens


def _http_error(response: httpx.Response, spec: SourceSpec) -> None:
    raise SourceReadError(f"HTTP {response.status_code} from the source",
                          file=spec.spec_file, value=redact_url(str(response.url)),
                          hint="check location in the spec (package, resource, URL)")

