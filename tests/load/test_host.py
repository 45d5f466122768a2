"""The load stage's verdict follows the host: limits times the slowdown of a fixed workload."""

from __future__ import annotations

from tests.load import host, run


def _row(name: str, p50: float, p95: float, p99: float, failures: int = 0, count: int = 500) -> dict[str, str]:
    return {"Name": name, "Failure Count": str(failures), "50%": str(p50), "95%": str(p95), "99%": str(p99),
            "Request Count": str(count), "Max Response Time": str(p99)}  # fmt: skip


def test_limits_scale_with_the_hosts_slowdown() -> None:
    p50, p95, p99 = run.THRESHOLDS["route 20 items"]
    over = [_row("route 20 items", p50 * 1.2, p95, p99)]
    assert any("route 20 items" in p for p in run.verdict(over, slowdown=1.0))
    assert not [p for p in run.verdict(over, slowdown=1.3) if "route 20 items" in p]
    failed = [_row("route 20 items", 1, 1, 1, failures=2)]
    assert any("failed request" in p for p in run.verdict(failed, slowdown=3.0))  # errors never scale


def test_the_slowdown_is_the_workload_against_the_quiet_host_never_below_one() -> None:
    assert host.slowdown(host.QUIET_S / 2) == 1.0
    assert host.slowdown(host.QUIET_S * 1.5) == 1.5
    assert host.workload() == host.workload()  # fixed work: the same answer every time
    assert host.seconds(repeats=1) > 0


def test_an_endpoint_seen_a_few_times_is_judged_by_its_slowest_request_against_the_p99_limit() -> None:
    p50, _, p99 = run.THRESHOLDS["insights"]

    def judged(p: float, count: int) -> list[str]:
        return [q for q in run.verdict([_row("insights", p, p, p, count=count)]) if q.startswith("insights")]

    assert 2 * p50 < p99 and judged(2 * p50, 1) == []  # its one request: its "p50" is that request
    assert judged(2 * p99, 1) != []  # too slow even so
    assert judged(2 * p50, run.MIN_SAMPLES) != []  # enough requests: the percentiles count
