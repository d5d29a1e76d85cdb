"""Readers: bytes on disk to a frame of text cells, with each row's line number kept.

Every cell is read as text (never guessed by pandas: ``01001`` must keep its zero), the
header is cleaned (NBSP, blanks, duplicates), and each row carries ``__row__``, its 1-based
line in the file, so quarantine and provenance can point at it. One reader per format,
chosen by :func:`read_table` from the file's suffix (sdmx1's ``handles()`` pattern).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import charset_normalizer
import pandas as pd

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["ROW", "RawTable", "read_table"]

ROW = "__row__"
# Spanish open data is latin-1/cp1252 when it is not UTF-8; limiting the candidates keeps
# charset-normalizer from guessing exotic code pages on short files.
_CANDIDATES = ["utf_8", "cp1252", "latin_1"]
_DELIMITERS = ",;\t|"


@dataclass(frozen=True, slots=True)
class RawTable:
    """A source file read as text.

    Attributes
    ----------
    frame
        One column per header name (cleaned), all ``str``, plus ``__row__`` (int).
    path, sha256, encoding, delimiter
        What was read and how.
    """

    frame: pd.DataFrame
    path: Path
    sha256: str
    encoding: str
    delimiter: str | None


def read_table(path: Path, options: ReadOptions) -> RawTable:
    """Read a source file with the reader that handles its format.

    Raises
    ------
    SourceReadError
        Missing, empty, undecodable or malformed file, with its location.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceReadError("file not found", file=path,
                              hint="check location.path in the source spec")
    data = path.read_bytes()
    if not data.strip():
        raise SourceReadError("file is empty", file=path)
    for reader in _READERS:
        if reader.handles(path):
            return reader.read(path, data, options)
    raise SourceReadError("unsupported file format", file=path, value=path.suffix,
                          hint="use .csv, .tsv, .txt, .xlsx or .xls")


class _Reader:
    """One reader per format, chosen by file suffix."""

    suffixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def handles(cls, path: Path) -> bool:
        return path.suffix.lower() in cls.suffixes

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        raise NotImplementedError


class _CsvReader(_Reader):
    suffixes = (".csv", ".tsv", ".txt")

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        encoding = detect_encoding(data) if options.encoding == "auto" else options.encoding
        text = _decode(data, encoding, path)
        lines = text.splitlines()
        if len(lines) < options.header_row:
            raise SourceReadError(f"the file has {len(lines)} lines, fewer than "
                                  f"read.header_row = {options.header_row}", file=path)
        delimiter = options.delimiter or _sniff(lines, options.header_row, path)
        header = next(csv.reader([lines[options.header_row - 1]], delimiter=delimiter))
        names = clean_header(header)
        try:
            frame = pd.read_csv(
                io.StringIO(text), sep=delimiter, header=None, names=names,
                skiprows=options.header_row, dtype=str, keep_default_na=False,
                skip_blank_lines=False, engine="c",
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise SourceReadError(f"malformed CSV: {_first_line(exc)}", file=path,
                                  hint="check read.delimiter and read.header_row") from exc
        return _finish(frame, options.header_row, path, data, encoding, delimiter)


class _ExcelReader(_Reader):
    suffixes = (".xlsx", ".xlsm", ".xls")

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        try:
            grid = pd.read_excel(io.BytesIO(data), sheet_name=options.sheet or 0, header=None,
                                 dtype=str, keep_default_na=False)
        except (ValueError, KeyError, OSError, ImportError) as exc:
            raise SourceReadError(f"cannot read workbook: {_first_line(exc)}", file=path,
                                  hint="check read.sheet") from exc
        if len(grid) < options.header_row:
            raise SourceReadError("sheet has fewer rows than read.header_row", file=path)
        names = clean_header([str(v) for v in grid.iloc[options.header_row - 1]])
        frame = grid.iloc[options.header_row:].reset_index(drop=True)
        frame.columns = pd.Index(names[: frame.shape[1]])
        return _finish(frame, options.header_row, path, data, "xlsx", None)


_READERS: list[type[_Reader]] = [_CsvReader, _ExcelReader]


def detect_encoding(data: bytes) -> str:
    """Best guess of a file's encoding: BOM, strict UTF-8, then charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:2_000_000], cp_isolation=_CANDIDATES).best()
    return best.encoding if best is not None else "cp1252"


def clean_header(header: list[str]) -> list[str]:
    """Header names without NBSP or stray spaces; blanks named ``column_N``; dups suffixed."""
    names: list[str] = []
    for i, raw in enumerate(header, 1):
        name = re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip() or f"column_{i}"
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
    return names


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceReadError(
            f"cannot decode as {encoding}", file=path, row=line,
            value=data[exc.start: exc.start + 8].hex(" "),
            hint="set read.encoding = 'auto' or the file's real encoding (latin-1, cp1252)",
        ) from exc
    except LookupError as exc:
        raise SourceReadError("unknown encoding", file=path, value=encoding) from exc


def _sniff(lines: list[str], header_row: int, path: Path) -> str:
    sample = "\n".join(lines[header_row - 1: header_row + 20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        if any(d in sample for d in _DELIMITERS):
            counts = {d: lines[header_row - 1].count(d) for d in _DELIMITERS}
            return max(counts, key=lambda d: counts[d])
        return ","


def _finish(frame: pd.DataFrame, header_row: int, path: Path, data: bytes, encoding: str,
            delimiter: str | None) -> RawTable:
    frame = frame.fillna("").astype(str)
    frame[ROW] = range(header_row + 1, header_row + 1 + len(frame))
    return RawTable(frame=frame, path=path, sha256=hashlib.sha256(data).hexdigest(),
                    encoding=encoding, delimiter=delimiter)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
