"""A source harmonised block by block: the file is never held whole as text.

A delimited file larger than the block size is cut into blocks of whole records
(:mod:`.readers.chunks`); each block is read and harmonised on its own (in this process,
or as Dask tasks on threads or a cluster), and the parts are put together in file order
by :func:`~.harmonise.finish`. What needs every block is done there: a key repeated in two
blocks (the later row is quarantined, as within one block), the file's own totals
reconciled, an exhaustive source's zeros. The parts are the same whoever computes them,
so every engine gives the same observations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sdmx_tools.errors import SourceReadError, ToolkitError, first_line
from sdmx_tools.fsutil import file_sha256
from sdmx_tools.ingest.harmonise import Harmonised, Part, finish, harmonise, harmonise_block
from sdmx_tools.ingest.quarantine import quarantine_frame
from sdmx_tools.ingest.readers import ROW, read_table
from sdmx_tools.ingest.readers.chunks import BLOCK_BYTES, BlockPlan, plan_blocks, read_block
from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.report import RowAccount
from sdmx_tools.territory import AreaCodelist

__all__ = ["Mapper", "block_mapper", "concat_observations", "harmonise_source"]

# Runs ``fn`` on every item, results in the items' order (a list comprehension, or Dask).
Mapper = Callable[[Callable[[Any], Part], Sequence[Any]], list[Part]]


def _serial(fn: Callable[[Any], Part], items: Sequence[Any]) -> list[Part]:
    return [fn(item) for item in items]


@contextmanager
def block_mapper(engine: str, scheduler: str | None = None) -> Iterator[Mapper]:
    """The :data:`Mapper` of an engine: ``pandas`` in order here, ``dask`` as tasks on
    threads, or on the ``dask.distributed`` cluster at ``scheduler``.

    Raises
    ------
    ToolkitError
        Dask (or ``distributed``, for a scheduler) is not installed, or the scheduler
        cannot be reached.
    """
    if engine != "dask" and scheduler is None:
        yield _serial
        return
    try:
        import dask
    except ImportError as exc:  # optional dependency
        raise ToolkitError("engine 'dask' needs Dask", hint="pip install 'sdmx-tools[dask]'"
                           ) from exc
    if scheduler is None:
        def threaded(fn: Callable[[Any], Part], items: Sequence[Any]) -> list[Part]:
            tasks = [dask.delayed(fn, pure=False)(item) for item in items]
            return list(dask.compute(*tasks, scheduler="threads"))
        yield threaded
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise ToolkitError("a Dask scheduler needs dask.distributed",
                           hint="pip install 'sdmx-tools[dask]'") from exc
    try:
        client = Client(scheduler, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ToolkitError(f"cannot reach the Dask scheduler: {first_line(exc)}",
                           value=scheduler, hint="check workspace.scheduler, and that the "
                                                 "scheduler is running") from exc

    def distributed(fn: Callable[[Any], Part], items: Sequence[Any]) -> list[Part]:
        task = client.scatter(fn, broadcast=True)  # the spec and areas sent once per worker
        return list(client.gather(client.map(_call, [task] * len(items), items, pure=False)))

    with client:
        yield distributed


def _call(fn: Callable[[Any], Part], item: Any) -> Part:
    return fn(item)


def harmonise_source(spec: SourceSpec, areas: AreaCodelist, *,
                     years: tuple[int, int] | None = None, block_bytes: int = BLOCK_BYTES,
                     mapper: Mapper = _serial) -> Harmonised:
    """Read and harmonise a source's file, by blocks when it is a large delimited file.

    Parameters
    ----------
    spec, areas, years
        As for :func:`~.harmonise.harmonise`.
    block_bytes
        Files larger than this are read in blocks of about this size.
    mapper
        Runs the blocks: in order in this process by default; a Dask mapper runs them
        as tasks (the results are identical).

    Raises
    ------
    SourceReadError, SpecError
        As for :func:`~.readers.read_table` and :func:`~.harmonise.harmonise`.
    """
    size = spec.path.stat().st_size if spec.path.is_file() else 0
    plan = plan_blocks(spec.path, spec.read, block_bytes) \
        if block_bytes < size <= spec.read.max_bytes else None
    if plan is None:  # read_table refuses a file over read.max_bytes, located
        return harmonise(read_table(spec.path, spec.read), spec, areas, years=years)
    with ThreadPoolExecutor(1) as pool:  # hashing releases the GIL: beside the blocks
        sha256 = pool.submit(file_sha256, spec.path)
        parts = mapper(_Block(plan, spec, areas, years), range(len(plan.blocks)))
        observations = concat_observations([p.observations for p in parts])
        observations, repeated = _repeated_across_blocks(observations, plan, spec)
        if repeated is not None:
            parts = [*parts, repeated]
        return finish(spec, sha256.result(), plan.encoding, observations, parts, areas)


class _Block:
    """One block's task (a class, not a closure: Dask sends it to other processes)."""

    def __init__(self, plan: BlockPlan, spec: SourceSpec, areas: AreaCodelist,
                 years: tuple[int, int] | None) -> None:
        self.plan, self.spec, self.areas, self.years = plan, spec, areas, years

    def __call__(self, i: int) -> Part:
        return harmonise_block(read_block(self.plan, i), self.spec, self.areas,
                               years=self.years, first=i == 0)


