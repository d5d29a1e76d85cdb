"""``push``: send structures and data to a registry, whatever its dialect; ``diff`` first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry.artefacts import split_structure_message
from sdmx_tools.registry.dialects import Dialect, dotstat, embedded, fmr, sdmx_rest
from sdmx_tools.registry.diff import RegistryDiff, compare
from sdmx_tools.registry.messages import structure_message
from sdmx_tools.registry.outcome import (
    DataFile,
    DataFormat,
    DataUpload,
    PushOutcome,
    PushResult,
    parse_flow_ref,
)
from sdmx_tools.workspace import RegistryTarget

__all__ = ["data_format", "diff", "push"]

_DIALECTS: dict[str, Dialect] = {
    "embedded": embedded.DIALECT, "sdmx-rest": sdmx_rest.DIALECT, "fmr": fmr.DIALECT,
    "dotstat": dotstat.DIALECT,
}


def _dialect(target: RegistryTarget) -> Dialect:
    dialect = _DIALECTS.get(target.kind)
    if dialect is None:
        raise RegistryError(f"Unknown registry kind {target.kind!r}",
                            hint="use one of: " + ", ".join(_DIALECTS))
    return dialect


def data_format(target: RegistryTarget) -> DataFormat:
    """The data format ``target`` takes best: ``sdmx-ml`` (structure-specific) or
    ``sdmx-csv2`` (.Stat); see each dialect's notes for why."""
    return _dialect(target).data_format


def push(
    target: RegistryTarget, *, structure: Path | None = None, data: Sequence[DataFile] = (),
    skip_unchanged: RegistryDiff | None = None,
) -> PushResult:
    """Push a structure message and data files to ``target``: structures first, then data.

    Parameters
    ----------
    target
        Where to push; credentials come from the environment variables it names.
    structure
        An SDMX-ML 2.1 Structure message file (codelists, concept schemes, DSD, dataflows).
        Artefacts are created, or replaced when not final; a final artefact that changed is
        refused (publish a new version).
    data
        Data files (structure-specific SDMX-ML 2.1, SDMX-CSV 1.0 or 2.0), each for a
        dataflow.
    skip_unchanged
        A :func:`diff` of the same files: the artefacts it found unchanged are not sent
        (reported ``unchanged``); when none changed, no structure request is made.

    Returns
    -------
    PushResult
        One outcome per artefact and per data file; ``result.ok`` is False if any failed.
        Refusals are outcomes, not exceptions.

    Raises
    ------
    RegistryError
        When a file cannot be read (then nothing is pushed), the registry cannot be
        reached (:class:`~.dialects._http.RegistryUnreachable`, exit 3), refuses the
        credentials, or answers something that is not an SDMX submission response.
    StructureError
        When the structure message itself is unreadable or unsafe (e.g. has a DOCTYPE), or
        a data file's dataflow is not written ``AGENCY:ID(VERSION)``.
    """
    dialect = _dialect(target)
    content, uploads = _read_all(structure, data)
    skipped: list[PushOutcome] = []
    if content is not None and skip_unchanged is not None and skip_unchanged.unchanged:
        artefacts = split_structure_message(content)
        keep = [a for a in artefacts if a.urn not in skip_unchanged.unchanged]
        skipped = [PushOutcome(a.urn, "unchanged", "not sent: the registry holds the same")
                   for a in artefacts if a.urn in skip_unchanged.unchanged]
        content = structure_message([(a.type, a.fragment()) for a in keep]) if keep else None
    return PushResult(target.display, skipped + dialect.push(target, content, uploads))


def diff(
    target: RegistryTarget, *, structure: Path | None = None, data: Sequence[DataFile] = (),
) -> RegistryDiff:
    """What pushing these files to ``target`` would change; reads the registry, writes nothing.

    Each artefact of ``structure`` is new, changed or unchanged against the registry's copy;
    each data file is compared with the registry's data set for its dataflow (or "not
    comparable" when the registry cannot serve it).

    Raises
    ------
    RegistryError
        As :func:`push` (a file that cannot be read; a registry out of reach or refusing
        the credentials).
    """
    dialect = _dialect(target)
    content, uploads = _read_all(structure, data)
    with dialect.reader(target) as reader:
        return compare(target.display, content, uploads, reader)


def _read_all(structure: Path | None,
              data: Sequence[DataFile]) -> tuple[bytes | None, list[DataUpload]]:
    # Every file is read before anything is sent: a missing data file must not leave the
    # structures pushed and the data half done.
    content = _read(Path(structure)) if structure is not None else None
    uploads = [
        DataUpload(Path(df.path).name, parse_flow_ref(df.dataflow), df.format,
                   _read(Path(df.path)))
        for df in data
    ]
    return content, uploads


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RegistryError(
            f"Cannot read the file to push: {exc.strerror or exc}", file=path,
            hint="check the path ('sdmx-tools push' sends what 'sdmx-tools convert' wrote)",
        ) from None
