"""Floor plan compile: time, peak memory, artifact size and load time, small to hypermarket.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_compile``. Each size is compiled in a
fresh subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from tests.benchmarks.report import machine, table, write_section

SIZES = [("convenience", 300), ("supermarket", 4_000), ("hypermarket", 15_000)]


def one(area: float) -> dict[str, float]:
    from stores.floorplan.artifact import dump_artifact, load_artifact
    from stores.floorplan.compile import compile_plan
    from stores.floorplan.parse import parse_plan
    from stores.floorplan.synthetic import shelf_count, synthetic_store

    document = synthetic_store(area)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    plan = parse_plan(document)
    compiled = compile_plan(plan)
    data = dump_artifact("bench", 1, plan, compiled)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        load_artifact(data, "bench", 1)
        loads.append(time.perf_counter() - t)
    return {
        "shelves": shelf_count(document),
        "corners": len(compiled.corners),
        "stand_points": len(compiled.points),
        "compile_s": seconds,
        "peak_mb": peak / 1024,
        "delta_mb": (peak - before) / 1024,
        "artifact_mb": len(data) / 1e6,
        "load_ms": min(loads) * 1000,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(float(sys.argv[2]))))
        return
    rows = []
    for name, area in SIZES:
        out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_compile", "--one", str(area)],
                             check=True, capture_output=True, text=True)  # fmt: skip
        r = json.loads(out.stdout)
        rows.append([name, f"{area:,}", r["shelves"], r["corners"], r["stand_points"], r["compile_s"], r["peak_mb"],
                     r["artifact_mb"], r["load_ms"]])  # fmt: skip
        print(rows[-1], file=sys.stderr)
    body = table(
        ["store", "m²", "shelves", "corners", "stand points", "compile s", "peak RSS MB", "artifact MB", "load ms"],
        rows,
    )
    print(body)
    write_section(
        "compile",
        "## Floor plan compile (parse, validate, compile, serialise)\n\n"
        f"Machine: {machine()}. Synthetic stores from `stores/floorplan/synthetic.py`; each size in a fresh "
        "process (peak RSS includes the interpreter and libraries, about 100 MB); load = parse the artifact "
        "bytes into a worker's object, best of 5. Script: `tests/benchmarks/bench_compile.py`. "
        "Targets for the hypermarket: ≤ 20 s, ≤ 1 GB, ≤ 20 MB, load ≤ 200 ms.\n\n" + body,
    )


if __name__ == "__main__":
    main()
