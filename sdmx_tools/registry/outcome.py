"""The value types of pushing: where to push, what to push, what happened."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from sdmx_tools.errors import StructureError

__all__ = ["DataFile", "PushOutcome", "PushResult", "RegistryTarget", "parse_flow_ref"]

Status = Literal["created", "replaced", "unchanged", "loaded", "deleted", "failed"]
_FLOW_RE = re.compile(
    r"^(?P<agency>[A-Za-z0-9_@$.-]+):(?P<id>[A-Za-z0-9_@$-]+)\((?P<version>[^)]+)\)$"
)


@dataclass(frozen=True)
class RegistryTarget:
    """A registry to push to.

    Configuration holds the *names* of environment variables, never secrets: the values
    are read at push time and never copied into results, logs or error messages.

    Attributes
    ----------
    kind
        ``"embedded"`` (write into a local SQLite store), ``"sdmx-rest"`` (SDMX-REST 2
        maintenance API) or ``"fmr"`` (Fusion Metadata Registry submission dialect).
    url
        Base URL for the HTTP kinds.
    database
        SQLite file for ``"embedded"``.
    username_env, password_env, token_env
        Names of environment variables with Basic credentials or a Bearer token.
    """

    kind: Literal["embedded", "sdmx-rest", "fmr"]
    url: str | None = None
    database: Path | None = None
    username_env: str | None = None
    password_env: str | None = None
    token_env: str | None = None

    @property
    def display(self) -> str:
        """``kind location`` with any user information removed from the URL."""
        if self.kind == "embedded":
            return f"embedded {self.database}"
        return f"{self.kind} {safe_url(self.url or '')}"


def safe_url(url: str) -> str:
    """``url`` without ``user:password@`` (credentials must never be shown)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class DataFile:
    """A data file to push, and the dataflow it belongs to.

    Attributes
    ----------
    path
        The file.
    dataflow
        ``"AGENCY:ID(VERSION)"``.
    format
        ``"sdmx-ml"`` (SDMX-ML 2.1 structure-specific data) or ``"sdmx-csv"`` (SDMX-CSV 1.0).
    """

    path: Path
    dataflow: str
    format: Literal["sdmx-ml", "sdmx-csv"]


@dataclass
class PushOutcome:
    """What happened to one artefact (URN) or one data file.

    ``code`` is a stable slug for refusals (``conflict``, ``missing-reference``,
    ``type-mismatch``, ``in-use``, ``not-found``, ``aborted``, ``invalid``), empty otherwise.
    """

    item: str
    status: Status
    message: str = ""
    code: str = ""


@dataclass
class PushResult:
    """Everything one push did, against one target (shown without credentials)."""

    target: str
    outcomes: list[PushOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return all(o.status != "failed" for o in self.outcomes)

    def __str__(self) -> str:
        lines = [f"push to {self.target}: {'ok' if self.ok else 'FAILED'}"]
        for o in self.outcomes:
            lines.append(f"  {o.status:<9} {o.item}" + (f" ({o.message})" if o.message else ""))
        return "\n".join(lines)


def parse_flow_ref(text: str) -> tuple[str, str, str]:
    """Split ``"AGENCY:ID(VERSION)"`` into its parts.

    Raises
    ------
    StructureError
        If ``text`` is not of that form.
    """
    m = _FLOW_RE.match(text.strip())
    if not m:
        raise StructureError(
            "A dataflow reference must be written AGENCY:ID(VERSION)",
            value=text,
            hint="e.g. IAEG-SDGs:SDG(1.4)",
        )
    return m["agency"], m["id"], m["version"]
