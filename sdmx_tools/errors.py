"""One error family for the whole toolkit, and messages fit to show.

Every error the library raises on purpose is a :class:`ToolkitError`; each subclass also
inherits the built-in it resembles (pint's pattern), so ``except ValueError`` still works
for callers that do not know us. Errors carry structured location fields and build their
message in ``__str__``; the CLI turns them into a one-line message and exit status 1.
They pickle (``BaseException.__reduce__`` keeps ``__dict__``), which Dask needs. Long
values are clipped (:func:`clip`) and URLs lose their secrets (:func:`redact_url`) before
they reach a message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "CodelistError",
    "IndicatorError",
    "RegistryError",
    "ReleaseError",
    "SourceReadError",
    "SpecError",
    "StructureError",
    "TerritoryError",
    "ToolkitError",
    "UnitError",
    "WorkspaceError",
    "clip",
    "first_line",
    "format_location",
    "redact_url",
]


_MESSAGE_LIMIT = 600


def format_location(file: str | None, row: int | None, column: str | None,
                    key: str | None) -> str:
    """``file:row, column 'c', key k`` with the parts that are known ("" when none is)."""
    parts = []
    where = file or ""
    if row is not None:
        where = f"{where}:{row}" if where else f"row {row}"
    if where:
        parts.append(where)
    if column is not None:
        parts.append(f"column {column!r}")
    if key is not None:
        parts.append(f"key {key}")
    return ", ".join(parts)


def clip(text: str, limit: int = 120) -> str:
    """``text``, or its start and its length when longer than ``limit`` characters."""
    keep = 100 if limit <= 140 else limit - 40
    return text if len(text) <= limit else f"{text[:keep]}… ({len(text):,} characters)"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (library messages can be long)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redact_url(url: str) -> str:
    """A URL fit for messages: no user:password, no query values (tokens hide there).

    Parameters
    ----------
    url
        Any text; it need not be a valid URL.

    Returns
    -------
    str
        The URL without user information, query values or fragment, or
        ``"(an unparseable URL)"`` when it cannot be split (nothing of it is echoed then:
        a malformed URL may still hold a secret).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return "(an unparseable URL)"
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets (hostname drops them)
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    query = "&".join(f"{kv.split('=', 1)[0]}=…" for kv in parts.query.split("&") if kv)
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


class ToolkitError(Exception):
    """Base of every error raised on purpose by sdmx-tools.

    ``exit_code`` is the CLI's exit status for it: 1 (data or settings), 3 (a registry
    that cannot be reached: try again later).

    Parameters
    ----------
    message
        What went wrong, in one sentence.
    file, row, column, key
        Where: a file path, a 1-based row number in that file, a column name, or an SDMX
        key. Any may be omitted.
    value
        The offending value, shown quoted.
    hint
        What to do next ("did you mean 02004 Tijuana?").
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: Any = None,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.key = key
        self.value = value
        self.hint = hint

    @property
    def location(self) -> str:
        """``file:row, column 'c', key k`` with the parts that are known."""
        return format_location(self.file, self.row, self.column, self.key)

    def __str__(self) -> str:
        # A message may quote a library's text, which may quote the input: bound it too.
        text = clip(self.message, _MESSAGE_LIMIT)
        if self.value is not None:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
            text = f"{text} (value {clip(shown)})"
        if self.location:
            text = f"{self.location}: {text}"
        if self.hint:
            text = f"{text}. Hint: {clip(self.hint, _MESSAGE_LIMIT)}"
        return text


class WorkspaceError(ToolkitError, FileNotFoundError):
    """The workspace is missing, incomplete, or its settings file is invalid."""


class SpecError(ToolkitError, ValueError):
    """A source spec or indicator definition is invalid (unknown key, missing column...)."""


class SourceReadError(ToolkitError, OSError):
    """A source file cannot be read at all (missing, empty, undecodable, too large)."""


class TerritoryError(ToolkitError, LookupError):
    """An area code or name cannot be resolved to the official codelist."""


class CodelistError(ToolkitError, LookupError):
    """A codelist is missing or a code is not in it."""


class UnitError(ToolkitError, ValueError):
    """A unit is unknown to pint, or incompatible with the unit it must convert to."""


class IndicatorError(ToolkitError, ValueError):
    """An indicator cannot be computed from the data given."""


class StructureError(ToolkitError, ValueError):
    """SDMX structures or data are invalid (XSD, unknown code, missing attribute)."""


class RegistryError(ToolkitError, ConnectionError):
    """A registry refused a submission or could not be reached."""


class ReleaseError(ToolkitError, OSError):
    """The release site cannot be rendered."""
