"""CKAN and URL sources against a real HTTP server on 127.0.0.1 serving recorded answers.

The ``package_show`` answer is shaped like a state portal's (Nuevo León's CKAN 2.9):
``{"help": ..., "success": true, "result": {..., "resources": [...]}}``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sdmx_tools.errors import SourceReadError, SpecError
from sdmx_tools.ingest.fetch import fetch_source
from sdmx_tools.ingest.harmonise import harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.territory import AreaCodelist

CSV = ("Clave,Municipio,Poblacion\r\n19039,Monterrey,\"1,142,994\"\r\n"
       "19026,Guadalupe,\"643,143\"\r\n19046,San Nicolás de los Garza,\"412,199\"\r\n"
       ).encode("cp1252")
SECRET = "ckan-secret-token-7f3a"


class Portal:
    """What the server serves and what it saw."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.body = CSV
        self.base = ""
        self.success = True

    def package(self) -> dict[str, Any]:
        return {
            "help": f"{self.base}/api/3/action/help_show?name=package_show",
            "success": self.success,
            **({"result": {
                "id": "5f1c0a4e-poblacion", "name": "poblacion-municipal-2020",
                "title": "Población municipal 2020", "metadata_modified": "2024-02-01T10:00:00",
                "resources": [
                    {"id": "r-csv", "name": "Población por municipio", "format": "CSV",
                     "url": f"{self.base}/dataset/poblacion/resource/r-csv/download/pob.csv",
                     "last_modified": "2024-01-31T09:12:44.123456"},
                    {"id": "r-xlsx", "name": "Población por municipio (Excel)",
                     "format": "XLSX", "url": f"{self.base}/download/pob.xlsx"},
                    {"id": "r-trap", "name": "trampa", "format": "CSV",
                     "url": "file:///etc/passwd"},
                    {"id": "r-big", "name": "enorme", "format": "CSV",
                     "url": f"{self.base}/download/big.csv"},
                ]}} if self.success else
               {"error": {"__type": "Not Found Error", "message": "Not found"}}),
        }


@pytest.fixture()
def portal() -> Iterator[Portal]:
    state = Portal()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            state.requests.append((self.path, dict(self.headers)))
            if url.path == "/api/3/action/package_show":
                ident = parse_qs(url.query).get("id", [""])[0]
                ok = ident == "poblacion-municipal-2020" and state.success
                body = json.dumps(state.package() if ok else {
                    "success": False, "error": {"message": "Not found"}}).encode()
                self._send(200 if ok else 404, body, "application/json")
            elif url.path.endswith("/pob.csv"):
                etag = '"' + hashlib.sha256(state.body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self._send(200, state.body, "text/csv", etag=etag)
            elif url.path == "/loop.csv":
                self.send_response(302)
                self.send_header("Location", "/loop.csv")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url.path == "/gzip.csv":
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", "9")
                self.end_headers()
                self.wfile.write(b"not gzip!")
            elif url.path == "/always304.csv":
                self.send_response(304)
                self.end_headers()
            elif url.path.endswith("/big.csv"):
                self._send(200, b"Clave,Poblacion\n" + b"1001,1\n" * 200_000, "text/csv")
            else:
                self._send(404, b"not here", "text/plain")

        def _send(self, status: int, body: bytes, kind: str, etag: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def workspace(root: Path, location: str, read: str = "") -> Path:
    (root / "sources").mkdir(parents=True, exist_ok=True)
    spec = root / "sources" / "nl.toml"
    spec.write_text(f"""
id = "nl_poblacion"
[location]
{location}
[read]
{read}
[area]
code_column = "Clave"
[period]
value = "2020"
[[measures]]
id = "population"
unit = "person"
column = "Poblacion"
""", encoding="utf-8")
    return spec


def ckan(portal: Portal, extra: str = 'format = "CSV"\nresource = "Población por municipio"'
         ) -> str:
    return f'ckan = "{portal.base}"\npackage = "poblacion-municipal-2020"\n{extra}'


def test_ckan_resource_downloaded_cached_and_recorded(portal: Portal, tmp_path: Path,
                                                      areas: AreaCodelist) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal)), tmp_path)
    local, origin = fetch_source(spec)
    assert origin is not None
    assert local.path == tmp_path.resolve() / ".cache" / "sources" / "nl_poblacion" / "data.csv"
    assert local.path.read_bytes() == CSV
    assert origin.sha256 == hashlib.sha256(CSV).hexdigest()
    assert origin.url.endswith("/dataset/poblacion/resource/r-csv/download/pob.csv")
    assert origin.modified == "2024-01-31T09:12:44.123456"
    assert origin.page == f"{portal.base}/dataset/poblacion-municipal-2020"
    assert origin.note is None
    h = harmonise(read_table(local.path, local.read), local, areas)
    assert dict(zip(h.observations["REF_AREA"], h.observations["value"], strict=True)) == {
        "19039": 1142994.0, "19026": 643143.0, "19046": 412199.0}
    assert h.sha256 == origin.sha256
    meta = json.loads((local.path.parent / "meta.json").read_text())
    assert meta["sha256"] == origin.sha256 and meta["url"] == origin.url


