"""The Citus plan in docs/deploy.md names the real schema: every table once, distribution
columns that exist with the type of what they are co-located with, and the tables whose primary
key would have to change listed truthfully."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, inspect

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"
DISTRIBUTED = re.compile(r"create_distributed_table\('(\w+)', '(\w+)'(?:, colocate_with => '(\w+)')?\)")
REFERENCE = re.compile(r"create_reference_table\('(\w+)'\)")
#: Not the application's: Alembic's bookkeeping stays on the coordinator.
LOCAL = {"alembic_version"}


def test_the_distribution_plan_names_the_real_schema(sqlite_template: Path) -> None:
    text = DEPLOY.read_text()
    distributed = {table: (column, colocated) for table, column, colocated in DISTRIBUTED.findall(text)}
    reference = set(REFERENCE.findall(text))
    assert distributed and reference and not set(distributed) & reference
    inspector = inspect(create_engine(f"sqlite:///{sqlite_template}"))
    spatial = re.compile(  # SpatiaLite's own tables
        r"^(geometry_columns|spatial_ref_sys|spatialite_history|sql_statements_log|views_|virts_|idx_|SpatialIndex"
        r"|ElementaryGeometries|KNN|data_licenses|geom_cols|vector_layers)"
    )
    tables = {t for t in inspector.get_table_names() if not spatial.match(t)} - LOCAL
    assert set(distributed) | reference == tables, "every table distributed or referenced, exactly once"
    columns = {t: {c["name"]: str(c["type"]) for c in inspector.get_columns(t)} for t in tables}
    needs_new_key = set()
    for table, (column, colocated) in distributed.items():
        assert column in columns[table], f"{table} has no column {column}"
        if colocated:
            key = distributed[colocated][0]
            assert columns[table][column] == columns[colocated][key], f"{table}.{column} and {colocated}.{key}"
        if column not in inspector.get_pk_constraint(table)["constrained_columns"]:
            needs_new_key.add(f"{table}.id")
    listed = re.search(r"so\s+((?:`\w+\.id`[,\s]*(?:and\s+)?)+)\s*become", text)
    assert listed, "the list of keys to change"
    assert set(re.findall(r"`(\w+\.id)`", listed.group(1))) == needs_new_key
