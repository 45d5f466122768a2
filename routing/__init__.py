"""Pure routing: graphs, distance tables, solvers and path assembly. No DB, no HTTP."""

from routing.solve import PathSolution, solve_path, solve_ranked, with_start

__all__ = ["PathSolution", "solve_path", "solve_ranked", "with_start"]
