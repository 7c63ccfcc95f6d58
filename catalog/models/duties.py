"""The register's duties (Kemerovo register rules, section 3 and 4 п. 3): the officials who fill and
agree each agency's register, the agreed (published) versions of it, and the authorised body's
correction notices with their history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models.base import Base, utcnow
from catalog.models.records import Agency, Person


class RegisterOfficial(Base):
    """A person responsible for filling (``fill``) or agreeing (``agree``) an agency's register (3.2).

    A replacement ends the previous row (``until``) and starts a new one; ``entered_at`` is the server's
    time the replacement reached the catalogue, which is how it reaches the authorised body (4 п. 3:
    within three working days of ``since``)."""

    __tablename__ = "register_officials"
    __table_args__ = (Index("ix_register_officials_agency", "agency_id", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    duty: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency] = relationship()
    person: Mapped[Person] = relationship()


class RegisterVersion(Base):
    """A version of an agency's register agreed by its agreeing official: what is published.

    ``rows`` are the register's rows as ``catalog export register`` makes them, frozen at agreement."""

    __tablename__ = "register_versions"
    __table_args__ = (Index("ix_register_versions_agency", "agency_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    number: Mapped[int] = mapped_column(Integer)
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    filled_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    process_count: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[list] = mapped_column(JSON, default=list)

    agency: Mapped[Agency] = relationship()
    agreed_by: Mapped[Person | None] = relationship(foreign_keys=[agreed_by_id])
    filled_by: Mapped[Person | None] = relationship(foreign_keys=[filled_by_id])


class CorrectionNotice(Base):
    """The authorised body's notice that an agency's register needs correcting (3.5).

    ``items``: [{"process_id": 5, "fields": ["name", "client"]}]; ``state``: open → answered → closed
    (the author may send an answered notice back to open)."""

    __tablename__ = "correction_notices"
    __table_args__ = (Index("ix_correction_notices_agency", "agency_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    agency: Mapped[Agency] = relationship()
    events: Mapped[list[NoticeEvent]] = relationship(order_by="NoticeEvent.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class NoticeEvent(Base):
    """One step of a notice's life: written, answered, returned, closed (its history)."""

    __tablename__ = "notice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("correction_notices.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
