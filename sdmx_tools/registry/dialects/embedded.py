"""Push into the embedded registry's SQLite store directly (no server needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry.outcome import DataFile, PushOutcome, RegistryTarget
from sdmx_tools.registry.store import RegistryStore

__all__ = ["push"]


def push(
    target: RegistryTarget, structure: Path | None, data: Sequence[DataFile]
) -> list[PushOutcome]:
    """Store ``structure`` (Replace semantics) then each data file in ``target.database``."""
    if target.database is None:
        raise RegistryError("An embedded registry target needs a database path",
                            hint="set database = 'registry.sqlite' in the push settings")
    store = RegistryStore(target.database)
    outcomes: list[PushOutcome] = []
    if structure is not None:
        outcomes += store.put_structures(Path(structure).read_bytes(), "replace")
    for df in data:
        try:
            content = Path(df.path).read_bytes()
        except OSError as exc:
            outcomes.append(PushOutcome(Path(df.path).name, "failed",
                                        f"cannot read {df.path}: {exc.strerror}", "invalid"))
            continue
        outcome = store.put_data(df.dataflow, content, df.format)
        outcome.item = f"{Path(df.path).name} -> {outcome.item}"
        outcomes.append(outcome)
    return outcomes
