"""A throwaway PostgreSQL + PostGIS cluster: initdb under a temp dir, a free port, loopback only.

PostgreSQL refuses to run as root, so when we are root the cluster runs as the ``postgres``
system user (created by Debian's postgresql package). Used by the test set-up, the benchmarks
and the load tests; nothing here is mocked.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries not found; run `bash .ci/setup test` to install them")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class TempPostgres:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url(db)`` gives an asyncpg URL."""

    port: int = field(default_factory=_free_port)
    #: Tests trade durability for speed; benchmarks and fault tests keep the defaults.
    fast: bool = True
    root: Path | None = None
    #: More server settings (``name=value``), e.g. for replication.
    settings: tuple[str, ...] = ()
    _user: str | None = None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), user=self._user, check=check, capture_output=True, text=True, cwd="/")

    def _make_root(self, prefix: str) -> Path:
        """A new directory for the cluster, owned by the user it runs as; sets ``_bindir``."""
        self._bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        if os.geteuid() == 0:
            self._user = "postgres"
            pw = pwd.getpwnam(self._user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        return self.root

    def _server_options(self) -> list[str]:
        return [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.root}",
                "-c max_connections=200"]  # fmt: skip

    def start(self) -> TempPostgres:
        data = self._make_root("aislepath-pg-") / "data"
        bindir = self._bindir
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self._options = self._server_options()
        if self.fast:
            self._options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._options += [f"-c {setting}" for setting in self.settings]
        self.resume()
        return self

    @classmethod
    def standby_of(cls, primary: TempPostgres) -> TempPostgres:
        """A streaming-replication standby of ``primary`` (pg_basebackup -R), started, on its own port."""
        standby = cls(fast=False)
        data = standby._make_root("aislepath-pg-standby-") / "data"
        standby._run(str(standby._bindir / "pg_basebackup"), "-D", str(data), "-h", "127.0.0.1",
                     "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream", "-c", "fast",
                     "--no-sync")  # fmt: skip
        standby._options = [*standby._server_options(), "-c hot_standby=on"]
        standby.resume()
        return standby

    def promote(self) -> None:
        """Make this standby a primary (``pg_ctl promote``, waiting until it takes writes)."""
        assert self.root is not None
        self._run(str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-w", "promote")

    def shut_down(self) -> None:
        """Stop the server cleanly (``-m fast``: sessions end, the standby gets all WAL), keeping its data."""
        assert self.root is not None
        self._run(str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop", check=False)

    def resume(self) -> None:
        """Start the server (again, after :meth:`pause`) on the same port and data."""
        assert self.root is not None
        bindir, data = self._bindir, self.root / "data"
        result = self._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(self._options),
            "start",
            check=False,
        )
        if result.returncode != 0:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{log}")
        self._wait()

    def pause(self) -> None:
        """Stop the server as a crash would (immediate), keeping its data for :meth:`resume`."""
        assert self.root is not None
        self._run(str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop", check=False)

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.psql("SELECT 1", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not become ready")

    def psql(self, sql: str, database: str = "postgres", check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(
            str(self._bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atqc",
            sql,
            check=check,
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        suffix = f" TEMPLATE {template}" if template else ""
        self.psql(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.root is None:
            return
        self._run(
            str(self._bindir / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-m",
            "immediate",
            "stop",
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
