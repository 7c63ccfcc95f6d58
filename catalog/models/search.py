"""What people searched for and did not find: the basis for the thesaurus.

One row a query as analysed (lower case, «ё» as «е»), with how often it found nothing or
little; who asked is not kept.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base, utcnow


class SearchMiss(Base):
    __tablename__ = "search_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500), unique=True)
    empty_count: Mapped[int] = mapped_column(Integer, default=0)  # found nothing
    few_count: Mapped[int] = mapped_column(Integer, default=0)  # found little, or only without some words
    last_total: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[str | None] = mapped_column(Text)  # the words left out the last time
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThesaurusEntry(Base):
    """An entry the process office added to the shipped thesaurus (the region's own jargon).

    Rows are never deleted: a removed entry keeps who removed it and when, so the page shows the
    thesaurus's history.
    """

    __tablename__ = "thesaurus_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    marker: Mapped[str] = mapped_column(String(1))  # «=», «>» or «-», as in thesaurus.tsv
    phrases: Mapped[str] = mapped_column(Text)  # separated by tabs, as in thesaurus.tsv
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by: Mapped[str | None] = mapped_column(String(300))
    removed_at: Mapped[datetime | None]
