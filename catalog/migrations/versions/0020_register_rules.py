"""register rules: marts in operation, with their stage; the typical list of municipal services

Marts registered before this revision were registered as working marts: they are put in
operation, and `catalog validate` lists those that lack a responsible official or quality figures
instead of the migration refusing them.

Revision ID: 0020
Revises: 0019
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0020"
# To be re-chained by the integrator after the other migrations of this round.
down_revision: Union[str, Sequence[str], None] = "0019"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _record_columns() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "service_spheres", *_record_columns(),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("curator_agency_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["curator_agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_service_spheres_curator_agency_id", "service_spheres", ["curator_agency_id"])
    op.create_table(
        "typical_services", *_record_columns(),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=8000), nullable=False),
        sa.Column("sphere_id", sa.Integer(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["sphere_id"], ["service_spheres.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_typical_services_sphere_id", "typical_services", ["sphere_id"])
    # A service's name is matched to a typical service; the matches kept so far stay as they are.
    with op.batch_alter_table("name_matches") as batch:
        batch.add_column(sa.Column("typical_service_id", sa.Integer(), nullable=True))
        batch.alter_column("typical_process_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key("fk_name_matches_typical_service", "typical_services", ["typical_service_id"], ["id"])
    # Consumers of a process's result as records (Leningrad 2.4–2.6); the free text «Клиент» each process
    # had becomes its external consumer, word for word (the column stays, the register's exports use it).
    op.create_table(
        "process_consumers", *_record_columns(),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=300), nullable=True),
        sa.Column("applicant_category", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_consumers_process_id", "process_consumers", ["process_id"])
    op.create_index("ix_process_consumers_agency_id", "process_consumers", ["agency_id"])
    op.execute(
        "INSERT INTO process_consumers (version, created_at, updated_at, process_id, scope, description) "
        "SELECT 1, created_at, updated_at, id, 'external', client FROM processes "
        "WHERE client IS NOT NULL AND TRIM(client) <> ''")
    # Pay tables per agency (the region's stays the default): a position's name is unique within a table.
    unnamed = "positions_name_key" if op.get_bind().dialect.name == "postgresql" else "uq_positions_name"
    with op.batch_alter_table("positions", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
        batch.drop_constraint(unnamed, type_="unique")
        batch.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_positions_agency", "agencies", ["agency_id"], ["id"])
        batch.create_unique_constraint("uq_position_agency_name", ["agency_id", "name"])
        batch.create_index("ix_positions_agency_id", ["agency_id"])
    with op.batch_alter_table("data_marts") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=32), nullable=False, server_default="operation"))
    with op.batch_alter_table("data_marts") as batch:
        batch.alter_column("stage", server_default=None, existing_type=sa.String(length=32))


def downgrade() -> None:
    op.drop_table("process_consumers")
    with op.batch_alter_table("positions") as batch:
        batch.drop_index("ix_positions_agency_id")
        batch.drop_constraint("uq_position_agency_name", type_="unique")
        batch.drop_constraint("fk_positions_agency", type_="foreignkey")
        batch.drop_column("agency_id")
        batch.create_unique_constraint("uq_positions_name", ["name"])
    with op.batch_alter_table("data_marts") as batch:
        batch.drop_column("stage")
    with op.batch_alter_table("name_matches") as batch:
        batch.drop_constraint("fk_name_matches_typical_service", type_="foreignkey")
        batch.drop_column("typical_service_id")
    op.drop_table("typical_services")
    op.drop_table("service_spheres")
