"""Certification of a process: the evidence of «отправлен на сертификацию» and «сертифицирован»."""
from __future__ import annotations

from marshmallow import fields

from catalog.schemas.base import CatalogSchema, DateTime, Int, date_field, text


class CertificationSchema(CatalogSchema):
    """What a page or the API sends: sent on; who certified, when, the document (all three, or none)."""

    sent_on = date_field("Отправлен на сертификацию", required=True)
    certifier = text("Кто сертифицировал (аудитор)", max_length=500)
    certified_on = date_field("Дата сертификации")
    document = text("Документ (сертификат, его номер)", max_length=1000)
    document_url = text("Ссылка на документ", max_length=500)
    note = text("Примечание", multiline=True)
    version = Int(allow_none=True, metadata={"label": "Версия"})


class CertificationChangeSchema(CertificationSchema):
    """A change: only what changes (the certificate added to a record of sending)."""

    sent_on = date_field("Отправлен на сертификацию")


class CertificationOutSchema(CertificationSchema):
    id = Int(dump_only=True)
    process_id = Int(dump_only=True)
    recorded_by = fields.String(dump_only=True)
    is_certified = fields.Boolean(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class StatusCheckSchema(CatalogSchema):
    """One process whose status and evidence disagree."""

    process_id = Int()
    registry_id = fields.String()
    name = fields.String()
    agency_id = Int()
    status = fields.String()
    status_label = fields.String()
    problem = fields.String()  # unconfirmed | project
    why = fields.String()
    expected_status = fields.String(allow_none=True)


class GateItemSchema(CatalogSchema):
    """One system or automation link outside the gate's rule."""

    kind = fields.String()
    what = fields.String()
    id = Int()
    title = fields.String()
    url = fields.String()
    flag = fields.String()
    why = fields.String()
    agency_id = Int(allow_none=True)
