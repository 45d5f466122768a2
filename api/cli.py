"""The ``aislepath`` command: migrate, load the demo, serve."""

from __future__ import annotations

import asyncio
import atexit
import os
import resource
import secrets
import shutil
import tempfile

import click

from stores.infra.settings import REPO_ROOT, Settings

# The commands import what they use when they run: ``serve`` must choose how metrics are kept
# (_metrics_directory) before anything imports prometheus-client, and its workers may be forks.

#: Set for the worker processes ``serve`` starts (an operator's own values win). granian always
#: starts its workers as new processes, so they all get it; with ``--server uvicorn`` a single
#: worker runs in this process, whose allocator has already read its environment (set it there,
#: as the systemd unit in docs/deploy.md does). glibc gives
#: each thread that allocates its own malloc arena and keeps freed memory in it; the route
#: solver's numpy tables are allocated in threads, so a worker's memory crept up arena by
#: arena. Two arenas: ~35 MB less for the server under the load stage, flat over the soak, the
#: same latency (docs/benchmarks.md, bench:load).
WORKER_ENV = {"MALLOC_ARENA_MAX": "2"}


@click.group()
def main() -> None:
    """aislepath: in-store product locations and shortest shopping routes."""


@main.command()
def migrate() -> None:
    """Upgrade the database in DATABASE_URL to the newest schema."""
    from stores.infra import migrate as migrations

    migrations.upgrade(Settings.from_env())
    click.echo(f"schema at {migrations.head_revision()}")


async def _load_demo(settings: Settings) -> int:
    from catalog.demo import load_demo_catalog
    from stores.demo import load_demo_floorplans, load_demo_stores
    from stores.infra.db import Database

    db = Database.connect(settings)
    try:
        async with db.sessionmaker() as session:
            added = await load_demo_stores(session)
            await load_demo_floorplans(session)
            await load_demo_catalog(session)
            return added
    finally:
        await db.dispose()


@main.command()
def demo() -> None:
    """Load the demo chain (idempotent)."""
    from stores.infra import migrate as migrations

    settings = Settings.from_env()
    migrations.upgrade(settings)
    added = asyncio.run(_load_demo(settings))
    click.echo(f"demo loaded ({added} stores added)")


async def _recompile(settings: Settings) -> list[tuple[str, int]]:
    from stores.floorplan.service import recompile_outdated
    from stores.infra.db import Database

    db = Database.connect(settings)
    try:
        async with db.sessionmaker() as session:
            return await recompile_outdated(session)
    finally:
        await db.dispose()


@main.command()
def recompile() -> None:
    """Compile again every stored floor plan version whose artifact is of an older format
    (after an upgrade; workers also do it on first load, this does it ahead for all stores)."""
    from stores.infra import migrate as migrations

    settings = Settings.from_env()
    migrations.upgrade(settings)
    done = asyncio.run(_recompile(settings))
    click.echo(f"recompiled {len(done)} floor plan version(s)" + "".join(f"\n  {s} v{v}" for s, v in done))


def _demo_admin_token() -> str:
    path = REPO_ROOT / "var" / "demo-admin-token"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def _metrics_directory() -> None:
    """Point prometheus-client's multiprocess mode at an empty directory for this server's workers
    (stores.infra.metrics), unless the operator named one (then it is emptied: samples of a
    previous run must not count)."""
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if named:
        shutil.rmtree(named, ignore_errors=True)
        os.makedirs(named, exist_ok=True)
        return
    directory = tempfile.mkdtemp(prefix="aislepath-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


def _raise_open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit (the workers inherit it): every
    connection is a file, and the common default of 1,024 let 1,100 slow connections lock out
    every other client. Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1_048_576
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def _run_granian(host: str, port: int, workers: int, header_timeout_s: float, backpressure: int | None) -> None:
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.http import HTTP1Settings

    Granian(
        "api.app:served",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        backpressure=backpressure,
        http1_settings=HTTP1Settings(header_read_timeout=int(header_timeout_s * 1000)),
        log_access=False,
        respawn_failed_workers=True,
    ).serve()


def _run_uvicorn(host: str, port: int, workers: int, backpressure: int | None) -> None:
    import uvicorn

    # uvicorn has no header-read timeout: behind a proxy that enforces one only.
    uvicorn.run("api.app:served", host=host, port=port, workers=workers, loop="uvloop", http="httptools",
                access_log=False, limit_concurrency=backpressure)  # fmt: skip


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo chain first.")
@click.option(
    "--forwarded-allow-ips",
    default=None,
    help="Behind a load balancer: its addresses (comma-separated); their X-Forwarded-For is trusted.",
)
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default="granian",
    show_default=True,
    help="The HTTP server. granian is faster on this app and closes connections that send their "
    "headers too slowly (docs/benchmarks.md); uvicorn (uvloop, httptools) is the alternative.",
)
@click.option(
    "--header-timeout",
    "header_timeout_s",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 60),
    help="Seconds a client may take to send a request's headers (granian), then it is disconnected.",
)
@click.option(
    "--backpressure",
    default=None,
    type=click.IntRange(1),
    help="Requests each worker handles at once; past it new ones wait (granian) or get 503 (uvicorn). "
    "Default: granian's (the backlog over the workers).",
)
def serve(
    host: str,
    port: int,
    workers: int,
    with_demo: bool,
    forwarded_allow_ips: str | None,
    server: str,
    header_timeout_s: float,
    backpressure: int | None,
) -> None:
    """Serve the API (granian by default) with worker processes."""
    if server == "granian" or workers > 1:  # workers are other processes: their metrics meet in files
        _metrics_directory()
    if with_demo:
        from stores.infra import migrate as migrations

        settings = Settings.from_env()
        migrations.upgrade(settings)
        asyncio.run(_load_demo(settings))
        if not settings.admin_token:
            os.environ["AISLEPATH_ADMIN_TOKEN"] = _demo_admin_token()
            click.echo("admin token for this demo: see var/demo-admin-token")
    for name, value in WORKER_ENV.items():
        os.environ.setdefault(name, value)  # workers are new processes: they start with it
    if forwarded_allow_ips:
        os.environ["AISLEPATH_FORWARDED_ALLOW_IPS"] = forwarded_allow_ips  # read by api.app:served
    open_files = _raise_open_files_limit()
    click.echo(f"serving on http://{host}:{port} with {server} (OpenAPI: http://{host}:{port}/schema; "
               f"{open_files} open files)")  # fmt: skip
    if server == "granian":
        _run_granian(host, port, workers, header_timeout_s, backpressure)
    else:
        _run_uvicorn(host, port, workers, backpressure)


if __name__ == "__main__":
    main()
