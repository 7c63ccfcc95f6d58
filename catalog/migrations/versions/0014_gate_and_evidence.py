"""the gate covers every way in, statuses need evidence: certifications, the accepted overlap

Nothing stored is changed or refused: systems and links outside the gate and statuses without
evidence stay as they are and are listed by ``catalog check gate`` / ``catalog check statuses``
(and the report pages) — the debt the region inherits.

Revision ID: 0014
Revises: 0013
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0014"
# To be re-chained by the integrator after the other migrations of this round.
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("process_id", sa.Integer(), sa.ForeignKey("processes.id"), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("certifier", sa.String(length=500), nullable=True),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("document", sa.String(length=1000), nullable=True),
        sa.Column("document_url", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
    )
    op.create_index("ix_certifications_process_id", "certifications", ["process_id"])
    with op.batch_alter_table("system_requests") as batch:
        batch.add_column(sa.Column("overlap_accepted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("system_requests") as batch:
        batch.drop_column("overlap_accepted")
    op.drop_index("ix_certifications_process_id", table_name="certifications")
    op.drop_table("certifications")
