"""Stores over HTTP: creation, reading, the locator's input checks, and who may write."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.conftest import ADMIN


def make_store(client: TestClient, **fields) -> dict:  # type: ignore[no-untyped-def]
    body = {"name": "Fresh Market Mitte", "lat": 52.5200, "lon": 13.4050, **fields}
    response = client.post("/v1/stores", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_and_read_a_store(client: TestClient) -> None:
    created = make_store(client, id="berlin-mitte", address="Alexanderplatz 1", timezone="Europe/Berlin")
    assert created["id"] == "berlin-mitte"
    got = client.get("/v1/stores/berlin-mitte").json()
    assert got["name"] == "Fresh Market Mitte"
    assert got["floorplan_version"] is None
    assert got["timezone"] == "Europe/Berlin"


def test_generated_ids_are_slugs_and_unique(client: TestClient) -> None:
    a = make_store(client, name="Café Ümlaut")
    b = make_store(client, name="Café Ümlaut")
    assert a["id"].startswith("cafe-umlaut-") and a["id"] != b["id"]


def test_duplicate_id_is_a_conflict(client: TestClient) -> None:
    make_store(client, id="dup")
    response = client.post("/v1/stores", json={"id": "dup", "name": "x", "lat": 1, "lon": 1}, headers=ADMIN)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == "/id"


def test_every_bad_field_is_named(client: TestClient) -> None:
    response = client.post("/v1/stores", json={"name": "", "lat": 91, "lon": "east", "colour": "red"}, headers=ADMIN)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["title"] and body["type"]
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"/name", "/lat", "/lon", "/colour"}


def test_missing_fields_and_unknown_timezone(client: TestClient) -> None:
    response = client.post("/v1/stores", json={"name": "x"}, headers=ADMIN)
    assert {e["pointer"] for e in response.json()["errors"]} == {"/lat", "/lon"}
    response = client.post(
        "/v1/stores",
        json={"name": "x", "lat": 0, "lon": 0, "timezone": "Mars/Olympus"},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/timezone"


def test_unknown_store_is_404_problem(client: TestClient) -> None:
    response = client.get("/v1/stores/nope")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_locator_orders_by_distance(client: TestClient) -> None:
    make_store(client, id="near", lat=52.52, lon=13.40)
    make_store(client, id="far", lat=48.14, lon=11.58)
    make_store(client, id="middle", lat=51.34, lon=12.37)
    stores = client.get("/v1/stores", params={"lat": 52.5, "lon": 13.4}).json()["stores"]
    assert [s["id"] for s in stores] == ["near", "middle", "far"]
    assert stores[0]["distance_m"] < 3000 < stores[1]["distance_m"]
    limited = client.get("/v1/stores", params={"lat": 52.5, "lon": 13.4, "limit": 1}).json()["stores"]
    assert [s["id"] for s in limited] == ["near"]
    within = client.get("/v1/stores", params={"lat": 52.5, "lon": 13.4, "radius_m": 200_000}).json()["stores"]
    assert [s["id"] for s in within] == ["near", "middle"]


def test_bad_coordinates_name_the_parameter(client: TestClient) -> None:
    cases = [
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": "nan", "lon": 0}, "lat"),
        ({"lat": 0, "lon": "abc"}, "lon"),
        ({"lat": 0, "lon": 180.5}, "lon"),
        ({"lon": 0}, "lat"),
        ({"lat": 0, "lon": 0, "radius_m": -5}, "radius_m"),
        ({"lat": 0, "lon": 0, "limit": 10_000}, "limit"),
    ]
    for params, name in cases:
        response = client.get("/v1/stores", params=params)
        assert response.status_code == 400, (params, response.text)
        assert name in {e.get("parameter") for e in response.json()["errors"]}, (
            params,
            response.json(),
        )


def test_store_writes_need_the_right_token(client: TestClient) -> None:
    make_store(client, id="a")
    make_store(client, id="b")
    assert client.post("/v1/stores", json={"name": "x", "lat": 0, "lon": 0}).status_code == 401
    bad = client.post(
        "/v1/stores",
        json={"name": "x", "lat": 0, "lon": 0},
        headers={"Authorization": "Bearer nope"},
    )
    assert bad.status_code == 401 and "Bearer" in bad.headers["www-authenticate"]
    token = client.post("/v1/tokens", json={"role": "manager", "stores": ["a"]}, headers=ADMIN).json()["token"]
    manager = {"Authorization": f"Bearer {token}"}
    assert client.patch("/v1/stores/a", json={"name": "Renamed"}, headers=manager).status_code == 200
    assert client.get("/v1/stores/a").json()["name"] == "Renamed"
    assert client.patch("/v1/stores/b", json={"name": "Hijacked"}, headers=manager).status_code == 403
    assert client.get("/v1/stores/b").json()["name"] != "Hijacked"
    assert client.post("/v1/stores", json={"name": "x", "lat": 0, "lon": 0}, headers=manager).status_code == 403


def test_store_update_validates(client: TestClient) -> None:
    make_store(client, id="a")
    assert client.patch("/v1/stores/a", json={"name": ""}, headers=ADMIN).status_code == 400
    assert client.patch("/v1/stores/a", json={"timezone": "Nowhere/City"}, headers=ADMIN).status_code == 422
    assert client.patch("/v1/stores/zzz", json={"name": "x"}, headers=ADMIN).status_code == 404
    ok = client.patch("/v1/stores/a", json={"address": None, "timezone": "Europe/Paris"}, headers=ADMIN)
    assert ok.json()["timezone"] == "Europe/Paris"