def test_second_run_sends_etag_and_reuses_the_copy(portal: Portal, tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal)), tmp_path)
    _, first = fetch_source(spec)
    _, second = fetch_source(spec)
    downloads = [h for p, h in portal.requests if p.endswith("pob.csv")]
    assert len(downloads) == 2 and "If-None-Match" not in downloads[0]
    assert downloads[1]["If-None-Match"].startswith('"')
    assert first is not None and second is not None and second.sha256 == first.sha256
    assert second.fetched_at == first.fetched_at  # 304: nothing fetched anew


def test_changed_file_is_fetched_again(portal: Portal, tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal)), tmp_path)
    fetch_source(spec)
    portal.body = CSV + b"19048,Santa Catarina,\"306,322\"\r\n"
    local, origin = fetch_source(spec)
    assert origin is not None and origin.sha256 == hashlib.sha256(portal.body).hexdigest()
    assert local.path.read_bytes() == portal.body


def test_unreachable_portal_uses_the_cached_copy_and_says_so(portal: Portal,
                                                             tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal)), tmp_path)
    _, online = fetch_source(spec)
    # A port nothing listens on: the portal is down.
    spec_text = (tmp_path / "sources" / "nl.toml").read_text()
    down = spec_text.replace(portal.base, "http://127.0.0.1:9")
    (tmp_path / "sources" / "nl.toml").write_text(down)
    local, offline = fetch_source(load_spec(tmp_path / "sources" / "nl.toml", tmp_path))
    assert online is not None and offline is not None
    assert offline.sha256 == online.sha256 and local.path.read_bytes() == CSV
    assert offline.note is not None and "used the copy fetched" in offline.note


def test_unreachable_portal_without_cache_is_an_error(tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, 'url = "http://127.0.0.1:9/pob.csv"'), tmp_path)
    with pytest.raises(SourceReadError, match="no cached copy") as info:
        fetch_source(spec)
    assert Path(str(info.value.file)).name == "nl.toml"


def test_direct_url(portal: Portal, tmp_path: Path) -> None:
    url = f"{portal.base}/dataset/poblacion/resource/r-csv/download/pob.csv"
    spec = load_spec(workspace(tmp_path, f'url = "{url}"'), tmp_path)
    local, origin = fetch_source(spec)
    assert local.path.name == "data.csv" and origin is not None and origin.url == url


def test_ambiguous_format_lists_the_resources(portal: Portal, tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal, 'format = "CSV"')), tmp_path)
    with pytest.raises(SourceReadError, match="3 resources match") as info:
        fetch_source(spec)
    assert "'Población por municipio' (CSV)" in str(info.value.hint)
    assert "location.resource" in str(info.value.hint)


