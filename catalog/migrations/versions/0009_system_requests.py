"""requests for state information systems: the approval gate

Revision ID: 0009
Revises: 0008
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "system_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("new_system_name", sa.String(length=1000), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("estimated_cost", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Text(), nullable=True),
        sa.Column("overlap_explanation", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("conclusion", sa.String(length=16), nullable=True),
        sa.Column("conclusion_reasons", sa.Text(), nullable=True),
        sa.Column("overlap_answer", sa.Text(), nullable=True),
        sa.Column("concluded_by_id", sa.Integer(), nullable=True),
        sa.Column("concluded_by", sa.String(length=200), nullable=True),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["system_id"], ["information_systems.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_system_requests_agency_id", "system_requests", ["agency_id"])
    op.create_index("ix_system_requests_status", "system_requests", ["status"])
    op.create_table(
        "request_processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["system_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "process_id", name="uq_request_process"),
    )
    op.create_index("ix_request_processes_request_id", "request_processes", ["request_id"])
    op.create_index("ix_request_processes_process_id", "request_processes", ["process_id"])
    op.create_table(
        "request_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("supplier", sa.String(length=500), nullable=True),
        sa.Column("consumer", sa.String(length=500), nullable=True),
        sa.Column("mart_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["system_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.ForeignKeyConstraint(["mart_id"], ["data_marts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "dataset_id", "direction", name="uq_request_dataset"),
    )
    op.create_index("ix_request_datasets_request_id", "request_datasets", ["request_id"])
    op.create_index("ix_request_datasets_dataset_id", "request_datasets", ["dataset_id"])


def downgrade() -> None:
    op.drop_table("request_datasets")
    op.drop_table("request_processes")
    op.drop_table("system_requests")
