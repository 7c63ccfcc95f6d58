"""register duties: responsible officials, agreed register versions, correction notices, change dates

Kemerovo register rules 3.2–3.5 and 4 п. 3 (issue 16, part B).

Revision ID: 0019
Revises: 0018
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0019"
# The integrator re-chains this after the other migrations of issue 16.
down_revision: Union[str, Sequence[str], None] = "0018"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("change_events") as batch:
        batch.add_column(sa.Column("arose_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("register_agency_id", sa.Integer(), nullable=True))
        batch.create_index("ix_change_events_register_agency_id", ["register_agency_id"])
    op.create_table(
        "register_officials",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("duty", sa.String(16), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_register_officials_agency", "register_officials", ["agency_id", "duty"])
    op.create_table(
        "register_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("filled_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("process_count", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
    )
    op.create_index("ix_register_versions_agency", "register_versions", ["agency_id", "number"])
    op.create_table(
        "correction_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_correction_notices_agency", "correction_notices", ["agency_id", "state"])
    op.create_table(
        "notice_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("correction_notices.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
    )
    op.create_index("ix_notice_events_notice_id", "notice_events", ["notice_id"])


def downgrade() -> None:
    op.drop_table("notice_events")
    op.drop_table("correction_notices")
    op.drop_table("register_versions")
    op.drop_table("register_officials")
    with op.batch_alter_table("change_events") as batch:
        batch.drop_index("ix_change_events_register_agency_id")
        batch.drop_column("register_agency_id")
        batch.drop_column("arose_on")
