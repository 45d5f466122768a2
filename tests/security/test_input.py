"""Text the databases cannot hold (NUL) or that is not Unicode gets a 400 on both, never a 500."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from api.app import create_app
from stores.infra.settings import Settings
from stores.models import ApiToken
from tests.conftest import ADMIN


def test_nul_and_broken_unicode_are_400_and_change_nothing(store: TestClient) -> None:
    json_headers = {**ADMIN, "content-type": "application/json"}
    bodies = [
        ("/v1/tokens", '{"role": "admin", "name": "a\\u0000b"}'),
        ("/v1/tokens", '{"role": "admin", "name": "\\udc00x"}'),  # a lone surrogate
        ("/v1/stores/s1/feedback", '{"kind": "route_rating", "rating": 2, "comment": "\\u0000"}'),
    ]
    for path, body in bodies:
        response = store.post(path, content=body, headers=json_headers)
        assert response.status_code == 400, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in ("/v1/stores/a%00b", "/v1/stores/s1/products?q=milk%00", "/v1/products/%00"):
        response = store.get(path)
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_text", path

    async def tokens() -> int:
        async with store.app.state.wiring.database.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)

    assert store.blocking_portal.call(tokens) == 0


def test_a_refused_nul_path_is_logged_with_its_status(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aislepath.access")
    with TestClient(app=create_app(dataclasses.replace(settings, access_log=True))) as client:
        assert client.get("/v1/stores/a%00b").status_code == 400
    logged = [orjson.loads(r.getMessage()) for r in caplog.records if r.name == "aislepath.access"]
    assert [(line["path"], line["status"]) for line in logged] == [("/v1/stores/a\x00b", 400)]
