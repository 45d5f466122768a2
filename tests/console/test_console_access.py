"""The console's sign-in, sessions and CSRF: a manager sees and changes only their stores, through
the pages and through the API with the session; no token is written into a page or a log."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Iterator

import orjson
import pytest
from litestar.testing import TestClient

from api.app import create_app
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, PRODUCTS
from tests.conftest import ADMIN, ADMIN_TOKEN


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "every console page carries its CSRF token"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> tuple[int, str]:
    """Sign in with a token: (status of the sign-in, the CSRF token of the page after it)."""
    page = client.get("/console/login")
    assert page.status_code == 200
    answer = client.post("/console/login", data={"token": token, "_csrf_token": csrf_of(page.text)},
                         follow_redirects=False)  # fmt: skip
    if answer.status_code != 303:
        return answer.status_code, ""
    home = client.get("/console")
    return answer.status_code, csrf_of(home.text)


@pytest.fixture
def console(settings: Settings) -> Iterator[TestClient]:
    """An https client (the session cookie is Secure), with stores s1 and s2 and a plan on each."""
    with TestClient(app=create_app(settings), base_url="https://testserver.local") as client:
        for store in ("s1", "s2"):
            client.post("/v1/stores", json={"id": store, "name": f"Store {store}", "lat": 1, "lon": 1}, headers=ADMIN)
            answer = client.put(f"/v1/stores/{store}/floorplan?publish=true", content=orjson.dumps(PLAN),
                                headers={**ADMIN, "content-type": "application/json"})  # fmt: skip
            assert answer.status_code == 201
        client.put("/v1/products", json=PRODUCTS, headers=ADMIN)
        yield client


def manager_of(client: TestClient, store: str) -> tuple[str, str]:
    issued = client.post("/v1/tokens", json={"role": "manager", "stores": [store], "name": "m"}, headers=ADMIN).json()
    return issued["id"], issued["token"]


def test_sign_in_sets_a_safe_session_and_never_shows_the_token(console: TestClient) -> None:
    _, token = manager_of(console, "s1")
    page = console.get("/console/login")
    assert "csrftoken" in page.headers.get("set-cookie", "")
    status, _ = sign_in(console, token)
    assert status == 303
    cookie = next(c for c in console.cookies.jar if c.name == "aislepath_console")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.expires is not None and cookie.expires > time.time()
    set_cookie = console.post("/console/login", data={"token": token, "_csrf_token": console.cookies["csrftoken"]},
                              follow_redirects=False).headers["set-cookie"]  # fmt: skip
    assert "samesite=strict" in set_cookie.lower() and token not in set_cookie
    for path in ("/console", "/console/stores/s1"):
        body = console.get(path).text
        assert token not in body and ADMIN_TOKEN not in body
    # The token's own value is not what the cookie holds (it names the token's id, encrypted).
    assert token not in cookie.value


def test_a_wrong_token_is_refused_without_a_session(console: TestClient) -> None:
    status, _ = sign_in(console, "aislepath_not-a-token")
    assert status == 401
    assert "aislepath_console" not in console.cookies
    assert console.get("/console", follow_redirects=False).headers["location"] == "/console/login"


def test_forms_need_the_csrf_token(console: TestClient) -> None:
    _, token = manager_of(console, "s1")
    console.get("/console/login")
    refused = console.post("/console/login", data={"token": token}, follow_redirects=False)
    assert refused.status_code == 403 and "aislepath_console" not in console.cookies


def test_a_manager_sees_and_changes_only_their_stores(console: TestClient) -> None:
    _, token = manager_of(console, "s1")
    _, csrf = sign_in(console, token)
    home = console.get("/console").text
    assert "/console/stores/s1" in home and "/console/stores/s2" not in home
    assert console.get("/console/stores/s1").status_code == 200
    assert console.get("/console/stores/s2").status_code == 403
    rows = "sku,shelf\nbread-1,s1\n"
    csv = {"content-type": "text/csv"}
    # The API takes the console's session with its CSRF header, for the stores it may manage.
    assert (
        console.put("/v1/stores/s1/placements.csv", content=rows, headers={**csv, "x-csrftoken": csrf}).status_code
        == 200
    )
    assert (
        console.put("/v1/stores/s2/placements.csv", content=rows, headers={**csv, "x-csrftoken": csrf}).status_code
        == 403
    )
    # Without the CSRF header the session counts for nothing on a write.
    assert console.put("/v1/stores/s1/placements.csv", content=rows, headers=csv).status_code == 401
    assert console.get("/v1/stores/s2/floorplan/versions").status_code == 403
    assert console.get("/v1/stores/s1/floorplan/versions").status_code == 200
    assert (
        console.post("/console/stores/s2/problems.svg", content=b"{}", headers={"x-csrftoken": csrf}).status_code == 403
    )
    assert console.get("/console/stores/s2/versions/1/preview.svg").status_code == 403
    assert console.get("/v1/tokens").status_code == 403  # managers do not manage tokens


def test_revoking_the_token_ends_its_sessions(console: TestClient) -> None:
    token_id, token = manager_of(console, "s1")
    sign_in(console, token)
    assert console.get("/console/stores/s1").status_code == 200
    assert console.delete(f"/v1/tokens/{token_id}", headers=ADMIN).status_code == 204
    assert console.get("/console/stores/s1", follow_redirects=False).status_code == 302


def test_a_session_expires(settings: Settings) -> None:
    short = dataclasses.replace(settings, console_session_hours=1.5 / 3600)
    with TestClient(app=create_app(short), base_url="https://testserver.local") as client:
        assert sign_in(client, ADMIN_TOKEN)[0] == 303
        assert client.get("/console").status_code == 200
        time.sleep(1.7)
        assert client.get("/console", follow_redirects=False).headers.get("location") == "/console/login"
        assert client.get("/v1/tokens").status_code == 401


def test_sign_out_ends_the_session(console: TestClient) -> None:
    _, csrf = sign_in(console, ADMIN_TOKEN)
    out = console.post("/console/logout", data={"_csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert console.get("/console", follow_redirects=False).status_code == 302


def test_no_token_reaches_the_log(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    logged = dataclasses.replace(settings, access_log=True, log_level="DEBUG")
    with (
        caplog.at_level(logging.DEBUG),
        TestClient(app=create_app(logged), base_url="https://testserver.local") as client,
    ):
        sign_in(client, ADMIN_TOKEN)
        client.get("/console")
        sign_in(client, "aislepath_wrong-secret-123")
    text = caplog.text
    assert "/console/login" in text, "the access log ran"
    assert ADMIN_TOKEN not in text and "aislepath_wrong-secret-123" not in text


def test_a_broken_plan_is_drawn_with_its_problems(console: TestClient) -> None:
    _, csrf = sign_in(console, ADMIN_TOKEN)
    plan = orjson.loads(orjson.dumps(PLAN))
    shelf = next(f for f in plan["features"] if f["properties"].get("id") == "s3")
    fixture = next(f for f in plan["features"] if f["properties"]["kind"] == "fixture")
    fixture["geometry"]["coordinates"] = [[[0, 0], [4, 4], [4, 0], [0, 4], [0, 0]]]  # a bow tie
    shelf["geometry"]["coordinates"] = [[50, 50], [51, 50]]  # far off the floor
    svg = console.post("/console/stores/s1/problems.svg", content=orjson.dumps(plan),
                       headers={"x-csrftoken": csrf, "content-type": "application/json"})  # fmt: skip
    assert svg.status_code == 200, svg.text
    text = svg.text
    fixture_id = fixture["properties"]["id"]
    assert re.search(rf'id="fixture-{fixture_id}" class="fixture bad"', text)
    assert 'id="shelf-s3" class="shelf bad"' in text
    assert 'class="offending" cx="2.00"' in text  # the bow tie crosses itself at (2, 2)
    assert "Self-intersection" in text


def test_an_archive_that_cannot_be_read_is_drawn_with_the_reason(console: TestClient) -> None:
    from tests.support.imdf_archive import grocery_imdf

    _, csrf = sign_in(console, ADMIN_TOKEN)
    svg = console.post("/console/stores/s1/problems.svg", content=grocery_imdf(drop=("unit.geojson",)),
                       headers={"x-csrftoken": csrf, "content-type": "application/zip"})  # fmt: skip
    assert svg.status_code == 200
    assert 'class="message loose"' in svg.text and "unit.geojson" in svg.text
