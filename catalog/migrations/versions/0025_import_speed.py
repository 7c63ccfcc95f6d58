"""links indexed by both ends under the source: the same-link check of a new link reads one entry

Every new link asks whether the same link already exists (records._check_link: type, source and
target). With only (source, type) and (target, type) indexes, SQLite, without statistics, took the
target's: a life situation or act that thousands of processes link to was read whole for each new
link, so a register import slowed with every row (6,9 ms a link at 4 000 links to one situation, issue
15). The source index now ends with the target, so that question reads one index entry; its first
columns serve every query the old one did.

Revision ID: 0025
Revises: 0024
"""
from typing import Sequence, Union

from alembic import op


revision: str = "0025"
down_revision: Union[str, Sequence[str], None] = "0024"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain DROP/CREATE INDEX, no batch copy of the table (a copy would lose triggers, see 0021).
    op.drop_index("ix_links_source_type", table_name="links")
    op.create_index("ix_links_source_type", "links", ["source_kind", "source_id", "link_type", "target_kind", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_links_source_type", table_name="links")
    op.create_index("ix_links_source_type", "links", ["source_kind", "source_id", "link_type"])
