"""Files: written whole or not at all (a temporary sibling, then a rename), and where the
bundled data folders are, installed or in a source checkout."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sdmx_tools.errors import ToolkitError

__all__ = ["MARKER", "atomic_dir", "atomic_write", "bundled", "file_sha256"]

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def _umask() -> int:
    # mkstemp/mkdtemp create private (0600/0700) entries; outputs are for sharing. Reading
    # the umask means setting it: once per process, not on every write (threads write too).
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w", encoding: str = "utf-8") -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    ``mode`` is ``"w"`` (text, ``newline=""``) or ``"wb"``. On any exception the temporary
    file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        binary = "b" in mode
        with tmp.open(mode, encoding=None if binary else encoding,
                      newline=None if binary else "") as fh:
            yield fh
        tmp.chmod(0o666 & ~_umask())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


MARKER = ".sdmx-tools"


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Build a directory in a temporary sibling; swap it in for ``path`` only on success.

    The previous content of ``path`` (if any) is replaced as a whole, so a reader never
    sees a mix of two runs. Only a folder this function wrote (it leaves a :data:`MARKER`
    file in it) or an empty one is replaced: never a folder of someone else's files.

    Raises
    ------
    ToolkitError
        When ``path`` is a file, or a non-empty folder sdmx-tools did not write.
    """
    path = Path(path)
    if path.exists() and not (path.is_dir() and (
            (path / MARKER).is_file() or not any(path.iterdir()))):
        raise ToolkitError("refusing to replace a folder sdmx-tools did not write"
                           if path.is_dir() else "the output folder is a file", file=path,
                           hint="choose a new or empty folder (its files would be deleted)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        (tmp / MARKER).write_text("written by sdmx-tools: replaced whole on the next run\n",
                                  encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = path.with_name(f".{path.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def bundled(name: str) -> Path:
    """Path of a bundled data folder: ``codelists``, ``indicators``, ``templates`` or ``demo``.

    In a wheel the folders live in ``sdmx_tools/_data/``; in a source checkout they are at
    the repository root (the design card's layout), with the demo in ``examples/demo``.
    """
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    root = _PACKAGE.parent
    return root / "examples" / "demo" if name == "demo" else root / name


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks (outputs can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
