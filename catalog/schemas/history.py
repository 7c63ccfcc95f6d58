"""The change history."""
from __future__ import annotations

from marshmallow import fields

from catalog.schemas.base import (
    CatalogSchema,
    DateTime,
    Int,
)


class ChangeEventSchema(CatalogSchema):
    id = Int()
    occurred_at = DateTime()
    actor_name = fields.String()
    record_kind = fields.String()
    record_id = Int()
    action = fields.String()
    version = Int()
    changes = fields.Dict()
    # Kemerovo register rules 3.3: when a register change arose (the editor's date); occurred_at is its entry.
    arose_on = fields.Date(allow_none=True)
