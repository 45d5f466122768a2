"""The ``aislepath serve`` command: what it gives the worker processes it starts."""

from __future__ import annotations

import os
from typing import Any

import pytest
from click.testing import CliRunner

from api import cli


@pytest.mark.parametrize(("operator", "expected"), [(None, "2"), ("4", "4")])
def test_serve_caps_malloc_arenas_for_its_workers_unless_the_operator_set_it(
    monkeypatch: pytest.MonkeyPatch, operator: str | None, expected: str
) -> None:
    seen: dict[str, Any] = {}

    def run(app: str, **options: Any) -> None:  # stands in for uvicorn.run: what would workers inherit?
        seen.update(app=app, workers=options["workers"], arenas=os.environ.get("MALLOC_ARENA_MAX"))

    monkeypatch.setattr("uvicorn.run", run)
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    if operator is not None:
        environ["MALLOC_ARENA_MAX"] = operator
    monkeypatch.setattr(os, "environ", environ)  # serve's change stays in this test
    result = CliRunner().invoke(cli.main, ["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert seen == {"app": "api.app:app", "workers": 3, "arenas": expected}
