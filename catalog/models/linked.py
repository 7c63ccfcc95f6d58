"""What the linked-data endpoints keep in the store: the SPARQL endpoint's admission."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base, utcnow


class SparqlAdmission(Base):
    """A SPARQL query admitted by some server process (catalog/linked/sparql.py, ``admit``).

    Kept in the store, so every process of a deployment, on every machine, counts the same running
    queries and the same anonymous queries of the minute. ``running`` is cleared when the query ends;
    an anonymous query's row then stays for the per-minute count, another's is removed. Rows are
    short-lived: each admission deletes those older than the minute (or the query time limit plus a
    margin, whichever is longer), and a row left running by a crashed process stops counting then."""

    __tablename__ = "sparql_admissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(80), index=True)  # "user:<id>" or "address:<address>"
    anonymous: Mapped[bool] = mapped_column(default=False)
    running: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# Rows that live about a minute: a dump leaves them out, a restore skips them, and they never make a
# catalogue «not empty» (catalog.services.store).
TRANSIENT_TABLES = ("sparql_admissions",)
