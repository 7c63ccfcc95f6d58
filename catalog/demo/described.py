"""The demo's data described from its source (issue 20): the АСП system's database harvested, two SMEV
data types imported for marts, attribute-level links, personal data marked.

The АСП database is a SQLite file built at load from ``described/asp_database.sql`` in a temporary
folder (no binary in the repository), harvested through ``catalog.services.harvest`` and removed: the
catalogue keeps what was read, never the connection string.
"""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import select

from catalog import models
from catalog.services import harvest, personal_data, records
from catalog.services.context import Context
from catalog.services.imports import xsd

FOLDER = Path(__file__).with_name("described")
XSDS = (("social_measures_1.0.0.xsd", "M_SOCIAL"), ("income_1.0.0.xsd", "M_INCOME"))
PROCESS = "Межведомственные запросы по заявлению о назначении выплаты на ребёнка"


def _harvest_asp(ctx: Context) -> models.InformationSystem:
    system = ctx.session.scalar(select(models.InformationSystem).where(models.InformationSystem.short_name == "АСП"))
    with tempfile.TemporaryDirectory(prefix="catalog-demo-") as folder:
        path = Path(folder) / "asp.sqlite"
        with sqlite3.connect(path) as connection:
            connection.executescript((FOLDER / "asp_database.sql").read_text(encoding="utf-8"))
        connection.close()
        harvest.harvest_database(ctx, system.id, url=f"sqlite:///{path}")
    return system


# The names the АСП's owner typed for its tables and columns (the database itself says nothing in Russian).
ASP_NAMES = {
    "applicant": "Заявитель", "application": "Заявление", "decision": "Решение", "payment": "Выплата",
    "active_recipients": "Действующие получатели (представление)",
    "id": "Идентификатор", "snils": "СНИЛС", "last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество",
    "birth_date": "Дата рождения", "reg_address": "Адрес регистрации", "phone": "Телефон",
    "applicant_id": "Заявитель", "measure_code": "Код меры", "submitted_on": "Дата подачи", "channel": "Канал подачи",
    "status": "Состояние", "application_id": "Заявление", "decided_on": "Дата решения", "granted": "Мера назначена",
    "amount": "Сумма, рублей", "decision_id": "Решение", "recipient_snils": "СНИЛС получателя", "paid_on": "Дата выплаты",
}


def _name_in_russian(ctx: Context, dataset_ref_like: str, names: dict[str, str] | None) -> None:
    """Entities and attributes read from a source get Russian names, as their owner would type them: from
    ``names`` (by table or column), else from the description (an XSD's xs:documentation)."""
    entities = list(ctx.session.scalars(select(models.Entity).join(models.Dataset).where(
        models.Dataset.source_ref.like(dataset_ref_like), models.Entity.deleted_at.is_(None))))
    for entity in entities:
        name = (names or {}).get(entity.name) or (entity.description or "").split("\n")[0][:500]
        if name and name != entity.name:
            records.update_record(ctx, "entities", entity.id, {"name": name, "version": entity.version})
        for attribute in list(ctx.session.scalars(select(models.Attribute).where(
                models.Attribute.entity_id == entity.id, models.Attribute.deleted_at.is_(None)))):
            name = (names or {}).get(attribute.code or attribute.name) or (attribute.description or "")[:500]
            if name and name != attribute.name:
                records.update_record(ctx, "attributes", attribute.id, {"name": name, "version": attribute.version})


def _attribute(ctx: Context, dataset_ref_like: str, code: str, entity: str | None = None) -> models.Attribute | None:
    query = select(models.Attribute).join(models.Entity).join(models.Dataset).where(
        models.Dataset.source_ref.like(dataset_ref_like), models.Attribute.code == code,
        models.Attribute.deleted_at.is_(None))
    if entity:
        query = query.where(models.Entity.source_ref.like(f"%{entity}"))
    return ctx.session.scalar(query.order_by(models.Attribute.id).limit(1))


def _link(ctx: Context, link_type: str, source: tuple[str, int], target: tuple[str, int], **extra) -> None:
    records.create_record(ctx, "links", {"link_type": link_type, "source_kind": source[0], "source_id": source[1],
                                         "target_kind": target[0], "target_id": target[1], **extra})


def load_described(ctx: Context) -> dict[str, int]:
    system = _harvest_asp(ctx)
    marts = {m.code: m for m in ctx.session.scalars(select(models.DataMart).where(
        models.DataMart.code.in_([code for _, code in XSDS])))}
    for file_name, mart_code in XSDS:
        xsd.run(ctx, (FOLDER / file_name).read_bytes(), file_name=file_name, mart_id=marts[mart_code].id,
                dry_run=False)

    _name_in_russian(ctx, f"db:{system.id}:%", ASP_NAMES)
    _name_in_russian(ctx, "xsd:%", None)

    # Attribute-level lineage: the mart's СНИЛС is read from the АСП's applicant table, the payment's
    # recipient СНИЛС is the applicant's; the inter-agency request reads СНИЛС from the mart.
    asp_snils = _attribute(ctx, f"db:{system.id}:%", "snils", "applicant")
    payment_snils = _attribute(ctx, f"db:{system.id}:%", "recipient_snils")
    mart_snils = _attribute(ctx, "xsd:urn://x-artefacts-volga-region/social-measures%", "SNILS")
    income_snils = _attribute(ctx, "xsd:urn://x-artefacts-sfr/citizen-income%", "PersonSNILS")
    links = 0
    for derived, origin in ((mart_snils, asp_snils), (payment_snils, asp_snils)):
        if derived and origin:
            _link(ctx, "DERIVED_FROM", ("attributes", derived.id), ("attributes", origin.id))
            links += 1
    process = ctx.session.scalar(select(models.Process).where(models.Process.name.startswith(PROCESS))
                                 .order_by(models.Process.id))
    if process is not None:
        for attribute in (mart_snils, income_snils):
            if attribute:
                _link(ctx, "CONSUMES", ("processes", process.id), ("attributes", attribute.id), transport="smev")
                links += 1

    # Personal data: the owners accepted what the names suggest on the harvested and imported attributes,
    # and named the category of the typed-in ones the same way (152-ФЗ ст. 3 п. 1, ст. 10, ст. 11).
    accepted = 0
    for attribute in list(ctx.session.scalars(select(models.Attribute).where(
            models.Attribute.pd_category.is_(None), models.Attribute.deleted_at.is_(None))
            .order_by(models.Attribute.id))):
        if attribute.pd_suggestion is not None:
            personal_data.decide(ctx, attribute.id, True, version=attribute.version)
            accepted += 1
        else:
            category = personal_data.suggest(attribute.name, attribute.code, attribute.description)
            if category is not None:
                personal_data.decide(ctx, attribute.id, True, version=attribute.version, category=category)
                accepted += 1
    return {"атрибутные связи": links, "принятые категории персональных данных": accepted}


def snils_attribute(ctx: Context, entity_code: str = "E_APPLICANT") -> models.Attribute | None:
    """The СНИЛС of a demo entity, for passports' data that name an attribute."""
    return ctx.session.scalar(select(models.Attribute).join(models.Entity).where(
        models.Entity.code == entity_code, models.Attribute.code == "snils").limit(1))
