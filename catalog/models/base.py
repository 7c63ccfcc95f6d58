"""The base of every table: ``Base``, and ``Record`` shared by every catalogue record (an id, a version used for optimistic locking, timestamps and soft deletion)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict: JSON,
        list: JSON,
    }


class Record(Base):
    """Columns every catalogue record has."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def title(self) -> str:
        return getattr(self, "name", None) or f"#{self.id}"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy checks the version in the UPDATE itself, so two writers
        # racing past the service-level check still cannot both win.
        return {"version_id_col": cls.__table__.c.version}
