"""Tokens: issued once, stored only as a hash, scoped, revoked at once."""

from __future__ import annotations

import asyncio

from litestar.testing import TestClient
from sqlalchemy import text

from stores.infra.db import Database
from stores.infra.settings import Settings
from tests.conftest import ADMIN


def test_token_lifecycle(client: TestClient, settings: Settings) -> None:
    client.post("/v1/stores", json={"id": "s1", "name": "S1", "lat": 1, "lon": 1}, headers=ADMIN)
    response = client.post("/v1/tokens", json={"role": "manager", "stores": ["s1"], "name": "Anna"}, headers=ADMIN)
    assert response.status_code == 201
    issued = response.json()
    secret, token_id = issued["token"], issued["id"]
    assert issued["stores"] == ["s1"] and issued["role"] == "manager"

    listed = client.get("/v1/tokens", headers=ADMIN).json()["tokens"]
    assert [t["id"] for t in listed] == [token_id]
    assert "token" not in listed[0] and secret not in str(listed)

    async def stored_columns() -> str:
        db = Database.connect(settings)
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM api_tokens"))).all()
        await db.dispose()
        return repr(rows)

    assert secret not in asyncio.run(stored_columns())

    manager = {"Authorization": f"Bearer {secret}"}
    assert client.patch("/v1/stores/s1", json={"name": "S1b"}, headers=manager).status_code == 200
    assert client.delete(f"/v1/tokens/{token_id}", headers=ADMIN).status_code == 204
    assert client.patch("/v1/stores/s1", json={"name": "S1c"}, headers=manager).status_code == 401
    assert client.delete(f"/v1/tokens/{token_id}", headers=ADMIN).status_code == 404


def test_only_admins_manage_tokens(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "s1", "name": "S1", "lat": 1, "lon": 1}, headers=ADMIN)
    secret = client.post("/v1/tokens", json={"role": "manager", "stores": ["s1"]}, headers=ADMIN).json()["token"]
    manager = {"Authorization": f"Bearer {secret}"}
    assert client.post("/v1/tokens", json={"role": "admin"}, headers=manager).status_code == 403
    assert client.get("/v1/tokens", headers=manager).status_code == 403
    assert client.get("/v1/tokens").status_code == 401
    for header in ("Basic abc", "Bearer", "Bearer ap_" + "x" * 43, "ap_nothing"):
        assert client.get("/v1/tokens", headers={"Authorization": header}).status_code == 401, header


def test_an_issued_admin_token_works(client: TestClient) -> None:
    secret = client.post("/v1/tokens", json={"role": "admin"}, headers=ADMIN).json()["token"]
    response = client.post(
        "/v1/stores",
        json={"name": "x", "lat": 0, "lon": 0},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201


def test_bad_token_requests_are_listed(client: TestClient) -> None:
    response = client.post("/v1/tokens", json={"role": "manager", "stores": ["ghost", "phantom"]}, headers=ADMIN)
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {"/stores/0", "/stores/1"}
    assert client.post("/v1/tokens", json={"role": "manager"}, headers=ADMIN).status_code == 422
    assert client.post("/v1/tokens", json={"role": "owner"}, headers=ADMIN).status_code == 400
