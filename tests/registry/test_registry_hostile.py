"""Hostile requests to the embedded registry: refused fast, with a status, never a hang."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest


def _raw(url: str, request: bytes, timeout: float = 5.0) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(4096)


@pytest.mark.parametrize("length", ["-1", "+5", "1_0", "٣", "abc", "9" * 30])
def test_a_bad_content_length_is_400_at_once(length: str, server_url: str) -> None:
    request = (f"POST /structure HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
               "Content-Type: application/xml\r\n\r\n").encode()
    answer = _raw(server_url, request)
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"400", answer[:200]


@pytest.mark.parametrize(("text", "status"), [
    ("-1", 400), ("+5", 400), ("1_0", 400), ("٣", 400), ("9" * 30, 400), ("", None),
    ("12", None), (str(512 * 1024 * 1024 + 1), 413),
])
def test_content_length_is_ascii_digits_within_the_bound(text: str, status: int | None) -> None:
    from sdmx_tools.registry.http import HTTPFailure, content_length

    if status is None:
        assert content_length(text) == (int(text) if text else 0)
        return
    with pytest.raises(HTTPFailure) as info:
        content_length(text)
    assert info.value.status == status


def test_a_body_longer_than_its_content_length_is_400(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from sdmx_tools.registry.app import create_app
    from sdmx_tools.registry.store import RegistryStore

    client = TestClient(create_app(RegistryStore(tmp_path / "r.sqlite"), anonymous_writes=True))
    answer = client.post("/structure", content=b"<x/>" * 10, headers={"Content-Length": "4"})
    assert answer.status_code == 400


def test_head_answers_like_get(server_url: str) -> None:
    import httpx

    assert httpx.head(server_url + "/", timeout=5).status_code == 200


@pytest.fixture
def locked_url(tmp_path):  # type: ignore[no-untyped-def]
    """A registry served with neither credentials nor anonymous writes: the default."""
    from registry_builders import served

    with served(tmp_path / "locked.sqlite") as url:
        yield url


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/structure"), ("PUT", "/structure/codelist/A/CL/1.0"),
    ("DELETE", "/structure/codelist/A/CL/1.0"), ("POST", "/ws/secure/sdmxapi/rest"),
    ("POST", "/data/DF"), ("POST", "/ws/public/data/load"),
])
def test_writes_without_credentials_are_refused_by_default(method: str, path: str,
                                                           locked_url: str) -> None:
    import httpx

    answer = httpx.request(method, locked_url + path, content=b"<x/>", timeout=5)
    assert answer.status_code == 401
    assert httpx.get(locked_url + "/structure/codelist", timeout=5).status_code == 404  # reads


def test_anonymous_writes_only_on_loopback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sdmx_tools.errors import RegistryError
    from sdmx_tools.registry import make_server

    with pytest.raises(RegistryError, match="loopback"):
        make_server(tmp_path / "r.sqlite", "0.0.0.0", 0, anonymous_writes=True)


def test_malformed_json_is_400_not_500(server_url: str) -> None:
    import httpx

    answer = httpx.post(server_url + "/structure", content=b"{not json",
                        headers={"Content-Type": "application/vnd.sdmx.structure+json"},
                        timeout=5)
    assert answer.status_code == 400
