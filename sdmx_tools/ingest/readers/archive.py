"""Zipped sources (the health ministry publishes CSV inside zip).

A zip bomb is refused before it is inflated: the member's declared size must be within
``read.max_bytes``, and inflating stops one byte past that limit in case the header lies.
Nested archives are not opened.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from sdmx_tools.errors import SourceReadError, first_line
from sdmx_tools.ingest.readers.base import RawTable, Reader
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["ZIP_SUFFIXES", "member_info", "read_zip", "too_big"]


ZIP_SUFFIXES = (".zip",)


def read_zip(path: Path, data: bytes, options: ReadOptions,
             reader_for: Callable[[Path, Path], type[Reader]]) -> RawTable:
    """Read the data file inside a zip with the reader ``reader_for`` picks for its name.

    The readers' package passes its own lookup, so this module needs no import of it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = member_info(zf, options.member, path)
            if info.file_size > options.max_bytes:
                raise too_big(path, info, options.max_bytes)
            with zf.open(info) as fh:
                inner = fh.read(options.max_bytes + 1)
    except SourceReadError:
        raise  # an OSError too: not to be reworded below
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, RuntimeError) as exc:  # RuntimeError: an encrypted member
        raise SourceReadError(f"cannot read zip archive: {first_line(exc)}", file=path
                              ) from exc
    if len(inner) > options.max_bytes:
        raise too_big(path, info, options.max_bytes)
    where = Path(f"{path}!{info.filename}")
    if Path(info.filename).suffix.lower() in ZIP_SUFFIXES:
        raise SourceReadError("nested archives are not read", file=where,
                              hint="unzip the inner archive and point the spec at it")
    raw = reader_for(Path(info.filename), where).read(where, inner, options)
    # Provenance names the file as published: the archive's hash, not the member's.
    return dataclasses.replace(raw, sha256=hashlib.sha256(data).hexdigest())


def member_info(zf: zipfile.ZipFile, name: str | None, path: Path) -> zipfile.ZipInfo:
    files = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
    if name is not None:
        for info in files:
            if info.filename == name:
                return info
        raise SourceReadError("no such member in the archive", file=path, value=name,
                              hint="members: " + ", ".join(i.filename for i in files[:10]))
    if len(files) != 1:
        raise SourceReadError(f"the archive holds {len(files)} files", file=path,
                              hint="set read.member to the one to read: "
                              + ", ".join(i.filename for i in files[:10]))
    return files[0]


def too_big(path: Path, info: zipfile.ZipInfo, limit: int) -> SourceReadError:
    return SourceReadError(
        f"member {info.filename!r} inflates to more than read.max_bytes ({limit:,} bytes)",
        file=path, value=f"{info.file_size:,} bytes declared, {info.compress_size:,} compressed",
        hint="a zip bomb, or a genuinely large file: raise read.max_bytes if you trust it")
