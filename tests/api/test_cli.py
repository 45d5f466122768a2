"""The ``aislepath serve`` command: what it gives the worker processes it starts."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from api import cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Stands in for the servers: what would the workers inherit?"""
    seen: dict[str, Any] = {}

    def run(server: str) -> Any:
        def record(host: str, port: int, workers: int, *rest: Any) -> None:
            seen.update(server=server, workers=workers, rest=rest, arenas=os.environ.get("MALLOC_ARENA_MAX"),
                        forwarded=os.environ.get("AISLEPATH_FORWARDED_ALLOW_IPS"))  # fmt: skip

        return record

    monkeypatch.setattr(cli, "_run_granian", run("granian"))
    monkeypatch.setattr(cli, "_run_uvicorn", run("uvicorn"))
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"})
    return seen


@pytest.mark.parametrize(("operator", "expected"), [(None, "2"), ("4", "4")])
def test_serve_caps_malloc_arenas_for_its_workers_unless_the_operator_set_it(
    started: dict[str, Any], operator: str | None, expected: str
) -> None:
    if operator is not None:
        os.environ["MALLOC_ARENA_MAX"] = operator
    result = CliRunner().invoke(cli.main, ["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert (started["server"], started["workers"], started["arenas"]) == ("granian", 3, expected)
    assert started["rest"] == (10.0, None)  # header timeout, backpressure


def test_serve_passes_its_limits_and_the_balancer_addresses(started: dict[str, Any]) -> None:
    args = ["serve", "--server", "uvicorn", "--backpressure", "256", "--forwarded-allow-ips", "10.0.0.5"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert (started["server"], started["rest"], started["forwarded"]) == ("uvicorn", (256,), "10.0.0.5")
    assert CliRunner().invoke(cli.main, ["serve", "--header-timeout", "0"]).exit_code != 0


def test_serve_raises_its_open_files_limit_to_the_hard_limit() -> None:
    code = "from api.cli import _raise_open_files_limit as r; import resource; r(); " \
           "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])"  # fmt: skip

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096))

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limited, check=True)
    assert out.stdout.strip() == "4096"


def test_the_served_app_trusts_the_balancer_only_when_told() -> None:
    from api.app import behind_proxy, create_app
    from stores.infra.settings import Settings

    plain = create_app(Settings(auto_migrate=False))
    assert behind_proxy(plain) is plain
    wrapped = behind_proxy(create_app(Settings(auto_migrate=False, forwarded_allow_ips="10.0.0.5")))
    assert wrapped is not plain and callable(wrapped)
