"""Spatial support: PostGIS extension, or SpatiaLite metadata tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    elif bind.exec_driver_sql("SELECT CheckSpatialMetaData()").scalar() < 1:
        # WGS84 only: the service stores lat/lon (4326); in-store geometry is in local metres
        # and lives in the floor plan documents, not in spatial columns.
        bind.exec_driver_sql("SELECT InitSpatialMetaData('WGS84')")


def downgrade() -> None:
    # The extension and SpatiaLite's metadata tables are left in place: they hold no data of
    # ours, other schemas may use them, and dropping PostGIS needs more rights than upgrading.
    pass
