"""What a push would change: each artefact new, changed or unchanged; each data file compared.

Takes the Structure message and the data uploads a push would send, and the registry's
copies as a dialect's :class:`Reader` fetches them; hands on a :class:`RegistryDiff` (text
and JSON renderings) that ``push --dry-run`` prints and a push uses to skip unchanged
artefacts. Artefacts are compared by :func:`~.artefacts.content_digest` (namespace
prefixes, layout, ``urn`` attributes and the message header do not count: registries
reformat what they store); data by their sorted tidy frames
(:func:`~sdmx_tools.exchange.readers.read_data`), whatever format each side is in.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from lxml import etree

from sdmx_tools.errors import StructureError, first_line
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.registry.artefacts import Artefact, Key, content_digest, split_structure_message
from sdmx_tools.registry.outcome import DataUpload, PushResult

__all__ = [
    "ArtefactChange",
    "DataChange",
    "NotComparable",
    "PushReport",
    "Reader",
    "RegistryDiff",
    "compare",
]

ChangeStatus = Literal["new", "changed", "unchanged"]
DataStatus = Literal["new", "changed", "unchanged", "not comparable"]


class NotComparable(Exception):
    """Raised by :meth:`Reader.data` when the registry cannot serve a data set to compare."""


class Reader(Protocol):
    """How a dialect reads what a registry holds (GETs only: a diff never writes)."""

    def structure(self, key: Key) -> etree._Element | None:
        """The registry's copy of one maintainable artefact, or None when it has none."""

    def data(self, flow: tuple[str, str, str]) -> bytes | None:
        """The registry's data set of a dataflow (any SDMX data format), None when empty.

        Raises :class:`NotComparable` when the registry cannot serve it.
        """


@dataclass(frozen=True)
class ArtefactChange:
    """One maintainable artefact of the Structure message against the registry's copy."""

    urn: str
    status: ChangeStatus
    detail: str = ""


@dataclass(frozen=True)
class DataChange:
    """One data file against the registry's data set for its dataflow.

    ``observations`` is the number this push sends; ``detail`` says what differs, or why
    the data cannot be compared.
    """

    item: str
    observations: int
    status: DataStatus
    detail: str = ""


@dataclass
class RegistryDiff:
    """What a push would change in one registry (shown without credentials)."""

    target: str
    structures: list[ArtefactChange] = field(default_factory=list)
    data: list[DataChange] = field(default_factory=list)

    @property
    def unchanged(self) -> set[str]:
        """URNs of the artefacts the registry already holds exactly."""
        return {c.urn for c in self.structures if c.status == "unchanged"}

    def counts(self) -> dict[str, int]:
        """How many artefacts and data files are new, changed, unchanged, not comparable."""
        statuses: list[str] = [c.status for c in self.structures]
        return dict(Counter(statuses + [c.status for c in self.data]))

    def to_dict(self) -> dict[str, Any]:
        """The diff as plain data (what ``push --format json`` prints under ``diff``)."""
        return {"target": self.target, "counts": self.counts(),
                "structures": [asdict(c) for c in self.structures],
                "data": [asdict(c) for c in self.data]}

    def to_text(self) -> str:
        """One line per artefact and data file, after a summary line."""
        summary = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        lines = [f"diff against {self.target}: {summary or 'nothing to push'}"]
        lines += [f"  {c.status:<9} {c.urn}" + (f" ({c.detail})" if c.detail else "")
                  for c in self.structures]
        lines += [f"  {c.status:<9} {c.item}: {c.observations:,} observations"
                  + (f" ({c.detail})" if c.detail else "") for c in self.data]
        return "\n".join(lines)


@dataclass
class PushReport:
    """A push: the diff it printed first, then what the registry did (nothing if a dry run)."""

    diff: RegistryDiff
    result: PushResult
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """False when the registry refused something."""
        return self.result.ok

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"dry_run", "diff", "push"}`` (``push`` is None on a dry run)."""
        return {"dry_run": self.dry_run, "diff": self.diff.to_dict(),
                "push": None if self.dry_run else self.result.to_dict()}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """The diff, then the push's outcomes (or that nothing was sent)."""
        after = "dry run: nothing was sent" if self.dry_run else str(self.result)
        return f"{self.diff.to_text()}\n{after}"


