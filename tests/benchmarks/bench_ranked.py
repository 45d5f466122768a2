"""The router's heuristic against the exact answer when a cold block comes last (issue 5).

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_ranked``. Store-like instances (Manhattan
walks between random shelves, a fifth of the products on two shelves, a row of checkouts): the
exact walk from the block-by-block Held-Karp, the local search alone (what lists too long for the
DP get), and ``solve_path`` as the route endpoint calls it.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from routing.solve import _held_karp, _local_search, solve_path
from tests.benchmarks.report import machine, percentile, table, write_section
from tests.routing.test_solve_path import store_like

SEEDS = 40


def main() -> None:
    rows = []
    for heavy, middle, cold in ((0, 17, 0), (0, 13, 5), (0, 12, 2), (0, 10, 8), (3, 12, 4)):
        gaps, heuristic_ms, solve_ms, exact = [], [], [], 0
        for seed in range(SEEDS):
            dist, start, ends, groups, rank = store_like(seed, heavy + middle, cold)
            rank = [0] * heavy + rank[heavy:]
            best = _held_karp(dist, start, ends, groups, rank).length
            started = time.perf_counter()
            found = _local_search(dist, start, ends, groups, rank, time.perf_counter() + 1.0)
            heuristic_ms.append(1000 * (time.perf_counter() - started))
            gaps.append(100 * (found.length / best - 1))
            started = time.perf_counter()
            solved = solve_path(dist, start, ends, groups, last=[g for g, r in enumerate(rank) if r == 2],
                                first=[g for g, r in enumerate(rank) if r == 0])  # fmt: skip
            solve_ms.append(1000 * (time.perf_counter() - started))
            exact += solved.optimal
        label = f"{heavy} heavy + {middle} + {cold} cold" if heavy else f"{middle} + {cold} cold"
        rows.append([label, SEEDS, round(statistics.mean(gaps), 2), round(max(gaps), 2),
                     round(float(np.median(heuristic_ms)), 2), f"{exact}/{SEEDS}",
                     round(float(np.median(solve_ms)), 2), round(percentile(solve_ms, 95), 2)])  # fmt: skip
    header = ["stops", "instances", "heuristic mean % over exact", "worst %", "heuristic median ms",
              "solve_path exact", "solve_path median ms", "p95 ms"]  # fmt: skip
    body = table(header, rows)
    print(body)
    write_section(
        "ranked",
        "## The router with heavy items first and a cold block last: heuristic against exact (issue 5)\n\n"
        f"Machine: {machine()}. Store-like instances (Manhattan walks, a fifth of the products on two "
        "shelves, six checkouts), cold items last, and heavy items first where the row says so. "
        "'heuristic': the local search alone, as lists too long "
        "for the exact DP get it; 'solve_path': what the route endpoint calls (exact while each rank block "
        "fits the DP budget). Script: `tests/benchmarks/bench_ranked.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
