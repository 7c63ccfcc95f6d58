"""The graph's edges as one table, kept by the database itself (migration 0024).

One row per live edge whose both ends are live: a link, or a relation key (a process's agency),
oriented along the flow (``catalog.graph.model``). Triggers on the links and on every record
table write it in the statement that changes what makes the edge, so it is never behind the
store; the sql backend's lineage is one recursive query over it with one indexed arm a direction.
"""
from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base


class GraphEdge(Base):
    __tablename__ = "graph_edges"
    __table_args__ = (
        # Each walk step reads one of these: downstream by source, upstream by target; the whole
        # edge is in the key, so a step reads the index only, never the table.
        Index("ix_graph_edges_source", "source", "edge_type", "target", "uid", "transport", "frequency"),
        Index("ix_graph_edges_target", "target", "edge_type", "source", "uid", "transport", "frequency"),
    )

    uid: Mapped[str] = mapped_column(String(96), primary_key=True)  # "link:7", "fk:processes:12:agency_id"
    edge_type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))  # node uid "datasets:3", the end the flow leaves
    target: Mapped[str] = mapped_column(String(64))
    transport: Mapped[str | None] = mapped_column(String(32))
    frequency: Mapped[str | None] = mapped_column(String(32))
