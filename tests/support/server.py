"""The real server (``aislepath serve``) in a subprocess on a loopback port, for benchmarks and fault tests."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from stores.infra.settings import REPO_ROOT

ADMIN = "bench-admin-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: One load generator on one address is not a flood: benchmarks measure the server, not the limits.
NO_RATE_LIMITS = {
    f"AISLEPATH_RATE_LIMIT_{name}": "" for name in ("FEEDBACK", "EXPENSIVE", "WRITE", "UPLOAD", "PER_ADDRESS")
}


def _limit_open_files(limit: int) -> Callable[[], None]:
    """For a child process: at most ``limit`` open files (systemd's default is 1,024)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


class Server:
    """``aislepath serve`` (granian by default, no access log) on a loopback port: the production
    command, so its timeouts, limits and worker environment are what the tests meet."""

    def __init__(
        self,
        database_url: str,
        workers: int = 1,
        extra_env: dict[str, str] | None = None,
        server: str = "granian",
        serve_args: tuple[str, ...] = (),
        open_files_hard_limit: int | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "AISLEPATH_ADMIN_TOKEN": ADMIN,
               "AISLEPATH_ACCESS_LOG": "0", "AISLEPATH_LOG_LEVEL": "WARNING", **NO_RATE_LIMITS,
               **(extra_env or {})}  # fmt: skip
        self.log = tempfile.NamedTemporaryFile(prefix="aislepath-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--server", server, *serve_args],
            cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=None if open_files_hard_limit is None else _limit_open_files(open_files_hard_limit),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {Path(self.log.name).read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a crashed host would: no shutdown hooks run."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
