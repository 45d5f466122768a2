"""Barcodes and product details: a scanned GTIN finds its product in search, locate and route;
products carry more barcodes, a size and an image, and hits and locations show them."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from catalog.products import gtin_key, gtin_ok
from tests.catalog.conftest import put_json
from tests.conftest import ADMIN

# GTIN-13 4006381333931 (a check digit that holds); its GTIN-14 form has a leading zero.
SCANNED = "4006381333931"
# A UPC-A (12 digits); scanners and apps send it with or without the leading zero of its EAN-13 form.
UPC = "036000291452"
DETAILED = [
    {"sku": "pen-1", "name": "Fountain Pen Ink", "brand": "Inkwell", "gtin": SCANNED, "gtins": [UPC],
     "size": {"amount": 50, "unit": "ml"}, "image_url": "https://img.example/pen-1.jpg", "department": "Bakery"},
]  # fmt: skip


@pytest.fixture
def shop(store: TestClient) -> TestClient:
    assert put_json(store, "/v1/products", DETAILED).status_code == 200
    rows = [{"sku": "pen-1", "shelf": "s3"}, {"sku": "bread-1", "shelf": "s1"}]
    assert store.post("/v1/stores/s1/placements", json=rows, headers=ADMIN).status_code == 200
    return store


def test_the_test_barcodes_are_real_gtins() -> None:
    assert gtin_ok(SCANNED) and gtin_ok(UPC) and gtin_key(UPC) == gtin_key("0" + UPC) == "00036000291452"


@pytest.mark.parametrize("q", [SCANNED, "0" + SCANNED, "4006 3813 3393 1", UPC, "0" + UPC, "00" + UPC])
def test_a_scanned_barcode_finds_its_product_first(shop: TestClient, q: str) -> None:
    hits = shop.get("/v1/stores/s1/products", params={"q": q}).json()["results"]
    assert [h["sku"] for h in hits] == ["pen-1"] and hits[0]["score"] == 100.0
    assert hits[0]["locations"][0]["shelf"] == "s3"


def test_an_unknown_barcode_finds_nothing_and_is_remembered(shop: TestClient) -> None:
    assert shop.get("/v1/stores/s1/products", params={"q": "4006381333948"}).json()["results"] == []
    result = shop.post("/v1/stores/s1/locate", json={"items": [{"gtin": "5901234123457"}]}).json()["results"][0]
    assert result == {"item": {"gtin": "5901234123457"}, "sku": None, "locations": [], "reason": "unknown_gtin"}


def test_locate_and_route_take_a_barcode(shop: TestClient) -> None:
    items = [{"gtin": "0" + UPC, "quantity": 2}, {"sku": "bread-1"}]
    located = shop.post("/v1/stores/s1/locate", json={"items": items}).json()["results"]
    assert [r["sku"] for r in located] == ["pen-1", "bread-1"] and "reason" not in located[0]
    assert located[0]["item"] == {"gtin": "0" + UPC, "quantity": 2}
    route = shop.post("/v1/stores/s1/route", json={"items": items}).json()
    assert {s.get("sku") for s in route["stops"] if s["kind"] == "item"} == {"pen-1", "bread-1"}
    assert route["unresolved"] == []


@pytest.mark.parametrize(
    "item", [{"sku": "pen-1", "gtin": SCANNED}, {"gtin": SCANNED, "query": "ink"}, {"quantity": 1}]
)
def test_an_item_is_exactly_one_of_sku_gtin_or_query(shop: TestClient, item: dict[str, object]) -> None:
    response = shop.post("/v1/stores/s1/locate", json={"items": [item]})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "invalid_item"


def test_hits_locations_and_products_show_brand_size_and_image(shop: TestClient) -> None:
    details = {"brand": "Inkwell", "size": {"amount": 50.0, "unit": "ml"}, "image_url": "https://img.example/pen-1.jpg"}
    hit = shop.get("/v1/stores/s1/products", params={"q": "fountain ink"}).json()["results"][0]
    assert {k: hit[k] for k in details} == details
    where = shop.get("/v1/stores/s1/products/pen-1/locations").json()
    assert {k: where[k] for k in details} == details
    product = shop.get("/v1/products/pen-1").json()
    assert {k: product[k] for k in details} == details and product["gtins"] == [UPC]
    bare = shop.get("/v1/stores/s1/products/creme-1/locations").json()  # not carried, no details
    assert (bare["brand"], bare["size"], bare["image_url"]) == (None, None, None)
    bundle = {p["sku"]: p for p in shop.get("/v1/stores/s1/bundle").json()["products"]}
    assert bundle["pen-1"] == where


def test_csv_takes_size_and_more_barcodes(store: TestClient) -> None:
    body = f"sku,name,gtins,size,image_url\nink-2,Ink Refill,{SCANNED};{UPC},12 ct,https://img.example/2.jpg\n"
    response = store.put("/v1/products.csv", content=body, headers={"content-type": "text/csv", **ADMIN})
    assert response.status_code == 200, response.text
    product = store.get("/v1/products/ink-2").json()
    assert product["gtins"] == [SCANNED, UPC] and product["size"] == {"amount": 12.0, "unit": "ct"}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("gtins", ["4006381333932"], "invalid_gtin"),  # a wrong check digit
        ("gtins", "not-a-list-of-gtins", "invalid_gtin"),
        ("gtins", [SCANNED] * 21, "invalid"),
        ("size", {"amount": 0, "unit": "g"}, "invalid"),
        ("size", {"amount": 5, "unit": "furlong"}, "invalid"),
        ("size", "a lot", "invalid"),
        ("size", {"amount": 5, "unit": "g", "extra": 1}, "invalid"),
        ("image_url", "http://img.example/x.jpg", "invalid"),
        ("image_url", "javascript:alert(1)", "invalid"),
    ],
)
def test_bad_details_are_refused_naming_the_field(store: TestClient, field: str, value: object, code: str) -> None:
    response = put_json(store, "/v1/products", [{"sku": "x-1", "name": "X", field: value}])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert store.get("/v1/products/x-1").status_code == 404
