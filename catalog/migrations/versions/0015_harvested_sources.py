"""harvested sources: where a dataset, entity and attribute came from (a database, an SMEV XSD)

Issue 20: schemas harvested from databases and SMEV data types read from XSD keep their source's
identity (to match a second harvest), native types, defaults, restrictions and view definitions;
attributes carry a personal-data category (152-FZ) and the suggestion made for it.

Revision ID: 0015
Revises: 0014
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0015"
# To be re-chained by the integrator onto the last migration of the round.
down_revision: Union[str, Sequence[str], None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("source_version", sa.String(length=100), nullable=True))
        batch.create_index("ix_datasets_source_ref", ["source_ref"])
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("entity_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("definition", sa.Text(), nullable=True))
    with op.batch_alter_table("attributes") as batch:
        batch.add_column(sa.Column("source_type", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("default_value", sa.Text(), nullable=True))
        batch.add_column(sa.Column("restrictions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("pd_category", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("pd_suggestion", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attributes") as batch:
        for column in ("pd_suggestion", "pd_category", "restrictions", "default_value", "source_type"):
            batch.drop_column(column)
    with op.batch_alter_table("entities") as batch:
        for column in ("definition", "entity_kind", "source_ref"):
            batch.drop_column(column)
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index("ix_datasets_source_ref")
        batch.drop_column("source_version")
        batch.drop_column("source_ref")
