"""Clients generated from the running app's OpenAPI document compile strictly and work.

As an app developer would: fetch ``/schema/openapi.json`` from a live server, generate a TypeScript
client (openapi-typescript, used through openapi-fetch) and a Python client (openapi-python-client),
type-check a usage file for each (strict ``tsc``; ``mypy --strict``) that covers the shopper's flow
(store, search, locations, locate, route, re-plan, feedback, bundle) and the manager's (upload a
draft plan, publish it, products, placements, versions, insights), then run both against the
server. Any generator warning fails the test, as does a response shape the usage no longer fits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.catalog.conftest import PLAN
from tests.conftest import fresh_database
from tests.support.server import ADMIN, Server

HERE = Path(__file__).parent
REPO = HERE.parents[1]
GENERATED = HERE / "generated"
VENV_BIN = Path(sys.executable).parent
#: Node and the packages in package.json: `bash .ci/setup test` installs them (no skipping here).
NPX = shutil.which("npx") or "npx"


def run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    """Run a command from the repository; its output (stdout and stderr), or a failure showing it."""
    done = subprocess.run(
        [str(c) for c in command], cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output}"
    return output


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = fresh_database("sqlite", request, tmp_path_factory.mktemp("clients"))
    server = Server(url)
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN}"}) as http:
            store = {"id": "s1", "name": "Fresh Market Mitte", "lat": 52.5219, "lon": 13.4132}
            assert http.post("/v1/stores", json=store).status_code == 201
        yield server
    finally:
        server.stop()
        Path(server.log.name).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def document(live: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_bytes(httpx.get(f"{live.url}/schema/openapi.json").content)
    return path


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_bytes(orjson.dumps(PLAN))
    return path


def _warnings(output: str, known_lines: tuple[str, ...]) -> list[str]:
    return [line for line in output.splitlines() if line.strip() and not line.startswith(known_lines)]


def test_typescript_client_compiles_strictly_and_works(live: Server, document: Path, plan_file: Path) -> None:
    schema = GENERATED / "schema.d.ts"
    output = run(NPX, "openapi-typescript", document, "-o", schema)
    assert _warnings(output, ("✨ openapi-typescript", "🚀")) == [], "openapi-typescript warned"
    assert "searchProducts" in schema.read_text()
    assert run(NPX, "tsc", "-p", HERE) == "", "strict tsc found errors"
    lines = run("node", GENERATED / "js" / "usage.js", live.url, ADMIN, "s1", plan_file).splitlines()
    _check_flows(lines)


def test_python_client_type_checks_strictly_and_works(live: Server, document: Path, plan_file: Path) -> None:
    package = GENERATED / "aislepath_client"
    output = run(
        VENV_BIN / "openapi-python-client", "generate", "--path", document, "--meta", "none", "--overwrite",
        "--output-path", package, "--config", HERE / "openapi-python-client.yaml",
        env={"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},  # its post-hook runs ruff
    )  # fmt: skip
    assert _warnings(output, ("Generating ",)) == [], "openapi-python-client warned"
    checked = run(
        VENV_BIN / "mypy", "--config-file", HERE / "mypy.ini", HERE / "usage.py", env={"MYPYPATH": str(GENERATED)}
    )
    assert checked.startswith("Success"), checked
    lines = run(
        sys.executable, HERE / "usage.py", live.url, ADMIN, "s1", plan_file, env={"PYTHONPATH": str(GENERATED)}
    ).splitlines()
    _check_flows(lines)


def _check_flows(lines: list[str]) -> None:
    """What both usage files print: the manager's flow, then the shopper's."""
    assert lines[0].startswith("draft v") and " draft, " in lines[0]
    assert lines[1].startswith("live v")
    assert lines[2] == "upserted 2"
    assert any(line.startswith("store s1 at ") for line in lines)
    assert any(line.startswith("by name s1") for line in lines)
    assert any(line.startswith("search ") and "milk" in line for line in lines)
    assert any(line.startswith("at ") and " in_stock high " in line for line in lines)
    assert any(line.startswith("route ") for line in lines) and any(line.startswith("re-plan ") for line in lines)
    assert "feedback accepted" in lines
    assert any(line.startswith("bundle ") and " complete true " in line.lower() for line in lines)
