"""The managers' console: server-rendered pages under ``/console`` (Litestar templates, a little
plain JavaScript, every asset served from here, nothing from a CDN) for store managers and head
office.

Signing in exchanges a manager or admin token for a session cookie (encrypted and signed with
``AISLEPATH_CONSOLE_KEY``; HttpOnly, SameSite=Strict, Secure, with an expiry). The token itself is
never kept, shown or logged: the session names the token's id (the bootstrap admin token: a
fingerprint of it) and is checked against it on every request, so revoking the token ends its
sessions at once. Every form carries Litestar's CSRF token. The pages' scripts call the ``/v1`` API
with the session cookie and the CSRF token in ``X-CSRFToken`` (``api.guards`` accepts a console
session there, for exactly that), so every check, limit and problem detail is the API's own.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import select

from api.catalog import ItemIn
from api.dependencies import Session
from api.ratelimit import client_address
from api.routes import RouteIn, route_on_version, route_picture
from api.schemas import LevelQuery
from api.sessions import CSRF_COOKIE, CSRF_HEADER, NOT_CONSOLE, admin_fingerprint, console_principal
from api.wiring import Wiring
from catalog.models import Placement
from stores import tokens
from stores.floorplan import service as floorplans
from stores.floorplan.build import upload_format
from stores.infra.errors import Invalid, NotFound, Problem
from stores.infra.settings import Settings
from stores.models import Store
from stores.tokens import Principal

HERE = Path(__file__).parent
#: A broken plan is drawn with its problems up to this size (the API's own limit is larger).
MAX_PROBLEM_PLAN_BYTES = 8 * 1024 * 1024


def csrf_config(settings: Settings) -> CSRFConfig:
    """Litestar's double-submit CSRF check on every page and form of the console (the API's own
    paths are checked by ``api.sessions.console_principal`` when a console session calls them)."""
    return CSRFConfig(
        secret=settings.console_secret.hex(), cookie_name=CSRF_COOKIE, header_name=CSRF_HEADER,
        cookie_secure=settings.console_secure_cookies, cookie_samesite="strict", exclude=NOT_CONSOLE,
    )  # fmt: skip


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


def static_router() -> Any:
    return create_static_files_router(path="/console/static", directories=[HERE / "static" / "console"],
                                      include_in_schema=False, opt={"uncompressed": False})  # fmt: skip


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Console pages: a live session, else off to the sign-in page."""
    principal = await console_principal(connection)
    if principal is None:
        raise NotAuthorizedException("Sign in to the console.")
    connection.state.principal = principal
    store_id = connection.path_params.get("store_id")
    if store_id is not None and not principal.may_write(str(store_id)):
        raise PermissionDeniedException(f"This sign-in may not manage store {store_id!r}.")


def _to_sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if request.url.path.startswith("/console") and request.method == "GET":
        return Redirect("/console/login")
    return Response({"title": "Sign in to the console.", "status": 401}, status_code=401,
                    media_type="application/problem+json")  # fmt: skip


class ConsolePages(Controller):
    path = "/console"
    include_in_schema = False
    exception_handlers = {NotAuthorizedException: _to_sign_in}
    opt = {"uncompressed": False}

    @get("/login")
    async def login_page(self) -> Template:
        return Template("console/login.html", context={"error": None})

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        db: Session,
        services: NamedDependency[Wiring],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        """A token for a session: its id (or the admin token's fingerprint) is kept, never the token."""
        secret = str(data.get("token", "")).strip()
        principal = await tokens.authenticate(db, secret, services.settings.admin_token) if secret else None
        if principal is None:
            await services.rate_limits.check_address(client_address(request))  # guessing is limited
            page = Template("console/login.html", context={"error": "Unknown or revoked token."}, status_code=401)
            return page
        settings = services.settings
        request.set_session({
            "token_id": principal.token_id or "",
            "admin": admin_fingerprint(settings) if principal.token_id is None else "",
            "role": principal.role,
            "exp": time.time() + settings.console_session_hours * 3600,
            "nonce": secrets.token_hex(8),
        })  # fmt: skip
        return Redirect("/console", status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect("/console/login", status_code=303)

    @get("/", guards=[signed_in])
    async def index(self, request: Request[Any, Any, Any], db: Session) -> Template:
        """The stores this sign-in manages (an admin: every store, and the tokens)."""
        principal: Principal = request.state.principal
        query = select(Store).order_by(Store.id)
        if principal.role != "admin":
            query = query.where(Store.id.in_(sorted(principal.stores)))
        stores = (await db.scalars(query.limit(500))).all()
        return Template("console/index.html", context={"principal": principal, "stores": stores})

    @get("/stores/{store_id:str}", guards=[signed_in])
    async def store(
        self, request: Request[Any, Any, Any], store_id: FromPath[str], db: Session, services: NamedDependency[Wiring]
    ) -> Template:
        """One store: its map, floor plans, products, closures and what shoppers say."""
        store = await db.get(Store, store_id)
        if store is None:
            raise NotFound(f"No store {store_id!r}.")
        levels: list[dict[str, Any]] = []
        if store.floorplan_version is not None:
            artifact = await services.artifacts.live(db, store_id)
            levels = [{"id": v.id, "name": v.name} for v in artifact.levels]
        context = {"principal": request.state.principal, "store": store, "levels": levels}
        return Template("console/store.html", context=context)

    @post("/stores/{store_id:str}/problems.svg", guards=[signed_in], status_code=200)
    async def problems(
        self,
        request: Request[Any, Any, Any],
        store_id: FromPath[str],
        services: NamedDependency[Wiring],
        level_id: LevelQuery = None,
    ) -> Response[str]:
        """A plan that failed (the body, as uploaded: GeoJSON, IMDF or DXF) drawn with its problems: each
        bad feature highlighted, the offending point marked, the message beside it. Read and checked in
        the compile process, under the compile's time and memory budget."""
        body = await request.body()
        if len(body) > MAX_PROBLEM_PLAN_BYTES:
            raise Invalid("Too large to draw.", [Problem("too_large", "draw plans up to 8 MiB", pointer="")])
        source_format = upload_format(body, request.headers.get("content-type", ""))
        svg = await services.compiler.problems_picture(body, source_format, level_id)
        return Response(svg, media_type="image/svg+xml")

    @get("/stores/{store_id:str}/versions/{version:int}/preview.svg", guards=[signed_in])
    async def preview(
        self, store_id: FromPath[str], version: FromPath[int], db: Session, services: NamedDependency[Wiring]
    ) -> Response[str]:
        """A sample route on a draft: up to 10 of the store's placed products, spread over its shelves,
        walked on the draft's plan and drawn over it."""
        rows = (await db.execute(select(Placement.sku).where(Placement.store_id == store_id)
                                 .order_by(Placement.shelf).limit(2000))).scalars().all()  # fmt: skip
        skus = list(dict.fromkeys(rows))
        sample = skus[:: max(1, len(skus) // 10)][:10]
        if not sample:
            raise Invalid("Nothing to route.", [Problem("no_products", "place products first", pointer="")])
        result = await route_on_version(services, store_id, version, RouteIn(items=[ItemIn(sku=s) for s in sample]))
        _, source = await floorplans.plan_source(db, store_id, version)
        title = f"{store_id} v{version}: sample route through {len(sample)} products, {result.distance_m} m"
        svg = await asyncio.to_thread(route_picture, source, result, title)  # parsing a big plan: a quarter second
        return Response(svg, media_type="image/svg+xml")
