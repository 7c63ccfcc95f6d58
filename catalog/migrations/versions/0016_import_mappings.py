"""import mappings: the columns of an agency's register as a user mapped them, reused for its next file

Revision ID: 0016
Revises: 0015
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0016"
# To be re-chained by the integrator (issue 15, part G).
down_revision: Union[str, Sequence[str], None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_import_mappings_agency_id", "import_mappings", ["agency_id"])
    op.create_index("ix_import_mappings_fingerprint", "import_mappings", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_import_mappings_fingerprint", table_name="import_mappings")
    op.drop_index("ix_import_mappings_agency_id", table_name="import_mappings")
    op.drop_table("import_mappings")
