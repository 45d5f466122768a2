"""The API's documentation pages load everything from this app: no CDN, no fonts, no favicon from
elsewhere (a back office without internet sees them whole)."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger", "/schema/redoc"])
def test_every_asset_of_the_docs_pages_is_served_here(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), "nothing loads from another host"
    assets = re.findall(r"(?:src|href)=[\"']([^\"']+)[\"']", html)
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, "the page has its scripts"
    for asset in assets:
        assert asset.startswith("/schema/assets/"), asset
        got = client.get(asset)
        assert got.status_code == 200 and len(got.content) > 10_000, asset
        assert "max-age" in got.headers["cache-control"]
    assert "planRoute" in html or "/schema/openapi.json" in html, "the page shows this API"


def test_a_missing_asset_is_a_404(client: TestClient) -> None:
    assert client.get("/schema/assets/swagger/nothing-here.js").status_code == 404
    assert client.get("/schema/assets/swagger/../../package.json").status_code == 404
