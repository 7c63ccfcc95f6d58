"""the dashboard's kept figures say when they were counted and keep the projects' part; links indexed by type

The figures outside the rules and the projects' part of the dashboard are recounted by the outbox
consumer, off the request (issue 19): a view reads the kept row whatever its basis and says, when the
row is older than the store, when it was counted (``counted_at``). The projects' part (stages, overdue
measures, KPI deviations) is kept beside them as JSON (``projects``).

The count of automation links outside the gate read every link of a process by ``source_kind`` alone
(EXPLAIN QUERY PLAN: ``SEARCH links USING INDEX ix_links_source_type (source_kind=?)``, 625 247 links
for 171 457 AUTOMATED_BY ones at 100 000 processes); an index led by the link type reads only those,
and covers the ends and ``deleted_at`` so no table row is read.

Plain ADD COLUMN and CREATE INDEX, no batch copy of a table (a copy would lose triggers, see 0021).

Revision ID: 0026
Revises: 0025
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0026"
down_revision: Union[str, Sequence[str], None] = "0025"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("kept_rule_figures", sa.Column("counted_at", sa.DateTime(), nullable=True))
    op.add_column("kept_rule_figures", sa.Column("projects", sa.Text(), nullable=True))
    op.create_index("ix_links_type_kinds", "links",
                    ["link_type", "source_kind", "target_kind", "source_id", "target_id", "deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_links_type_kinds", table_name="links")
    # A batch copy of kept_rule_figures on SQLite is safe: no triggers are kept on it.
    with op.batch_alter_table("kept_rule_figures") as batch:
        batch.drop_column("projects")
        batch.drop_column("counted_at")
