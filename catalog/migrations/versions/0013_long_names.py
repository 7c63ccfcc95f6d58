"""long names: services, acts, typical processes and processes named as real registers name them

Names run to 4,060 characters in real registers (issue 15); the columns held 1,000.

Revision ID: 0013
Revises: 0012
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0013"
# To be rebased onto "0012" (search misses) once that migration is merged.
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("services", "regulatory_acts", "typical_processes", "processes")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("name", existing_type=sa.String(length=1000), type_=sa.String(length=8000),
                               existing_nullable=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("name", existing_type=sa.String(length=8000), type_=sa.String(length=1000),
                               existing_nullable=False)
