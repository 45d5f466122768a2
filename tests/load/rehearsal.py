"""The multi-host rehearsal: a chain's set-up on loopback, under shopper load, through three failures.

    python -m tests.load.rehearsal            # CI (tests/load/test_rehearsal.py): ~3 minutes, a verdict

The set-up: HAProxy (Debian's) in front of two ``aislepath serve`` instances (health checks on
``/ready``, retries on a refused connection or an empty answer, redispatch to the other instance),
PostgreSQL primary + a streaming-replication standby (``pg_basebackup -R``; synchronous commit, so
a write the primary acknowledged is on the standby) reached through HAProxy's TCP front (the
standby as ``backup``), Redis for the shared rate limits. Locust's shopper load runs through the
balancer the whole time, and a writer sends one feedback report every 0.2 s, remembering each
the service acknowledged (202). Meanwhile:

(a) one instance is killed with SIGKILL and started again;
(b) a floor plan is published on one instance and read on the other at once;
(c) the primary is stopped, the standby promoted, and the instances reconnect by themselves.

Before the load, one client's 15 reports go through the balancer to both instances: with the
limit shared in Redis, 10 are let through. After the failover, both instances' ``/metrics`` must
show every family of stores.infra.metrics with samples.

Reported: failed requests per second (Locust's history) inside and outside the failure windows,
the writer's failures, the time to recover from each failure, and whether every acknowledged
write is in the promoted database. The verdict: no failed request outside the windows of (a)
and (c), none at all for (b), recovery within limits, and no acknowledged write lost.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from stores.floorplan.synthetic import synthetic_store
from stores.infra import migrate
from stores.infra.settings import REPO_ROOT, Settings
from tests.benchmarks.report import table
from tests.load.run import LOCUSTFILE, warm
from tests.load.seed import seed
from tests.support.limits import inside_one_minute
from tests.support.metrics import scrape, total
from tests.support.postgres import TempPostgres
from tests.support.redis import TempRedis
from tests.support.server import ADMIN, Server, free_port

#: Seconds into the load: kill instance 1, start it again, publish a plan, stop the primary.
KILL_AT, RESTART_AT, PUBLISH_AT, FAILOVER_AT = 15.0, 22.0, 32.0, 45.0
DURATION = 75
#: How long after each failure requests may fail (the window in-flight requests fall in).
KILL_WINDOW_S = 3.0
#: Recovery limits (seconds): a restarted instance back in the balancer; writes after promotion.
RESTART_LIMIT_S, FAILOVER_LIMIT_S = 20.0, 30.0

HAPROXY = """
global
    maxconn 4000
defaults
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
frontend shoppers
    mode http
    bind 127.0.0.1:{http_port}
    default_backend apps
backend apps
    mode http
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    default-server inter 500ms fall 2 rise 2
    server app1 127.0.0.1:{app1} check
    server app2 127.0.0.1:{app2} check
frontend database
    mode tcp
    bind 127.0.0.1:{pg_port}
    default_backend postgres
backend postgres
    mode tcp
    option tcp-check
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
    server primary 127.0.0.1:{primary} check
    server standby 127.0.0.1:{standby} check backup
