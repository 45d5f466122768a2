"""Pure routing: graphs, distance tables, solvers and path assembly. No DB, no HTTP."""
