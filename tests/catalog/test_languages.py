"""Accept-Language against the catalog's languages (RFC 9110 weights, RFC 4647 lookup)."""

from __future__ import annotations

import pytest

from catalog.languages import preferred

AVAILABLE = {"de", "fr", "zh-Hant", "pt-BR"}


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("de", "de"),
        ("de-DE", "de"),  # lookup drops subtags from the end
        ("DE-at", "de"),
        ("en, fr;q=0.8, de;q=0.9", "de"),  # weights beat order; en is not available
        ("fr;q=0.5, de;q=0.5", "fr"),  # equal weights keep the header's order
        ("de;q=0, fr", "fr"),  # q=0: not acceptable
        ("zh-Hant-TW", "zh-Hant"),
        ("pt", None),  # a narrower tag is not a fallback for a broader range
        ("*", None),
        ("en, *;q=0.1, de;q=0.05", None),
        ("de;q=abc, fr;q=0.1", "fr"),  # an unreadable weight counts as 0
        (",,;q=1, de", "de"),
    ],
)
def test_preferred(header: str | None, chosen: str | None) -> None:
    assert preferred(header, AVAILABLE) == chosen


def test_a_long_header_is_read_only_so_far() -> None:
    header = ", ".join(["en"] * 1000 + ["de"])
    assert preferred(header, AVAILABLE) is None


def test_names_follow_accept_language_in_search_and_locations(store) -> None:  # type: ignore[no-untyped-def]
    from tests.catalog.conftest import put_json
    from tests.catalog.test_feedback import PLANOGRAM

    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    plain = store.get("/v1/stores/s1/products/milk-1/locations")
    german = store.get("/v1/stores/s1/products/milk-1/locations", headers={"Accept-Language": "de-AT, en;q=0.3"})
    assert plain.json()["name"] == "Whole Milk 1 L" and "content-language" not in plain.headers
    assert german.json()["name"] == "Vollmilch" and german.headers["content-language"] == "de"
    assert {**german.json(), "name": plain.json()["name"]} == plain.json()  # only the name differs
    for answer in (plain, german):
        assert "accept-language" in answer.headers["vary"].lower()
    assert german.headers["etag"] != plain.headers["etag"]
    cached = store.get(
        "/v1/stores/s1/products/milk-1/locations",
        headers={"Accept-Language": "de", "If-None-Match": german.headers["etag"]},
    )
    assert cached.status_code == 304
    # A language the catalog lacks for this product: its catalog name, in that language's answer.
    assert store.get("/v1/stores/s1/products/rice-1/locations", headers={"Accept-Language": "de"}).json()["name"] == (
        "Basmati Rice"
    )
    hits = store.get("/v1/stores/s1/products", params={"q": "milch"}, headers={"Accept-Language": "de"})
    assert hits.json()["results"][0]["name"] == "Vollmilch" and hits.headers["content-language"] == "de"
    french = store.get("/v1/stores/s1/products", params={"q": "bread"}, headers={"Accept-Language": "fr"}).json()
    assert french["results"][0]["sku"] == "bread-1" and french["results"][0]["name"] == "Sourdough Bread"
    not_carried = store.get("/v1/stores/s1/products/creme-1/locations", headers={"Accept-Language": "fr"})
    assert not_carried.json()["name"] == "Crème fraîche" and not_carried.json()["carried"] is False