"""


@dataclass
class Writer:
    """One feedback report every 0.2 s through the balancer; what was acknowledged, what failed, when."""

    url: str
    store_id: str
    started: float
    acknowledged: list[str] = field(default_factory=list)
    failed: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            n = 0
            while not self.stop.wait(0.2):
                n += 1
                mark = f"rehearsal-{n}"
                try:
                    answer = http.post(f"/v1/stores/{self.store_id}/feedback", headers={"X-Client-Id": mark},
                                       json={"kind": "route_rating", "rating": 5, "comment": mark})  # fmt: skip
                    ok = answer.status_code == 202
                except httpx.HTTPError:
                    ok = False
                if ok:
                    self.acknowledged.append(mark)
                else:
                    self.failed.append(time.monotonic() - self.started)


def _haproxy(config: str) -> subprocess.Popen[bytes]:
    path = Path(tempfile.mkdtemp(prefix="aislepath-haproxy-")) / "haproxy.cfg"
    path.write_text(config)
    process = subprocess.Popen(["haproxy", "-f", str(path), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return process


def _wait_port(port: int, limit_s: float = 10.0) -> None:
    """Until something accepts connections on ``port`` (HAProxy takes a moment to bind)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _wait_ready(url: str, limit_s: float, write: str | None = None) -> float:
    """Seconds until ``url``'s /ready answers 200 (and, with ``write``, a POST there is accepted)."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200 and (
                write is None
                or httpx.post(url + write, json={"kind": "route_rating", "rating": 4}, timeout=2).status_code == 202
            ):
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return float("inf")


#: What /metrics must show during the load (summed per name over its labels, on either instance).
FAMILIES = ("aislepath_request_duration_seconds_count", "aislepath_route_solve_seconds_count",
            "aislepath_routes_total", "aislepath_cache_lookups_total", "aislepath_cache_builds_total",
            "aislepath_cache_build_seconds_count", "aislepath_version_watch_up", "aislepath_db_pool_size",
            "aislepath_compile_seconds_count", "aislepath_compiles_total", "aislepath_rate_limited_total")  # fmt: skip


def _history(prefix: Path, started: float) -> list[tuple[float, int]]:
    """(seconds since ``started``, a wall-clock time, failures in that second) from Locust's full
    history (a row's whole-second stamp counts the failures up to the moment it was written)."""
    rows = []
    with open(f"{prefix}_stats_history.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                rows.append((int(row["Timestamp"]), int(float(row["Total Failure Count"]))))
    out, before = [], 0
    for stamp, failures in rows:
        out.append((stamp - started, failures - before))
        before = failures
    return out


def main(argv: list[str] | None = None) -> list[str]:
    """Run the rehearsal, print its report; what failed (empty: it passed)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--report-dir", type=Path, default=REPO_ROOT / "var" / "rehearsal")
    args = parser.parse_args(argv)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    primary = TempPostgres(fast=False, settings=("wal_level=replica",)).start()
    standby = None
    redis = TempRedis().start()
    haproxy = None
    servers: dict[str, Server] = {}
    http_port, pg_port, app_ports = free_port(), free_port(), {"app1": free_port(), "app2": free_port()}
    balancer = f"http://127.0.0.1:{http_port}"
    try:
        primary.create_database("chain")
        standby = TempPostgres.standby_of(primary)
        # Synchronous from now on (with a standby to wait for): a commit is acknowledged once the
        # standby has it.
        primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.psql("SELECT pg_reload_conf()")
        haproxy = _haproxy(HAPROXY.format(http_port=http_port, pg_port=pg_port, primary=primary.port,
                                          standby=standby.port, **app_ports))  # fmt: skip
        _wait_port(pg_port)
        database = f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/chain"
        migrate.upgrade(Settings(database_url=database))
        env = {"AISLEPATH_AUTO_MIGRATE": "0", "AISLEPATH_DB_POOL_SIZE": "5", "AISLEPATH_DB_MAX_OVERFLOW": "5",
               "AISLEPATH_RATE_LIMIT_STORAGE": f"async+{redis.url}", "AISLEPATH_RATE_LIMIT_FEEDBACK": "10/minute",
               "AISLEPATH_RATE_LIMIT_PER_ADDRESS": "1000000/minute"}  # fmt: skip

        def start(name: str) -> Server:
            servers[name] = Server(database, workers=1, extra_env=env, port=app_ports[name],
                                   serve_args=("--forwarded-allow-ips", "127.0.0.1"))  # fmt: skip
            return servers[name]

        start("app1"), start("app2")
        if _wait_ready(balancer, 20) == float("inf"):
            raise RuntimeError("the balancer does not reach the instances")
        manifest = seed(balancer, ADMIN)
        manifest_path = args.report_dir / "manifest.json"
        manifest_path.write_bytes(orjson.dumps(manifest))
        for server in servers.values():
            warm(server.url, manifest, 1)
        store_id = manifest["stores"][0]["id"]
        report: dict[str, Any] = {}
        # Shared rate limits: one phone's 15 reports, spread over both instances, 10 let through.
        inside_one_minute(5.0)
        flood = [httpx.post(f"{balancer}/v1/stores/{store_id}/feedback", headers={"X-Client-Id": "one-phone"},
                            json={"kind": "route_rating", "rating": 3}).status_code for _ in range(15)]  # fmt: skip
        report["one client's 15 reports at 10/minute, both instances"] = f"{flood.count(202)} accepted"
        locust_env = {"AISLEPATH_LOAD_MANIFEST": str(manifest_path), "AISLEPATH_LOAD_ADMIN_TOKEN": ADMIN,
                      "AISLEPATH_LOAD_THINK_S": "1.0", "AISLEPATH_LOAD_UPLOAD_AT": "0"}  # fmt: skip
        prefix = args.report_dir / "rehearsal"
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", balancer,
                   "-u", str(args.users), "-r", str(args.users), "-t", f"{DURATION}s", "--stop-timeout", "15",
                   "--csv", str(prefix), "--csv-full-history", "--only-summary", "--loglevel", "WARNING"]  # fmt: skip
        log = open(f"{prefix}_locust.log", "wb")  # noqa: SIM115
        load = subprocess.Popen(command, env={**os.environ, **locust_env}, cwd=REPO_ROOT, stdout=log, stderr=log)
        started, started_wall = time.monotonic(), time.time()
        writer = Writer(balancer, store_id, started)
        writing = threading.Thread(target=writer.run, daemon=True)
        writing.start()

        def at(second: float) -> None:
            time.sleep(max(0.0, second - (time.monotonic() - started)))

        # (a) an instance dies; the balancer sends its traffic to the other until it is back.
        at(KILL_AT)
        servers["app1"].kill()
        at(RESTART_AT)
        restarted = time.monotonic()
        start("app1")
        report["instance restart to ready (s)"] = round(time.monotonic() - restarted, 1)
        # (b) published on one instance, read on the other at once.
        at(PUBLISH_AT)
        plan = synthetic_store(1200, seed=5)
        headers = {"Authorization": f"Bearer {ADMIN}", "content-type": "application/json"}
        published = httpx.put(f"{servers['app2'].url}/v1/stores/{store_id}/floorplan?publish=true",
                              content=orjson.dumps(plan), timeout=60, headers=headers)  # fmt: skip
        version = published.json().get("version") if published.status_code == 201 else None
        seen = httpx.get(f"{servers['app1'].url}/v1/stores/{store_id}", timeout=10).json().get("floorplan_version")
        routed = httpx.post(f"{servers['app1'].url}/v1/stores/{store_id}/route", timeout=10,
                            json={"items": [{"sku": s} for s in manifest["stores"][0]["placed"][:5]]})  # fmt: skip
        report["published on app2, read on app1 at once"] = (
            published.status_code == 201 and seen == version and routed.json().get("floorplan_version") == version
        )
        # (c) the primary stops; the standby is promoted; instances reconnect through the balancer.
        at(FAILOVER_AT)
        failover = time.monotonic()
        primary.shut_down()
        standby.promote()
        report["promotion (s)"] = round(time.monotonic() - failover, 1)
        recovered = _wait_ready(balancer, FAILOVER_LIMIT_S, write=f"/v1/stores/{store_id}/feedback")
        report["primary stopped to writes accepted again (s)"] = round(time.monotonic() - failover, 1)
        at(FAILOVER_AT + 15)  # under load, after the failover: every family has samples
        scraped = [scrape(httpx.get(f"{server.url}/metrics", timeout=10).text) for server in servers.values()]
        missing = [name for name in FAMILIES if not any(total(samples, name) > 0 for samples in scraped)]
        report["metric families without samples"] = ", ".join(missing) or "none"
        load.wait(timeout=DURATION + 60)
        writer.stop.set()
        writing.join(timeout=15)
        log.close()

        # What was acknowledged is in the promoted database.
        found = set(standby.psql("SELECT comment FROM feedback WHERE comment LIKE 'rehearsal-%'", "chain")
                    .stdout.split())  # fmt: skip
        lost = [mark for mark in writer.acknowledged if mark not in found]
        history = _history(prefix, started_wall)
        # Locust's rows are stamped in whole seconds: a second either side. A request already
        # waiting for a database connection when writes came back may still fail until its
        # connect timeout runs out.
        kill_window = (KILL_AT - 1, KILL_AT + KILL_WINDOW_S + 1)
        recovered_at = FAILOVER_AT + report["primary stopped to writes accepted again (s)"]
        failover_window = (FAILOVER_AT - 1, recovered_at + Settings().db_connect_timeout_s + 1)

        def inside(second: float) -> bool:
            return any(lo <= second <= hi for lo, hi in (kill_window, failover_window))

        during_kill = sum(f for s, f in history if kill_window[0] <= s <= kill_window[1])
        during_failover = sum(f for s, f in history if failover_window[0] <= s <= failover_window[1])
        locust_out = sum(f for s, f in history if not inside(s))
        with open(f"{prefix}_stats.csv", newline="") as handle:
            stats = {row["Name"]: row for row in csv.DictReader(handle)}
        aggregated = stats.get("Aggregated", {})
        rows = [
            ["shopper requests (Locust)", aggregated.get("Request Count"), aggregated.get("Failure Count")],
            ["  failed while an instance was killed and restarted", "", during_kill],
            ["  failed from the primary's stop to writes accepted again", "", during_failover],
            ["  failed outside those windows", "", locust_out],
            ["acknowledged writes", len(writer.acknowledged), len(writer.failed)],
            ["acknowledged writes lost after promotion", len(lost), ""],
        ]
        print(table(["", "count", "failed"], rows))
        print(table(["step", "result"], [[k, v] for k, v in report.items()]))
        print("writer failures at (s):", [round(t, 1) for t in writer.failed])
        print("Locust failures per second:", [(round(s, 1), f) for s, f in history if f])
        problems = []
        if flood.count(202) != 10:
            problems.append(f"the shared rate limit let {flood.count(202)} of 15 through, not 10")
        if missing:
            problems.append(f"metric families without samples during the load: {missing}")
        if lost:
            problems.append(f"{len(lost)} acknowledged write(s) lost: {lost[:5]}")
        if locust_out:
            problems.append(f"{locust_out} shopper request(s) failed outside the failure windows")
        if not report["published on app2, read on app1 at once"]:
            problems.append("a plan published on one instance was not what the other served at once")
        if report["instance restart to ready (s)"] > RESTART_LIMIT_S:
            problems.append("the killed instance took too long to serve again")
        if recovered == float("inf"):
            problems.append(f"writes did not resume within {FAILOVER_LIMIT_S:g} s of the promotion")
        writer_out = [t for t in writer.failed if not inside(t)]
        if writer_out:
            problems.append(f"{len(writer_out)} write(s) failed outside the failure windows: {writer_out[:5]}")
        for problem in problems:
            print(f"REHEARSAL FAIL {problem}")
        return problems
    finally:
        for server in servers.values():
            server.stop()
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        redis.stop()
        if standby is not None:
            standby.stop()
        primary.stop()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
