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

import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sdmx_tools.errors import SourceReadError, ToolkitError, first_line
from sdmx_tools.fsutil import file_sha256
from sdmx_tools.ingest.harmonise import (
    Harmonised,
    Part,
    finish,
    harmonise_block,
    stripped_cells,
)
from sdmx_tools.ingest.keys import first_rows, key_codes
from sdmx_tools.ingest.readers import RawTable, read_table
from sdmx_tools.ingest.readers.chunks import (
    BLOCK_BYTES,
    BlockPlan,
    CutInQuotes,
    plan_blocks,
    read_block,
)
from sdmx_tools.ingest.readers.staging import staged
from sdmx_tools.ingest.spec import SourceSpec
from sdmx_tools.territory import AreaCodelist

_MAX_THREADS = 4  # Dask's threads a plan is balanced for (each holds a block as text)

__all__ = ["BlockTask", "Mapper", "ReadBlock", "block_mapper", "concat_observations",
           "harmonise_source", "sum_by_key"]


class ReadBlock(NamedTuple):
    """A block as read: its rows, and the spec's columns of them stripped
    (:func:`~.harmonise.stripped_cells`)."""

    raw: RawTable
    stripped: pd.DataFrame


class BlockTask(Protocol):
    """A block's work in two steps: ``read`` (the parse and the spec's columns factorised:
    pyarrow, mostly without the GIL) and ``finish`` (the harmonising: pandas, much of it
    with the GIL); called, both."""

    def __call__(self, item: Any) -> Part: ...

    def read(self, item: Any) -> ReadBlock: ...

    def finish(self, item: Any, block: ReadBlock) -> Part: ...


# Runs a task on every item, results in the items' order (here, or as Dask tasks).
Mapper = Callable[[BlockTask, Sequence[Any]], list[Part]]


def _pipelined(task: BlockTask, items: Sequence[Any]) -> list[Part]:
    """The blocks in order on this thread, the next one read meanwhile on another.

    The parse (pyarrow, without the GIL) then overlaps the harmonising (pandas, much of it
    with it); two threads each doing both were no faster than one (they took turns at the
    GIL) and used more CPU. One block is read ahead: two at most are in memory.
    """
    if len(items) < 2:
        return [task(item) for item in items]
    parts = []
    with ThreadPoolExecutor(1) as reader:
        ahead = reader.submit(task.read, items[0])
        for n, item in enumerate(items):
            block = ahead.result()
            if n + 1 < len(items):
                ahead = reader.submit(task.read, items[n + 1])
            parts.append(task.finish(item, block))
    return parts


