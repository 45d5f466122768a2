"""Product import: JSON and CSV, every bad row listed with its row and field, all or nothing."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

import catalog.products
from tests.catalog.conftest import PRODUCTS, put_json
from tests.conftest import ADMIN


def test_json_import_and_read(client: TestClient) -> None:
    assert put_json(client, "/v1/products", PRODUCTS).json() == {"upserted": 6}
    milk = client.get("/v1/products/milk-1").json()
    assert milk["names"] == {"de": "Vollmilch", "fr": "Lait entier"} and milk["storage"] == "chilled"
    assert client.get("/v1/products/rice-1").json()["heavy"] is True
    assert client.get("/v1/products/nope").status_code == 404
    # Upsert: a second import changes the name.
    assert put_json(client, "/v1/products", [{"sku": "milk-1", "name": "Milk"}]).json() == {"upserted": 1}
    assert client.get("/v1/products/milk-1").json()["name"] == "Milk"


def test_csv_import(client: TestClient) -> None:
    csv = (
        "sku,name,brand,department,gtin,keywords,names,storage\n"
        'tea-1,Green Tea,Sakura,Beverages,,"tea;green","zh=绿茶;ar=شاي أخضر",ambient\n'
        "eggs-1,Free-range Eggs,,Dairy,4000000000426,,,chilled\n"
    )
    response = client.put("/v1/products", content=csv.encode(), headers={**ADMIN, "content-type": "text/csv"})
    assert response.json() == {"upserted": 2}
    tea = client.get("/v1/products/tea-1").json()
    assert tea["keywords"] == ["tea", "green"] and tea["names"]["zh"] == "绿茶"


def test_every_bad_row_is_listed_and_nothing_is_written(client: TestClient) -> None:
    rows = [
        {"sku": "ok-1", "name": "Fine"},
        {"sku": "bad-1"},  # no name
        {"sku": "bad-2", "name": "X", "gtin": "4000000000427"},  # wrong check digit
        {"sku": "bad-3", "name": "X", "storage": "warm", "colour": "red"},
        {"sku": "ok-1", "name": "Duplicate"},
        {"sku": "bad 4", "name": "X", "names": {"english!": "x"}},
    ]
    response = put_json(client, "/v1/products", rows)
    assert response.status_code == 422
    errors = response.json()["errors"]
    found = {(e["row"], e.get("field"), e["code"]) for e in errors}
    assert (1, "name", "required") in found
    assert (2, "gtin", "invalid_gtin") in found
    assert (3, "storage", "invalid") in found and (3, "colour", "unknown_field") in found
    assert (4, None, "duplicate_sku") in found
    assert (5, "sku", "invalid") in found and (5, "names", "invalid_language") in found
    assert client.get("/v1/products/ok-1").status_code == 404


def test_csv_rows_are_line_numbers(client: TestClient) -> None:
    csv = "sku,name\nok,Fine\nbad,\n"
    response = client.put("/v1/products", content=csv.encode(), headers={**ADMIN, "content-type": "text/csv"})
    assert response.status_code == 422 and response.json()["errors"][0]["row"] == 3


def test_a_late_bad_row_undoes_batches_already_sent(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog.products, "BATCH", 10)
    rows = [{"sku": f"p{i}", "name": f"Product {i}"} for i in range(95)] + [{"sku": "late"}]
    assert put_json(client, "/v1/products", rows).status_code == 422
    assert client.get("/v1/products/p0").status_code == 404
    assert put_json(client, "/v1/products", rows[:95]).json() == {"upserted": 95}


def test_import_needs_admin_and_a_known_media_type(client: TestClient) -> None:
    assert put_json(client, "/v1/products", PRODUCTS, headers={}).status_code == 401
    text = client.put("/v1/products", content=b"x", headers={**ADMIN, "content-type": "text/plain"})
    assert text.status_code == 415
    broken = client.put("/v1/products", content=b"[{", headers={**ADMIN, "content-type": "application/json"})
    assert broken.status_code == 422
