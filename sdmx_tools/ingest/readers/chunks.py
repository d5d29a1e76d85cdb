"""A large delimited file in blocks of whole records, so no step holds all of it as text.

:func:`plan_blocks` reads the file once through a memory map (encoding check, line count)
and cuts it at line breaks outside quoted fields; :func:`read_block` parses one block with
the same parser as a whole file (:func:`.delimited.parse_block`), its rows numbered by
their lines in the file. Blocks are independent: they can be read in any order, in other
processes or on other machines that see the file.
"""

from __future__ import annotations

import codecs
import csv
import mmap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.readers.base import RawTable, table
from sdmx_tools.ingest.readers.delimited import (
    check_end,
    detect_encoding,
    layout,
    parse_block,
    single_byte,
)
from sdmx_tools.ingest.spec import ReadOptions
from sdmx_tools.workspace import DEFAULT_BLOCK_BYTES

__all__ = ["BLOCK_BYTES", "BlockPlan", "CutInQuotes", "plan_blocks", "read_block"]

BLOCK_BYTES = DEFAULT_BLOCK_BYTES
_SCAN = 16 << 20  # what is copied out of the map at a time
_SAMPLE = 2_000_000
_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """How a file is cut: ``blocks`` are ``(start, end, first_line)`` byte ranges.

    The first block holds the header lines (``skip`` of them before the data).
    """

    path: Path
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    names: tuple[str, ...]
    skip: int
    blocks: tuple[tuple[int, int, int], ...]
    exact: bool = False  # cut by reading the records (see plan_blocks)
    shown: Path | None = None  # the file as named in messages, when ``path`` is its copy

    @property
    def where(self) -> Path:
        """The file as messages name it."""
        return self.shown or self.path


@contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap]:
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        yield mm


def plan_blocks(path: Path, options: ReadOptions, block_bytes: int = BLOCK_BYTES, *,
                exact: bool = False, shown: Path | None = None) -> BlockPlan | None:
    """The blocks of a delimited file larger than ``block_bytes``; None for a file read
    whole (smaller, not delimited, or in UTF-16/32: :mod:`.staging` copies such a file as
    UTF-8 first).

    The cuts are found by counting quotes, or with ``exact`` by reading the records (about
    100 MB/s, for the rare file where :func:`read_block` raised :class:`CutInQuotes`).
    ``shown`` names the file in messages when ``path`` is a copy (:mod:`.staging`).

    Raises
    ------
    SourceReadError
        As for a whole file: undecodable, truncated inside a quote, a bad header.
    """
    path = Path(path)
    where = shown or path
    size = path.stat().st_size
    if path.suffix.lower() not in _SUFFIXES or size <= block_bytes:
        return None
    with _mapped(path) as mm:
        head = mm[:_SAMPLE]
        encoding = options.encoding
        if encoding == "auto":
            encoding = _detect(mm, head)
        try:
            if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
                return None
        except LookupError as exc:
            raise SourceReadError("unknown encoding", file=where, value=encoding) from exc
        start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        skip, delimiter, header, names = layout(head[start:], encoding, options, where)
        check_end(mm[max(start, size - _SCAN):], encoding, delimiter, where)
        view = np.frombuffer(mm, dtype=np.uint8)
        try:
            blocks, line, at = [], 1, start
            while at < size:
                end = _cut(mm, view, at, block_bytes, delimiter, exact)
                blocks.append((at, end, line))
                line += _count(view, at, end, 0x0A)
                at = end
        finally:
            del view  # the map cannot close while a view of it exists
    return BlockPlan(path=path, encoding=encoding,
                     delimiter=delimiter, header=tuple(header), names=tuple(names), skip=skip,
                     blocks=tuple(blocks), exact=exact, shown=shown)


def file_encoding(path: Path) -> str:
    """The encoding a whole-file read detects in ``path``, without holding it in memory (so
    a cp1252 byte in the middle of a large file counts, as convert sees it)."""
    with _mapped(path) as mm:
        return _detect(mm, mm[:4096])


def _detect(mm: mmap.mmap, head: bytes) -> str:
    """:func:`.delimited.detect_encoding` without decoding the whole file at once."""
    guess = detect_encoding(head[:4096])
    if guess not in ("utf-8", "latin-1", "cp1252"):
        return guess  # a BOM, or UTF-16 without one
    # 4 KiB may cut a UTF-8 character, and a cp1252 byte may come later: check it all.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for s in range(0, len(mm), _SCAN):
            decoder.decode(mm[s:s + _SCAN])
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return single_byte(mm)  # the whole file, as a whole-file read sees it


def _count(view: np.ndarray, start: int, end: int, byte: int) -> int:
    """How many ``byte`` in ``view[start:end]``, in bounded slices (numpy: four times
    ``bytes.count``, and no copy out of the map)."""
    return sum(int(np.count_nonzero(view[s:min(end, s + _SCAN)] == byte))
               for s in range(start, end, _SCAN))