@contextmanager
def block_mapper(engine: str, scheduler: str | None = None) -> Iterator[Mapper]:
    """The :data:`Mapper` of an engine: ``pandas`` in this process (each block harmonised
    while the next is read), ``dask`` as tasks on Dask's threads, or on the
    ``dask.distributed`` cluster at ``scheduler``.

    Raises
    ------
    ToolkitError
        Dask (or ``distributed``, for a scheduler) is not installed, or the scheduler
        cannot be reached.
    """
    if engine != "dask" and scheduler is None:
        yield _pipelined
        return
    try:
        import dask
    except ImportError as exc:  # optional dependency
        raise ToolkitError("engine 'dask' needs Dask", hint="pip install 'sdmx-tools[dask]'"
                           ) from exc
    if scheduler is None:
        def threaded(task: BlockTask, items: Sequence[Any]) -> list[Part]:
            tasks = [dask.delayed(task, pure=False)(item) for item in items]
            return list(dask.compute(*tasks, scheduler="threads"))
        yield threaded
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise ToolkitError("a Dask scheduler needs dask.distributed",
                           hint="pip install 'sdmx-tools[dask]'") from exc
    try:
        client = Client(scheduler, timeout=10, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ToolkitError(f"cannot reach the Dask scheduler: {first_line(exc)}",
                           value=scheduler, hint="check workspace.scheduler, and that the "
                                                 "scheduler is running") from exc

    def distributed(task: BlockTask, items: Sequence[Any]) -> list[Part]:
        sent = client.scatter(task, broadcast=True)  # the spec and areas once per worker
        return list(client.gather(client.map(_call, [sent] * len(items), items, pure=False)))

    with client:
        yield distributed


def _call(task: BlockTask, item: Any) -> Part:
    return task(item)


def harmonise_source(spec: SourceSpec, areas: AreaCodelist, *,
                     years: tuple[int, int] | None = None, block_bytes: int = BLOCK_BYTES,
                     mapper: Mapper = _pipelined,
                     summarise: Callable[[pd.DataFrame], Any] | None = None,
                     on_block: Callable[[int, int], None] | None = None,
                     staging: Path | None = None) -> Harmonised:
    """Read and harmonise a source's file, by blocks when it is a large delimited file.

    Parameters
    ----------
    spec, areas, years
        As for :func:`~.harmonise.harmonise`.
    block_bytes
        Files larger than this are read in blocks of about this size.
    mapper
        Runs the blocks: in this process by default (:func:`block_mapper`); a Dask mapper
        runs them as tasks (the results are identical: each block is computed alone, and
        the parts are put together in file order).
    summarise
        Called in each block with its observations, one per input value (declared sums
        dropped); what it returns is kept in :attr:`Harmonised.summaries`, and the
        observations are then summed by key, so only that much leaves the block. Without
        it the observations stay one per input value.
    on_block
        Told ``(blocks done, blocks)`` as each block of a large file is done, from the
        thread that did it (for a progress display; not with a cluster's mapper, whose
        tasks run in other processes).
    staging
        Where a large zipped or UTF-16/32 file is copied to be read in blocks
        (:mod:`.readers.staging`; the system's temporary folder by default).

    Raises
    ------
    SourceReadError, SpecError
        As for :func:`~.readers.read_table` and :func:`~.harmonise.harmonise`.
    """
    with staged(spec.path, spec.read, block_bytes, staging) as copy:
        source, options, shown = (copy.path, copy.options, copy.shown) if copy else (
            spec.path, spec.read, None)
        size = source.stat().st_size if source.is_file() else 0
        plan = plan_blocks(source, options, _balanced(size, block_bytes), shown=shown) \
            if block_bytes < size <= spec.read.max_bytes or copy else None
        task = _Block(plan, spec, areas, years, summarise)
        if plan is None:  # read_table refuses a file over read.max_bytes, located
            raw = read_table(spec.path, spec.read)
            part = task.harmonise(raw, 0)
            return finish(spec, raw.sha256, raw.encoding, part.observations, [part], areas,
                          summaries=[part.summary])
        with ThreadPoolExecutor(1) as pool:  # hashing releases the GIL: beside the blocks
            sha256 = pool.submit(file_sha256, spec.path)
            try:
                parts = mapper(_counted(task, on_block), range(len(plan.blocks)))
            except CutInQuotes:  # a stray quote and a cell quoted over lines: by records
                plan = plan_blocks(source, options, _balanced(size, block_bytes), exact=True,
                                   shown=shown)
                assert plan is not None
                task = _Block(plan, spec, areas, years, summarise)
                parts = mapper(_counted(task, on_block), range(len(plan.blocks)))
            again = _repeated_across_blocks(parts, plan, spec)
            if again:  # rare: those blocks again, the repeating rows quarantined
                redone = mapper(task, [(i, lines) for i, lines in again.items()])
                for i, part in zip(again, redone, strict=True):
                    parts[i] = part
            observations = concat_observations([p.observations for p in parts])
            encoding = copy.encoding if copy and copy.encoding else plan.encoding
            return finish(spec, sha256.result(), encoding, observations, parts, areas,
                          summaries=[p.summary for p in parts])


def _counted(task: _Block, on_block: Callable[[int, int], None] | None) -> BlockTask:
    assert task.plan is not None
    return task if on_block is None else _Counted(task, on_block, len(task.plan.blocks))


def _balanced(size: int, block_bytes: int) -> int:
    """At most ``block_bytes``, so the blocks are a multiple of the threads: three blocks
    on two threads leave one thread idle for a third of the read."""
    workers = min(os.cpu_count() or 1, _MAX_THREADS)
    blocks = -(-size // block_bytes)
    return -(-size // (-(-blocks // workers) * workers))


class _Counted:
    """A block task that says when it is done (see ``on_block``)."""

    def __init__(self, task: BlockTask, on_block: Callable[[int, int], None],
                 total: int) -> None:
        self.task, self.on_block, self.total = task, on_block, total
        self._done, self._lock = itertools.count(1), threading.Lock()

    def __call__(self, item: Any) -> Part:
        return self.finish(item, self.read(item))

    def read(self, item: Any) -> ReadBlock:
        return self.task.read(item)

    def finish(self, item: Any, block: ReadBlock) -> Part:
        part = self.task.finish(item, block)
        with self._lock:
            done = next(self._done)
        self.on_block(done, self.total)
        return part


class _Block:
    """One block's task (a class, not a closure: Dask sends it to other processes).

    Called with the block's number, or ``(number, repeated lines)``.
    """

    def __init__(self, plan: BlockPlan | None, spec: SourceSpec, areas: AreaCodelist,
                 years: tuple[int, int] | None,
                 summarise: Callable[[pd.DataFrame], Any] | None) -> None:
        self.plan, self.spec, self.areas, self.years = plan, spec, areas, years
        self.summarise = summarise

    def __call__(self, item: int | tuple[int, frozenset[int]]) -> Part:
        return self.finish(item, self.read(item))

    def read(self, item: int | tuple[int, frozenset[int]]) -> ReadBlock:
        i = item if isinstance(item, int) else item[0]
        assert self.plan is not None
        # The first block is read alone; the others beside a block being harmonised (or,
        # as Dask tasks, beside other blocks): pyarrow's threads would only take its core.
        raw = read_block(self.plan, i, threads=i == 0)
        if i == 0 and self.spec.read.skip_rows >= len(raw.frame):
            # The rows it skips are counted in the first block only.
            raise SourceReadError(
                f"read.skip_rows ({self.spec.read.skip_rows}) reaches past the first "
                f"{len(raw.frame):,} rows, the file's first block", file=self.plan.where,
                hint="lower read.skip_rows (it counts the lines right below the header), "
                     "or raise workspace.block_bytes")
        return ReadBlock(raw, stripped_cells(raw, self.spec))

    def finish(self, item: int | tuple[int, frozenset[int]], block: ReadBlock) -> Part:
        i, repeated = (item, frozenset[int]()) if isinstance(item, int) else item
        return self.harmonise(block.raw, i, repeated, block.stripped)

    def harmonise(self, raw: RawTable, i: int, repeated: frozenset[int] = frozenset(),
                  stripped: pd.DataFrame | None = None) -> Part:
        part = harmonise_block(raw, self.spec, self.areas, years=self.years, first=i == 0,
                               repeated=repeated, stripped=stripped)
        if self.summarise is not None:
            obs = part.observations
            dropped = [c for c in [*self.spec.sum_over, "LOCALITY"] if c in obs.columns]
            part.summary = self.summarise(obs.drop(columns=dropped))
            part.observations = sum_by_key(obs)
        return part


def sum_by_key(obs: pd.DataFrame) -> pd.DataFrame:
    """Observations summed by their key (every column but ``value`` and ``row``; ``row``
    becomes the key's first line), keys in order of first appearance, values added in
    row order (so the same rows give the same bits)."""
    at, uniques = pd.factorize(key_codes(obs, [c for c in obs.columns
                                               if c not in ("value", "row")]))
    if len(uniques) == len(obs):
        return obs
    first = first_rows(at)
    rows = obs["row"].to_numpy()
    lowest = np.full(len(uniques), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, at, rows)
    out = obs.iloc[first].reset_index(drop=True)
    out["value"] = np.bincount(at, weights=obs["value"].to_numpy(), minlength=len(uniques))
    out["row"] = lowest
    return out


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


def _repeated_across_blocks(parts: list[Part], plan: BlockPlan, spec: SourceSpec
                            ) -> dict[int, frozenset[int]]:
    """The lines, by block, of rows repeating a key an earlier block gave (counted records
    add up instead): those rows are quarantined as a repeat within one block is."""
    summed = {m.id for m in spec.measures if m.count_rows}
    strict = [p.observations[~p.observations["measure"].isin(summed)] for p in parts]
    if not any(len(s) for s in strict):
        return {}
    obs = concat_observations(strict)
    key = [c for c in obs.columns if c not in ("source", "row", "value", "unit")]
    # Within a block a strict key is given once (repeats are quarantined there), so
    # ``row`` is the line that gave it.
    lines = obs["row"].to_numpy()[obs.duplicated(key, keep="first").to_numpy()]
    if not len(lines):
        return {}
    first_lines = np.array([b[2] for b in plan.blocks])
    block = np.searchsorted(first_lines, lines, side="right") - 1
    return {int(b): frozenset(lines[block == b].tolist()) for b in np.unique(block)}
