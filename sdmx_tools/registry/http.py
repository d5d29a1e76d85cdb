"""Minimal WSGI plumbing for the registry app: requests, responses, Basic/Bearer auth.

Stdlib only (no web framework): the registry must run wherever the toolkit is installed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from sdmx_tools.registry.messages import error_message

__all__ = ["MAX_BODY", "Credentials", "HTTPFailure", "Request", "Response"]

#: Largest request body accepted (bytes); larger bodies get 413.
MAX_BODY = 512 * 1024 * 1024

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 207: "Multi-Status", 400: "Bad Request",
    401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Content", 500: "Internal Server Error",
}
XML = "application/xml; charset=utf-8"


class HTTPFailure(Exception):
    """Raised by handlers to answer with an SDMX-ML Error message."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}


@dataclass
class Response:
    """What a handler returns."""

    status: int
    body: bytes = b""
    content_type: str = XML
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any) -> Response:
        """A JSON response."""
        return cls(status, json.dumps(value).encode(), "application/json")

    @classmethod
    def error(cls, failure: HTTPFailure) -> Response:
        """An SDMX-ML Error message for ``failure``."""
        return cls(failure.status, error_message(failure.status, failure.text),
                   headers=failure.headers)

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        """Hand the response to the WSGI server."""
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        headers += list(self.headers.items())
        start_response(f"{self.status} {_REASONS.get(self.status, 'Unknown')}", headers)
        return [self.body]


@dataclass
class Request:
    """The parts of a WSGI environ the handlers use."""

    method: str
    path: str
    query: dict[str, str]
    environ: dict[str, Any]

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Build from a WSGI environ (query parameter names lower-cased)."""
        query = {k.lower(): v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        path = environ.get("PATH_INFO", "/") or "/"  # already percent-decoded by WSGI
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), path, query, environ)

    def header(self, name: str) -> str:
        """A request header, case-insensitively ("" when absent)."""
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() in {"content-type", "content-length"}:
            key = key[5:]
        return str(self.environ.get(key, ""))

    def body(self) -> bytes:
        """The request body (refused above :data:`MAX_BODY`)."""
        text = self.header("Content-Length").strip() or "0"
        # int() takes "-1", "+5", "1_000" and Unicode digits: a length is ASCII digits only.
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            raise HTTPFailure(400, "Content-Length is not a length in bytes")
        length = int(text)
        if length > MAX_BODY:
            raise HTTPFailure(413, f"Request body larger than {MAX_BODY} bytes")
        return bytes(self.environ["wsgi.input"].read(length)) if length else b""

    def upload(self) -> bytes:
        """The body, or the ``uploadFile`` part of a multipart/form-data body (FMR's name)."""
        body = self.body()
        ctype = self.header("Content-Type")
        if not ctype.lower().startswith("multipart/"):
            return body
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode("latin-1") + body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "uploadFile":
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else b""
        raise HTTPFailure(400, "multipart body has no 'uploadFile' field")


@dataclass(frozen=True)
class Credentials:
    """What write requests must present (Basic user/password and/or a Bearer token).

    ``repr`` hides the values so that a logged configuration never leaks them.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def allows(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header value matches (constant-time comparisons)."""
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and self.token:
            return hmac.compare_digest(value.strip().encode(), self.token.encode())
        if scheme.lower() == "basic" and self.username is not None and self.password is not None:
            try:
                user, _, pwd = base64.b64decode(value.strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return hmac.compare_digest(user.encode(), self.username.encode()) & hmac.compare_digest(
                pwd.encode(), self.password.encode()
            )
        return False
