"""Catalog: products, per-store placements, the catalog version, and stores.planogram_version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('catalog_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_state'))
    )
    op.create_table('products',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('brand', sa.String(length=200), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('storage', sa.String(length=16), nullable=False),
    sa.Column('heavy', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('fragile', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sku', name=op.f('pk_products'))
    )
    op.create_index(op.f('ix_products_gtin'), 'products', ['gtin'], unique=False)
    op.create_table('placements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('shelf', sa.String(length=64), nullable=False),
    sa.Column('position_m', sa.Float(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('stock', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sku'], ['products.sku'], name=op.f('fk_placements_sku_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_placements_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements')),
    sa.UniqueConstraint('store_id', 'sku', 'shelf', name=op.f('uq_placements_store_id_sku_shelf'))
    )
    op.create_index(op.f('ix_placements_sku'), 'placements', ['sku'], unique=False)
    op.add_column('stores', sa.Column('planogram_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('stores', 'planogram_version')
    op.drop_index(op.f('ix_placements_sku'), table_name='placements')
    op.drop_table('placements')
    op.drop_index(op.f('ix_products_gtin'), table_name='products')
    op.drop_table('products')
    op.drop_table('catalog_state')
