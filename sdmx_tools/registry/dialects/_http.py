"""What the HTTP dialects share: credentials from env vars, an httpx client, error mapping,
and retries of idempotent requests.

Credentials are read from the environment at the last moment and handed to httpx as an
auth object; they never enter a URL, a message, an outcome or an exception.

Retries: httpx's transport retries a failed *connection* (nothing was sent yet) for every
method. Beyond that, only idempotent requests (GET, HEAD, PUT, DELETE) are sent again, on a
transport failure after connecting or on 502/503/504, with bounded exponential backoff
(:data:`RETRY`). A POST that reached the server is never sent twice: a registry that
timed out may still have applied it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from lxml import etree

from sdmx_tools.errors import RegistryError, StructureError, redact_url
from sdmx_tools.exchange.xmlsafe import parse
from sdmx_tools.registry.messages import parse_submit_structure_response
from sdmx_tools.registry.outcome import DataUpload, PushOutcome
from sdmx_tools.workspace import RegistryTarget

__all__ = [
    "RETRY", "RegistryHTTPError", "RegistryUnreachable", "RetryPolicy", "base_url", "fail",
    "open_client", "registry_message", "send", "structure_outcomes", "unanswered",
]

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(120.0, connect=10.0)
RETRIES = 3  # httpx retries connection failures only, never a request that was sent
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, an idempotent request is sent again.

    Attributes
    ----------
    attempts
        Requests in all (1: no retry).
    base_delay, max_delay
        Seconds before the first retry, doubled each time, never above ``max_delay``
        (a numeric ``Retry-After`` is honoured within the same bound).
    statuses
        Answers that mean "try again": a gateway or an overloaded server.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    statuses: frozenset[int] = frozenset({502, 503, 504})

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        wait = self.base_delay * 2 ** (attempt - 1)
        after = response.headers.get("Retry-After", "") if response is not None else ""
        if after.strip().isdigit():
            wait = float(after)
        return min(wait, self.max_delay)


#: The policy :func:`send` applies to idempotent requests (tests shorten it).
RETRY = RetryPolicy()


class RegistryHTTPError(RegistryError):
    """A registry answered with an HTTP error, or could not be reached.

    Attributes
    ----------
    url
        The request URL (never with credentials).
    status_code
        The HTTP status, or None when no answer came.
    """

    def __init__(self, message: str, *, url: str = "", status_code: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, file=url or None, hint=hint)
        self.url = url
        self.status_code = status_code


def base_url(target: RegistryTarget) -> str:
    """The target's base URL without a trailing slash; refuses credentials in the URL."""
    if not target.url:
        raise RegistryError(f"A {target.kind} target needs a url")
    # Never echo the URL in these errors: it may hold a secret.
    try:
        parts = urlsplit(target.url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise RegistryError(f"The {target.kind} target URL cannot be parsed",
                            hint="check the url in the push settings") from None
    if parts.username is not None or parts.password is not None:
        raise RegistryError(f"The {target.kind} target URL contains credentials",
                            hint="name environment variables in username_env/password_env")
    return target.url.rstrip("/")


def secret_from_env(name: str) -> str:
    """The value of an environment variable holding a credential (error when unset)."""
    value = os.environ.get(name)
    if not value:
        raise RegistryError(f"Environment variable {name} is not set",
                            hint="it must hold the registry credential named in the settings")
    return value


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def _auth(target: RegistryTarget) -> httpx.Auth | None:
    if target.token_env:
        return _Bearer(secret_from_env(target.token_env))
    if target.username_env or target.password_env:
        if not (target.username_env and target.password_env):
            raise RegistryError("Basic auth needs both username_env and password_env")
        return httpx.BasicAuth(secret_from_env(target.username_env),
                               secret_from_env(target.password_env))
    return None


class RegistryUnreachable(RegistryHTTPError):
    """No answer came (transport failure): exit 3, the same push may succeed later."""

    exit_code = 3


@contextmanager
def open_client(target: RegistryTarget) -> Iterator[httpx.Client]:
    """An httpx client with the target's auth, timeouts and connect retries."""
    transport = httpx.HTTPTransport(retries=RETRIES)
    with httpx.Client(auth=_auth(target), timeout=TIMEOUT, transport=transport,
                      follow_redirects=False) as client:
        yield client


def registry_message(response: httpx.Response) -> str:
    """The registry's own explanation from an error body (SDMX-ML Error, JSON or text)."""
    body = response.content
    text = ""
    if body.lstrip()[:1] == b"<":
        try:
            root = parse(body, what="error message")
            text = " ".join((t.text or "").strip() for t in root.iter()
                            if isinstance(t.tag, str) and etree.QName(t).localname == "Text")
        except StructureError:
            text = ""
    if not text:
        try:
            text = json.dumps(response.json())
        except ValueError:
            text = response.text
    text = " ".join(text.split())
    # A careless server may echo the credential it refused: it must not reach a message.
    secret = response.request.headers.get("Authorization", "").partition(" ")[2].strip()
    if len(secret) >= 4:
        text = text.replace(secret, "[credential]")
    return text[:500] + ("..." if len(text) > 500 else "")


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request, retried per :data:`RETRY` when idempotent (see the module's notes).

    Returns the last answer (a 503 after the last attempt too: the caller decides).

    Raises
    ------
    RegistryUnreachable
        When no answer came (after the retries an idempotent request is allowed).
    """
    attempts = max(RETRY.attempts, 1) if method.upper() in IDEMPOTENT else 1
    attempt = 0
    while True:
        attempt += 1
        again = attempt < attempts
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            # A connection that failed was retried by the transport already.
            if not again or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                raise _unreachable(exc, url) from None
            why, wait = type(exc).__name__, RETRY.delay(attempt, None)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, url) from None
        else:
            if not again or response.status_code not in RETRY.statuses:
                return response
            why, wait = f"HTTP {response.status_code}", RETRY.delay(attempt, response)
        log.warning("%s %s: %s; retrying in %.2f s (attempt %d of %d)", method,
                    redact_url(url), why, wait, attempt + 1, attempts)
        time.sleep(wait)


def _unreachable(exc: httpx.HTTPError, url: str) -> RegistryUnreachable:
    return RegistryUnreachable(
        f"Cannot reach the registry ({type(exc).__name__})", url=redact_url(url),
        hint="check the url and that the registry is running",
    )


def fail(response: httpx.Response, what: str) -> RegistryHTTPError:
    """The error for an unexpected answer."""
    hint = "check the credentials' environment variables" if response.status_code in {
        401, 403} else None
    return RegistryHTTPError(
        f"{what} failed: HTTP {response.status_code}: {registry_message(response)}",
        url=redact_url(str(response.request.url)), status_code=response.status_code,
        hint=hint,
    )


def unanswered(response: httpx.Response) -> bool:
    """Whether the status says the request was not handled at all (credentials refused, no
    such endpoint or method, server failure): then the body is no SDMX answer to read."""
    return response.status_code in {401, 403, 404, 405} or response.status_code >= 500


def push_structure_then_data(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload], *,
    structure_path: str, structure_headers: dict[str, str],
    push_one: Callable[[httpx.Client, str, DataUpload], PushOutcome],
) -> list[PushOutcome]:
    """The flow of every HTTP dialect: one client, the structures, then each data file."""
    base = base_url(target)
    outcomes: list[PushOutcome] = []
    with open_client(target) as client:
        if structure is not None:
            response = send(client, "POST", f"{base}{structure_path}", content=structure,
                            headers=structure_headers)
            outcomes += structure_outcomes(response, "Structure submission")
        outcomes += [push_one(client, base, upload) for upload in data]
    return outcomes


def json_body(response: httpx.Response, what: str) -> Any:
    """The JSON answer, or the located error when the registry answered something else."""
    try:
        return response.json()
    except ValueError:
        raise fail(response, f"{what} (the answer is not JSON)") from None


def structure_outcomes(response: httpx.Response, what: str) -> list[PushOutcome]:
    """Outcomes from a SubmitStructureResponse; any other answer raises."""
    if unanswered(response):
        raise fail(response, what)
    try:
        outcomes = parse_submit_structure_response(response.content)
    except StructureError:
        raise fail(response, what) from None
    if response.is_error and all(o.status != "failed" for o in outcomes):
        raise fail(response, what)
    return outcomes
