"""Feedback, search misses, location changes ("what moved") and placements.located_at.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("shelf", sa.String(length=64), nullable=True),
        sa.Column("found_shelf", sa.String(length=64), nullable=True),
        sa.Column("found_position_m", sa.Float(), nullable=True),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("floorplan_version", sa.Integer(), nullable=True),
        sa.Column("planogram_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_feedback_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_store_created", "feedback", ["store_id", "created_at"], unique=False)
    op.create_index("ix_feedback_store_sku_shelf", "feedback", ["store_id", "sku", "shelf"], unique=False)
    op.create_table(
        "location_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("floorplan_version", sa.Integer(), nullable=True),
        sa.Column("planogram_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_location_changes_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_changes")),
    )
    op.create_index("ix_location_changes_store_created", "location_changes", ["store_id", "created_at"], unique=False)
    op.create_table(
        "search_misses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_search_misses_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_misses")),
    )
    op.create_index("ix_search_misses_store_created", "search_misses", ["store_id", "created_at"], unique=False)
    op.add_column("placements", sa.Column("located_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE placements SET located_at = updated_at")


def downgrade() -> None:
    op.drop_column("placements", "located_at")
    op.drop_index("ix_search_misses_store_created", table_name="search_misses")
    op.drop_table("search_misses")
    op.drop_index("ix_location_changes_store_created", table_name="location_changes")
    op.drop_table("location_changes")
    op.drop_index("ix_feedback_store_sku_shelf", table_name="feedback")
    op.drop_index("ix_feedback_store_created", table_name="feedback")
    op.drop_table("feedback")
