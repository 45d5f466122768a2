"""closures: a connector (a lift out of order) may be closed, and an area lies on a level;
feedback: the level a reported x, y is on.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("closures") as batch:
        batch.add_column(sa.Column("connector", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("level_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("level_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("level_id")
    with op.batch_alter_table("closures") as batch:
        for column in ("level_id", "connector"):
            batch.drop_column(column)
