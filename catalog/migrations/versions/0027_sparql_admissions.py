"""SPARQL's admission counted in the store: queries running and anonymous queries of the minute

Every server process counted SPARQL's limits (CATALOG_SPARQL_MAX_CONCURRENT, …_PER_CLIENT,
…_ANONYMOUS_PER_MINUTE) in a dict of its own, so with N processes, or two machines on one
PostgreSQL, each limit was N times looser (issue 19). A new table holds one short-lived row per
admitted query (catalog.models.SparqlAdmission); nothing else changes, so no table is rebuilt.

Revision ID: 0027
Revises: 0026
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0027"
down_revision: Union[str, Sequence[str], None] = "0026"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "sparql_admissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sparql_admissions_client", "sparql_admissions", ["client"])
    op.create_index("ix_sparql_admissions_started_at", "sparql_admissions", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_sparql_admissions_started_at", table_name="sparql_admissions")
    op.drop_index("ix_sparql_admissions_client", table_name="sparql_admissions")
    op.drop_table("sparql_admissions")
