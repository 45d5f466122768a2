"""The ``aislepath`` command: migrate, load the demo, serve."""

from __future__ import annotations

import asyncio
import os
import secrets

import click

from catalog.demo import load_demo_catalog
from stores import migrate as migrations
from stores.db import Database
from stores.demo import load_demo_floorplans, load_demo_stores
from stores.settings import REPO_ROOT, Settings

#: Set for the worker processes ``serve`` starts with ``--workers`` 2 or more (an operator's own
#: values win; one worker runs in this process, whose allocator has already read its
#: environment: set it there, as the systemd unit in docs/deploy.md does). glibc gives
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
    migrations.upgrade(Settings.from_env())
    click.echo(f"schema at {migrations.head_revision()}")


async def _load_demo(settings: Settings) -> int:
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
    settings = Settings.from_env()
    migrations.upgrade(settings)
    added = asyncio.run(_load_demo(settings))
    click.echo(f"demo loaded ({added} stores added)")


def _demo_admin_token() -> str:
    path = REPO_ROOT / "var" / "demo-admin-token"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


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
def serve(host: str, port: int, workers: int, with_demo: bool, forwarded_allow_ips: str | None) -> None:
    """Serve api.app:app with uvicorn (uvloop + httptools)."""
    import uvicorn

    if with_demo:
        settings = Settings.from_env()
        migrations.upgrade(settings)
        asyncio.run(_load_demo(settings))
        if not settings.admin_token:
            os.environ["AISLEPATH_ADMIN_TOKEN"] = _demo_admin_token()
            click.echo("admin token for this demo: see var/demo-admin-token")
    for name, value in WORKER_ENV.items():
        os.environ.setdefault(name, value)  # workers are new processes: they start with it
    click.echo(f"serving on http://{host}:{port}  (OpenAPI: http://{host}:{port}/schema)")
    uvicorn.run(
        "api.app:app",
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
    )


if __name__ == "__main__":
    main()
