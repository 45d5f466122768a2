"""The one bounded, least-recently-used map behind every per-worker cache."""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``max_entries`` values; a lookup refreshes an entry, an insert evicts the oldest.

    ``settle``: an insert moves what is alive out of the collector's sight (see
    :func:`settle_long_lived`); right for a few big values that live until their version
    changes, not for many small ones put on a hot path (search's remembered queries).

    ``max_bytes`` with ``weigh`` (the bytes a value holds) bounds the memory too: the oldest
    entries go until both bounds hold, though the newest always stays.

    Safe to share with threads (free-text matching runs off the event loop): a lookup and an
    eviction in two threads would otherwise race between ``get`` and ``move_to_end``.
    """

    def __init__(
        self,
        max_entries: int,
        settle: bool = True,
        max_bytes: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._max = max(1, max_entries)
        self._settle = settle
        self._lock = threading.Lock()
        self._max_bytes = max_bytes
        self._weigh = weigh or (lambda _: 0)
        self._weights: dict[K, int] = {}
        self._bytes = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._drop(key)
            self._entries[key] = value
            self._weights[key] = weight = self._weigh(value)
            self._bytes += weight
            while len(self._entries) > 1 and (
                len(self._entries) > self._max or (self._max_bytes is not None and self._bytes > self._max_bytes)
            ):
                self._drop(next(iter(self._entries)))
        if self._settle:
            settle_long_lived()
        return value

    def _drop(self, key: K) -> None:
        if key in self._entries:
            del self._entries[key]
            self._bytes -= self._weights.pop(key)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """What the entries weigh (0 without ``weigh``)."""
        return self._bytes


def settle_long_lived() -> None:
    """Move what is alive now out of the garbage collector's sight (``gc.freeze``).

    A cache entry lives until its version changes: a store's compiled plan, its index of
    thousands of locations, the search index. Left to the collector, every full collection walks
    all of them again: ~120 ms with three stores cached, a pause for every request of the worker
    (measured under load, see docs/benchmarks.md). Frozen objects are still freed by reference
    counting when a newer version replaces them; the young generations are collected first so
    that short-lived cyclic garbage is not frozen with them.
    """
    gc.collect(1)
    gc.freeze()


def kept_bytes(encoded: bytes) -> bytes:
    """A right-sized copy of ``orjson.dumps`` output, for bytes a cache keeps.

    orjson (3.12+) returns its working buffer, at least 4 KB however short the JSON, and never
    shrinks it: a 300-byte locations answer kept per product held 4 KB, and the caches of three
    stores grew each worker by tens of MB over a soak (docs/benchmarks.md). The copy costs well
    under a microsecond, once per cached answer.
    """
    return bytes(memoryview(encoded))
