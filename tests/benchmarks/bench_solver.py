"""The router against OR-Tools (guided local search, 10 s), LKH (elkai) and networkx, on the same
distance tables: walks between real stand points of compiled synthetic stores, and TSPLIB
instances with published optima (a closed tour is a path that starts and ends at node 0).

Run by hand: ``.venv/bin/pip install -e '.[bench]' && .venv/bin/python -m tests.benchmarks.bench_solver``;
``--ours-only`` solves with this checkout's router only (another build's, with ``PYTHONPATH``);
``--tsplib DIR`` adds the instances in ``DIR`` (this folder's format: ``# optimum N``, then ``x y``
lines) to the TSPLIB ones.
OR-Tools and elkai (LKH, non-commercial licence) are benchmark-only dependencies.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from routing import solve_path
from routing.kernels import warm_up
from routing.table import legs
from stores.floorplan.artifact import dump_artifact, load_artifact
from stores.floorplan.compile import compile_plan
from stores.floorplan.parse import parse_plan
from stores.floorplan.synthetic import synthetic_store
from tests.benchmarks.report import machine, table, write_section

ORTOOLS_SECONDS = 10
TSPLIB = Path(__file__).parent / "tsplib"


def path_length(dist: np.ndarray, walk: list[int]) -> float:
    return float(sum(dist[a, b] for a, b in itertools.pairwise(walk)))


def ortools(dist: np.ndarray, start: int, end: int, stops: list[int], seconds: float) -> float:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    closed = start == end
    nodes = [start, *stops] + ([] if closed else [end])
    sub = np.rint(dist[np.ix_(nodes, nodes)] * 100).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(len(nodes), 1, [0], [0 if closed else len(nodes) - 1])
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(sub.tolist()))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = model.SolveWithParameters(params)
    index, walk = model.Start(0), []
    while not model.IsEnd(index):
        walk.append(nodes[manager.IndexToNode(index)])
        index = solution.Value(model.NextVar(index))
    walk.append(nodes[manager.IndexToNode(index)])
    return path_length(dist, walk)


def with_dummy(dist: np.ndarray, start: int, end: int, stops: list[int]) -> tuple[np.ndarray, list[int]]:
    """A symmetric cycle instance whose optimal tours are the optimal start->end paths."""
    nodes = [start, *stops] + ([] if start == end else [end])
    sub = dist[np.ix_(nodes, nodes)]
    if start == end:
        return sub, nodes
    # Dummy edges cost C to the start and the end and 3C elsewhere (C beyond any walk): every tour
    # uses the two C edges, and no shortest path can shortcut through the dummy.
    c = float(sub.max()) * len(nodes) + 1.0
    n = len(nodes)
    out = np.full((n + 1, n + 1), 3 * c)
    out[:n, :n] = sub
    out[n, 0] = out[0, n] = out[n, n - 1] = out[n - 1, n] = c
    out[n, n] = 0
    return out, nodes


def cycle_to_path(cycle: list[int], n_nodes: int, closed: bool) -> list[int]:
    if cycle[0] == cycle[-1]:
        cycle = cycle[:-1]
    if closed:
        i = cycle.index(0)
        return cycle[i:] + cycle[:i] + [0]
    i = cycle.index(n_nodes)  # the dummy sits between the end and the start
    walk = cycle[i + 1 :] + cycle[:i]
    return walk if walk[0] == 0 else walk[::-1]


def lkh(dist: np.ndarray, start: int, end: int, stops: list[int]) -> float:
    import elkai

    matrix, nodes = with_dummy(dist, start, end, stops)
    cycle = elkai.DistanceMatrix(np.rint(matrix * 100).astype(int).tolist()).solve_tsp(runs=10)
    walk = cycle_to_path(list(cycle), len(nodes), start == end)
    return path_length(dist, [nodes[i] for i in walk])


def networkx_methods(dist: np.ndarray, start: int, end: int, stops: list[int]) -> dict[str, float]:
    import networkx as nx
    from networkx.algorithms import approximation as approx

    matrix, nodes = with_dummy(dist, start, end, stops)
    graph = nx.complete_graph(len(matrix))
    for a, b in graph.edges:
        graph[a][b]["weight"] = float(matrix[a, b])
    out = {}

    def annealing(g: nx.Graph, weight: str) -> list[int]:
        return approx.simulated_annealing_tsp(g, "greedy", weight=weight, seed=1)  # type: ignore[no-any-return]

    methods = {"greedy": approx.greedy_tsp, "annealing": annealing}
    for name, method in methods.items():
        cycle = approx.traveling_salesman_problem(graph, weight="weight", cycle=True, method=method)
        walk = cycle_to_path(list(cycle), len(nodes), start == end)
        out[name] = path_length(dist, [nodes[i] for i in walk])
    return out


def budget_ms(stops: list[int], tsplib: bool) -> int:
    """The solver's time limit for an instance: the time issue 21's targets give it (store lists
    up to 60 stops: 150 ms; 200 stops and TSPLIB: 1 s). An unproven walk uses all of it."""
    return 1000 if tsplib or len(stops) > 60 else 150


def store_instances() -> list[tuple[str, np.ndarray, int, int, list[int]]]:
    out = []
    for area, sizes in ((4_000, (8, 13, 20, 25, 30, 60)), (15_000, (200,))):
        plan = parse_plan(synthetic_store(area))
        artifact = load_artifact(dump_artifact("b", 1, plan, compile_plan(plan)), "b", 1)
        base = len(artifact.entrances) + len(artifact.checkouts) + len(artifact.zones)
        slots = np.arange(base, len(artifact.table.points))
        for k in sizes:
            for seed in range(3 if k <= 60 else 2):
                rng = np.random.default_rng(seed * 1000 + k)
                picks = rng.choice(slots, size=k, replace=False)
                ids = np.concatenate([[artifact.entrances["main"], artifact.checkouts["lane-1"]], picks]).astype(
                    np.int64
                )
                dist = legs(artifact.table, ids).dist
                out.append((f"store {area:,} m², {k} stops #{seed + 1}", dist, 0, 1, list(range(2, k + 2))))
    return out


def tsplib_instances(folders: list[Path] | None = None) -> list[tuple[str, np.ndarray, int, int, list[int], float]]:
    """TSPLIB instances (EUC_2D) in this folder's format, and those in ``folders`` (held-out
    instances a run may add: ``--tsplib DIR``)."""
    out = []
    for path in [p for folder in [TSPLIB, *(folders or [])] for p in sorted(folder.glob("*.txt"))]:
        lines = path.read_text().splitlines()
        optimum = float(lines[0].split()[-1])
        xy = np.array([[float(v) for v in line.split()] for line in lines[1:] if line.strip()])
        dist = np.floor(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) + 0.5)
        out.append((f"TSPLIB {path.stem} (optimum {optimum:g})", dist, 0, 0, list(range(1, len(xy))), optimum))
    return out


def main() -> None:
    ours_only = "--ours-only" in sys.argv  # another build beside this one: no references, nothing written
    rows: list[list[object]] = []
    folders = [Path(sys.argv[i + 1]) for i, arg in enumerate(sys.argv[:-1]) if arg == "--tsplib"]
    warm_up()  # compiled kernels loaded (or compiled, after an edit) before the first clock starts
    for name, dist, start, end, stops, *optimum in [*store_instances(), *tsplib_instances(folders)]:
        times, budget = [], budget_ms(stops, bool(optimum))
        for _ in range(3 if len(stops) <= 13 else 1):
            t = time.perf_counter()
            ours = solve_path(dist, start, end, stops, time_limit_ms=budget)
            times.append((time.perf_counter() - t) * 1000)
        reference: dict[str, float] = {}
        if len(stops) > 13 and not ours_only:
            reference["OR-Tools 10 s"] = ortools(dist, start, end, stops, ORTOOLS_SECONDS)
            reference["LKH"] = lkh(dist, start, end, stops)
            reference.update({f"nx {k}": v for k, v in networkx_methods(dist, start, end, stops).items()})
        best = min([reference.get("OR-Tools 10 s", np.inf), reference.get("LKH", np.inf), *optimum])
        gap = f"{100 * (ours.length / best - 1):+.2f}%" if np.isfinite(best) else ("optimal" if ours.optimal else "")
        columns = ("OR-Tools 10 s", "LKH", "nx greedy", "nx annealing")
        references = [f"{reference[k]:.1f}" if k in reference else "" for k in columns]
        bound = f"{100 * ours.gap_bound:.2f}%" if ours.gap_bound is not None else ""
        rows.append([name, f"{ours.length:.1f}", "yes" if ours.optimal else "no", bound, budget,
                     statistics.median(times), *references, gap])  # fmt: skip
        print(rows[-1], file=sys.stderr)
    body = table(["instance", "ours", "proven", "gap_bound", "budget ms", "ours ms", "OR-Tools 10 s", "LKH",
                  "nx greedy", "nx annealing", "ours vs best"], rows)  # fmt: skip
    print(body)
    if ours_only:
        return
    write_section(
        "solver",
        "## Router (`routing.solve_path`) against OR-Tools, LKH and networkx\n\n"
        f"Machine: {machine()}. Store instances: walking distances (m) between random stand points of compiled "
        "synthetic stores, from the entrance to checkout lane-1. TSPLIB: closed tours (start = end = node 0), "
        "TSPLIB rounding. Ours with `time_limit_ms` as 'budget ms' (issue 21's targets: 150 ms up to 60 stops, "
        "1 s for 200 stops and TSPLIB; a walk not proven optimal uses all of it); 'ours vs best' compares with the "
        "better of OR-Tools (GLS, 10 s) and LKH (elkai, 10 runs), or the published optimum. Script: "
        "`tests/benchmarks/bench_solver.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
