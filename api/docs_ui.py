"""The API's pages for people: Swagger UI (``/schema/swagger``, also ``/schema``) and ReDoc
(``/schema/redoc``), with every script and stylesheet served by this app, never from a CDN, so they
work in a back office without internet. npm installs the two packages (``package.json``; ``bash
.ci/setup serve`` runs it) and the app serves their files under ``/schema/assets``.
"""

from __future__ import annotations

import logging

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from stores.infra.settings import REPO_ROOT

NODE_MODULES = REPO_ROOT / "node_modules"
SWAGGER = NODE_MODULES / "swagger-ui-dist"
REDOC = NODE_MODULES / "redoc" / "bundles"
ASSETS = "/schema/assets"

log = logging.getLogger("aislepath")


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI first (what ``/schema`` shows), then ReDoc; no favicon or fonts from elsewhere."""
    return [
        SwaggerRenderPlugin(
            js_url=f"{ASSETS}/swagger/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger/swagger-ui-standalone-preset.js",
            favicon="",
        ),
        RedocRenderPlugin(js_url=f"{ASSETS}/redoc/redoc.standalone.js", google_fonts=False, favicon=""),
    ]


def assets_router() -> Router:
    """The two packages' files, cached by browsers for a day (they change only with package.json)."""
    missing = [str(d) for d in (SWAGGER, REDOC) if not d.is_dir()]
    if missing:
        log.warning("API docs pages have no assets (%s): run `bash .ci/setup serve` or `npm ci`", ", ".join(missing))
    cache = CacheControlHeader(max_age=86_400, public=True)
    return Router(
        path=ASSETS,
        route_handlers=[
            create_static_files_router("/swagger", [SWAGGER], name="swagger-assets", cache_control=cache),
            create_static_files_router("/redoc", [REDOC], name="redoc-assets", cache_control=cache),
        ],
        include_in_schema=False,
    )
