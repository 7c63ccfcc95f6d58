"""substring indexes: the list pages' «?q=» read an index instead of the whole table

A trigram index per searched column: ``pg_trgm`` GIN indexes on PostgreSQL (over the same
``replace(lower(col), 'ё', 'е')`` expression the list query filters by), and on SQLite an FTS5
trigram table per record table, kept by triggers (issue 19: 214 ms for one list filter at 100 000
processes, a full scan).

Revision ID: 0021
Revises: 0020
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0021"
down_revision: Union[str, Sequence[str], None] = "0020"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen copy of catalog.services.records.SUBSTRING_COLUMNS as of this migration.
COLUMNS = {
    "agencies": ("name", "code", "short_name"),
    "people": ("full_name",),
    "processes": ("name", "registry_id"),
    "services": ("name", "code"),
    "life_situations": ("name", "code"),
    "regulatory_acts": ("name", "code"),
    "process_groups": ("name", "code"),
    "typical_processes": ("name", "code"),
    "datasets": ("name", "code"),
    "entities": ("name", "code"),
    "attributes": ("name", "code"),
    "document_types": ("name", "code"),
    "information_systems": ("name", "code", "short_name"),
    "data_marts": ("name", "code"),
    "service_spheres": ("name", "code"),
    "typical_services": ("name", "code"),
}


def _folded(row: str, column: str) -> str:
    # «ё» is «е» to the filter; FTS5's trigram tokenizer folds the case itself.
    return f"replace(replace({row}{column}, 'Ё', 'Е'), 'ё', 'е')"


def _sqlite_upgrade() -> None:
    for table, columns in COLUMNS.items():
        fts = f"{table}_text"
        names = ", ".join(columns)
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, tokenize='trigram', content='')")
        new = ", ".join(_folded("new.", c) for c in columns)
        old = ", ".join(_folded("old.", c) for c in columns)
        # A contentless table forgets a row only when told the values it indexed.
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
                   f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")
        op.execute(f"INSERT INTO {fts}(rowid, {names}) SELECT id, {', '.join(_folded('', c) for c in columns)} "
                   f"FROM {table}")


def _postgresql_upgrade() -> None:
    bind = op.get_bind()
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. Where it
    # cannot be created, the filter keeps working by a scan.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                       f"USING gin ((replace(lower({column}), 'ё', 'е')) gin_trgm_ops)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, columns in COLUMNS.items():
        if dialect == "sqlite":
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_text_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {table}_text")
        elif dialect == "postgresql":
            for column in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
