"""cost calculator: positions, resources, instances per year, criteria of TO-BE variants

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("monthly_pay", sa.Float(), nullable=False),
        sa.Column("payroll_coefficient", sa.Float(), nullable=False),
        sa.Column("annual_hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "passport_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passport_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("unit_cost", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("per", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["passport_id"], ["passports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_passport_resources_passport_id", "passport_resources", ["passport_id"])
    with op.batch_alter_table("passports") as batch:
        batch.add_column(sa.Column("instances_per_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("criteria", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("passport_steps") as batch:
        batch.add_column(sa.Column("position_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_passport_steps_position_id", "positions", ["position_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("passport_steps") as batch:
        batch.drop_constraint("fk_passport_steps_position_id", type_="foreignkey")
        batch.drop_column("position_id")
    with op.batch_alter_table("passports") as batch:
        batch.drop_column("criteria")
        batch.drop_column("instances_per_year")
    op.drop_table("passport_resources")
    op.drop_table("positions")
