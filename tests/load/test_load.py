"""CI's load stage: the production-like set-up under mixed load, bounded to about two minutes.

Fails on any failed request, or on an endpoint's p50/p95/p99 over the limits in ``run.THRESHOLDS``
(chosen so a handler made 5x slower fails). The table is printed; Locust's CSV files stay in
``var/load-report/``.
"""

from __future__ import annotations

import pytest

from stores.infra.settings import REPO_ROOT
from tests.load import run


@pytest.mark.load
def test_mixed_load_on_the_production_set_up(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n-- load stage: 40 users, 60 s, 2 granian workers over PostgreSQL + PostGIS --")
        code = run.main(["--users", "40", "--duration", "60", "--report-dir", str(REPO_ROOT / "var" / "load-report")])
    assert code == 0, "the load stage failed: see the LOAD FAIL lines above"
