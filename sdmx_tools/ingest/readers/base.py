"""What every reader shares: the raw table, the reader base class and header cleaning."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["MAX_COLUMNS", "ROW", "RawTable", "Reader", "clean_header",
           "header_duplicates", "table"]

ROW = "__row__"
MAX_COLUMNS = 16_384


@dataclass(frozen=True, slots=True)
class RawTable:
    """A source file read as text.

    Attributes
    ----------
    frame
        One column per header name (cleaned), all text, plus ``__row__`` (int): the 1-based
        line of the row in the file (the record number for JSON).
    path, sha256, encoding, delimiter
        What was read and how (``sha256`` of the bytes as published, before unzipping).
    short_rows
        Lines that had fewer fields than the header (padded with blanks): a footer, or a
        row cut short. Harmonisation quarantines those no exclusion rule explains.
    duplicates
        Header names written more than once (after cleaning: ``valor`` and ``valor\u00a0``
        are one name), with their 1-based positions; the later ones are read as
        ``valor.2``... A spec naming such a column is refused: which one is meant?
    """

    frame: pd.DataFrame
    path: Path
    sha256: str
    encoding: str
    delimiter: str | None
    short_rows: frozenset[int] = frozenset()
    duplicates: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


class Reader:
    """One reader per format, chosen by file suffix (sdmx1's ``handles()`` pattern)."""

    suffixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def handles(cls, path: Path) -> bool:
        """Whether this reader reads files named like ``path``."""
        return path.suffix.lower() in cls.suffixes

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        """Read ``data`` (the bytes of ``path``) into a :class:`RawTable`."""
        raise NotImplementedError


def _clean(raw: str, i: int) -> str:
    return re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip() or f"column_{i}"


def clean_header(header: Sequence[str], path: Path | None = None) -> list[str]:
    """Header names without NBSP or stray spaces; blanks named ``column_N``; dups suffixed.

    Raises
    ------
    SourceReadError
        More than :data:`MAX_COLUMNS` columns (Excel's limit): no real source has them, and
        a file that seems to is read with the wrong delimiter, or is hostile.
    """
    if len(header) > MAX_COLUMNS:
        raise SourceReadError(f"the header has {len(header):,} columns, more than "
                              f"{MAX_COLUMNS:,}", file=path,
                              hint="check read.delimiter and read.header_row")
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(header, 1):
        name = _clean(raw, i)
        base, n = name, 1
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
        seen.add(name)
    return names


def header_duplicates(header: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """Cleaned names that occur more than once, with their 1-based positions."""
    positions: dict[str, list[int]] = {}
    for i, raw in enumerate(header, 1):
        positions.setdefault(_clean(raw, i), []).append(i)
    return {name: tuple(at) for name, at in positions.items() if len(at) > 1}


def table(frame: pd.DataFrame, rows: Sequence[int] | np.ndarray, path: Path, data: bytes,
          encoding: str, delimiter: str | None, short_rows: frozenset[int] = frozenset(),
          sha256: str | None = None, header: Sequence[str] = ()) -> RawTable:
    """A :class:`RawTable` from text cells (missing cells become ``""``) and row numbers.

    ``sha256`` is the hash of ``data`` when the reader computed it already; ``header`` is
    the header as written, before :func:`clean_header`.
    """
    if not all(dtype == "str" for dtype in frame.dtypes) or frame.isna().any().any():
        frame = frame.fillna("").astype(str)
    frame[ROW] = np.asarray(rows, dtype=np.int64)
    return RawTable(frame=frame, path=path,
                    sha256=hashlib.sha256(data).hexdigest() if sha256 is None else sha256,
                    encoding=encoding, delimiter=delimiter, short_rows=short_rows,
                    duplicates=header_duplicates(header))
