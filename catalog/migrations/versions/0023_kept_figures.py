"""kept figures: record counts, agencies' statuses and dashboard figures, passport costs (issue 19)

The tables start empty; the first read of the home page or the dashboard builds them from the store
(catalog.services.kept.ensure_built), and every write keeps them from then on.

Revision ID: 0023
Revises: 0022
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0023"
down_revision: Union[str, Sequence[str], None] = "0022"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "kept_counts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "kept_agency_statuses",
        sa.Column("agency_id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "kept_agency_figures",
        sa.Column("agency_id", sa.Integer(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ("processes", "digital", "optimised", "mszu", "mszu_optimised", "costed")],
        *[sa.Column(name, sa.Float(), nullable=False) for name in ("cost_as_is", "cost_to_be", "effect", "fte")],
    )
    op.create_index("ix_kept_agency_figures_processes", "kept_agency_figures", ["processes"])
    op.create_table(
        "passport_costs",
        sa.Column("process_id", sa.Integer(), primary_key=True),
        sa.Column("as_is_passport_id", sa.Integer(), nullable=True),
        sa.Column("as_is_per_year", sa.Float(), nullable=True),
        sa.Column("to_be_passport_id", sa.Integer(), nullable=True),
        sa.Column("to_be_per_year", sa.Float(), nullable=True),
        sa.Column("effect", sa.Float(), nullable=True),
        sa.Column("fte", sa.Float(), nullable=True),
    )
    op.create_table(
        "kept_rule_figures",
        sa.Column("scope", sa.Integer(), primary_key=True),
        sa.Column("basis", sa.String(200), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ("systems_outside_gate", "links_outside_gate", "unconfirmed_statuses", "stale_marts")],
    )


def downgrade() -> None:
    op.drop_index("ix_kept_agency_figures_processes", table_name="kept_agency_figures")
    for table in ("kept_rule_figures", "passport_costs", "kept_agency_figures", "kept_agency_statuses", "kept_counts"):
        op.drop_table(table)
