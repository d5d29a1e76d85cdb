"""The process a run goes on in: its memory allocator, its garbage collector, its imports.

A run makes millions of short-lived objects and arrays of a few MiB per block; Python's and
C's defaults suit neither. These settings are the process's, made once or undone after.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["defer_dask_arrays", "long_lived", "tune_allocator"]

# glibc's mallopt() parameters, and what a run sets them to (unless the user's environment
# already does, MALLOC_*_ as glibc reads it).
_MALLOPT = {"MALLOC_TRIM_THRESHOLD_": (-1, 128 << 20), "MALLOC_TOP_PAD_": (-2, 64 << 20),
            "MALLOC_MMAP_THRESHOLD_": (-3, 32 << 20)}


@functools.cache
def tune_allocator() -> bool:
    """Keep freed memory for the next arrays (glibc on Linux: once a process); True if set.

    A run allocates and frees arrays of a few MiB per block. By default glibc maps the
    larger ones anew and hands freed memory back at once, so every block faults its pages
    in again: at 10^6 rows half the run's system time. Here arrays under 32 MiB come from
    the heap, and up to 128 MiB of freed memory is kept (measured at 10^6 rows: system
    time 0.8 -> 0.4 s, the run ~10% faster; the same peak at 10^7). A ``MALLOC_*_``
    variable of the user's is left as it is; another C library is left alone.
    """
    if sys.platform != "linux" or any(name in os.environ for name in _MALLOPT):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in _MALLOPT.values())


@functools.cache
def defer_dask_arrays() -> bool:
    """Let xarray ask "is this a Dask array?" without importing ``dask.array``; True if set.

    xarray answers it, for every array it wraps, by importing ``dask.array`` whenever Dask
    is installed: 0.15-0.3 s of docstring rewriting (``dask.utils.derived_from``) in a run
    that never makes a Dask array (the pandas engine; the Dask engine's frames come back
    to pandas before xarray sees them). The answer is exact without the import: no Dask
    array can exist while ``dask.array`` is not loaded. Everything else xarray asks of
    Dask (its version, its module) is answered by the import, on first use, as before.
    Not set when ``dask.array`` is already loaded, or when this xarray keeps no such
    cache (then nothing changes).
    """
    if "dask.array" in sys.modules:
        return False
    try:
        from xarray.namedarray import pycompat

        cache, base = pycompat._cached_duck_array_modules, pycompat.DuckArrayModule
    except (ImportError, AttributeError):
        return False
    if not isinstance(cache, dict) or "dask" in cache:
        return False

    class _Deferred(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:  # nothing imported yet
            self._loaded: Any = None

        def _load(self) -> Any:
            if self._loaded is None:
                self._loaded = base("dask")
            return self._loaded

        @property
        def type(self) -> tuple[type, ...]:
            arrays = sys.modules.get("dask.array")
            # Until dask.array has defined Array (imported, or being), no array is one.
            return self._load().type if hasattr(arrays, "Array") else ()

        module = property(lambda self: self._load().module)
        version = property(lambda self: self._load().version)
        available = property(lambda self: self._load().available)

    cache["dask"] = _Deferred()
    return True


_frozen = 0
_frozen_lock = threading.Lock()


@contextmanager
def long_lived() -> Iterator[None]:
    """Leave the objects alive now out of the cyclic collector's passes until the block
    ends (:func:`gc.freeze`; the outermost block unfreezes them).

    A run makes millions of short-lived objects, and each full pass of the collector would
    otherwise walk every module, codelist and name index again: ~0.1 s each at 10^6 rows.
    """
    global _frozen
    with _frozen_lock:
        gc.freeze()
        _frozen += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen -= 1
            if not _frozen:
                gc.unfreeze()
