"""``push``: send structures and data to a registry, whatever its dialect."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry.dialects import embedded, fmr, sdmx_rest
from sdmx_tools.registry.outcome import (
    DataFile,
    DataUpload,
    PushResult,
    parse_flow_ref,
)
from sdmx_tools.workspace import RegistryTarget

__all__ = ["push"]

_DIALECTS = {"embedded": embedded.push, "sdmx-rest": sdmx_rest.push, "fmr": fmr.push}


def push(
    target: RegistryTarget, *, structure: Path | None = None, data: Sequence[DataFile] = ()
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
        Data files (SDMX-ML 2.1 structure-specific, or SDMX-CSV 1.0), each for a dataflow.

    Returns
    -------
    PushResult
        One outcome per artefact and per data file; ``result.ok`` is False if any failed.
        Refusals are outcomes, not exceptions.

    Raises
    ------
    RegistryError
        When a file cannot be read (then nothing is pushed), the registry cannot be
        reached, refuses the credentials, or answers something that is not an SDMX
        submission response.
    StructureError
        When the structure message itself is unreadable or unsafe (e.g. has a DOCTYPE), or
        a data file's dataflow is not written ``AGENCY:ID(VERSION)``.
    """
    dialect = _DIALECTS.get(target.kind)
    if dialect is None:
        raise RegistryError(f"Unknown registry kind {target.kind!r}",
                            hint="use one of: " + ", ".join(_DIALECTS))
    # Every file is read before anything is sent: a missing data file must not leave the
    # structures pushed and the data half done.
    content = _read(Path(structure)) if structure is not None else None
    uploads = [
        DataUpload(Path(df.path).name, parse_flow_ref(df.dataflow), df.format,
                   _read(Path(df.path)))
        for df in data
    ]
    return PushResult(target.display, dialect(target, content, uploads))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RegistryError(
            f"Cannot read the file to push: {exc.strerror or exc}", file=path,
            hint="check the path ('sdmx-tools push' sends what 'sdmx-tools convert' wrote)",
        ) from None
