"""Personal data (issue 20; Federal Law 152-FZ «О персональных данных»): attributes carry a category,
harvested and imported attributes get a suggestion from their names and descriptions, the owner accepts or
rejects it, and a report shows where personal data is stored, exposed and re-entered by hand.

The categories follow the law: any information about a person is personal data (art. 3 p. 1, «общие»);
race, nationality, political views, religious or philosophical beliefs, health, intimate life and
criminal records are special categories (art. 10 p. 1, art. 10 p. 3); physiological and biological
features by which a person is identified are biometric (art. 11 p. 1).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog import models
from catalog.enums import PersonalData
from catalog.errors import InvalidInput
from catalog.services import permissions, records, rules
from catalog.services.context import Context
from catalog.services.versions import check_version

# Words (lower case, «ё» as «е») that suggest a category; the strongest category found wins.
# Stems match inside words («паспортные», «дата_рождения»); short words match whole words only.
STEMS = {
    PersonalData.BIOMETRIC.value: ("биометр", "отпечат", "дактилоскоп", "изображение лица", "фотограф", "фотоизображ",
                                   "радужн", "образец голоса", "biometric", "fingerprint", "face_image", "photo"),
    PersonalData.SPECIAL.value: ("здоровь", "диагноз", "заболеван", "инвалидн", "медицинск", "беременн",
                                 "национальн", "расов", "религи", "вероисповед", "политическ", "судимост",
                                 "интимн", "diagnos", "disabilit", "health"),
    PersonalData.GENERAL.value: ("фамил", "отчеств", "снилс", "паспорт", "рождени", "адрес", "телефон",
                                 "электронн почт", "электронной почт", "гражданств", "место жительства",
                                 "места жительства", "регистрац по месту", "сведения о физическом лице",
                                 "физическ лиц", "удостоверяющ личност", "surname", "lastname", "last_name",
                                 "firstname", "first_name", "full_name", "fullname", "middlename", "patronymic",
                                 "snils", "passport", "birth", "address", "phone", "email", "e-mail", "citizenship"),
}
WORDS = {PersonalData.BIOMETRIC.value: ("фото",),
         PersonalData.GENERAL.value: ("фио", "имя", "пол", "инн", "inn", "fio", "name")}
ORDER = (PersonalData.BIOMETRIC.value, PersonalData.SPECIAL.value, PersonalData.GENERAL.value)
PERSONAL = set(ORDER)


def _text(*parts) -> str:
    joined = " ".join(p for p in parts if p)
    # CamelCase and snake_case split into words: «FamilyName» → «family name», «birth_date» → «birth date».
    joined = re.sub(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])", " ", joined)
    return joined.lower().replace("ё", "е")


def suggest(name: str | None, code: str | None = None, description: str | None = None) -> str | None:
    """The category the attribute's names and description suggest, or None when they suggest nothing."""
    text = _text(name, code, description)
    words = set(re.findall(r"[a-zа-я0-9]+", text))
    squashed = text.replace("_", " ")
    for category in ORDER:
        if any(stem in text or stem in squashed for stem in STEMS.get(category, ())):
            return category
        found = words & set(WORDS.get(category, ()))
        if found:
            # «name» alone is a table's or a document's name as often as a person's: only with a person nearby.
            if found != {"name"} or words & {"person", "citizen", "applicant", "surname", "first", "last"}:
                return category
    return None


# --- the owner's decision --------------------------------------------------------------------------------


def _attribute(ctx: Context, attribute_id: int) -> models.Attribute:
    permissions.require_read(ctx)
    return ctx.get(models.Attribute, attribute_id, f"Атрибут № {attribute_id} не найден.")


@rules.operation("personal_data.decide")
def decide(ctx: Context, attribute_id: int, accept: bool, version: int | None = None,
           category: str | None = None) -> models.Attribute:
    """Accept the suggestion (the attribute gets its category) or reject it (not personal data); with
    ``category``, the owner names another one. Written as an edit of the attribute, with its history."""
    attribute = _attribute(ctx, attribute_id)
    rules.check(ctx, "personal_data.decide", attribute)
    if category is not None and (not isinstance(category, str) or category not in PersonalData.values()):
        raise InvalidInput("Неизвестная категория персональных данных.",
                           {"category": ["Допустимо: " + ", ".join(f"{v} ({PersonalData.label_of(v)})"
                                                                   for v in PersonalData.values()) + "."]})
    if accept and category is None and attribute.pd_suggestion is None:
        raise InvalidInput("У атрибута нет предложенной категории персональных данных.",
                           {"category": ["Укажите категорию."]})
    chosen = category or (attribute.pd_suggestion if accept else PersonalData.NONE.value)
    if version is None and not ctx.is_system:
        check_version(ctx, "attributes", attribute, None)  # a person names the version they read
    return records.update_record(ctx, "attributes", attribute.id,
                                 {"pd_category": chosen, "version": attribute.version if version is None else version})


