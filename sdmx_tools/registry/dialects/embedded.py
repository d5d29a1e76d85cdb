"""Push into the embedded registry's SQLite store directly (no server needed)."""

from __future__ import annotations

from collections.abc import Sequence

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry.outcome import DataUpload, PushOutcome
from sdmx_tools.registry.store import RegistryStore
from sdmx_tools.workspace import RegistryTarget

__all__ = ["push"]


def push(
    target: RegistryTarget, structure: bytes | None, data: Sequence[DataUpload]
) -> list[PushOutcome]:
    """Store ``structure`` (Replace semantics) then each data file in ``target.database``."""
    if target.database is None:
        raise RegistryError("An embedded registry target needs a database path",
                            hint="set database = 'registry.sqlite' in the push settings")
    store = RegistryStore(target.database)
    outcomes: list[PushOutcome] = []
    if structure is not None:
        outcomes += store.put_structures(structure, "replace")
    for upload in data:
        outcome = store.put_data(upload.flow_ref, upload.content, upload.format)
        outcome.item = upload.label
        outcomes.append(outcome)
    return outcomes
