"""Compiles run in a separate process, with a time budget.

A floor plan compile is CPU-bound for up to a few seconds (a hypermarket: ~3 s). In a thread it
would hold the GIL against the worker's shoppers and could not be stopped; in its own process it
cannot slow them, and a compile past its budget is killed (the upload gets a 422 naming the
budget, and nothing changes).

Each compile is a fresh process from a fork server (``multiprocessing``'s ``forkserver``), which
has the compiler imported once: starting one takes milliseconds, and nothing stays running
between uploads that a shutdown would have to wait for. Not ``fork``: the server has threads and
an event loop that must not be copied.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from stores.errors import Problem
from stores.floorplan.compile import Compiled
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import FloorPlan

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["stores.floorplan.service"])


def _build_into(conn: Connection, document: Any) -> None:
    from stores.floorplan.service import build  # already imported in the fork server

    try:
        conn.send((True, build(document)))
    except BaseException as exc:
        conn.send((False, exc))
    finally:
        conn.close()


class CompilePool:
    """Runs :func:`stores.floorplan.service.build` in a child process under ``timeout_s``."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def _run(self, document: Any) -> tuple[bool, Any]:
        receiver, sender = _context.Pipe(duplex=False)
        process = _context.Process(target=_build_into, args=(sender, document), daemon=True)
        process.start()
        sender.close()
        try:
            if not receiver.poll(self.timeout_s):
                return False, None
            ok, value = receiver.recv()  # before join: a large result must leave the pipe first
            return ok, value
        except EOFError:  # the child died (killed, out of memory) without answering
            return False, RuntimeError("the compile process died")
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()

    async def build(self, document: Any) -> tuple[FloorPlan, Compiled, float]:
        """Parse, validate and compile in a child process; PlanInvalid past the budget."""
        ok, value = await asyncio.to_thread(self._run, document)
        if ok:
            return value  # type: ignore[no-any-return]
        if value is None:
            raise PlanInvalid(
                f"The floor plan took longer than {self.timeout_s:g} s to compile.",
                [Problem("too_complex", f"compiling took over {self.timeout_s:g} s; simplify the plan", pointer="")],
            )
        raise value
