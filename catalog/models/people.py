"""Who signs for whom (issue 16): delegations of a visa, designations per agency, document numbers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models.base import Base, utcnow


class Delegation(Base):
    """A head's visa given to another official for a period (Leningrad 4.4: the head of the owning
    agency approves; a deputy signs only by the head's recorded order)."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    visa: Mapped[str] = mapped_column(String(32))  # enums.Visa
    from_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    to_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str | None] = mapped_column(Text)  # the order it rests on, as the agency numbers it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]

    from_person = relationship("Person", foreign_keys=[from_person_id])
    to_person = relationship("Person", foreign_keys=[to_person_id])


class Designation(Base):
    """The official an agency designates for a visa (the passport's approval: Samara concept, section 5
    result 13 leaves it to the agency)."""

    __tablename__ = "designations"
    __table_args__ = (UniqueConstraint("agency_id", "visa", name="uq_designation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    visa: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    designated_on: Mapped[date] = mapped_column(Date)
    designated_by: Mapped[str] = mapped_column(String(200))

    person = relationship("Person")


class DocumentCounter(Base):
    """The last number given to a kind of document in a year («З-2026-0007»)."""

    __tablename__ = "document_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
