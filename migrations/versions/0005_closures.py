"""Closures (closed shelves and areas) and stores.closures_version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('closures',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('shelf', sa.String(length=64), nullable=True),
    sa.Column('polygon', sa.JSON(), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_closures_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closures'))
    )
    op.create_index(op.f('ix_closures_store_id'), 'closures', ['store_id'], unique=False)
    op.add_column('stores', sa.Column('closures_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('stores', 'closures_version')
    op.drop_index(op.f('ix_closures_store_id'), table_name='closures')
    op.drop_table('closures')