# --- where personal data is ------------------------------------------------------------------------------


@dataclass
class Row:
    agency: str
    system: str
    categories: dict = field(default_factory=lambda: defaultdict(int))  # accepted category → attributes
    suggested: int = 0  # suggestions the owner has not decided
    datasets: set = field(default_factory=set)
    marts: set = field(default_factory=set)  # marts exposing them
    by_hand: set = field(default_factory=set)  # processes re-entering them by hand

    @property
    def total(self) -> int:
        return sum(self.categories.values())


@dataclass
class Report:
    rows: list[Row]
    pending: list[tuple[models.Attribute, str]]  # (attribute, where) awaiting the owner's decision


NO_AGENCY, NO_SYSTEM = "обладатель не указан", "система не указана"


def report(ctx: Context, pending_limit: int = 500) -> Report:
    """Attributes holding personal data (accepted) or suggested to, by the dataset owner's agency and the
    system storing the dataset; with the marts exposing them and the processes re-entering them by hand."""
    permissions.require_read(ctx)
    attribute, entity, dataset = models.Attribute, models.Entity, models.Dataset
    found = ctx.session.execute(
        select(attribute, entity.id, entity.name, dataset.id, dataset.name, dataset.owner_agency_id)
        .join(entity, entity.id == attribute.entity_id).join(dataset, dataset.id == entity.dataset_id)
        .where(attribute.deleted_at.is_(None), entity.deleted_at.is_(None), dataset.deleted_at.is_(None),
               (attribute.pd_category.in_(PERSONAL)) | (attribute.pd_suggestion.in_(PERSONAL)
                                                        & attribute.pd_category.is_(None)))
        .order_by(dataset.id, entity.id, attribute.id)).all()
    links = list(ctx.session.scalars(select(models.Link).where(
        models.Link.deleted_at.is_(None), models.Link.link_type.in_(("STORED_IN", "EXPOSES", "CONSUMES")))))
    stored, exposed, manual = defaultdict(set), defaultdict(set), defaultdict(set)
    for link in links:
        key = (link.source_kind, link.source_id) if link.link_type == "STORED_IN" else (link.target_kind, link.target_id)
        if link.link_type == "STORED_IN":
            stored[key].add(link.target_id)
        elif link.link_type == "EXPOSES":
            exposed[key].add(link.source_id)
        elif link.transport == "manual":
            manual[key].add(link.source_id)
    names = records.titles_for(ctx, {("agencies", r[5]) for r in found if r[5]}
                               | {("systems", s) for ids in stored.values() for s in ids}
                               | {("marts", m) for ids in exposed.values() for m in ids}
                               | {("processes", p) for ids in manual.values() for p in ids})
    def title(kind, key) -> str:
        record = names.get((kind, key))
        return (getattr(record, "short_name", None) or record.title) if record is not None else f"№ {key}"

    rows: dict[tuple[str, str], Row] = {}
    pending = []
    for attr, entity_id, entity_name, dataset_id, dataset_name, agency_id in found:
        agency = title("agencies", agency_id) if agency_id else NO_AGENCY
        systems = sorted(stored.get(("datasets", dataset_id), ())) or [None]
        for system_id in systems:
            system = title("systems", system_id) if system_id else NO_SYSTEM
            row = rows.setdefault((agency, system), Row(agency, system))
            row.datasets.add(dataset_name)
            if attr.pd_category in PERSONAL:
                row.categories[attr.pd_category] += 1
            else:
                row.suggested += 1
            for key in (("datasets", dataset_id), ("entities", entity_id)):
                row.marts |= {title("marts", m) for m in exposed.get(key, ())}
                row.by_hand |= {title("processes", p) for p in manual.get(key, ())}
        if attr.pd_category is None and len(pending) < pending_limit:
            pending.append((attr, f"{dataset_name} → {entity_name}"))
    return Report(sorted(rows.values(), key=lambda r: (r.agency, r.system)), pending)


def inbox_items(ctx: Context, user: models.User) -> list[dict]:
    """The inbox's source (issue 16's ``catalog.services.inbox``): one item per dataset whose suggested
    personal-data categories await a decision the user may take."""
    from catalog.formatting import counted
    from catalog.services.context import Context as _Context

    as_user = _Context(session=ctx.session, user=user, settings=ctx.settings)
    by_dataset: dict[int, list] = defaultdict(list)
    found = report(as_user)
    for attribute, where in found.pending:
        if rules.may(as_user, "personal_data.decide", attribute):
            by_dataset[attribute.entity.dataset_id].append((attribute, where))
    items = []
    for dataset_id, pending in by_dataset.items():
        dataset = ctx.session.get(models.Dataset, dataset_id)
        items.append({"kind": "Предложена категория персональных данных",
                      "title": f"{dataset.name}: без решения — {counted(len(pending), 'атрибут')}",
                      "url": "/reports/personal-data", "due": None, "overdue": False,
                      "agency_id": dataset.owner_agency_id})
    return items
