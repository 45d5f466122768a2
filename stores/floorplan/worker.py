"""Compiles run in a separate process, with a time budget.

A floor plan compile is CPU-bound for up to a few seconds (a hypermarket: ~3 s). In a thread it
would hold the GIL against the worker's shoppers and could not be stopped; in its own process it
cannot slow them, and a compile past its time budget is killed, or past its memory budget
refused memory by the kernel (the upload gets a 422 naming the budget, and nothing changes).
Everything an upload costs runs there: unzipping and converting an IMDF archive, JSON parsing,
validation, compile.

Each compile is a fresh process from a fork server (``multiprocessing``'s ``forkserver``), which
has the compiler imported once: starting one takes milliseconds, and nothing stays running
between uploads that a shutdown would have to wait for. Not ``fork``: the server has threads and
an event loop that must not be copied.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from stores.floorplan.build import build_upload, problems_picture
from stores.floorplan.compile import Compiled
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import FloorPlan
from stores.infra.errors import Problem
from stores.infra.metrics import COMPILE_SECONDS, COMPILES

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["stores.floorplan.build"])


def _address_space_bytes() -> int:
    """This process's virtual size now (the libraries mapped in count against RLIMIT_AS too)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _build_into(
    conn: Connection, body: bytes, source_format: str, memory_mb: int, job: Callable[..., Any] = build_upload,
    *extra: Any,
) -> None:  # fmt: skip

    # The kernel refuses this process more memory than it started with plus the budget: a plan
    # whose compile would take gigabytes ends in a MemoryError here, not in the OOM killer
    # choosing a victim on the host.
    limit = _address_space_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send((True, job(body, source_format, *extra)))
    except MemoryError:
        conn.send((False, "memory"))
    except BaseException as exc:
        conn.send((False, exc))
    finally:
        conn.close()


def too_complex(detail: str, message: str) -> PlanInvalid:
    return PlanInvalid(f"The floor plan is too complex: {detail}.", [Problem("too_complex", message, pointer="")])


class CompilePool:
    """Runs :func:`stores.floorplan.build.build_upload` in a child process under
    ``timeout_s`` seconds and ``memory_mb`` MiB."""

    def __init__(self, timeout_s: float, memory_mb: int = 2048) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb

    def _run(
        self, body: bytes, source_format: str, job: Callable[..., Any] = build_upload, *extra: Any
    ) -> tuple[bool, Any]:
        receiver, sender = _context.Pipe(duplex=False)
        args = (sender, body, source_format, self.memory_mb, job, *extra)
        process = _context.Process(target=_build_into, args=args, daemon=True)
        process.start()
        sender.close()
        try:
            if not receiver.poll(self.timeout_s):
                return False, "time"
            ok, value = receiver.recv()  # before join: a large result must leave the pipe first
            return ok, value
        except EOFError:  # the child died (killed, out of memory) without answering
            return False, "died"
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()

    async def problems_picture(self, body: bytes, source_format: str, level_id: str | None) -> str:
        """An upload drawn with its problems (``build.problems_picture``), read and checked in a child
        process under the same budget as a compile."""
        ok, value = await asyncio.to_thread(self._run, body, source_format, problems_picture, level_id)
        if ok:
            return value  # type: ignore[no-any-return]
        if isinstance(value, str):
            raise too_complex("it took too long or too much memory to read", "the upload is too large to draw")
        raise value

    async def build(self, body: bytes, source_format: str) -> tuple[FloorPlan, Compiled, float]:
        """Read, parse, validate and compile in a child process; PlanInvalid (too_complex) past
        the time or memory budget."""
        started = time.perf_counter()
        ok, value = await asyncio.to_thread(self._run, body, source_format)
        COMPILE_SECONDS.observe(time.perf_counter() - started)
        if ok:
            COMPILES.labels("ok").inc()
            return value  # type: ignore[no-any-return]
        if isinstance(value, str):  # over the time or memory budget
            COMPILES.labels("too_complex").inc()
        else:
            COMPILES.labels("invalid" if isinstance(value, PlanInvalid) else "failed").inc()
        if value == "time":
            raise too_complex(f"it took longer than {self.timeout_s:g} s to compile",
                              f"compiling took over {self.timeout_s:g} s; simplify the plan")  # fmt: skip
        if value in ("memory", "died"):
            raise too_complex(f"it needed more than {self.memory_mb} MiB to compile",
                              f"compiling needed over {self.memory_mb} MiB (AISLEPATH_COMPILE_MEMORY_MB); "
                              "simplify the plan")  # fmt: skip
        raise value
