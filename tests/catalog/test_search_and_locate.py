"""Search (typos, accents, every language, carried first) and batch locate."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from catalog.search import RECENT_QUERIES, Hit, SearchIndex
from tests.catalog.conftest import put_json
from tests.catalog.test_placements_and_locations import PLANOGRAM


def search(client: TestClient, q: str, limit: int = 5) -> list[dict]:
    response = client.get("/v1/stores/s1/products", params={"q": q, "limit": limit})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_typos_accents_and_languages(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    cases = {
        "sourdogh bred": "bread-1",
        "SAUERTEIGBROT": "bread-1",
        "酸种面包": "bread-1",
        "خبز العجين": "bread-1",
        "creme fraiche": "creme-1",
        "CRÈME FRAÎCHE": "creme-1",
        "vollmilch": "milk-1",
        "lait entier": "milk-1",
        "أرز بسمتي": "rice-1",
        "frozen pease": "peas-1",
    }
    for query, sku in cases.items():
        results = search(store, query)
        assert results and results[0]["sku"] == sku, (query, results)
    assert search(store, "qwxzv") == []


def test_the_stores_own_products_rank_first_among_near_equals(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", [{"sku": "bread-2", "shelf": "s3"}])
    # "sourdough": the loaf 72.6, the rolls 71.0, near-equal: the rolls the store carries first.
    results = search(store, "sourdough")
    assert [(r["sku"], r["carried"]) for r in results[:2]] == [("bread-2", True), ("bread-1", False)]
    assert results[0]["locations"] and results[0]["score"] < results[1]["score"]
    # "sourdough bread" names the loaf (100 against 72.6): it stays first, though not carried here.
    results = search(store, "sourdough bread")
    assert [(r["sku"], r["carried"]) for r in results[:2]] == [("bread-1", False), ("bread-2", True)]
    # Among carried near-equals, the one in stock first.
    put_json(store, "/v1/stores/s1/placements", [{"sku": "bread-2", "shelf": "s3", "stock": "out"},
                                                 {"sku": "bread-1", "shelf": "s4"}])  # fmt: skip
    assert [r["sku"] for r in search(store, "sourdough")[:2]] == ["bread-1", "bread-2"]


def test_locate_a_shopping_list(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    items = [
        {"sku": "bread-1", "quantity": 2},
        {"query": "vollmilch"},
        {"query": "zzqx"},
        {"sku": "nope"},
        {"sku": "creme-1"},
        {"sku": "peas-1"},
    ]
    response = store.post("/v1/stores/s1/locate", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["item"] for r in results] == items
    assert len(results[0]["locations"]) == 2 and "reason" not in results[0]
    assert results[1]["sku"] == "milk-1" and results[1]["locations"][0]["shelf"] == "s5"
    assert [r.get("reason") for r in results[2:]] == ["no_match", "unknown_sku", "not_carried", "out_of_stock"]


def test_locate_rejects_bad_lists(store: TestClient) -> None:
    assert store.post("/v1/stores/s1/locate", json={"items": []}).status_code == 400
    assert store.post("/v1/stores/s1/locate", json={"items": [{"sku": "a", "query": "b"}]}).status_code == 422
    too_many = {"items": [{"sku": "bread-1"}] * 201}
    assert store.post("/v1/stores/s1/locate", json=too_many).status_code == 400
    assert store.get("/v1/stores/s1/products", params={"q": "x" * 201}).status_code == 400
    assert store.post("/v1/stores/ghost/locate", json={"items": [{"sku": "a"}]}).status_code == 404


def test_free_text_prefers_an_in_stock_product_among_equal_matches(store: TestClient) -> None:
    put_json(store, "/v1/products", [{"sku": "bread-3", "name": "Sourdough Bread", "brand": "Other"}])
    rows = [{"sku": "bread-1", "shelf": "s1", "stock": "out"}, {"sku": "bread-3", "shelf": "s2"}]
    put_json(store, "/v1/stores/s1/placements", rows)
    result = store.post("/v1/stores/s1/locate", json={"items": [{"query": "sourdough bread"}]}).json()["results"][0]
    assert result["sku"] == "bread-3" and "reason" not in result
    # A clearly better match that is out of stock is reported as such, not swapped for another product.
    rows = [{"sku": "bread-1", "shelf": "s1", "stock": "out"}, {"sku": "bread-2", "shelf": "s2"}]
    put_json(store, "/v1/stores/s1/placements", rows)
    result = store.post("/v1/stores/s1/locate", json={"items": [{"query": "sourdough bread"}]}).json()["results"][0]
    assert result["sku"] == "bread-1" and result["reason"] == "out_of_stock"


def test_a_repeated_query_is_answered_from_memory_with_each_stores_ranking() -> None:
    index = SearchIndex(1, [
        ("a", "Sourdough Bread", None, {}, []), ("b", "Sourdough Bread Rolls", None, {}, []),
        ("c", "Whole Milk", None, {}, []),
    ])  # fmt: skip
    first = index.search("sourdough", 10, carried={"a"})  # near-equal: the store's own first
    assert [h.sku for h in first] == ["a", "b"]
    calls = []
    index._match = lambda wanted: calls.append(wanted)  # type: ignore[method-assign,assignment,return-value]
    # The same words (other case, accents, spacing), another store that carries only the rolls:
    # no new matching, and that store's own ranking.
    again = index.search("  SOURDÓUGH ", 10, carried={"b"})
    assert calls == [] and [h.sku for h in again] == ["b", "a"]
    assert {h.sku: h.score for h in again} == {h.sku: h.score for h in first}


def test_remembered_queries_are_bounded() -> None:
    index = SearchIndex(1, [(f"p{i}", f"Product {i}", None, {}, []) for i in range(50)])
    for i in range(RECENT_QUERIES + 25):
        index.search(f"product {i}")
    assert len(index._recent) == RECENT_QUERIES
    off = SearchIndex(1, [("p", "Product", None, {}, [])], recent_queries=0)  # AISLEPATH_SEARCH_CACHE_QUERIES=0
    assert off.search("product")[0].sku == "p" and len(off._recent) == 0


@settings(max_examples=80, deadline=None)
@given(
    carried=st.sets(st.integers(0, 59)),
    stocked=st.sets(st.integers(0, 59)),
    limit=st.integers(1, 30),
    query=st.sampled_from(["sourdough", "bread rolls", "whole milk", "milk bread", "brd", "rolls sourdough"]),
)
def test_ranking_is_score_lifted_by_carried_and_in_stock_then_sku(
    carried: set[int], stocked: set[int], limit: int, query: str
) -> None:
    names = ["Sourdough Bread", "Bread Rolls", "Whole Milk", "Milk Bread", "Sourdough Rolls", "Bread"]
    # skus deliberately not in catalog order, many equal scores
    products = [(f"sku-{(i * 37) % 60:02d}", names[i % len(names)], None, {}, []) for i in range(60)]
    index = SearchIndex(1, products, recent_queries=0)
    skus = {f"sku-{i:02d}" for i in carried}
    in_stock = {f"sku-{i:02d}" for i in stocked} & skus
    every = index.search(query, 1000)  # all matches, nothing carried: by score, then sku
    assert every == sorted(every, key=lambda h: (-h.score, h.sku))

    def lifted(h: Hit) -> float:  # a carried product 2 points up, in stock 1 more (catalog.search)
        return h.score + (2.0 + (h.sku in in_stock)) * (h.sku in skus)

    expected = sorted(every, key=lambda h: (-lifted(h), h.sku))[:limit]
    assert index.search(query, limit, carried=skus, in_stock=in_stock) == expected


def test_the_candidate_cut_keeps_the_products_a_common_word_names_best(monkeypatch: pytest.MonkeyPatch) -> None:
    # "food" is one word of many product names: all tie on coverage. The cut to CANDIDATES must
    # keep the product that is just "Food" (and the one tagged "food"), not any tied product.
    wordy = [(f"p{i:03d}", f"Dry cat food family size no. {i}", None, {}, []) for i in range(200)]
    products = [*wordy[:100], ("just-food", "Food", None, {}, []), *wordy[100:],
                ("tagged", "Kibble", None, {}, ["food"])]  # fmt: skip
    monkeypatch.setattr("catalog.search.CANDIDATES", 5)
    hits = SearchIndex(1, products, recent_queries=0).search("food", 3)
    assert {h.sku for h in hits[:2]} == {"just-food", "tagged"}, hits
