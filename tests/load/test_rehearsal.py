"""CI's multi-host rehearsal (tests/load/rehearsal.py): HAProxy, two instances, PostgreSQL primary
and standby, Redis, under Locust's shopper load through an instance killed, a plan published on
one instance and read on the other, and a promotion. About three minutes."""

from __future__ import annotations

import pytest

from stores.infra.settings import REPO_ROOT
from tests.load import rehearsal


@pytest.mark.load
def test_a_chain_set_up_survives_an_instance_killed_and_a_failover(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n-- rehearsal: HAProxy, 2 instances, PostgreSQL primary + standby, Redis; 30 users, 75 s --")
        problems = rehearsal.main(["--report-dir", str(REPO_ROOT / "var" / "rehearsal")])
    assert not problems, "the rehearsal failed (its report is printed above): " + "; ".join(problems)
