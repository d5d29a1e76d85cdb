"""Push dialects, one module per registry kind: ``embedded``, ``sdmx_rest``, ``fmr``, ``dotstat``.

Each exposes ``DIALECT``, a :class:`Dialect`: ``push(target, structure, data) ->
list[PushOutcome]`` (``structure`` is the Structure message's bytes or None, ``data`` the
:class:`~..outcome.DataUpload` list; the client reads the files, so a dialect never touches
the file system), ``reader(target)``, a context giving the :class:`~..diff.Reader` that a
diff uses to fetch the registry's copies (reads only), and ``data_format``, the data
format the registry takes best (the push sends that file).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sdmx_tools.registry.diff import Reader
from sdmx_tools.registry.outcome import DataFormat, DataUpload, PushOutcome
from sdmx_tools.workspace import RegistryTarget

__all__ = ["Dialect"]


@dataclass(frozen=True)
class Dialect:
    """How one kind of registry is written to and read from."""

    push: Callable[[RegistryTarget, bytes | None, Sequence[DataUpload]], list[PushOutcome]]
    reader: Callable[[RegistryTarget], AbstractContextManager[Reader]]
    data_format: DataFormat