def _cut(mm: mmap.mmap, view: np.ndarray, at: int, block_bytes: int, delimiter: str,
         exact: bool) -> int:
    """Where the block starting at ``at`` (a record's start) ends: the first line break
    after ``block_bytes`` that ends a record.

    By counting quotes: a line break after an even number of quotes since ``at`` is
    outside quotes (``""`` inside a quoted field counts twice). That holds while every
    quote that opens a field stands at a field's start; a quote inside an unquoted cell
    (``tubo 1/2"``: data, to the parser) shifts the count, and a cut could fall inside a
    later cell quoted over two lines. :func:`read_block` checks for that and raises
    :class:`CutInQuotes`; ``exact`` then follows the records as the parser reads them.
    """
    size = len(view)
    target = at + block_bytes
    if target >= size:
        return size
    if exact:
        return _record_end(mm, at, target, size, delimiter)
    quotes = _count(view, at, target, 0x22)
    pos = target
    while True:
        nl = mm.find(b"\n", pos)
        if nl < 0:
            return size
        quotes += mm[pos:nl + 1].count(b'"')
        pos = nl + 1
        if quotes % 2 == 0:
            return pos


def _stray_quote(mm: mmap.mmap, start: int, end: int, delimiter: str) -> bool:
    """Whether a quote in ``[start, end)`` that opens a field by the count (an even number
    of quotes before it since ``start``) is not at a field's start (after a delimiter, a
    line break, another quote, or at ``start``)."""
    starts = np.zeros(256, dtype=bool)
    starts[[ord(delimiter), 0x0A, 0x0D, 0x22]] = True
    view = np.frombuffer(mm, dtype=np.uint8)
    try:
        count = 0
        for s in range(start, end, _SCAN):
            e = min(end, s + _SCAN)
            if mm.find(b'"', s, e) < 0:
                continue
            at = np.flatnonzero(view[s:e] == 0x22) + s
            opening = at[count % 2::2]
            opening = opening[opening > start]
            if not starts[view[opening - 1]].all():
                return True
            count += len(at)
        return False
    finally:
        del view  # the map cannot close while a view of it exists


def _record_end(mm: mmap.mmap, at: int, target: int, size: int, delimiter: str) -> int:
    """The end of the first record ending after ``target``, the records from ``at`` read
    by the csv module (which ends records where pyarrow does, stray quotes included).

    Decoded as latin-1, one character a byte, so the lengths are byte offsets (the quote,
    the delimiter and the line break are ASCII in every encoding planned here).
    """
    consumed = [at]

    def lines() -> Iterator[str]:
        pos = at
        while pos < size:
            nl = mm.find(b"\n", pos, size)
            nxt = size if nl < 0 else nl + 1
            consumed[0] = nxt
            yield mm[pos:nxt].decode("latin-1")
            pos = nxt

    try:
        for _ in csv.reader(lines(), delimiter=delimiter):
            if consumed[0] > target:
                return consumed[0]
    except csv.Error:  # a quote never closed, a field over the csv module's limit
        return size
    return size


def read_block(plan: BlockPlan, i: int, threads: bool = True) -> RawTable:
    """Block ``i`` of a planned file as a :class:`RawTable` (its ``sha256`` is empty: the
    file's is computed once, beside the blocks, by :mod:`..blocks`), parsed on pyarrow's
    threads or, without ``threads``, on this one.

    Raises
    ------
    SourceReadError
        A malformed or undecodable row, located by its line in the file.
    CutInQuotes
        When the block may end inside a quoted cell (see :func:`_cut`): plan again, exact.
    """
    start, end, first_line = plan.blocks[i]
    skip = plan.skip if i == 0 else 0
    # Line breaks in the block, as the plan counted them (the last block ends the file).
    lines = plan.blocks[i + 1][2] - first_line if i + 1 < len(plan.blocks) else None
    with _mapped(plan.path) as mm:
        frame, rows, short = parse_block(mm[start:end], list(plan.names), plan.delimiter,
                                         skip, plan.encoding, plan.where,
                                         first_line=first_line, threads=threads,
                                         newlines=lines)
        # One record a line, the last one closed: every line break ends a record, so the
        # cut does. Otherwise the count that placed it holds unless a quote strays.
        if not plan.exact and lines is not None and (
                lines > skip + len(frame) or _open_at_end(mm, start, end, plan)) and \
                _stray_quote(mm, start, end, plan.delimiter):
            raise CutInQuotes(f"{plan.where}: block {i + 1} may end inside a quoted cell")
    return table(frame, rows, plan.where, b"", plan.encoding, plan.delimiter, short,
                 sha256="", header=plan.header)


class CutInQuotes(Exception):
    """A block of a plan counted by quotes may end inside a quoted cell."""


def _open_at_end(mm: mmap.mmap, start: int, end: int, plan: BlockPlan) -> bool:
    """Whether the block's last line leaves a quote open (read alone, as by the csv module)."""
    try:
        line = mm.rfind(b"\n", start, end - 1)
        check_end(mm[line + 1 if line >= 0 else start:end], plan.encoding, plan.delimiter,
                  plan.path)
    except SourceReadError:
        return True
    return False