def concat_observations(frames: Sequence[pd.DataFrame], fill: str | None = None
                        ) -> pd.DataFrame:
    """Frames one after the other, categoricals kept categorical (``pandas.concat`` turns
    categoricals of different categories into objects: ten times the memory, and every
    later step slower).

    A column some frames lack (a dimension one source does not give) is ``fill`` in
    their rows: the total code, for tidy observations of several sources.
    """
    if len(frames) == 1:
        return frames[0]
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    out = {}
    for col in columns:
        parts = [f[col] if col in f.columns else pd.Series(
            pd.Categorical.from_codes(np.zeros(len(f), dtype=np.int8), [fill]))
            for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            cats = [p.array.set_categories(p.cat.categories.astype(object)) for p in parts]
            out[col] = union_categoricals(cats)
        else:
            out[col] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


def _repeated_across_blocks(obs: pd.DataFrame, plan: BlockPlan, spec: SourceSpec
                            ) -> tuple[pd.DataFrame, Part | None]:
    """Rows repeating a key an earlier block gave (not counted records, which add up):
    quarantined as ``duplicate-key``, as a repeat within one block is; the part that moves
    them from used to quarantined."""
    summed = {m.id for m in spec.measures if m.count_rows}
    strict = ~obs["measure"].isin(summed).to_numpy()
    if not strict.any():
        return obs, None
    key = [c for c in obs.columns if c not in ("source", "row", "value", "unit")]
    repeated = obs[strict].duplicated(key, keep="first").to_numpy()
    lines = np.unique(obs["row"].to_numpy()[strict][repeated])
    if not len(lines):
        return obs, None
    kept = obs[~obs["row"].isin(lines)].reset_index(drop=True)
    quarantine = []
    first_lines = np.array([b[2] for b in plan.blocks])
    for i in np.unique(np.searchsorted(first_lines, lines, side="right") - 1):
        raw = read_block(plan, int(i))
        at = raw.frame.index[raw.frame[ROW].isin(lines)]
        found = pd.DataFrame({
            "reason": "duplicate-key", "column": None, "value": "",
            "message": "another row already gave a value for the same area, period and "
                       "dimensions", "candidates": ""}, index=at)
        data_cols = [c for c in raw.frame.columns if c != ROW]
        quarantine.append(quarantine_frame(raw.frame, data_cols, found, raw, spec))
    n = len(lines)
    if sum(len(q) for q in quarantine) != n:  # the plan and the file disagree: changed?
        raise SourceReadError("the file changed while it was read", file=plan.path,
                              hint="read it again once it is no longer being written")
    account = RowAccount(source=spec.id, used=-n, quarantined=n,
                         quarantined_by_reason={"duplicate-key": n})
    return kept, Part(observations=kept.iloc[:0], totals=kept.iloc[:0],
                      quarantine=pd.concat(quarantine, ignore_index=True), account=account)
