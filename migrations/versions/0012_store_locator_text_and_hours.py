"""stores: city, postcode, opening hours, and the normalised text the locator searches.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stores.infra.text import normalise

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ drops columns too): rebuilding the table in batch mode would
    # trip SpatiaLite's geometry triggers and the foreign keys pointing at stores.
    op.add_column("stores", sa.Column("city", sa.String(length=100), nullable=True))
    op.add_column("stores", sa.Column("postcode", sa.String(length=20), nullable=True))
    op.add_column("stores", sa.Column("opening_hours", sa.JSON(), nullable=True))
    op.add_column("stores", sa.Column("search_text", sa.String(length=1000), nullable=True))
    stores = sa.table("stores", sa.column("id"), sa.column("name"), sa.column("address"), sa.column("search_text"))
    connection = op.get_bind()
    for store_id, name, address in connection.execute(sa.select(stores.c.id, stores.c.name, stores.c.address)):
        text = normalise(" ".join(part for part in (name, address) if part))
        connection.execute(stores.update().where(stores.c.id == store_id).values(search_text=text))


def downgrade() -> None:
    for column in ("search_text", "opening_hours", "postcode", "city"):
        op.drop_column("stores", column)
