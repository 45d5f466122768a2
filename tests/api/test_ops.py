"""Operations endpoints, OpenAPI, body limits and the problem-details shape."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import TestClient

from api.app import create_app
from stores.infra.settings import Settings
from tests.conftest import ADMIN


def test_health_and_ready(client: TestClient, backend: str) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready"
    assert ready["database"] == ("sqlite" if backend == "sqlite" else "postgresql")


def test_openapi_documents_the_contract(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for path in ("/v1/stores", "/v1/stores/{store_id}", "/v1/tokens", "/v1/tokens/{token_id}", "/health", "/ready"):
        assert path in paths, path
    create = paths["/v1/stores"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create  # the request body has a model, not "any"


def test_body_size_limit_is_a_413_problem(settings: Settings) -> None:
    small = replace(settings, max_body_bytes=1000)
    with TestClient(app=create_app(small)) as client:
        response = client.post("/v1/stores", content=b'{"name": "' + b"x" * 5000 + b'"}', headers=ADMIN)
        assert response.status_code == 413
        assert response.json()["status"] == 413


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post("/v1/stores", content=b"{not json", headers={**ADMIN, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_requests_get_an_id_and_secrets_stay_out_of_logs(settings: Settings, caplog) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app=create_app(replace(settings, access_log=True))) as client, caplog.at_level("INFO"):
        response = client.get("/v1/stores", params={"lat": 1, "lon": 2, "q": "private list"}, headers=ADMIN)
    assert response.headers["x-request-id"]
    access = [r.getMessage() for r in caplog.records if r.name == "aislepath.access"]
    assert any('"path":"/v1/stores"' in line and '"status":200' in line for line in access)
    joined = "\n".join(r.getMessage() for r in caplog.records)
    assert "test-admin-secret" not in joined and "private list" not in joined
