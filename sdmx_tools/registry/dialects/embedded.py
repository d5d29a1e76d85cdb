"""Push into the embedded registry's SQLite store directly (no server needed).

Data go as structure-specific SDMX-ML 2.1 (the store keeps any format as sent and serves
every format from it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from sdmx_tools.errors import RegistryError
from sdmx_tools.exchange.xmlsafe import parse
from sdmx_tools.registry.artefacts import Key
from sdmx_tools.registry.dialects import Dialect
from sdmx_tools.registry.diff import Reader
from sdmx_tools.registry.outcome import DataUpload, PushOutcome, format_flow_ref
from sdmx_tools.registry.store import NotFoundError, RegistryStore
from sdmx_tools.workspace import RegistryTarget

__all__ = ["DIALECT", "push", "reader"]


def _database(target: RegistryTarget) -> Path:
    if target.database is None:
        raise RegistryError("An embedded registry target needs a database path",
                            hint="set database = 'registry.sqlite' in the push settings")
    return target.database


def push(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload]
) -> list[PushOutcome]:
    """Store ``structure`` (Replace semantics) then each data file in ``target.database``."""
    store = RegistryStore(_database(target))
    outcomes: list[PushOutcome] = []
    if structure is not None:
        outcomes += store.put_structures(structure, "replace")
    for upload in data:
        outcome = store.put_data(upload.flow_ref, upload.content, upload.format)
        outcome.item = upload.label
        outcomes.append(outcome)
    return outcomes


@dataclass
class StoreReader:
    """The store's copies, read directly; a store that does not exist yet holds nothing."""

    store: RegistryStore | None

    def structure(self, key: Key) -> etree._Element | None:
        """The stored fragment of ``key``, parsed, or None."""
        xml = self.store.fragment(key) if self.store is not None else None
        return parse(xml, what="stored artefact") if xml is not None else None

    def data(self, flow: tuple[str, str, str]) -> bytes | None:
        """The stored data set (in the format it was pushed), or None."""
        if self.store is None:
            return None
        try:
            return self.store.get_data(format_flow_ref(*flow))[0]
        except NotFoundError:
            return None


@contextmanager
def reader(target: RegistryTarget) -> Iterator[Reader]:
    """A reader of the store; never creates the database (a diff writes nothing)."""
    database = _database(target)
    yield StoreReader(RegistryStore(database) if database.is_file() else None)


DIALECT = Dialect(push=push, reader=reader, data_format="sdmx-ml")
