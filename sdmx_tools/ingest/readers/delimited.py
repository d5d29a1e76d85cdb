"""CSV, TSV and text files: encoding detection, delimiter sniffing, exact line numbers.

The fast path is pyarrow's CSV parser on UTF-8 bytes (every column as text). Rows whose
field count differs from the header's (footers such as ``Fuente: INEGI``, notes) are
collected with their physical line number and kept as rows, padded with blanks, so the
spec's exclusion rules account for them; a row with *more* fields than the header is a
located error. When pyarrow cannot parse the file at all (a single field larger than its
block size, say), the pandas C parser reads it instead.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import mmap
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sdmx_tools.errors import SourceReadError, first_line
from sdmx_tools.ingest.readers.base import RawTable, Reader, clean_header, table
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["DelimitedReader", "check_end", "decode", "detect_encoding", "layout", "parse_block",
           "single_byte", "sniff_delimiter"]

# single_byte looks for a byte cp1252 prints and latin-1 reads as a C1 control character
# (0x80-0x9F) this many bytes at a time: a NumPy test is seven times a regex's speed.
_SCAN_BYTES = 8 << 20
_DELIMITERS = ",;\t|"
# The csv module refuses fields over 128 KiB by default; a header or footer cell of a real
# file can be longer, and the file size is bounded by read.max_bytes anyway.
csv.field_size_limit(2**31 - 1)
_SAMPLE = 2_000_000
_SEP_LINE = re.compile(r"sep=(.)\s*")


class DelimitedReader(Reader):
    """CSV/TSV/TXT."""

    suffixes = (".csv", ".tsv", ".txt")

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        # Hashing releases the GIL: it runs beside the parse.
        with ThreadPoolExecutor(1) as pool:
            sha = pool.submit(lambda: hashlib.sha256(data).hexdigest())
            encoding = detect_encoding(data) if options.encoding == "auto" else options.encoding
            text = _as_utf8(data, encoding, path)
            frame, rows, delimiter, short, header = _read(
                text, "utf-8" if text is not data else encoding, options, path)
            return table(frame, rows, path, data, encoding, delimiter, short,
                         sha256=sha.result(), header=header)


def _read(data: bytes, encoding: str, options: ReadOptions, path: Path
          ) -> tuple[pd.DataFrame, np.ndarray, str, frozenset[int], list[str]]:
    """Parse with pyarrow (which also transcodes, in parallel); pandas when it cannot."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # one copy, not two
    header_row, delimiter, header, names = layout(body, encoding, options, path)
    check_end(data, encoding, delimiter, path)
    frame, rows, short = parse_block(body, names, delimiter, header_row, encoding, path)
    return frame, rows, delimiter, short, header


def parse_block(body: bytes, names: list[str], delimiter: str, skip: int, encoding: str,
                path: Path, first_line: int = 1, threads: bool = True,
                newlines: int | None = None) -> tuple[pd.DataFrame, np.ndarray, frozenset[int]]:
    """Rows of ``body`` (whole lines of a file, ``skip`` of them before the data) as text
    cells, with their line numbers in the file (``body`` starts at line ``first_line``),
    parsed on pyarrow's threads or, without ``threads``, on this one. ``newlines`` is how
    many line breaks ``body`` holds, when known (counted otherwise)."""
    try:
        utf8, valid = _utf8(body, encoding)
        frame, rows, short = _read_arrow(utf8, names, delimiter, skip, path,
                                         threads=threads, valid=valid,
                                         newlines=body.count(b"\n") if newlines is None
                                         else newlines)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        text = decode(body, encoding, path, first_line)  # located when a byte does not decode
        frame, rows, short = _read_pandas(text, names, delimiter, skip, path)
    if first_line != 1:
        rows = rows + (first_line - 1)
        short = frozenset(r + first_line - 1 for r in short)
    return frame, rows, short


