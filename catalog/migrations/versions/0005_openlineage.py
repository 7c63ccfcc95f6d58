"""OpenLineage: job and dataset mappings, run history

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "openlineage_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace", "name", name="uq_openlineage_job"),
    )
    op.create_index("ix_openlineage_jobs_process_id", "openlineage_jobs", ["process_id"])
    op.create_table(
        "openlineage_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace", "name", name="uq_openlineage_dataset"),
    )
    op.create_index("ix_openlineage_datasets_dataset_id", "openlineage_datasets", ["dataset_id"])
    op.create_table(
        "openlineage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_namespace", sa.String(length=500), nullable=False),
        sa.Column("job_name", sa.String(length=1000), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("facets", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "event_type", "event_time", name="uq_openlineage_run_event"),
    )
    op.create_index("ix_openlineage_runs_run_id", "openlineage_runs", ["run_id"])
    op.create_index("ix_openlineage_runs_process_id", "openlineage_runs", ["process_id"])


def downgrade() -> None:
    op.drop_table("openlineage_runs")
    op.drop_table("openlineage_datasets")
    op.drop_table("openlineage_jobs")
