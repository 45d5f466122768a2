"""PostgreSQL: announce version changes (NOTIFY) so workers can keep them in memory.

Every insert, delete or version change of a store, and every catalog version change, sends
``NOTIFY aislepath_versions`` at commit with ``s:<store id>`` or ``c``; ``stores.infra.probe`` listens.
Triggers, so every writer announces, including SQL typed by hand. SQLite needs nothing: its
probe reads the numbers per request in microseconds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION aislepath_notify_store() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('aislepath_versions', 's:' || COALESCE(NEW.id, OLD.id));
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER stores_notify_versions
        AFTER INSERT OR DELETE OR UPDATE OF floorplan_version, planogram_version, closures_version
        ON stores FOR EACH ROW EXECUTE FUNCTION aislepath_notify_store()
        """
    )
    op.execute(
        """
        CREATE FUNCTION aislepath_notify_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('aislepath_versions', 'c');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER catalog_state_notify_versions
        AFTER INSERT OR DELETE OR UPDATE ON catalog_state
        FOR EACH ROW EXECUTE FUNCTION aislepath_notify_catalog()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS catalog_state_notify_versions ON catalog_state")
    op.execute("DROP FUNCTION IF EXISTS aislepath_notify_catalog()")
    op.execute("DROP TRIGGER IF EXISTS stores_notify_versions ON stores")
    op.execute("DROP FUNCTION IF EXISTS aislepath_notify_store()")
