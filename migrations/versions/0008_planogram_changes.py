"""planogram_changes: the products each planogram version changed (location index patches).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planogram_changes",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("skus", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_planogram_changes_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "version", name=op.f("pk_planogram_changes")),
    )
    op.create_index(op.f("ix_planogram_changes_created_at"), "planogram_changes", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_planogram_changes_created_at"), table_name="planogram_changes")
    op.drop_table("planogram_changes")
