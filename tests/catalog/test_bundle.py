"""The offline store bundle: everything a phone needs without signal, versioned, with deltas."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from litestar.testing import TestClient

from api.http import _COMPRESS, Encoded, chosen_encoding
from tests.catalog.conftest import put_json
from tests.catalog.test_feedback import PLANOGRAM
from tests.conftest import ADMIN


def test_the_bundle_holds_the_plan_and_every_carried_products_answer(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    response = store.get("/v1/stores/s1/bundle")
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["complete"] and bundle["plan"] == store.get("/v1/stores/s1/floorplan").json()
    carried = {p["sku"] for p in PLANOGRAM}
    assert {p["sku"] for p in bundle["products"]} == carried
    in_departments: dict[str, int] = {}
    for product in bundle["products"]:
        for name in {loc["department"] for loc in product["locations"] if loc["department"]}:
            in_departments[name] = in_departments.get(name, 0) + 1
    assert bundle["departments"] == [{"name": n, "products": in_departments[n]} for n in sorted(in_departments)]
    assert in_departments, "the test's planogram places products in departments"
    for product in bundle["products"]:  # byte for byte the locations answer
        assert product == store.get(f"/v1/stores/s1/products/{product['sku']}/locations").json()
    assert response.headers["etag"] == f'"{bundle["version"]}"'
    again = store.get("/v1/stores/s1/bundle", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert len(gzip.compress(response.content)) < len(response.content) / 2  # it travels compressed


def test_a_phone_resyncs_with_what_changed(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    first = store.get("/v1/stores/s1/bundle").json()
    rows = [{"sku": "bread-1", "shelf": "s1", "stock": "out"}]
    assert store.post("/v1/stores/s1/placements", json=rows, headers=ADMIN).status_code == 200
    delta = store.get("/v1/stores/s1/bundle", params={"since": first["version"]}).json()
    assert not delta["complete"] and delta["since"] == first["version"] and delta["version"] != first["version"]
    assert [p["sku"] for p in delta["products"]] == ["bread-1"]
    assert delta["products"][0] == store.get("/v1/stores/s1/products/bread-1/locations").json()
    assert {loc["shelf"]: loc["stock"] for loc in delta["products"][0]["locations"]}["s1"] == "out"
    assert delta["dropped"] == []
    # Nothing changed since: an empty delta. Another plan: the whole bundle again.
    same = store.get("/v1/stores/s1/bundle", params={"since": delta["version"]}).json()
    assert same["products"] == [] and not same["complete"]
    plan = store.get("/v1/stores/s1/floorplan").json()
    assert put_json(store, "/v1/stores/s1/floorplan?publish=true", plan).status_code == 201
    whole = store.get("/v1/stores/s1/bundle", params={"since": delta["version"]}).json()
    assert whole["complete"] and len(whole["products"]) == len({p["sku"] for p in PLANOGRAM})
    assert store.get("/v1/stores/s1/bundle", params={"since": "nonsense"}).json()["complete"]


def test_names_follow_accept_language(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    plain = store.get("/v1/stores/s1/bundle")
    german = store.get("/v1/stores/s1/bundle", headers={"Accept-Language": "de-DE, en;q=0.5"})
    assert plain.json()["language"] is None and german.json()["language"] == "de"
    names = {p["sku"]: p["name"] for p in german.json()["products"]}
    assert names["bread-1"] == "Sauerteigbrot" and names["milk-1"] == "Vollmilch"
    # A product with no German name keeps the catalog's; everything else is the same answer.
    english = {p["sku"]: p for p in plain.json()["products"]}
    for product in german.json()["products"]:
        assert {**product, "name": english[product["sku"]]["name"]} == english[product["sku"]]
    assert german.headers["etag"] != plain.headers["etag"] and "accept-language" in german.headers["vary"].lower()
    again = store.get(
        "/v1/stores/s1/bundle", headers={"Accept-Language": "de", "If-None-Match": german.headers["etag"]}
    )
    assert again.status_code == 304
    # A delta is named the same way.
    rows = [{"sku": "milk-1", "shelf": "s5", "stock": "low"}]
    assert store.post("/v1/stores/s1/placements", json=rows, headers=ADMIN).status_code == 200
    delta = store.get(
        "/v1/stores/s1/bundle", params={"since": german.json()["version"]}, headers={"Accept-Language": "fr"}
    ).json()
    assert delta["language"] == "fr" and [p["name"] for p in delta["products"]] == ["Lait entier"]


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("identity", None), ("", None)])
def test_the_bundle_goes_in_the_encoding_asked_for(store: TestClient, accept: str, encoding: str | None) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    plain = store.get("/v1/stores/s1/bundle", headers={"Accept-Encoding": "identity"})
    for _ in range(2):  # made once, then sent from memory: the same bytes
        got = store.get("/v1/stores/s1/bundle", headers={"Accept-Encoding": accept})
        assert got.headers.get("content-encoding") == encoding
        assert got.content == plain.content  # (httpx decodes it)
        assert {"accept-encoding", "accept-language"} <= {v.strip().lower() for v in got.headers["vary"].split(",")}
    if encoding is not None:
        assert int(got.headers["content-length"]) < len(plain.content) / 2


@pytest.mark.parametrize(
    ("header", "chosen"),
    [(None, None), ("gzip, deflate, br", "gzip"), ("br;q=1, gzip;q=0.9", "br"), ("deflate", None),
     ("br;q=0, gzip", "gzip"), ("*", "br"), ("x-gzip", "gzip"), ("identity, br", None)],
)  # fmt: skip
def test_chosen_encoding(header: str | None, chosen: str | None) -> None:
    assert chosen_encoding(header) == chosen


def test_a_form_is_made_once_for_concurrent_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []

    def squeeze(raw: bytes) -> bytes:
        made.append(raw)
        return gzip.compress(raw)

    monkeypatch.setitem(_COMPRESS, "gzip", squeeze)
    answer = Encoded(b"x" * 100_000)

    async def run() -> None:
        forms = await asyncio.gather(*(answer.form("gzip") for _ in range(5)))
        assert len(made) == 1 and all(gzip.decompress(f) == answer.raw for f in forms)
        assert await answer.form("gzip") is forms[0]

    asyncio.run(run())
