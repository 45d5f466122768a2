"""Alembic environment: async, one history for SQLite+SpatiaLite and PostgreSQL+PostGIS.

The URL comes from the same settings the app uses (``DATABASE_URL``); a URL set on the Alembic
config (tests, ``stores.infra.migrate``) takes precedence. Migrations run under the cross-process
migration lock, so several workers upgrading at start-up do not race.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy.engine import Connection

import catalog.models  # noqa: F401  (registers the tables on the metadata)
import stores.infra.idempotency
import stores.models  # noqa: F401
from stores.infra.db import Base
from stores.infra.migrate import run_locked, settings_for_url
from stores.infra.settings import Settings

config = context.config
# The alembic command line logs as alembic.ini says; inside the app, the app's logging rules.
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


# SpatiaLite's own bookkeeping tables, which geoalchemy2's filter does not know about.
_SPATIALITE_TABLES = {
    "sql_statements_log",
    "data_licenses",
    "SpatialIndex",
    "ElementaryGeometries",
    "KNN",
    "KNN2",
}


def _include_object(obj, name, obj_type, reflected, compare_to):  # type: ignore[no-untyped-def]
    if obj_type == "table" and reflected and compare_to is None and name in _SPATIALITE_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    settings = settings_for_url(Settings.from_env(), config.get_main_option("sqlalchemy.url"))
    context.configure(
        url=settings.database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=alembic_helpers.render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    settings = settings_for_url(Settings.from_env(), config.get_main_option("sqlalchemy.url"))
    asyncio.run(run_locked(settings, _migrate))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
