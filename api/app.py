"""The ASGI application: ``api.app:app`` (built by :func:`create_app`)."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from api.access_log import access_log_middleware, body_deadline_middleware, reject_nul_middleware
from api.catalog import ProductController, StoreCatalogController, import_products_csv
from api.console import ConsolePages, csrf_config, static_router, template_config
from api.dependencies import provide_session
from api.docs_ui import assets_router, render_plugins
from api.feedback import FeedbackController
from api.floorplans import FloorplanController, floorplan_svg
from api.http import platform_middleware
from api.idempotency import idempotency_middleware
from api.openapi import finish_document
from api.ops import MetricsController, health, ready
from api.problems import EXCEPTION_HANDLERS
from api.routes import RouteController
from api.sessions import session_cookies
from api.stores import StoreController
from api.tokens import TokenController
from api.tracing import name_spans, tracing_plugins
from api.validation import refuse_deep_json
from api.wiring import Wiring, dependencies
from catalog.search_log import purge_expired
from routing.kernels import warm_up
from stores.infra import migrate
from stores.infra.metrics import forget_dead_workers
from stores.infra.settings import Settings

#: Libraries that log SQL parameters (a shopper's search, a token hash) at INFO or DEBUG: kept at
#: WARNING whatever AISLEPATH_LOG_LEVEL says.
_QUIET = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm", "asyncpg")


_gc_started = 0.0


def _log_slow_gc(phase: str, info: dict[str, int]) -> None:
    """A full garbage collection pauses every request of the worker: say when one is slow."""
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    elif (elapsed := time.perf_counter() - _gc_started) > 0.02:
        log.warning(
            "gc generation %d took %.0f ms (%d collected)", info["generation"], elapsed * 1000, info["collected"]
        )


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s %(message)s")
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)

    logging.getLogger("aislepath.access").setLevel(logging.INFO if settings.access_log else logging.WARNING)


log = logging.getLogger("aislepath")

PURGE_EVERY_S = 3600.0


async def _purge_forever(wiring: Wiring) -> None:
    """Delete feedback and search misses past their retention, hourly (every worker; idempotent)."""
    settings = wiring.settings
    while True:
        try:
            async with wiring.database.sessionmaker() as session:
                await purge_expired(session, settings.feedback_retention_days, settings.search_log_retention_days)
        except Exception as exc:  # the database may be away; try again next hour
            log.warning("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(PURGE_EVERY_S)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app. Settings default to the environment (read once, here)."""
    settings = settings or Settings.from_env()
    _configure_logging(settings)
    background: list[asyncio.Task[None]] = []

    async def on_startup(app: Litestar) -> None:
        if settings.auto_migrate:
            await asyncio.to_thread(migrate.upgrade, settings)
        forget_dead_workers(settings.prometheus_multiproc_dir)  # a respawned worker's predecessor's gauges go
        await asyncio.to_thread(warm_up)  # the router's compiled loops: loaded before the first route, not in it
        wiring = app.state.wiring = Wiring.build(settings)
        if _log_slow_gc not in gc.callbacks:
            gc.callbacks.append(_log_slow_gc)
        background.extend([
            asyncio.create_task(wiring.search_misses.run()),
            asyncio.create_task(_purge_forever(wiring)),
            asyncio.create_task(wiring.probe.watch()),
        ])  # fmt: skip

    async def on_shutdown(app: Litestar) -> None:
        if _log_slow_gc in gc.callbacks:
            gc.callbacks.remove(_log_slow_gc)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        wiring: Wiring | None = getattr(app.state, "wiring", None)
        if wiring is not None:
            await wiring.search.close()
            await wiring.locations.close()
            await wiring.probe.close()
            await wiring.database.dispose()

    v1 = Router(
        path="/v1",
        route_handlers=[
            StoreController,
            TokenController,
            FloorplanController,
            floorplan_svg,
            ProductController,
            import_products_csv,
            StoreCatalogController,
            RouteController,
            FeedbackController,
        ],
    )
    ops = [MetricsController] if settings.metrics else []
    app = Litestar(
        route_handlers=[v1, health, ready, *ops, assets_router(), ConsolePages, static_router()],
        on_startup=[on_startup],
        plugins=tracing_plugins(settings),
        on_shutdown=[on_shutdown],
        dependencies={"db": Provide(provide_session), **dependencies()},
        before_request=refuse_deep_json,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[
            session_cookies(settings).middleware,  # the console's pages only (api.sessions.NOT_CONSOLE)
            *([name_spans] if settings.tracing else []),
            access_log_middleware,
            reject_nul_middleware,
            DefineMiddleware(body_deadline_middleware, timeout_s=settings.body_timeout_s),
            idempotency_middleware,
        ],
        request_max_body_size=settings.max_body_bytes,
        # Brotli for clients that take it, else gzip; answers under a kilobyte go as they are (the
        # hot lookups: compressing them costs more than it saves).
        compression_config=CompressionConfig(
            backend="brotli",
            brotli_quality=4,
            gzip_compress_level=6,
            minimum_size=1024,
            brotli_gzip_fallback=True,
            exclude_opt_key="uncompressed",
        ),
        cors_config=cors_config(settings),
        csrf_config=csrf_config(settings),  # the console's pages only
        template_config=template_config(),
        logging_config=None,  # plain stdlib logging, configured above
        state=State({"settings": settings}),  # read before start-up (behind_proxy)
        openapi_config=OpenAPIConfig(
            title="aislepath",
            version="1.0.0",
            description="Where every item on a shopping list is, and the shortest walk through them.",
            path="/schema",
            use_handler_docstrings=True,
            render_plugins=render_plugins(),
        ),
    )
    finish_document(app)
    # Around routing itself (route middleware runs after it): every answer has a request id, a
    # 404 for an unknown path too, and HEAD reaches the GET route.
    app.asgi_handler = platform_middleware(app.asgi_handler, measured=settings.metrics)
    return app


def cors_config(settings: Settings) -> CORSConfig | None:
    """Browsers on the configured origins may call the API (the console on another host, a web
    app); the headers a client sends and reads are allowed and exposed."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return None
    sent = ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Client-Id", "X-Request-Id",
            "Accept-Language", "traceparent"]  # fmt: skip
    read = ["ETag", "X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Floorplan-Version"]
    return CORSConfig(allow_origins=origins, allow_methods=["*"], allow_headers=sent, expose_headers=read, max_age=600)


def behind_proxy(app: Litestar) -> Any:
    """``app`` as ``aislepath serve`` runs it: behind a load balancer (``forwarded_allow_ips``),
    the client address is the one the balancer saw (granian's proxy-headers wrapper)."""
    trusted = app.state.settings.forwarded_allow_ips
    if not trusted:
        return app
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    return wrap_asgi_with_proxy_headers(app, trusted_hosts=trusted)


def __getattr__(name: str) -> Any:
    # `api.app:app` (and `served`, what `aislepath serve` runs) are built on first access, so
    # importing this module has no side effects (tests build their own apps with create_app).
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    if name == "served":
        served = behind_proxy(__getattr__("app"))
        globals()["served"] = served
        return served
    raise AttributeError(name)
