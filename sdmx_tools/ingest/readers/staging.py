"""Large sources the blocks cannot cut as they are, copied first as a plain file.

A delimited file inside a zip, or in UTF-16/32 (Excel's "Unicode text"), larger than a
block is copied, a part at a time, into a temporary folder: the zip member inflated, the
wide encodings transcoded to UTF-8. The copy is then read in blocks like any large CSV,
so neither is ever held whole in memory. Nothing else changes: the lines are the same
lines, messages name the file as published (``datos.zip!datos.csv``), its hash is that of
the published bytes, and the encoding reported is the published one. The zip-bomb limit
holds: a member declaring more than ``read.max_bytes`` is refused before it is inflated,
and :mod:`zipfile` inflates no more than the declared size (a member that lies fails its
CRC check).
"""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sdmx_tools.errors import SourceReadError, first_line
from sdmx_tools.ingest.readers.archive import ZIP_SUFFIXES, member_info, too_big
from sdmx_tools.ingest.readers.delimited import detect_encoding
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["Staged", "staged"]

_PART = 16 << 20
_DELIMITED = (".csv", ".tsv", ".txt")
_WIDE = ("utf-16", "utf-32")


@dataclass(frozen=True, slots=True)
class Staged:
    """A source's copy: ``path`` to read (UTF-8 when transcoded, with ``options`` saying
    so), ``shown`` to name in messages, ``encoding`` as published."""

    path: Path
    shown: Path
    encoding: str | None
    options: ReadOptions


@contextmanager
def staged(path: Path, options: ReadOptions, block_bytes: int, folder: Path | None = None
           ) -> Iterator[Staged | None]:
    """A copy of ``path`` that blocks can read, removed on exit; None when the file is read
    as it is (not zipped nor wide, not delimited, or no larger than a block).

    ``folder`` holds the temporary copy (the system's temporary folder by default).

    Raises
    ------
    SourceReadError
        An unreadable zip, a member past ``read.max_bytes``, bytes that do not decode.
    """
    if not path.is_file():
        yield None
        return
    if path.suffix.lower() in ZIP_SUFFIXES:
        with _zip_member(path, options) as (fh, info):
            if fh is None or info.file_size <= block_bytes:
                yield None
                return
            shown = Path(f"{path}!{info.filename}")
            with _copy(fh, shown, options, folder) as copy:
                yield copy
        return
    if path.suffix.lower() not in _DELIMITED or \
            not block_bytes < path.stat().st_size <= options.max_bytes:
        yield None
        return
    with path.open("rb") as fh:
        if _wide(fh.read(4096), options) is None:
            yield None
            return
        fh.seek(0)
        with _copy(fh, path, options, folder) as copy:
            yield copy


@contextmanager
def _zip_member(path: Path, options: ReadOptions
                ) -> Iterator[tuple[IO[bytes] | None, zipfile.ZipInfo]]:
    """The delimited member of a zip, open (None for another format: read whole)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = member_info(zf, options.member, path)
            if Path(info.filename).suffix.lower() not in _DELIMITED:
                yield None, info
                return
            if info.file_size > options.max_bytes:
                raise too_big(path, info, options.max_bytes)
            with zf.open(info) as fh:
                yield fh, info
    except SourceReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, RuntimeError) as exc:  # RuntimeError: an encrypted member
        raise SourceReadError(f"cannot read zip archive: {first_line(exc)}", file=path
                              ) from exc


def _wide(head: bytes, options: ReadOptions) -> str | None:
    """The UTF-16/32 encoding of a file starting with ``head``, or None."""
    encoding = detect_encoding(head) if options.encoding == "auto" else options.encoding
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None  # the readers say so, located
    return encoding if name.startswith(_WIDE) else None


@contextmanager
def _copy(fh: IO[bytes], shown: Path, options: ReadOptions, folder: Path | None
          ) -> Iterator[Staged]:
    """``fh`` copied a part at a time, transcoded to UTF-8 when wide."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=folder) as tmp:
        target = Path(tmp) / shown.name.replace("!", "_")
        first = fh.read(_PART)
        wide = _wide(first[:4096], options)
        parts = itertools.chain([first], iter(lambda: fh.read(_PART), b""))
        with target.open("wb") as out:
            if wide is None:
                out.writelines(parts)
            else:
                _transcode(parts, out, wide, shown)
        yield Staged(target, shown, wide,
                     dataclasses.replace(options, encoding="utf-8") if wide else options)


def _transcode(parts: Iterable[bytes], out: IO[bytes], encoding: str, shown: Path) -> None:
    """``parts`` of text in ``encoding`` written to ``out`` as UTF-8; a byte that does not
    decode is a located error."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    for part in itertools.chain(parts, [b""]):  # the empty part ends the text
        try:
            text = decoder.decode(part, final=not part)
        except UnicodeDecodeError as exc:
            before = part[:exc.start].decode(encoding, errors="replace").count("\n")
            raise SourceReadError(
                f"cannot decode as {encoding}", file=shown, row=line + before,
                value=part[exc.start:exc.start + 8].hex(" "),
                hint="set read.encoding = 'auto' or the file's real encoding") from exc
        line += text.count("\n")
        out.write(text.encode("utf-8"))
