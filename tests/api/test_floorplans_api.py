"""Floor plan versions over HTTP: all-or-nothing uploads, atomic activation, roll-back, SVG."""

from __future__ import annotations

import copy
import threading

import orjson
from litestar.testing import TestClient

from stores.floorplan.synthetic import synthetic_store
from tests.conftest import ADMIN
from tests.support.ascii_plan import TWO_AISLES, ascii_plan

PLAN = ascii_plan(TWO_AISLES)


def setup_store(client: TestClient, store_id: str = "s1") -> None:
    assert (
        client.post("/v1/stores", json={"id": store_id, "name": "S", "lat": 1, "lon": 1}, headers=ADMIN).status_code
        == 201
    )


def upload(client: TestClient, plan: dict, store_id: str = "s1", headers: dict | None = None):  # type: ignore[no-untyped-def]
    auth = ADMIN if headers is None else headers
    return client.put(
        f"/v1/stores/{store_id}/floorplan?publish=true",
        content=orjson.dumps(plan),
        headers={"content-type": "application/json", **auth},
    )


def test_upload_goes_live_and_is_served(client: TestClient) -> None:
    setup_store(client)
    assert client.get("/v1/stores/s1/floorplan").status_code == 404
    response = upload(client, PLAN)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["version"] == 1 and body["report"]["features"]["shelves"] == 16
    assert client.get("/v1/stores/s1").json()["floorplan_version"] == 1
    live = client.get("/v1/stores/s1/floorplan")
    assert live.headers["x-floorplan-version"] == "1"
    kinds = [f["properties"]["kind"] for f in live.json()["features"]]
    assert kinds.count("shelf") == 16 and kinds.count("outline") == 1
    svg = client.get("/v1/stores/s1/floorplan.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and svg.text.count("#8b5a2b") == 16 and "Entrance e1" in svg.text


def test_invalid_upload_changes_nothing(client: TestClient) -> None:
    setup_store(client)
    upload(client, PLAN)
    broken = copy.deepcopy(PLAN)
    broken["features"][3]["geometry"]["coordinates"] = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    response = upload(client, broken)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["feature_id"] == broken["features"][3]["properties"]["id"]
    assert client.get("/v1/stores/s1").json()["floorplan_version"] == 1
    assert [v["version"] for v in client.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]] == [
        1
    ]


def test_new_versions_report_dropped_shelves_and_roll_back(client: TestClient) -> None:
    setup_store(client)
    upload(client, PLAN)
    smaller = copy.deepcopy(PLAN)
    smaller["features"] = [f for f in PLAN["features"] if f["properties"].get("id") not in ("s1", "s2")]
    second = upload(client, smaller).json()
    assert second["version"] == 2 and second["report"]["dropped_shelves"] == ["s1", "s2"]
    assert len(client.get("/v1/stores/s1/floorplan").json()["features"]) == len(smaller["features"])
    rolled = client.post("/v1/stores/s1/floorplan/versions/1/activate", headers=ADMIN)
    assert rolled.status_code == 200 and rolled.json()["floorplan_version"] == 1
    assert client.get("/v1/stores/s1/floorplan").headers["x-floorplan-version"] == "1"
    assert client.post("/v1/stores/s1/floorplan/versions/9/activate", headers=ADMIN).status_code == 404
    versions = client.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    assert [(v["version"], v["live"]) for v in versions] == [(1, True), (2, False)]


def test_who_may_upload(client: TestClient) -> None:
    setup_store(client, "s1")
    setup_store(client, "s2")
    secret = client.post("/v1/tokens", json={"role": "manager", "stores": ["s1"]}, headers=ADMIN).json()["token"]
    manager = {"Authorization": f"Bearer {secret}"}
    assert upload(client, PLAN, "s1", manager).status_code == 201
    assert upload(client, PLAN, "s2", manager).status_code == 403
    assert upload(client, PLAN, "s2", {}).status_code == 401
    assert client.post("/v1/stores/s2/floorplan/versions/1/activate", headers=manager).status_code == 403
    assert client.get("/v1/stores/s2").json()["floorplan_version"] is None


def test_bad_media_and_bad_json(client: TestClient) -> None:
    setup_store(client)
    text = client.put(
        "/v1/stores/s1/floorplan?publish=true", content=b"hello", headers={**ADMIN, "content-type": "text/plain"}
    )
    assert text.status_code == 415
    bad = client.put(
        "/v1/stores/s1/floorplan?publish=true", content=b"{oops", headers={**ADMIN, "content-type": "application/json"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "malformed_json"
    assert upload(client, PLAN, "ghost").status_code == 404


def test_concurrent_uploads_get_distinct_versions(client: TestClient) -> None:
    setup_store(client)
    plan = synthetic_store(300)
    results: list[int] = []

    def send() -> None:
        response = upload(client, plan)
        assert response.status_code == 201, response.text
        results.append(response.json()["version"])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [1, 2, 3, 4]
    versions = client.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert sum(v["live"] for v in versions) == 1
