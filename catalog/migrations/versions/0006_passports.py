"""process passports: variants, steps, data, flows

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "passports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("diagram", sa.Text(), nullable=True),
        sa.Column("diagram_name", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("process_id", "variant", "revision", name="uq_passport_revision"),
    )
    op.create_index("ix_passports_process_id", "passports", ["process_id"])
    op.create_table(
        "passport_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("ref_kind", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["passport_id"], ["passports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("passport_id", "key", name="uq_passport_data_key"),
    )
    op.create_index("ix_passport_data_passport_id", "passport_data", ["passport_id"])
    op.create_table(
        "passport_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("performer_position", sa.String(length=300), nullable=True),
        sa.Column("performer_unit", sa.String(length=300), nullable=True),
        sa.Column("duration_minutes", sa.Float(), nullable=False),
        sa.Column("waiting_minutes", sa.Float(), nullable=False),
        sa.Column("times_per_year", sa.Integer(), nullable=False),
        sa.Column("is_automated", sa.Boolean(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("consumes", sa.JSON(), nullable=False),
        sa.Column("produces", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["passport_id"], ["passports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["system_id"], ["information_systems.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_passport_steps_passport_id", "passport_steps", ["passport_id"])
    op.create_table(
        "passport_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("target_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["passport_id"], ["passports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_passport_flows_passport_id", "passport_flows", ["passport_id"])


def downgrade() -> None:
    op.drop_table("passport_flows")
    op.drop_table("passport_steps")
    op.drop_table("passport_data")
    op.drop_table("passports")
