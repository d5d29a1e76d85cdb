"""A bounded cache of the registry's read answers, keyed by the store's revision.

Structure and data answers are rebuilt from SQLite and written anew on every request;
most requests repeat (clients re-read the same codelists and DSD). An answer is kept
under the store's revision, which every write bumps, so a cached answer is never served
after the data or structures it came from changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sdmx_tools.registry.http import Response

__all__ = ["AnswerCache"]


class AnswerCache:
    """Least recently used answers, at most ``max_bytes`` of bodies and ``max_entries``."""

    def __init__(self, max_bytes: int = 64 << 20, max_entries: int = 512) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Response] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # answers are made on the thread pool

    def get(self, key: Hashable) -> Response | None:
        """The answer kept under ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, response: Response) -> None:
        """Keep a successful answer (one larger than a quarter of the budget is not kept)."""
        size = len(response.body)
        if response.status != 200 or size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes -= len(old.body) if old is not None else 0
            self._entries[key] = response
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
