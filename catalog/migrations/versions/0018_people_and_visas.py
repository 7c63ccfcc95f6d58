"""people and visas: accounts are people, positions have levels, delegations, designations, numbers

Revision ID: 0018
Revises: 0017
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0018"
down_revision: Union[str, Sequence[str], None] = "0017"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("level", sa.String(length=32), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_users_person_id_people", "people", ["person_id"], ["id"])
        batch.create_index("ix_users_person_id", ["person_id"])
    with op.batch_alter_table("optimization_projects") as batch:
        batch.add_column(sa.Column("agreed_visa", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("approved_visa", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("roadmap_number", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_optimization_projects_roadmap_number", ["roadmap_number"])
    with op.batch_alter_table("passports") as batch:
        batch.add_column(sa.Column("approved_visa", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("number", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_passports_number", ["number"])
    with op.batch_alter_table("system_requests") as batch:
        batch.add_column(sa.Column("conclusion_visa", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("conclusion_number", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_system_requests_conclusion_number", ["conclusion_number"])
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visa", sa.String(length=32), nullable=False),
        sa.Column("from_person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("to_person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "designations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False, index=True),
        sa.Column("visa", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.Column("designated_by", sa.String(length=200), nullable=False),
        sa.UniqueConstraint("agency_id", "visa", name="uq_designation"),
    )
    op.create_table(
        "document_counters",
        sa.Column("prefix", sa.String(length=8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_counters")
    op.drop_table("designations")
    op.drop_table("delegations")
    with op.batch_alter_table("system_requests") as batch:
        batch.drop_constraint("uq_system_requests_conclusion_number", type_="unique")
        batch.drop_column("conclusion_number")
        batch.drop_column("conclusion_visa")
    with op.batch_alter_table("passports") as batch:
        batch.drop_constraint("uq_passports_number", type_="unique")
        batch.drop_column("number")
        batch.drop_column("approved_visa")
    with op.batch_alter_table("optimization_projects") as batch:
        batch.drop_constraint("uq_optimization_projects_roadmap_number", type_="unique")
        batch.drop_column("roadmap_number")
        batch.drop_column("approved_visa")
        batch.drop_column("agreed_visa")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_person_id")
        batch.drop_constraint("fk_users_person_id_people", type_="foreignkey")
        batch.drop_column("person_id")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("level")