def layout(data: bytes, encoding: str, options: ReadOptions, path: Path
           ) -> tuple[int, str, list[str], list[str]]:
    """The header line, delimiter, header as written and cleaned names, from the file's
    first part (``data`` without its BOM)."""
    head = _decode_head(data, encoding, path).splitlines()
    head = head[: options.header_row + 50]
    if len(head) < options.header_row:
        raise SourceReadError(f"the file has {len(head)} lines, fewer than "
                              f"read.header_row = {options.header_row}", file=path)
    header_row, declared = options.header_row, options.delimiter
    hint = _SEP_LINE.fullmatch(head[0]) if head else None
    if hint and header_row == 1:
        # Excel's "sep=;" first line names the delimiter; the header is the line below.
        header_row, declared = 2, declared or hint.group(1)
        if len(head) < header_row:
            raise SourceReadError("the file has only its 'sep=' line", file=path)
    delimiter = declared or sniff_delimiter(head[header_row - 1:])
    header = next(csv.reader([head[header_row - 1]], delimiter=delimiter))
    return header_row, delimiter, header, clean_header(header, path)


def _as_utf8(data: bytes, encoding: str, path: Path) -> bytes:
    """UTF-16 and UTF-32 files transcoded to UTF-8 (the parser reads 8-bit encodings only).

    Lines keep their numbers; the file's sha256 is of its bytes as published.
    """
    try:
        wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError as exc:
        raise SourceReadError("unknown encoding", file=path, value=encoding) from exc
    return decode(data, encoding, path).encode("utf-8") if wide else data


def _utf8(body: bytes, encoding: str) -> tuple[bytes, bool]:
    """``body`` as UTF-8 for the parser, and whether it is known to be valid UTF-8 (ASCII,
    or transcoded here: the parser then need not check it again, ~15% of its time).

    Transcoded here, whole: pyarrow would transcode through Python's codec a piece at a
    time (measured: a latin-1 block parsed in 93 ms, against 29 ms to transcode it here and
    42 ms to parse that).

    Raises UnicodeDecodeError or LookupError (a byte the encoding lacks, an unknown one).
    """
    if body.isascii():
        return body, True
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig"):
        return body, False
    if name in ("iso8859-1", "cp1252"):
        latin = _latin1_as_utf8(body, c1=name == "iso8859-1")
        if latin is not None:
            return latin, True
    return body.decode(encoding).encode("utf-8"), True


def _latin1_as_utf8(body: bytes, c1: bool) -> bytes | None:
    """Latin-1 bytes as UTF-8 (None when ``c1`` is false and a byte is in 0x80-0x9F, where
    cp1252 differs from latin-1), with numpy: unlike Python's codecs it lets the other
    thread run (:mod:`..blocks` parses beside the harmonising), in the same time.

    A byte from 0x80 becomes two, ``0xC0 | b >> 6`` and ``0x80 | b & 0x3F``.
    """
    view = np.frombuffer(body, dtype=np.uint8)
    high = np.flatnonzero(view >= 0x80)
    byte = view[high]
    if not c1 and (byte < 0xA0).any():
        return None
    out = np.insert(view, high, 0xC0 | (byte >> 6))
    out[high + np.arange(1, len(high) + 1)] = 0x80 | (byte & 0x3F)
    return out.tobytes()


