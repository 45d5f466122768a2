"""The load stage's verdict follows the host: limits times the slowdown of a fixed workload."""

from __future__ import annotations

from tests.load import host, run


def _row(name: str, p50: float, p95: float, p99: float, failures: int = 0) -> dict[str, str]:
    return {"Name": name, "Failure Count": str(failures), "50%": str(p50), "95%": str(p95), "99%": str(p99)}


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
