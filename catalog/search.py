"""Product search: case-, accent- and typo-tolerant, in every language of ``names``.

Two stages, both on an in-memory index per worker keyed by the catalog version:

1. Words: every name variant (main name, translations, brand + name, keywords) is normalised
   (NFKD without combining marks, casefolded, full-width folded) and split into words; CJK text,
   which has no spaces, also gives character bigrams. Each query word is matched against the
   vocabulary (a few thousand words) with rapidfuzz's ``ratio`` (typos), by prefix (partial
   words) and by suffix (the tail of a compound: "milch" finds "vollmilch"); a query word the
   catalog does not have may be two that it has ("icecream"); synonyms (catalog.synonyms) are
   matched beside the query as typed. The matching words' posting lists give candidate products, ranked by how much
   of the query they cover and then by how little else the variants holding those words say
   (a product named or tagged just "bagels" before one where "bagels" is one word of six:
   common words tie on coverage across thousands of products, and the cut must not be blind).
2. Products: the best few hundred candidates are scored against their variants as a shopper
   judges (catalog.ranking: the product the query names first, then phrase and brevity).
   Among near-equal matches those the store carries, and has on a shelf, come first.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from collections import defaultdict
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import ranking
from catalog.languages import translated
from catalog.models import Product
from catalog.products import NO_DETAILS, gtin_key, product_details
from catalog.ranking import HEAD_FIRST, stem
from catalog.synonyms import BUILT_IN
from stores.infra.lru import Lru
from stores.infra.probe import VersionProbe
from stores.infra.text import normalise
from stores.infra.versioned import VersionedCache

#: Below this WRatio a product is not a match.
SCORE_CUTOFF = 75.0
#: Below this ratio a vocabulary word does not match a query word.
WORD_CUTOFF = 75.0
MAX_QUERY_CHARS = 200
CANDIDATES = 300
#: Among near-equal matches the store's own come first: a product it carries is lifted by this
#: many points (of 100), one on a shelf and not out of stock by this many more. A match this much
#: better wins anyway: "peanut butter" names the spread the store does not carry before the
#: peanut butter bar it does (the answer says `carried: false`).
CARRIED_LIFT = 2.0
IN_STOCK_LIFT = 1.0
#: Where most of the strong matches of a query are in one department (of those within
#: DEPARTMENT_WINDOW points of the best, at least DEPARTMENT_MIN, each voting by how close to the
#: best it is: DEPARTMENT_SHARE of the votes), the products of that department are ranked
#: DEPARTMENT_LIFT points up: "pizza" means the frozen pizzas, not
#: the crisps called "Pizza"; "peanut butter" the spreads, not the ice cream of that name.
DEPARTMENT_WINDOW = 10.0
DEPARTMENT_MIN = 3
DEPARTMENT_SHARE = 0.5
DEPARTMENT_LIFT = 6.0
#: Queries whose matches each index keeps by default (a few KB each at most).
RECENT_QUERIES = 1024
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def words(text: str) -> list[str]:
    """Words of normalised text, plus character bigrams of CJK runs."""
    out = []
    for word in _WORD.findall(text):
        out.append(word)
        if _CJK.search(word) and len(word) > 2:
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    sku: str
    name: str
    score: float


class SearchIndex:
    def __init__(
        self,
        version: int,
        products: list[tuple[str, str, str | None, dict[str, str], list[str]]],
        recent_queries: int = RECENT_QUERIES,
        barcodes: Mapping[str, str] | None = None,
        details: Mapping[str, dict[str, Any]] | None = None,
        synonyms: Mapping[str, str] | None = None,
        departments: Mapping[str, str] | None = None,
    ) -> None:
        """``products``: (sku, name, brand, names, keywords); ``barcodes``: GTIN (14-digit key,
        catalog.products.gtin_key) -> sku; ``details``: what a hit shows besides its name, per sku;
        ``synonyms``: term -> what it means (catalog.synonyms); ``departments``: sku -> its
        department (see :data:`DEPARTMENT_LIFT`)."""
        self.version = version
        self.recent_queries = recent_queries
        self.skus: list[str] = []
        self.names: list[str] = []
        #: The name in other languages, per product that has any (by position).
        self.local_names: dict[int, dict[str, str]] = {}
        #: Per product: its variants (normalised text) and whether each puts its head first.
        self.variants: list[list[tuple[str, bool]]] = []
        #: word -> {product: fewest words of one of its variants holding that word}
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        for sku, name, brand, names, keywords in products:
            index = len(self.skus)
            self.skus.append(sku)
            self.names.append(name)
            if names:
                self.local_names[index] = dict(names)
            first = {normalise(n): True for lang, n in names.items() if lang.split("-")[0] in HEAD_FIRST}
            variants = {normalise(n): False for lang, n in names.items() if lang.split("-")[0] not in HEAD_FIRST}
            variants.update(first)
            variants[normalise(name)] = False
            if brand:
                variants.setdefault(normalise(f"{brand} {name}"), False)
            if (size := (details or {}).get(sku, {}).get("size")) is not None:  # "milk 1 l", "milk 1l"
                amount = f"{size['amount']:g}"
                variants.setdefault(normalise(f"{name} {amount} {size['unit']} {amount}{size['unit']}"), False)
            for keyword in keywords:
                variants.setdefault(normalise(keyword), False)
            variants.pop("", None)
            self.variants.append(sorted(variants.items()))
            for variant in variants:
                held = set(words(variant))
                for word in held:
                    posting = postings[word]
                    posting[index] = min(posting.get(index, len(held)), len(held))
        self.position = {sku: i for i, sku in enumerate(self.skus)}
        #: Each product's place in sku order (ties in score are broken by sku).
        self.sku_rank = np.empty(len(self.skus), dtype=np.int64)
        self.sku_rank[np.argsort(np.array(self.skus, dtype=object), kind="stable")] = np.arange(len(self.skus))
        self.vocabulary = sorted(postings)
        #: The vocabulary's words reversed, sorted, with their indexes: words ending with a query
        #: word (the tail of a compound) are a prefix range of it.
        backwards = sorted((w[::-1], i) for i, w in enumerate(self.vocabulary))
        self._backwards = [w for w, _ in backwards]
        self._backwards_index = [i for _, i in backwards]
        self.postings = [np.fromiter(postings[w].keys(), dtype=np.int32) for w in self.vocabulary]
        #: Aligned with ``postings``: 1 / the fewest words of a variant holding the word.
        self.focus = [1 / np.fromiter(postings[w].values(), dtype=np.float32) for w in self.vocabulary]
        #: Variants made ready to score, as searches first meet them (at most every variant once).
        self._prepared: dict[str, ranking.Prepared] = {}
        self._recent: Lru[str, tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]] = Lru(
            recent_queries, settle=False
        )

        #: Every language some product has a name in.
        self.languages = frozenset(lang for names in self.local_names.values() for lang in names)
        self.barcodes = dict(barcodes or {})
        self.synonyms = {normalise(k): normalise(v) for k, v in (synonyms or {}).items() if normalise(k)}
        self._words = set(self.vocabulary)
        self.details = dict(details or {})
        #: Per product (by position): its department as a number (-1: none).
        codes: dict[str, int] = {}
        wanted = departments or {}
        self.department_of = np.fromiter(
            (codes.setdefault(d.casefold(), len(codes)) if (d := wanted.get(sku)) else -1 for sku in self.skus),
            dtype=np.int64, count=len(self.skus),
        )  # fmt: skip

    def sku_of_gtin(self, gtin: str) -> str | None:
        """The product with this barcode (leading zeros optional), or None."""
        key = gtin_key(gtin)
        return None if key is None else self.barcodes.get(key)

    def details_of(self, sku: str) -> dict[str, Any]:
        """Brand, size and image of a product (each null when the catalog has none)."""
        return self.details.get(sku) or NO_DETAILS

    def name_of(self, sku: str, language: str | None = None) -> str | None:
        """The product's name (in ``language`` when it has one, or in the language it narrows: ``de``
        for ``de-AT``), or None if the catalog has no such sku."""
        i = self.position.get(sku)
        if i is None:
            return None
        return translated(self.names[i], self.local_names.get(i, {}), language)

    def _word_matches(self, word: str) -> list[tuple[int, float]]:
        """(vocabulary index, similarity 0-100) of words matching one query word."""
        found = {i: score for _, score, i in process.extract(
            word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF, limit=40)}  # fmt: skip
        if len(word) >= 3:  # partial words: "choc" -> "chocolate"
            start = bisect.bisect_left(self.vocabulary, word)
            for i in range(start, min(start + 40, len(self.vocabulary))):
                if not self.vocabulary[i].startswith(word):
                    break
                found[i] = max(found.get(i, 0.0), 90.0)
            for tail in {word[::-1], stem(word)[::-1]}:  # compounds ending with it: "milch" -> "vollmilch"
                start = bisect.bisect_left(self._backwards, tail)
                for k in range(start, min(start + 60, len(self._backwards))):
                    if not self._backwards[k].startswith(tail):
                        break
                    i = self._backwards_index[k]
                    found[i] = max(found.get(i, 0.0), 90.0)
        return list(found.items())

    def search(
        self,
        query: str,
        limit: int = 10,
        carried: Container[str] = frozenset(),
        in_stock: Container[str] = frozenset(),
        lifts: NDArray[np.floating[Any]] | None = None,
    ) -> list[Hit]:
        """The best ``limit`` matches, by score lifted among near-equals by what the store has
        (:data:`CARRIED_LIFT` for a product in ``carried``, :data:`IN_STOCK_LIFT` more in ``in_stock``;
        or ``lifts``, those lifts per product position made once per store: :meth:`lifts_for`),
        then by sku. A query that is a barcode some product has finds that product (and only it).

        Hits keep their own score: the lift only orders them."""
        if (sku := self.sku_of_gtin(query)) is not None:
            return [Hit(sku, self.names[self.position[sku]], 100.0)]
        positions, scores, ranking_scores = self._matches(normalise(query[:MAX_QUERY_CHARS]))
        order = np.lexsort((self.sku_rank[positions], -ranking_scores))  # best first, ties by sku
        if len(order) > limit:  # below the limit-th score less the largest lift, nothing can rise into the answer
            ranked = ranking_scores[order]
            order = order[: int(np.searchsorted(-ranked, -(ranked[limit - 1] - CARRIED_LIFT - IN_STOCK_LIFT), "right"))]
        at = positions[order]
        if lifts is None:
            lifts = self.lifts_for(carried, in_stock, at)
        key = ranking_scores[order] + lifts[at]
        best = order[np.lexsort((self.sku_rank[at], -key))[:limit]]
        return [Hit(self.skus[p], self.names[p], round(float(score), 1))
                for p, score in zip(positions[best].tolist(), scores[best].tolist(), strict=True)]  # fmt: skip

    def lifts_for(
        self, carried: Container[str], in_stock: Container[str], positions: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """Each product's lift in a store's order, by position (those outside ``positions`` left at
        0): :data:`CARRIED_LIFT` if carried, :data:`IN_STOCK_LIFT` more in stock."""
        lifts = np.zeros(len(self.skus))
        for p in positions.tolist():
            sku = self.skus[p]
            if sku in carried:
                lifts[p] = CARRIED_LIFT + (IN_STOCK_LIFT if sku in in_stock else 0.0)
        return lifts

    def _matches(self, wanted: str) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Every product matching the normalised query, with its score and the score it is ranked
        by (:meth:`_by_department`), in any order; the last ``recent_queries`` queries' answers are
        kept (shopping lists repeat: "milk", "bread")."""
        if self.recent_queries <= 0:
            return self._by_department(*self._match_any(wanted))
        cached = self._recent.get(wanted)
        if cached is None:
            cached = self._recent.put(wanted, self._by_department(*self._match_any(wanted)))
        return cached

    def _by_department(
        self, positions: NDArray[np.int64], scores: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """The scores lifted by :data:`DEPARTMENT_LIFT` for the products in the department most of
        the strong matches are in, when most are in one."""
        ranked = scores
        if len(scores) and (self.department_of >= 0).any():
            floor = scores.max() - DEPARTMENT_WINDOW
            strong = scores >= floor
            codes = self.department_of[positions[strong]]
            weights = scores[strong] - floor + 1.0  # the better the match, the more its vote counts
            known = codes >= 0
            if known.sum() >= DEPARTMENT_MIN:
                votes = np.bincount(codes[known], weights=weights[known])
                best = int(votes.argmax())
                if votes[best] >= DEPARTMENT_SHARE * weights[known].sum():
                    ranked = scores + DEPARTMENT_LIFT * (self.department_of[positions] == best)
        return positions, scores, ranked

    def _match_any(self, wanted: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The query as typed and as its synonyms say (the whole of it, or a word of it), each
        product with its best score."""
        alternatives = [wanted]
        if wanted in self.synonyms:
            alternatives.append(self.synonyms[wanted])
        typed = wanted.split()
        replaced = [self.synonyms.get(w, w) for w in typed]
        if len(typed) > 1 and replaced != typed:
            alternatives.append(" ".join(replaced))
        if len(alternatives) == 1:
            return self._match(wanted)
        best: dict[int, float] = {}
        for alternative in alternatives:
            for p, score in zip(*self._match(alternative), strict=True):
                best[int(p)] = max(best.get(int(p), 0.0), float(score))
        return np.fromiter(best.keys(), dtype=np.int64), np.fromiter(best.values(), dtype=np.float64)

    def _split(self, word: str) -> list[str]:
        """A word the catalog does not have, as two that it has ("icecream": "ice cream"), else itself."""
        if len(word) < 6 or word in self._words:
            return [word]
        middle = len(word) // 2
        for i in sorted(range(3, len(word) - 2), key=lambda i: abs(i - middle)):
            if word[:i] in self._words and word[i:] in self._words:
                return [word[:i], word[i:]]
        return [word]

    def _match(self, wanted: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        nothing = (np.zeros(0, dtype=np.int64), np.zeros(0))
        query_words = list(dict.fromkeys(part for word in words(wanted) for part in self._split(word)))[:12]
        if not query_words or not self.skus:
            return nothing
        coverage = np.zeros(len(self.skus))
        focus = np.zeros(len(self.skus))  # similarity / words of the variant, summed over query words
        for word in query_words:
            best = np.zeros(len(self.skus))
            sharp = np.zeros(len(self.skus))
            for vocab_index, similarity in self._word_matches(word):
                posting = self.postings[vocab_index]  # unique ids: plain fancy indexing is safe
                best[posting] = np.maximum(best[posting], similarity)
                sharp[posting] = np.maximum(sharp[posting], similarity * self.focus[vocab_index])
            coverage += best
            focus += sharp
        hits = int(np.count_nonzero(coverage))
        if not hits:
            return nothing
        top = min(CANDIDATES, hits)
        # Coverage first (to 0.1), then focus (at most 100 x 12 words < 10,000).
        rank = np.round(coverage, 1) * 100_000 + focus
        candidates = np.argpartition(-rank, top - 1)[:top]
        query_stems = [stem(w) for w in query_words]
        typos: dict[tuple[str, str], float] = {}

        def typo(query_word: str, word: str) -> float:
            key = (query_word, word)
            if key not in typos:
                ratio = fuzz.ratio(query_word, word, score_cutoff=WORD_CUTOFF) if len(query_word) >= 4 else 0.0
                typos[key] = ratio / 100
            return typos[key]

        prepared = self._prepared
        scores = []
        for p in candidates.tolist():
            top_score = 0.0
            for text, head_first in self.variants[p]:
                variant = prepared.get(text)
                if variant is None:
                    variant = prepared[text] = ranking.prepare(text, head_first, words)
                top_score = max(top_score, ranking.score(query_words, query_stems, variant, head_first, typo))
            scores.append(top_score)
        best = np.array(scores)
        keep = best > 0
        return candidates[keep].astype(np.int64), best[keep]


#: How long a request waits for the index of a new catalog version before it is answered from
#: the previous one. A small catalog's index is ready well within it (answers reflect an import
#: at once); a large one's takes seconds (25 s at 500,000 products), and shoppers do not wait.
FRESH_WAIT_S = 0.25


class SearchIndexes:
    """The worker's search index. A new catalog version is indexed in the background, once;
    until it is ready (past :data:`FRESH_WAIT_S`), requests are answered from the previous one."""

    def __init__(
        self,
        probe: VersionProbe,
        sessions: async_sessionmaker[AsyncSession],
        recent_queries: int = RECENT_QUERIES,
        synonyms: Mapping[str, str] | None = None,
    ) -> None:
        self._recent_queries = recent_queries
        self._synonyms = dict(synonyms if synonyms is not None else BUILT_IN)
        self._probe = probe
        self._sessions = sessions
        self._held: VersionedCache[str, SearchIndex] = VersionedCache(1, fresh_wait_s=FRESH_WAIT_S, name="search")

    async def get(self) -> SearchIndex:
        version = await self._probe.catalog_version()

        async def build(_: SearchIndex | None) -> SearchIndex:
            return await self._build(version)

        return await self._held.get("catalog", version, build)

    async def _build(self, version: int) -> SearchIndex:
        async with self._sessions() as session:
            columns = (Product.sku, Product.name, Product.brand, Product.names, Product.keywords, Product.gtin,
                       Product.gtins, Product.size_amount, Product.size_unit, Product.image_url,
                       Product.department)  # fmt: skip
            rows = (await session.execute(select(*columns).order_by(Product.sku))).all()
        products = [(r.sku, r.name, r.brand, r.names or {}, r.keywords or []) for r in rows]
        barcodes: dict[str, str] = {}
        details: dict[str, dict[str, Any]] = {}
        for r in rows:
            for gtin in [r.gtin, *(r.gtins or [])]:
                if gtin and (key := gtin_key(gtin)) is not None:
                    barcodes.setdefault(key, r.sku)  # two products with one barcode: the first sku wins
            if r.brand or r.size_unit or r.image_url:
                details[r.sku] = product_details(r.brand, r.size_amount, r.size_unit, r.image_url)
        departments = {r.sku: r.department for r in rows if r.department}
        return await asyncio.to_thread(
            SearchIndex, version, products, self._recent_queries, barcodes, details, self._synonyms, departments
        )

    async def close(self) -> None:
        await self._held.close()
