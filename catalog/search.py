"""Product search: case-, accent- and typo-tolerant, in every language of ``names``.

An in-memory index per worker, keyed by the catalog version, holds one normalised string per
product name (the main name, each translation, brand + name, keywords). Matching is rapidfuzz's
WRatio (a weighted mix of full, partial and token-order-free ratios), which handles typos,
word order and partial words; normalisation (NFKD, no combining marks, casefold) handles
accents, Arabic diacritics and full-width forms. Products the store carries rank first.
"""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import Product
from catalog.products import catalog_version

#: Below this WRatio a string is not a match.
SCORE_CUTOFF = 75.0
MAX_QUERY_CHARS = 200


def normalise(text: str) -> str:
    """Casefolded, without accents or Arabic diacritics, full-width folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c != "\u0640")
    return " ".join(kept.casefold().split())


@dataclass(frozen=True, slots=True)
class Hit:
    sku: str
    name: str
    score: float


class SearchIndex:
    def __init__(self, version: int, products: list[tuple[str, str, str | None, dict[str, str], list[str]]]) -> None:
        self.version = version
        self.skus: list[str] = []
        self.names: list[str] = []
        self.strings: list[str] = []
        self.owner: list[int] = []
        for sku, name, brand, names, keywords in products:
            index = len(self.skus)
            self.skus.append(sku)
            self.names.append(name)
            variants = {normalise(name), *(normalise(n) for n in names.values())}
            if brand:
                variants.add(normalise(f"{brand} {name}"))
            variants.update(normalise(k) for k in keywords)
            for variant in variants:
                if variant:
                    self.strings.append(variant)
                    self.owner.append(index)

    def search(self, query: str, limit: int = 10, carried: frozenset[str] | set[str] = frozenset()) -> list[Hit]:
        wanted = normalise(query[:MAX_QUERY_CHARS])
        if not wanted or not self.strings:
            return []
        matches = process.extract(
            wanted, self.strings, scorer=fuzz.WRatio, score_cutoff=SCORE_CUTOFF, limit=max(50, limit * 8)
        )
        best: dict[int, float] = {}
        for _, score, position in matches:
            product = self.owner[position]
            if score > best.get(product, 0.0):
                best[product] = score
        ranked = sorted(
            best.items(), key=lambda item: (self.skus[item[0]] not in carried, -item[1], self.skus[item[0]])
        )
        return [Hit(self.skus[p], self.names[p], round(score, 1)) for p, score in ranked[:limit]]


class SearchIndexes:
    """The worker's search index, rebuilt when the catalog version changes."""

    def __init__(self) -> None:
        self._index: SearchIndex | None = None
        self._lock = asyncio.Lock()

    async def get(self, session: AsyncSession) -> SearchIndex:
        version = await catalog_version(session)
        if self._index is not None and self._index.version == version:
            return self._index
        async with self._lock:
            if self._index is not None and self._index.version == version:
                return self._index
            rows = await session.execute(
                select(Product.sku, Product.name, Product.brand, Product.names, Product.keywords).order_by(Product.sku)
            )
            products = [(r.sku, r.name, r.brand, r.names or {}, r.keywords or []) for r in rows]
            self._index = await asyncio.to_thread(SearchIndex, version, products)
            return self._index
