"""Bounded caches for the registry: its answers, and the data sets and rules they read.

Structure and data answers are rebuilt from SQLite and written anew on every request;
most requests repeat (clients re-read the same codelists and DSD). An answer is kept
under the store's revision, which every write bumps, so a cached answer is never served
after the data or structures it came from changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["BoundedCache"]

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """Least recently used values, at most ``max_entries`` and ``max_bytes`` of them
    (as ``size`` measures; a value over a quarter of the budget is not kept).

    Thread-safe: answers are made on the server's thread pool.
    """

    def __init__(self, max_entries: int, max_bytes: int | None = None,
                 size: Callable[[V], int] = lambda value: 0) -> None:
        self.max_entries, self.max_bytes, self._size = max_entries, max_bytes, size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value kept under ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used past the bounds."""
        size = self._size(value)
        if self.max_bytes is not None and size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes -= self._size(old) if old is not None else 0
            self._entries[key] = value
            self._bytes += size
            while len(self._entries) > self.max_entries or (
                    self.max_bytes is not None and self._bytes > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= self._size(dropped)