def _decode_head(data: bytes, encoding: str, path: Path) -> str:
    """The first part of the file, decoded (a character cut at the end is dropped)."""
    try:
        return data[:_SAMPLE].decode(encoding, errors="ignore" if len(data) > _SAMPLE
                                     else "strict")
    except UnicodeDecodeError:
        decode(data, encoding, path)  # raises, located
        raise
    except LookupError as exc:
        raise SourceReadError("unknown encoding", file=path, value=encoding) from exc


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def detect_encoding(data: bytes) -> str:
    """Best guess of a file's encoding: BOM, UTF-16 without one, strict UTF-8, then
    :func:`single_byte` (latin-1 unless a byte only cp1252 prints is present)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:4096]
    if len(head) >= 4 and head.count(0) > len(head) // 4:
        # ASCII text in UTF-16 has a NUL in every other byte (Excel's "Unicode text").
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return single_byte(data)


def single_byte(data: bytes | mmap.mmap) -> str:
    """``latin-1`` or ``cp1252`` for bytes that are not UTF-8.

    The two differ only in 0x80-0x9F: control characters in latin-1 (ISO-8859-1), curly
    quotes, dashes and the euro sign in cp1252. Without such a byte both decode alike and
    the file is latin-1, as the readers and ``describe`` both report it; with one, cp1252
    (whose five undefined bytes there are then a located decoding error).
    """
    values = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(values), _SCAN_BYTES):  # vectorised, in bounded slices
        if ((values[start:start + _SCAN_BYTES] & 0xE0) == 0x80).any():  # 0x80-0x9F
            return "cp1252"
    return "latin-1"


def decode(data: bytes, encoding: str, path: Path, first_line: int = 1) -> str:
    """Decode the whole file (or a block of it starting at line ``first_line``), or raise a
    located error at the first bad byte."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + first_line
        raise SourceReadError(
            f"cannot decode as {encoding}", file=path, row=line,
            value=data[exc.start: exc.start + 8].hex(" "),
            hint="set read.encoding = 'auto' or the file's real encoding (latin-1, cp1252)",
        ) from exc
    except LookupError as exc:
        raise SourceReadError("unknown encoding", file=path, value=encoding) from exc


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter giving the most lines of one width above one field (``,`` if none).

    Counting consistent widths, rather than trusting the first line, copes with title and
    note lines above the header.
    """
    best, score = ",", 0
    for d in _DELIMITERS:
        widths = Counter(len(next(csv.reader([ln], delimiter=d), [])) for ln in lines[:200])
        top = max((n for w, n in widths.items() if w > 1), default=0)
        if top > score:
            best, score = d, top
    return best


def check_end(data: bytes, encoding: str, delimiter: str, path: Path) -> None:
    """A file cut inside a quoted field (a truncated download) is an error, not a value.

    Only the last line can tell: a field opened with a quote that never closes. A stray
    quote inside an unquoted cell (``tubo 1/2"``) is data, and is left alone.
    """
    body = data.rstrip(b"\r\n")
    cut = max(body.rfind(b"\n"), body.rfind(b"\r"))  # old Mac files end lines with CR
    last = body[cut + 1:].decode(encoding, errors="replace")
    try:
        next(csv.reader([last], delimiter=delimiter, strict=True), None)
    except csv.Error as exc:
        raise SourceReadError(
            "the file ends inside a quoted field: it looks truncated", file=path,
            row=body.count(b"\n" if b"\n" in body else b"\r") + 1, value=last[-40:],
            hint="download the file again; if it is complete, close the quote on that line",
        ) from exc


def _read_arrow(raw: bytes, names: list[str], delimiter: str, header_row: int, path: Path,
                threads: bool = True, valid: bool = False, newlines: int = 0
                ) -> tuple[pd.DataFrame, np.ndarray, frozenset[int]]:
    """Parse UTF-8 with pyarrow (``valid``: known to be valid UTF-8, not checked again);
    ragged rows come back through the invalid-row handler. ``raw`` holds ``newlines``
    line breaks.

    Parsing is parallel; pyarrow only knows the physical line of a ragged row when it parses
    serially, so a file with ragged rows (small files with footers, in practice) is parsed
    again on one thread.
    """
    ragged: list[tuple[int, str, int]] = []
    wide: list[pacsv.InvalidRow] = []

    def keep(row: pacsv.InvalidRow) -> str:
        # Never raise here: pyarrow cannot pass an exception out of this callback (it
        # prints "Exception ignored" and goes on). Too wide a row is refused after the parse.
        if row.actual_columns > row.expected_columns:
            wide.append(row)
        else:
            ragged.append((-1 if row.number is None else int(row.number), row.text,
                           row.actual_columns))
        return "skip"

    body = pacsv.read_csv(
        io.BytesIO(raw),
        read_options=pacsv.ReadOptions(skip_rows=header_row, column_names=names,
                                       use_threads=threads, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                         invalid_row_handler=keep),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[],
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=not valid),
    )
    if (ragged or wide) and threads:  # only a serial parse knows each row's line
        return _read_arrow(raw, names, delimiter, header_row, path, threads=False,
                           valid=valid, newlines=newlines)
    if wide:
        row = wide[0]
        raise SourceReadError(
            f"line has {row.actual_columns} fields, the header has {row.expected_columns}"
            + (f" ({len(wide)} such lines)" if len(wide) > 1 else ""),
            file=path, row=None if row.number is None else int(row.number),
            value=row.text, hint="check read.delimiter and read.header_row, or quote the field")
    frame = body.to_pandas()
    # Short means fewer fields than most rows have: a header with a trailing empty name
    # (INEGI's exports) makes every row one field short of it, and none is cut.
    widths = Counter({len(names): body.num_rows}) + Counter(r[2] for r in ragged)
    usual = widths.most_common(1)[0][0]
    if ragged:
        extra = pd.DataFrame([_pad(t, len(names), delimiter) for _, t, _ in ragged],
                             columns=names)
        frame = pd.concat([frame, extra], ignore_index=True)
    lines, ragged_lines = _line_numbers(newlines, body, header_row, ragged)
    short = frozenset(int(n) for n, (_, t, w) in zip(ragged_lines, ragged, strict=True)
                      if w < usual and t.strip())
    rows = np.concatenate([lines, ragged_lines])
    if ragged:
        order = np.argsort(rows, kind="stable")
        frame, rows = frame.iloc[order].reset_index(drop=True), rows[order]
    return frame, rows, short


def _line_numbers(newlines: int, body: pa.Table, header_row: int,
                  ragged: list[tuple[int, str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Physical lines of the parsed rows and of the ragged rows.

    A record spans one line plus the line breaks quoted inside its cells. pyarrow numbers
    ragged rows by record, so every record (parsed and ragged, in file order) gets its
    span, and a running sum gives the line each starts on.
    """
    n = body.num_rows
    spans = np.ones(n, dtype=np.int64)
    # More line breaks than records means a quoted cell spans lines somewhere.
    if newlines > header_row + n + len(ragged):
        for col in body.columns:
            spans += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
    total = n + len(ragged)
    is_ragged = np.zeros(total, dtype=bool)
    ragged_at = np.array([r[0] - header_row - 1 for r in ragged], dtype=np.int64)
    is_ragged[ragged_at] = True
    all_spans = np.ones(total, dtype=np.int64)
    all_spans[~is_ragged] = spans
    all_spans[ragged_at] = [1 + t.count("\n") for _, t, _ in ragged]
    starts = header_row + 1 + np.concatenate([[0], np.cumsum(all_spans)[:-1]])
    return starts[~is_ragged], starts[ragged_at]


def _pad(text: str, width: int, delimiter: str) -> list[str]:
    cells = next(csv.reader([text], delimiter=delimiter), [])
    return (cells + [""] * width)[:width]


def _read_pandas(text: str, names: list[str], delimiter: str, header_row: int, path: Path
                 ) -> tuple[pd.DataFrame, np.ndarray, frozenset[int]]:
    """The slow path, for what pyarrow refuses; line numbers assume one line per record."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=names,
                            skiprows=header_row, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise SourceReadError(f"malformed CSV: {first_line(exc)}", file=path,
                              hint="check read.delimiter and read.header_row") from exc
    rows = np.arange(header_row + 1, header_row + 1 + len(frame))
    # Missing trailing fields are NaN (an empty field is ""): fewer than most rows is short.
    widths = frame.notna().sum(axis=1)
    blank = (frame.fillna("") == "").all(axis=1)
    usual = widths.mode().iloc[0] if len(widths) else 0
    short = frozenset(int(r) for r in rows[((widths < usual) & ~blank).to_numpy()])
    return frame, rows, short
