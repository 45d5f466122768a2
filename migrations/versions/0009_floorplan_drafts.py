"""floorplan_versions.published_at: an upload is a draft until it is first made live.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("floorplan_versions") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    # Every version before drafts went live when it was uploaded.
    op.execute("UPDATE floorplan_versions SET published_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("floorplan_versions") as batch:
        batch.drop_column("published_at")
