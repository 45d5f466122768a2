"""``GET /metrics``: every family an operator watches moves when its work is done, in one worker
and across the workers of ``aislepath serve``; the token, when set, is asked for."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest
import yaml
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from stores.infra.metrics import forget_dead_workers
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, PRODUCTS, put_json
from tests.conftest import ADMIN, fresh_database
from tests.support.metrics import scrape, total
from tests.support.server import ADMIN as SERVER_ADMIN
from tests.support.server import Server

ROUTE = "/v1/stores/{store_id}/route"


def test_every_family_moves_with_its_work(backend: str, settings: Settings) -> None:
    settings = dataclasses.replace(settings, rate_limit_expensive="3/minute")
    with TestClient(app=create_app(settings)) as client:
        before = scrape(client.get("/metrics").text)
        assert client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)
        assert put_json(client, "/v1/stores/s1/floorplan?publish=true", PLAN).status_code == 201
        bad = put_json(client, "/v1/stores/s1/floorplan", {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {"kind": "entrance",
             "id": "e1"}}]})  # fmt: skip
        assert bad.status_code == 422
        put_json(client, "/v1/products", PRODUCTS)
        put_json(client, "/v1/stores/s1/placements", [{"sku": "bread-1", "shelf": "s1"}])
        for _ in range(2):
            assert client.post("/v1/stores/s1/route", json={"items": [{"sku": "bread-1"}]}).status_code == 200
        client.get("/v1/stores/s1/products/bread-1/locations")
        assert client.get("/v1/stores/s1/products", params={"q": "bread"}).status_code == 200
        assert client.get("/v1/stores/s1/products", params={"q": "bread"}).status_code == 429  # the 4th: over 3/minute
        response = client.get("/metrics")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        after = scrape(response.text)

    def grew(name: str, **labels: str) -> bool:
        return total(after, name, **labels) > total(before, name, **labels)

    # Latency per route template (never per path), method and status.
    assert grew("aislepath_request_duration_seconds_count", path=ROUTE, method="POST", status_code="200")
    assert total(after, "aislepath_request_duration_seconds_count", path=ROUTE) >= 2
    assert not any("bread-1" in dict(ls).get("path", "") for _, ls in after)
    assert grew("aislepath_request_duration_seconds_count", path="/v1/stores/{store_id}/products", status_code="429")
    # The solver, every cache, the pool, compiles, rate limits.
    assert grew("aislepath_route_solve_seconds_count") and grew("aislepath_routes_total", optimal="true")
    assert grew("aislepath_cache_lookups_total", cache="locations", result="hit")
    for cache in ("artifacts", "locations", "search", "closures", "route_tables"):
        assert grew("aislepath_cache_builds_total", cache=cache, outcome="ok"), cache
        assert grew("aislepath_cache_build_seconds_count", cache=cache), cache
    assert total(after, "aislepath_db_pool_size") > 0
    assert grew("aislepath_compile_seconds_count")
    assert grew("aislepath_compiles_total", outcome="ok") and grew("aislepath_compiles_total", outcome="invalid")
    assert grew("aislepath_rate_limited_total", limit="expensive")
    if backend == "postgis":  # the LISTEN connection is up once the worker has started
        assert total(after, "aislepath_version_watch_up") == 1


def test_the_metrics_token_is_asked_for_when_set(settings: Settings) -> None:
    settings = dataclasses.replace(settings, metrics_token="m" * 32)
    with TestClient(app=create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"Bearer {'m' * 32}"}).status_code == 200
        assert "/metrics" not in orjson.loads(client.get("/schema/openapi.json").content)["paths"]


def test_the_workers_of_one_server_report_together(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Two granian workers: whichever answers the scrape counts every worker's requests."""
    server = Server(fresh_database("sqlite", request, tmp_path), workers=2)
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {SERVER_ADMIN}"}) as http:
            requests = 60
            for _ in range(requests):  # new connections: the kernel spreads them over the workers
                assert httpx.get(server.url + "/health").status_code == 200
            seen = [total(scrape(http.get("/metrics").text), "aislepath_request_duration_seconds_count", path="/health")
                    for _ in range(6)]  # fmt: skip
        assert seen == [requests] * 6, seen
    finally:
        server.stop()


def test_the_dashboard_and_alert_rules_name_only_metrics_the_service_exports(settings: Settings) -> None:
    """deploy/: every metric a Grafana panel or an alert reads is one /metrics has (a renamed
    metric would leave an empty panel or an alert that never fires)."""
    with TestClient(app=create_app(settings)) as client:
        client.get("/health")
        exported = {family.name for family in text_string_to_metric_families(client.get("/metrics").text)}
    exported_names = set()
    for name in exported:  # a family's series: name, name_total, name_bucket, name_count, name_sum
        exported_names |= {name, f"{name}_total", f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    exported_names.add("up")  # Prometheus's own
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    rules = yaml.safe_load((deploy / "prometheus" / "alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = orjson.loads((deploy / "grafana" / "aislepath.json").read_bytes())
    expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    for expression in expressions:
        names = {n for n in re.findall(r"\b(aislepath_[a-z_]+|up)\b", expression)}
        assert names and names <= exported_names, (expression, names - exported_names)
    for name in ("aislepath_route_solve_seconds", "aislepath_cache_lookups", "aislepath_version_watch_up",
                 "aislepath_db_pool_in_use", "aislepath_compiles", "aislepath_rate_limited",
                 "aislepath_request_duration_seconds"):  # fmt: skip
        assert any(name in e for e in expressions), f"no panel or alert reads {name}"


def test_a_dead_workers_live_gauges_are_dropped(tmp_path: Path) -> None:
    """A worker killed and respawned: the next worker to start drops its predecessor's live gauges
    (pool size, watch state), which would otherwise be summed forever."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    for name in (f"gauge_livesum_{pid}.db", f"gauge_livemin_{pid}.db", f"counter_{pid}.db"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")  # this process: alive
    assert forget_dead_workers(str(tmp_path)) == 1
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f"counter_{pid}.db", f"gauge_livesum_{os.getpid()}.db"])  # counts stay
