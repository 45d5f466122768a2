"""Compiles run in a separate process, with a time budget.

A floor plan compile is CPU-bound for up to a few seconds (a hypermarket: ~3 s). In a thread it
would hold the GIL against the worker's shoppers and could not be stopped; in a process it
cannot slow them, and a compile past its budget is killed (the upload gets a 422 naming the
budget, and nothing changes). One pool of one process per worker, started on the first upload;
concurrent uploads in one worker wait their turn.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.pool
import threading
from typing import Any

from stores.errors import Problem
from stores.floorplan.compile import Compiled
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import FloorPlan

#: Compiles in a row before the process is replaced (bounds any slow growth of its memory).
_TASKS_PER_PROCESS = 20


def _build(document: Any) -> tuple[FloorPlan, Compiled, float]:
    from stores.floorplan.service import build  # imported in the compile process

    return build(document)


class CompilePool:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._pool: multiprocessing.pool.Pool | None = None
        self._lock = threading.Lock()

    def _get(self) -> multiprocessing.pool.Pool:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server has threads and an event loop that must not be copied.
                context = multiprocessing.get_context("spawn")
                self._pool = context.Pool(1, maxtasksperchild=_TASKS_PER_PROCESS)
            return self._pool

    def _kill(self, pool: multiprocessing.pool.Pool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.terminate()

    async def build(self, document: Any) -> tuple[FloorPlan, Compiled, float]:
        """Parse, validate and compile in the compile process; PlanInvalid past the budget."""
        pool = self._get()
        pending = pool.apply_async(_build, (document,))
        try:
            return await asyncio.to_thread(pending.get, self.timeout_s)
        except multiprocessing.TimeoutError:
            await asyncio.to_thread(self._kill, pool)
            raise PlanInvalid(
                f"The floor plan took longer than {self.timeout_s:g} s to compile.",
                [Problem("too_complex", f"compiling took over {self.timeout_s:g} s; simplify the plan", pointer="")],
            ) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
