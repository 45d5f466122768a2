"""How far from the best an unproven route may be: the certified gap (routing.bound) on store-like
lists of 30 to 60 stops, and what the bound costs.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_gap``. The lists are the solver tests'
store-like instances (Manhattan walks between random shelves of a 60 x 35 m floor, a fifth of
the products on two shelves, a cold block last, six checkouts), eight seeds per size; the solver
gets its default 500 ms.
"""

from __future__ import annotations

import statistics
import time

from routing import solve_path
from routing.bound import walk_bound
from tests.benchmarks.report import machine, table, write_section
from tests.routing.test_solve_path import store_like

SEEDS = 8


def main() -> None:
    rows = []
    for middle, cold, alternatives in ((25, 5, True), (40, 10, True), (50, 10, True), (40, 10, False)):
        gaps, costs = [], []
        for seed in range(SEEDS):
            dist, start, ends, groups, rank = store_like(seed, middle=middle, cold=cold)
            if not alternatives:
                groups = [[g[0]] for g in groups]
            stops = [g if len(g) > 1 else g[0] for g in groups]
            last = [i for i, r in enumerate(rank) if r == 2]
            solution = solve_path(dist, start, ends, stops, last=last, time_limit_ms=500)
            gaps.append(100 * (solution.gap_bound or 0.0))
            started = time.perf_counter()
            walk_bound(dist, start, ends, groups, rank, solution.length)
            costs.append(1000 * (time.perf_counter() - started))
        places = "a fifth on two shelves" if alternatives else "one shelf each"
        rows.append([middle + cold, places, f"{statistics.median(gaps):.1f}%", f"{max(gaps):.1f}%",
                     f"{statistics.median(costs):.0f}"])  # fmt: skip
    body = table(["stops", "places", "gap_bound median", "gap_bound max", "bound ms (median)"], rows)
    print(body)
    write_section(
        "gap",
        "## gap_bound: how far from the best an unproven route may be (issue 21, part)\n\n"
        f"Machine: {machine()}. Script: `tests/benchmarks/bench_gap.py`; {SEEDS} store-like lists per row (the "
        "solver tests' instances: Manhattan walks between random shelves, a cold block last, six checkouts), "
        "solved with the default 500 ms. `gap_bound` = length / certified lower bound - 1 (routing/bound.py: "
        "per rank block, the Held-Karp 1-tree bound of the block's path with free ends, plus the cheapest edges "
        "between blocks).\n\n" + body,
    )


if __name__ == "__main__":
    main()
