"""Data described from its source (issue 20): what a harvest request names."""
from __future__ import annotations

from marshmallow import fields

from catalog.schemas.base import CatalogSchema, text


class HarvestRequestSchema(CatalogSchema):
    """A harvest asked by the page or the API names a source of the configuration, never a URL: the
    server connects only where its administrators said (issue 12's rule against server-side fetches)."""

    source = text("Источник из настроек каталога", required=True, max_length=200)
    dry_run = fields.Boolean(load_default=False, metadata={"label": "Только показать изменения"})
    schemas = fields.List(fields.String(), load_default=None, allow_none=True,
                          metadata={"label": "Только эти схемы базы данных"})


class PersonalDataDecisionSchema(CatalogSchema):
    """The owner's answer to a suggested category of personal data (152-FZ)."""

    version = fields.Integer(required=True, metadata={"label": "Версия атрибута, которую вы читали"})
    category = fields.String(load_default=None, allow_none=True,
                             metadata={"label": "Другая категория: none, general, special, biometric"})
