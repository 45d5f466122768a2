"""The per-worker caches: bounded, and what they keep is sized to its content."""

from __future__ import annotations

import tracemalloc

from catalog.locations import Carried, Location
from stores.infra.lru import Lru


def test_lru_keeps_the_most_recently_used() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def _held(make: object) -> int:
    """Bytes still allocated after ``make()`` returns, with its result kept alive."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = make()  # type: ignore[operator]
        held = tracemalloc.get_traced_memory()[0] - before
        del kept
        return held
    finally:
        tracemalloc.stop()


def test_a_cached_locations_answer_holds_about_its_own_size() -> None:
    location = Location(shelf="S-1", aisle="1", label="Aisle 1, left", department="Dairy", level=2, x=1.0, y=2.0,
                        approximate=False, stock="in_stock", point=0, position_m=0.5)  # fmt: skip
    product = Carried("SKU-1", "Whole milk 1 l", "chilled", False, False, "in_stock", [location])
    body = product.body()
    assert product.body() is body  # encoded once
    product._body = None
    held = _held(product.body)
    # orjson's own buffer is 4 KB or more whatever the length; the kept copy is right-sized.
    assert held < len(body) + 256, (held, len(body))


def test_lru_bounded_by_bytes_keeps_the_newest_within_the_budget() -> None:
    cache: Lru[str, bytes] = Lru(100, max_bytes=10, weigh=len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.bytes == 8
    cache.put("c", b"1234")  # 12 > 10: "a" goes
    assert (cache.get("a"), len(cache), cache.bytes) == (None, 2, 8)
    cache.put("big", b"x" * 50)  # larger than the budget: alone, but kept
    assert (len(cache), cache.bytes, cache.get("big")) == (1, 50, b"x" * 50)
    cache.put("big", b"y")  # replacing a key re-weighs it
    assert cache.bytes == 1
