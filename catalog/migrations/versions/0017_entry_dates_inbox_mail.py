"""dates the server records beside the dates users give; e-mail preferences, queue and notified items

Issue 16, part C.

Revision ID: 0017
Revises: 0016
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0017"
# The integrator re-chains the migrations of issues 16, 17 and 20.
down_revision: Union[str, Sequence[str], None] = "0016"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("optimization_projects") as batch:
        for name in ("application_submitted_entered_at", "application_answered_entered_at",
                     "agreed_entered_at", "approved_entered_at"):
            batch.add_column(sa.Column(name, MOMENT, nullable=True))
        batch.add_column(sa.Column("late_reasons", sa.JSON(), nullable=True))
    with op.batch_alter_table("kpi_measurements") as batch:
        batch.add_column(sa.Column("entered_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("late_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("deviation_requests") as batch:
        batch.add_column(sa.Column("answered_entered_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("assessed_entered_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("late_reasons", sa.JSON(), nullable=True))

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("new_item", sa.Boolean(), nullable=False),
        sa.Column("due_tomorrow", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "email_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", MOMENT, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("sent_at", MOMENT, nullable=True),
    )
    op.create_index("ix_email_messages_user_id", "email_messages", ["user_id"])
    op.create_index("ix_email_messages_status", "email_messages", ["status"])
    op.create_index("ix_email_messages_next_attempt_at", "email_messages", ["next_attempt_at"])
    op.create_table(
        "notified_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_key", sa.String(500), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("notified_at", MOMENT, nullable=False),
        sa.UniqueConstraint("user_id", "item_key", "event", name="uq_notified_item"),
    )
    op.create_index("ix_notified_items_user_id", "notified_items", ["user_id"])


def downgrade() -> None:
    op.drop_table("notified_items")
    op.drop_table("email_messages")
    op.drop_table("notification_preferences")
    with op.batch_alter_table("deviation_requests") as batch:
        for name in ("late_reasons", "assessed_entered_at", "answered_entered_at"):
            batch.drop_column(name)
    with op.batch_alter_table("kpi_measurements") as batch:
        batch.drop_column("late_reason")
        batch.drop_column("entered_at")
    with op.batch_alter_table("optimization_projects") as batch:
        for name in ("late_reasons", "approved_entered_at", "agreed_entered_at", "application_answered_entered_at",
                     "application_submitted_entered_at"):
            batch.drop_column(name)
