"""Certification of a process (Kemerovo register rules, section 1: «сертификация – оценка услуги или
сервиса на соответствие принципам и стандартам клиентоцентричности, осуществляемая посредством
независимого аудита»): the evidence behind «отправлен на сертификацию» and «сертифицирован»."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models.base import Record

if TYPE_CHECKING:  # for the annotations; SQLAlchemy resolves them through its registry
    from catalog.models.records import Process


class Certification(Record):
    """One audit of a process: sent on a date; certified (who certified, when, by which document) or not."""

    __tablename__ = "certifications"

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    # The independent auditor: an organisation or a person, as the document names it.
    certifier: Mapped[str | None] = mapped_column(String(500))
    certified_on: Mapped[date | None] = mapped_column(Date)
    document: Mapped[str | None] = mapped_column(String(1000))  # the certificate's title and number
    document_url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))

    process: Mapped[Process] = relationship()

    @property
    def is_certified(self) -> bool:
        return bool(self.certified_on and self.certifier and self.document)

    @property
    def title(self) -> str:
        return f"Сертификация № {self.id}"