def compare(target: str, structure: bytes | None, uploads: Sequence[DataUpload],
            reader: Reader) -> RegistryDiff:
    """Compare what a push would send with what ``reader`` finds in the registry.

    Raises
    ------
    StructureError
        When the Structure message or one of our data files is unreadable.
    RegistryError
        When the registry cannot be reached or refuses the reads.
    """
    artefacts = split_structure_message(structure) if structure is not None else []
    changes = [compare_artefact(a, reader.structure(a.key)) for a in artefacts]
    data = []
    for upload in uploads:
        ours = read_data(upload.content, name=upload.name)
        try:
            theirs = reader.data(upload.dataflow)
        except NotComparable as exc:
            data.append(DataChange(upload.label, len(ours), "not comparable", str(exc)))
            continue
        data.append(compare_data(upload.label, ours, theirs))
    return RegistryDiff(target, changes, data)


def compare_artefact(ours: Artefact, theirs: etree._Element | None) -> ArtefactChange:
    """new (not in the registry), unchanged (same content) or changed."""
    if theirs is None:
        return ArtefactChange(ours.urn, "new")
    if content_digest(theirs) == content_digest(ours.element):
        return ArtefactChange(ours.urn, "unchanged")
    final = theirs.get("isFinal", "false").strip().lower() in {"true", "1"}
    detail = ("final in the registry: it will refuse the change (publish a new version: "
              "raise workspace.structure_version, or a codelist's version in its catalogue)")
    return ArtefactChange(ours.urn, "changed", detail if final else "")


def compare_data(item: str, ours: pd.DataFrame, theirs: bytes | None) -> DataChange:
    """Our observations against the registry's data set (its bytes, None when it has none)."""
    n = len(ours)
    if theirs is None:
        return DataChange(item, n, "new", "the registry holds no data for this dataflow")
    try:
        held = read_data(theirs, name="the registry's data")
    except StructureError as exc:
        return DataChange(item, n, "not comparable",
                          f"the registry's data cannot be read: {first_line(exc)}")
    if len(held) == 0:
        return DataChange(item, n, "new", "the registry holds no data for this dataflow")
    problem = frames_differ(ours, held)
    return DataChange(item, n, "changed" if problem else "unchanged", problem or "")


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as text ('' for missing), columns that are empty everywhere dropped,
    columns and rows in one order: two writers' files of the same data compare equal."""
    text = [c for c in frame.columns if c != "OBS_VALUE"]
    out = pd.DataFrame({c: frame[c].fillna("").astype(str) for c in text}, index=frame.index)
    keep = sorted(c for c in text if (out[c] != "").any())
    out = out[keep].copy()
    out["OBS_VALUE"] = pd.to_numeric(frame.get("OBS_VALUE"), errors="coerce")
    return out.sort_values([*keep, "OBS_VALUE"], kind="stable").reset_index(drop=True)


def frames_differ(ours: pd.DataFrame, theirs: pd.DataFrame) -> str | None:
    """Why two observation frames are not the same data, or None when they are."""
    a, b = _normal(ours), _normal(theirs)
    if len(a) != len(b):
        return f"the registry holds {len(b):,} observations"
    if list(a.columns) != list(b.columns):
        only_ours = sorted(set(a.columns) - set(b.columns))
        only_theirs = sorted(set(b.columns) - set(a.columns))
        return ("columns differ: " + "; ".join(
            part for part in (f"only sent: {', '.join(only_ours)}" if only_ours else "",
                              f"only held: {', '.join(only_theirs)}" if only_theirs else "")
            if part))
    text = [c for c in a.columns if c != "OBS_VALUE"]
    differs = (a[text].to_numpy() != b[text].to_numpy()).any(axis=1) if text else np.zeros(
        len(a), dtype=bool)
    x, y = a["OBS_VALUE"].to_numpy(float), b["OBS_VALUE"].to_numpy(float)
    differs |= ~((x == y) | (np.isnan(x) & np.isnan(y)))
    rows = int(differs.sum())
    return f"{rows:,} of {len(a):,} observations differ" if rows else None
