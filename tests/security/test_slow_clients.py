"""Slow clients against the real server (``aislepath serve``): connections that trickle their
headers or body are let go, and everyone else is answered, even at a 1,024 open-files limit
(systemd's default), where 1,100 slow connections used to lock out every other client."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('slow') / 'db.sqlite3'}"
    running = Server(url, serve_args=("--header-timeout", "1"), extra_env={"AISLEPATH_BODY_TIMEOUT_S": "1"},
                     open_files_hard_limit=1024)  # fmt: skip
    try:
        yield running
    finally:
        running.stop()


def still_open(connection: socket.socket) -> bool:
    connection.settimeout(0.01)
    try:
        return connection.recv(1) != b""
    except TimeoutError:
        return True
    except OSError:
        return False


def test_slow_headers_are_cut_off_and_everyone_else_is_answered(server: Server) -> None:
    slow = []
    for _ in range(1100):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        connection.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # ... and never the blank line
        slow.append(connection)
    try:
        with httpx.Client(base_url=server.url, timeout=15) as client:
            answered = [client.get("/health").status_code for _ in range(56)]
        assert answered == [200] * 56
        time.sleep(2.5)  # past the 1 s header timeout
        assert sum(still_open(c) for c in slow) == 0
    finally:
        for connection in slow:
            connection.close()


def test_a_body_that_stops_arriving_gets_408(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"POST /v1/stores/x/locate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                           b"content-length: 100\r\n\r\n" + b'{"items": [')  # fmt: skip
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer


def test_the_server_runs_with_the_open_files_it_may_have(server: Server) -> None:
    """``serve`` raised its soft limit to the hard one; the workers inherit it."""
    log = Path(server.log.name).read_text()
    assert "1024 open files" in log, log[-500:]
