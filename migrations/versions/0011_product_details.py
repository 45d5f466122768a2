"""products: more barcodes (gtins), a size (amount and unit) and an image URL.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("gtins", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("size_amount", sa.Float(), nullable=True))
        batch.add_column(sa.Column("size_unit", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("image_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        for column in ("image_url", "size_unit", "size_amount", "gtins"):
            batch.drop_column(column)
