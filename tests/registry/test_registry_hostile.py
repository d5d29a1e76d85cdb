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
    assert answer.split(b"\r\n", 1)[0].split()[1] in {b"400", b"401"}, answer[:200]
