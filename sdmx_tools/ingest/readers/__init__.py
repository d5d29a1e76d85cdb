"""Readers: bytes on disk to a frame of text cells, with each row's line number kept.

Every cell is read as text (never guessed: ``01001`` must keep its zero), the header is
cleaned (NBSP, blanks, duplicates), and each row carries ``__row__``, its 1-based line in
the file, so quarantine and provenance can point at it. One reader per format, chosen by
:func:`read_table` from the file's suffix; a zip is opened and its member read the same way.
"""

from __future__ import annotations

from pathlib import Path

from sdmx_tools.errors import SourceReadError
from sdmx_tools.ingest.readers.archive import ZIP_SUFFIXES, read_zip
from sdmx_tools.ingest.readers.base import ROW, RawTable, Reader, clean_header
from sdmx_tools.ingest.readers.delimited import DelimitedReader, detect_encoding, sniff_delimiter
from sdmx_tools.ingest.readers.excel import ExcelReader
from sdmx_tools.ingest.readers.records import JsonReader
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["ROW", "RawTable", "clean_header", "detect_encoding", "read_table", "reader_for",
           "sniff_delimiter"]

_READERS: list[type[Reader]] = [DelimitedReader, ExcelReader, JsonReader]


def reader_for(path: Path, where: Path | None = None) -> type[Reader]:
    """The reader class for a file name, or a located error for an unknown format."""
    for reader in _READERS:
        if reader.handles(path):
            return reader
    hint = "use .csv, .tsv, .txt, .xlsx, .json, .jsonl or .zip"
    if path.suffix.lower() == ".xls":
        hint = "save the workbook as .xlsx (the legacy .xls format is not read)"
    raise SourceReadError("unsupported file format", file=where or path, value=path.suffix,
                          hint=hint)


def read_table(path: Path, options: ReadOptions) -> RawTable:
    """Read a source file with the reader that handles its format.

    Raises
    ------
    SourceReadError
        Missing, empty, too large, undecodable or malformed file, with its location.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceReadError("file not found", file=path,
                              hint="check location.path in the source spec")
    zipped = path.suffix.lower() in ZIP_SUFFIXES
    reader = None if zipped else reader_for(path)
    size = path.stat().st_size
    if size > options.max_bytes:
        raise SourceReadError(f"file is larger than read.max_bytes ({options.max_bytes:,})",
                              file=path, value=f"{size:,} bytes",
                              hint="raise read.max_bytes in the spec if it is expected")
    data = path.read_bytes()
    if not data.strip():
        raise SourceReadError("file is empty", file=path,
                              hint="the publisher's download may have failed: fetch it again")
    if reader is None:
        return read_zip(path, data, options, reader_for)
    return reader.read(path, data, options)
