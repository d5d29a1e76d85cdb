"""What the registry's handlers see: a request, a response, Basic/Bearer credentials.

Independent of the web framework: the ASGI app (:mod:`.app`, Starlette) reads the body
(bounded by :data:`MAX_BODY`) and headers into a :class:`Request`, and turns the
:class:`Response` a handler returns into its own.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from sdmx_tools.registry.messages import error_message

__all__ = ["MAX_BODY", "Credentials", "HTTPFailure", "Request", "Response", "content_length"]

#: Largest request body accepted (bytes); larger bodies get 413.
MAX_BODY = 512 * 1024 * 1024

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



@dataclass
class Request:
    """The parts of an HTTP request the handlers use (the body already read, bounded)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    content: bytes = b""

    def header(self, name: str) -> str:
        """A request header, case-insensitively ("" when absent)."""
        return self.headers.get(name.lower(), "")

    def body(self) -> bytes:
        """The request body."""
        return self.content

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


def content_length(text: str) -> int:
    """A ``Content-Length`` value checked: ASCII digits only, at most :data:`MAX_BODY`.

    Raises
    ------
    HTTPFailure
        400 for anything but a length (``-1``, ``+5``, ``1_000``: ``int()`` takes them),
        413 above :data:`MAX_BODY`.
    """
    text = text.strip() or "0"
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise HTTPFailure(400, "Content-Length is not a length in bytes")
    length = int(text)
    if length > MAX_BODY:
        raise HTTPFailure(413, f"Request body larger than {MAX_BODY} bytes")
    return length


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
