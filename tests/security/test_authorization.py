"""Authorization on every endpoint, enumerated from the app itself: a new write endpoint without
a guard fails here. OWASP API1 (object level), API2 (authentication), API5 (function level)."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.conftest import ADMIN

#: Writes that shoppers may make without a token (the contract's "anyone").
SHOPPER_WRITES = {
    ("POST", "/v1/stores/{store_id}/feedback"),
    ("POST", "/v1/stores/{store_id}/locate"),
    ("POST", "/v1/stores/{store_id}/route"),
}
#: Reads that are private: a store's managers (or admins) only.
PRIVATE_READS = {
    ("GET", "/v1/stores/{store_id}/insights"),
    ("GET", "/v1/stores/{store_id}/insights.csv"),
    ("GET", "/v1/stores/{store_id}/floorplan/versions"),
    ("GET", "/v1/stores/{store_id}/floorplan/versions/{version}"),
    ("GET", "/v1/stores/{store_id}/floorplan/versions/{version}/plan.svg"),
    ("POST", "/v1/stores/{store_id}/floorplan/versions/{version}/route"),
    ("GET", "/v1/tokens"),
}
VALUES = {"store_id": "s1", "sku": "bread-1", "closure_id": "c0", "version": "1", "token_id": "t0"}


def endpoints(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in client.app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        if not path.startswith("/v1/"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            out += [(method, path) for method in handler.http_methods if method not in ("OPTIONS", "HEAD")]
    return sorted(set(out))


def protected(client: TestClient) -> list[tuple[str, str]]:
    return [
        (m, p) for m, p in endpoints(client) if (m != "GET" and (m, p) not in SHOPPER_WRITES) or (m, p) in PRIVATE_READS
    ]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = path.format(**VALUES)
    return client.request(method, url, headers=headers, content=b"{}" if method != "GET" else None)


def manager_of(client: TestClient, store: str) -> dict[str, str]:
    client.post("/v1/stores", json={"id": store, "name": store, "lat": 3, "lon": 3}, headers=ADMIN)
    token = client.post("/v1/tokens", json={"role": "manager", "stores": [store]}, headers=ADMIN).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_list_of_protected_endpoints_is_complete(store: TestClient) -> None:
    found = set(protected(store))
    writes = {
        ("PUT", "/v1/products"), ("POST", "/v1/stores"), ("PATCH", "/v1/stores/{store_id}"),
        ("PUT", "/v1/stores/{store_id}/floorplan"), ("PUT", "/v1/stores/{store_id}/placements"),
        ("POST", "/v1/stores/{store_id}/placements/{sku}/move"), ("POST", "/v1/tokens"),
        ("DELETE", "/v1/stores/{store_id}/closures/{closure_id}"),
    }  # fmt: skip
    assert writes | PRIVATE_READS <= found and not SHOPPER_WRITES & found


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["none", "empty", "basic", "unknown", "huge"],
)
def test_every_protected_endpoint_refuses_a_missing_or_wrong_token(store: TestClient, headers: dict) -> None:
    before = store.get("/v1/stores/s1").json()
    for method, path in protected(store):
        response = call(store, method, path, headers)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert store.get("/v1/stores/s1").json() == before


def test_a_revoked_token_is_refused_at_once_everywhere(store: TestClient) -> None:
    issued = store.post("/v1/tokens", json={"role": "admin"}, headers=ADMIN).json()
    auth = {"Authorization": f"Bearer {issued['token']}"}
    assert store.get("/v1/tokens", headers=auth).status_code == 200
    assert store.delete(f"/v1/tokens/{issued['id']}", headers=ADMIN).status_code == 204
    for method, path in protected(store):
        assert call(store, method, path, auth).status_code == 401, (method, path)


def test_a_manager_of_another_store_gets_403_on_every_protected_endpoint(store: TestClient) -> None:
    other = manager_of(store, "s2")
    before = store.get("/v1/stores/s1").json()
    for method, path in protected(store):
        response = call(store, method, path, other)
        assert response.status_code == 403, (method, path, response.status_code, response.text)
    assert store.get("/v1/stores/s1").json() == before
    # ...while the same token gets past the guard on its own store (then fails on the empty body).
    own = {"Authorization": other["Authorization"]}
    assert store.put("/v1/stores/s2/placements", content=b"{}", headers=own).status_code == 400


def test_private_data_of_another_store_does_not_leak(store: TestClient) -> None:
    other = manager_of(store, "s2")
    store.post("/v1/stores/s1/feedback", json={"kind": "route_rating", "rating": 1, "comment": "secret"})
    for method, path in PRIVATE_READS:
        response = call(store, method, path, other)
        assert response.status_code == 403 and "secret" not in response.text
    assert "token" not in store.get("/v1/stores/s1").text.lower()
