"""register rules: marts in operation, with their stage

Marts registered before this revision were registered as working marts: they are put in
operation, and `catalog validate` lists those that lack a responsible official or quality figures
instead of the migration refusing them.

Revision ID: 0018
Revises: 0013
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0018"
# To be re-chained by the integrator after the other migrations of this round.
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("data_marts") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=32), nullable=False, server_default="operation"))
    with op.batch_alter_table("data_marts") as batch:
        batch.alter_column("stage", server_default=None, existing_type=sa.String(length=32))


def downgrade() -> None:
    with op.batch_alter_table("data_marts") as batch:
        batch.drop_column("stage")
