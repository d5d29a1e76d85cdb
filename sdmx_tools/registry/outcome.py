"""The value types of pushing: where to push, what to push, what happened."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sdmx_tools.errors import StructureError

__all__ = [
    "DataFile",
    "DataFormat",
    "DataUpload",
    "PushOutcome",
    "PushResult",
    "format_flow_ref",
    "parse_flow_ref",
]

Status = Literal["created", "replaced", "unchanged", "loaded", "deleted", "failed"]
#: A data file's format: ``sdmx-ml`` is an SDMX-ML 2.1 data message (push sends
#: structure-specific; the store takes generic too), ``sdmx-csv`` SDMX-CSV 1.0,
#: ``sdmx-csv2`` SDMX-CSV 2.0.
DataFormat = Literal["sdmx-ml", "sdmx-csv", "sdmx-csv2"]
_AGENCY, _ID = r"(?P<agency>[A-Za-z0-9_@$.-]+)", r"(?P<id>[A-Za-z0-9_@$-]+)"
# AGENCY:ID(VERSION), as SDMX-CSV writes it, or AGENCY,ID,VERSION, as SDMX-REST paths do.
_FLOW_RES = (
    re.compile(rf"^{_AGENCY}:{_ID}\((?P<version>[^)]+)\)$"),
    re.compile(rf"^{_AGENCY},{_ID},(?P<version>[^,)]+)$"),
)


@dataclass(frozen=True)
class DataFile:
    """A data file to push, and the dataflow it belongs to.

    Attributes
    ----------
    path
        The file.
    dataflow
        ``"AGENCY:ID(VERSION)"`` (or ``"AGENCY,ID,VERSION"``).
    format
        ``"sdmx-ml"`` (SDMX-ML 2.1 structure-specific data), ``"sdmx-csv"`` (SDMX-CSV 1.0)
        or ``"sdmx-csv2"`` (SDMX-CSV 2.0).
    """

    path: Path
    dataflow: str
    format: DataFormat


@dataclass(frozen=True)
class DataUpload:
    """A data file read for pushing: its bytes, its dataflow, and its label in outcomes.

    Attributes
    ----------
    name
        The file's name.
    dataflow
        ``(agency, id, version)`` of the dataflow.
    format
        As :attr:`DataFile.format`.
    content
        The file's bytes.
    """

    name: str
    dataflow: tuple[str, str, str]
    format: DataFormat
    content: bytes = field(repr=False)

    @property
    def flow_ref(self) -> str:
        """The dataflow as ``AGENCY:ID(VERSION)``."""
        return format_flow_ref(*self.dataflow)

    @property
    def label(self) -> str:
        """``file -> AGENCY:ID(VERSION) [format]``, the item of this file's outcome."""
        return f"{self.name} -> {self.flow_ref} [{self.format}]"


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

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (what ``push --format json`` prints)."""
        return {"target": self.target, "ok": self.ok,
                "outcomes": [asdict(o) for o in self.outcomes]}

    def __str__(self) -> str:
        lines = [f"push to {self.target}: {'ok' if self.ok else 'FAILED'}"]
        for o in self.outcomes:
            lines.append(f"  {o.status:<9} {o.item}" + (f" ({o.message})" if o.message else ""))
        return "\n".join(lines)


def parse_flow_ref(text: str) -> tuple[str, str, str]:
    """Split ``"AGENCY:ID(VERSION)"`` or ``"AGENCY,ID,VERSION"`` into its parts.

    Raises
    ------
    StructureError
        If ``text`` is of neither form.
    """
    for pattern in _FLOW_RES:
        m = pattern.match(text.strip())
        if m:
            return m["agency"], m["id"], m["version"]
    raise StructureError(
        "A dataflow reference must be written AGENCY:ID(VERSION) or AGENCY,ID,VERSION",
        value=text,
        hint="e.g. IAEG-SDGs:SDG(1.4)",
    )


def format_flow_ref(agency: str, id: str, version: str) -> str:
    """``"AGENCY:ID(VERSION)"``, the form :func:`parse_flow_ref` reads and SDMX-CSV writes."""
    return f"{agency}:{id}({version})"
