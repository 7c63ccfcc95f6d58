"""E-mail notifications: what each person wants, the queue of messages and what was already notified."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base, utcnow


class NotificationPreference(Base):
    """A person's choice of e-mails (their profile page); without a row nothing is sent to them."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    new_item: Mapped[bool] = mapped_column(Boolean, default=True)
    due_tomorrow: Mapped[bool] = mapped_column(Boolean, default=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailMessage(Base):
    """A message in the store's queue: written in the user's transaction, sent later, retried with backoff."""

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))  # new_item | due_tomorrow | overdue | digest
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NotifiedItem(Base):
    """One notification of one inbox item to one person: a new item, or its due day, is told once."""

    __tablename__ = "notified_items"
    __table_args__ = (UniqueConstraint("user_id", "item_key", "event", name="uq_notified_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(500))
    event: Mapped[str] = mapped_column(String(32))
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