def test_resource_with_a_non_http_url_is_refused(portal: Portal, tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal, 'resource = "trampa"')), tmp_path)
    with pytest.raises(SourceReadError, match="no http"):
        fetch_source(spec)
    assert not (tmp_path / ".cache" / "sources" / "nl_poblacion" / "data.csv").exists()


def test_unknown_package_reports_the_portal_answer(portal: Portal, tmp_path: Path) -> None:
    location = f'ckan = "{portal.base}"\npackage = "no-existe"'
    spec = load_spec(workspace(tmp_path, location), tmp_path)
    with pytest.raises(SourceReadError, match="HTTP 404"):
        fetch_source(spec)


def test_download_over_max_bytes_leaves_nothing(portal: Portal, tmp_path: Path) -> None:
    spec = load_spec(workspace(tmp_path, ckan(portal, 'resource = "enorme"'),
                               read="max_bytes = 100_000"), tmp_path)
    with pytest.raises(SourceReadError, match=r"larger than read\.max_bytes"):
        fetch_source(spec)
    cache = tmp_path / ".cache" / "sources" / "nl_poblacion"
    assert not any(p.name.startswith("data") for p in cache.iterdir()) if cache.exists() \
        else True


def test_api_key_goes_in_a_header_only(portal: Portal, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL_CKAN_KEY", SECRET)
    location = ckan(portal) + '\napi_key_env = "NL_CKAN_KEY"'
    spec = load_spec(workspace(tmp_path, location), tmp_path)
    fetch_source(spec)
    assert all(h.get("Authorization") == SECRET for _, h in portal.requests)
    assert all(SECRET not in p for p, _ in portal.requests)
    meta = (tmp_path / ".cache" / "sources" / "nl_poblacion" / "meta.json").read_text()
    assert SECRET not in meta
    monkeypatch.delenv("NL_CKAN_KEY")
    with pytest.raises(SpecError, match="NL_CKAN_KEY is not set") as info:
        fetch_source(spec)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(("location", "message"), [
    ('path = "a.csv"\nurl = "https://x.org/a.csv"', "exactly one of"),
    ('url = "ftp://x.org/a.csv"', "http(s) URL"),
    ('ckan = "https://datos.nl.gob.mx"', "needs location.package"),
    ('url = "https://x.org/a.csv"\npackage = "p"', "apply to a ckan location"),
    ('path = "a.csv"\nformat = "CSV"', "only applies to a url or ckan"),
])
def test_bad_locations_are_spec_errors(tmp_path: Path, location: str, message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_spec(workspace(tmp_path, location), tmp_path)


def test_signed_url_token_is_never_recorded(portal: Portal, tmp_path: Path) -> None:
    url = f"{portal.base}/dataset/poblacion/resource/r-csv/download/pob.csv?token={SECRET}"
    spec = load_spec(workspace(tmp_path, f'url = "{url}"'), tmp_path)
    _, origin = fetch_source(spec)
    assert origin is not None and SECRET not in origin.url and origin.url.endswith("token=…")
    meta = (tmp_path / ".cache" / "sources" / "nl_poblacion" / "meta.json").read_text()
    assert SECRET not in meta
    _, again = fetch_source(spec)  # the ETag is still reused (the URL is kept as a hash)
    assert again is not None and again.fetched_at == origin.fetched_at


@pytest.mark.parametrize(("path", "message"), [
    ("/loop.csv", "TooManyRedirects"), ("/gzip.csv", "DecodingError"),
    ("/always304.csv", "HTTP 304")])
def test_misbehaving_servers_are_located_errors(portal: Portal, tmp_path: Path, path: str,
                                                message: str) -> None:
    spec = load_spec(workspace(tmp_path, f'url = "{portal.base}{path}"'), tmp_path)
    with pytest.raises(SourceReadError, match=message) as info:
        fetch_source(spec)
    assert Path(str(info.value.file)).name == "nl.toml"
    assert not (tmp_path / ".cache" / "sources" / "nl_poblacion" / "data.csv").exists()
