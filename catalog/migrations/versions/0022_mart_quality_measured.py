"""mart quality measured: declarations of a mart's measured quality and the measurements kept

Revision ID: 0022
Revises: 0021
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0022"
down_revision: Union[str, Sequence[str], None] = "0021"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch copy: a copied table would lose the substring triggers of 0021.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("data_marts", sa.Column("quality_source", sa.String(200), nullable=True))
    if sqlite:
        op.execute("ALTER TABLE data_marts ADD COLUMN quality_entity_id INTEGER REFERENCES entities (id)")
    else:
        op.add_column("data_marts", sa.Column("quality_entity_id", sa.Integer(), nullable=True))
        op.create_foreign_key("data_marts_quality_entity_id_fkey", "data_marts", "entities", ["quality_entity_id"], ["id"])
    op.add_column("data_marts", sa.Column("fresh_column", sa.String(200), nullable=True))
    op.add_column("data_marts", sa.Column("update_period_days", sa.Integer(), nullable=True))
    op.add_column("data_marts", sa.Column("quality_threshold", sa.Float(), nullable=True))
    op.add_column("attributes", sa.Column("value_check", sa.String(32), nullable=True))
    op.add_column("attributes", sa.Column("check_pattern", sa.String(500), nullable=True))
    op.create_table(
        "quality_measurements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mart_id", sa.Integer(), sa.ForeignKey("data_marts.id"), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("timeliness", sa.Float(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("limited", sa.Boolean(), nullable=False),
        sa.Column("newest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("measured_by", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_quality_measurements_mart_id", "quality_measurements", ["mart_id"])
    op.create_index("ix_quality_measurements_measured_at", "quality_measurements", ["measured_at"])


def downgrade() -> None:
    op.drop_table("quality_measurements")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("data_marts_quality_entity_id_fkey", "data_marts", type_="foreignkey")
    for column in ("check_pattern", "value_check"):
        op.drop_column("attributes", column)
    for column in ("quality_threshold", "update_period_days", "fresh_column", "quality_entity_id", "quality_source"):
        op.drop_column("data_marts", column)
