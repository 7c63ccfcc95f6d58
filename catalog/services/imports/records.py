"""Reference lists from Excel or CSV: the typical list of processes and its groups, information
systems, data marts, datasets with their entities and attributes.

Each row is matched to what the catalogue has by code when the file gives one, else by name
(case, spaces and «ё» ignored), so a re-import changes nothing. Vocabularies (legal kind, stage,
kind of mart, frequency, data type) are read by their Russian labels or keys. References to other
records (operator agency, owner, host system, responsible, datasets a mart exposes, systems a
dataset is stored in) must exist: an unknown one is an error naming the cell. The typical list is
the exception: a group named by a typical process and missing from the catalogue is created,
since that file is where groups come from.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from catalog import enums, models
from catalog.kinds import KINDS
from catalog.services import records, rules
from catalog.services.imports.base import Lookup, RowFailed, TableImporter, show_value
from catalog.readers.report import FieldChange, RowChange
from catalog.readers.tables import FieldSpec, Layout, Row, normalize

YES = {"да", "yes", "true", "1", "+", "есть", "содержит", "ключ", "ключевой", "обязательный", "обязательно"}
NO = {"нет", "no", "false", "0", "-", "не содержит", ""}


def _words(enum, extra: dict | None = None) -> dict[str, str]:
    words = {}
    for member in enum:
        words[normalize(member.label)] = member.value
        words[normalize(member.value)] = member.value
    words.update({normalize(k): v for k, v in (extra or {}).items()})
    return words


@dataclass
class Convert:
    """How a column becomes a service field: ``fn(text) -> value`` raising ValueError with a Russian reason."""

    target: str  # the service field
    fn: Callable[[str], object]


def choice(enum, extra: dict | None = None) -> Callable[[str], str]:
    words = _words(enum, extra)

    def convert(text: str) -> str:
        value = words.get(normalize(text))
        if value is None:
            allowed = ", ".join(f"«{m.label}»" for m in enum)
            raise ValueError(f"неизвестное значение «{text}»; допустимы: {allowed}")
        return value

    return convert


def flag(text: str) -> bool:
    key = normalize(text)
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(f"ожидается «да» или «нет», а не «{text}»")


def percent(text: str) -> float:
    try:
        value = float(text.replace("%", "").replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ValueError(f"ожидается число от 0 до 100, а не «{text}»") from None
    if 0 < value <= 1 and "%" not in text and "." in text.replace(",", "."):
        value *= 100  # 0.95 written as a fraction in a percent-formatted cell
    return value


def day(text: str) -> str:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"ожидается дата ДД.ММ.ГГГГ, а не «{text}»")


class RecordsImporter(TableImporter):
    """One record per row of one kind; subclasses give the layout, converters and references."""

    kind = ""  # the record kind a row writes
    import_kind = ""  # the kind of import (rules.check_import)
    converters: dict[str, Convert] = {}
    refs: dict[str, tuple[str, str]] = {}  # column -> (service field, lookup name)
    link_columns: dict[str, tuple[str, str, str]] = {}  # column -> (link type, target kind, lookup name)

    def __init__(self, ctx, path, **options):
        super().__init__(ctx, path, **options)
        self.field_columns = {**{c.target: col for col, c in self.converters.items()},
                              **{field: col for col, (field, _) in self.refs.items()}}

    def lookups(self) -> dict[str, Lookup]:
        return {}

    def prepare(self) -> None:
        self.require_some_right()
        self.own = self.own_lookup()
        self.others = self.lookups()
        self.seen: dict[str, int] = {}

    def require_some_right(self) -> None:
        """Refuse at once a user who may write none of these records (the services check each row too)."""
        rules.check_import(self.ctx, self.import_kind)

    def own_lookup(self) -> Lookup:
        return Lookup(self.ctx, KINDS[self.kind].model)

    def key_of(self, v: dict) -> str:
        return v.get("code") or v.get("name") or ""

    def data_of(self, v: dict) -> tuple[dict, dict[str, list[int]], list[tuple[str, str]]]:
        data, links, errors = {}, {}, []
        for column, convert in self.converters.items():
            if not self.table.gives(column):
                continue
            text = v.get(column)
            if not text:
                data[convert.target] = None
                continue
            try:
                data[convert.target] = convert.fn(text)
            except ValueError as error:
                errors.append((column, str(error)))
        for column, (field, lookup_name) in self.refs.items():
            if not self.table.gives(column):
                continue
            text = v.get(column)
            if not text:
                data[field] = None
                continue
            found = self.others[lookup_name].find(text)
            if found is None:
                errors.append((column, f"нет записи «{text}» в каталоге ({self.layout.by_name[column].label.lower()})"))
            data[field] = found
        for column, (_, _, lookup_name) in self.link_columns.items():
            if self.table.gives(column):
                ids, missing = self.others[lookup_name].find_many(v.get(column))
                for part in missing:
                    errors.append((column, f"нет записи «{part}» в каталоге"))
                links[column] = ids
        for spec in self.layout.fields:
            if spec.required and not v.get(spec.name):
                errors.append((spec.name, "обязательное поле не заполнено"))
        return data, links, errors

    def import_row(self, row: Row) -> str | None:
        v = row.values
        data, links, errors = self.data_of(v)
        key = normalize(self.key_of(v))
        if key and key in self.seen:
            errors.append(("code" if v.get("code") else "name",
                           f"запись «{self.key_of(v)}» уже есть в строке {self.seen[key]} этого файла"))
        elif key:
            self.seen[key] = row.number
        if errors:
            raise_errors = errors
            for column, reason in raise_errors:
                self.column_error(row.number, column, reason)
            return None
        return self.run_row(row, lambda: self.write(row, data, links))

    def report_row(self, row: Row, key: str, outcomes: list[str], changes: list) -> str:
        """One row that wrote several records: «created» if any was, else «updated» if any was; the row's
        changes go to the report under ``key``."""
        result = "created" if "created" in outcomes else "updated" if "updated" in outcomes else "unchanged"
        if result != "unchanged":
            self.report.add_change(RowChange(row.number, key, result, [FieldChange(*c) for c in changes]))
        return result

    def find_existing(self, v: dict) -> int | None:
        if v.get("code"):
            found = self.own.by_code.get(normalize(v["code"]))
            if found is not None:
                return found
        if v.get("name"):
            candidates = self.own.by_name.get(normalize(v["name"]))
            return candidates[0][0] if candidates else None
        return None

    def write(self, row: Row, data: dict, links: dict) -> str:
        existing = self.find_existing(row.values)
        outcome, changes = write_record(self.ctx, self.kind, existing, data, self.label_of)
        if outcome == "created":
            record_id = changes.pop()
            self.later(lambda: self.own.add(record_id, data.get("name") or "", data.get("code")))
        else:
            record_id = existing
        for column, target_ids in links.items():
            link_type, target_kind, lookup_name = self.link_columns[column]
            changes += sync_links(self.ctx, self.kind, record_id, link_type, target_kind, target_ids,
                                  self.layout.by_name[column].label, self.others[lookup_name].names)
        if outcome == "unchanged" and changes:
            outcome = "updated"
        if outcome != "unchanged":
            self.report.add_change(RowChange(row.number, self.key_of(row.values), outcome,
                                             [FieldChange(*c) for c in changes]))
        return outcome

    def label_of(self, field: str) -> str:
        column = self.field_columns.get(field, field)
        spec = self.layout.by_name.get(column)
        return spec.label if spec else field


def write_record(ctx, kind_name: str, existing: int | None, data: dict, label_of) -> tuple[str, list]:
    """Create or update through the services; return the outcome and the field changes
    (for a creation the new id is the last item of the list)."""
    kind = KINDS[kind_name]
    if existing is None:
        record = records.create_record(ctx, kind_name, {k: v for k, v in data.items() if v is not None})
        changes = [(label_of(k), None, show_value(v)) for k, v in data.items() if v is not None]
        return "created", [*changes, record.id]
    record = ctx.session.get(kind.model, existing)
    if record.is_deleted:
        records.restore_record(ctx, kind_name, record.id, record.version)
    before = {k: getattr(record, k) for k in data}
    record = records.update_record(ctx, kind_name, record.id, {**data, "version": record.version})
    after = {k: getattr(record, k) for k in data}
    changes = [(label_of(k), show_value(_plain(before[k])), show_value(_plain(after[k])))
               for k in data if _plain(before[k]) != _plain(after[k])]
    return ("updated" if changes else "unchanged"), changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def sync_links(ctx, source_kind: str, source_id: int, link_type: str, target_kind: str, target_ids: list[int],
               label: str, names: dict) -> list[tuple]:
    current = {link.target_id: link for link in ctx.session.scalars(select(models.Link).where(
        models.Link.source_kind == source_kind, models.Link.source_id == source_id,
        models.Link.link_type == link_type, models.Link.target_kind == target_kind,
        models.Link.deleted_at.is_(None)))}
    wanted = list(dict.fromkeys(target_ids))
    added = [t for t in wanted if t not in current]
    removed = [t for t in current if t not in wanted]
    for target_id in added:
        records.create_record(ctx, "links", {"link_type": link_type, "source_kind": source_kind,
                                             "source_id": source_id, "target_kind": target_kind,
                                             "target_id": target_id})
    for target_id in removed:
        records.delete_record(ctx, "links", current[target_id].id, current[target_id].version)
    if not added and not removed:
        return []
    return [(label, "; ".join(names.get(t, f"№ {t}") for t in removed) or None,
             "; ".join(f"+ {names.get(t, f'№ {t}')}" for t in added) or None)]


def _agencies(ctx) -> Lookup:
    return Lookup(ctx, models.Agency)


def _systems(ctx) -> Lookup:
    lookup = Lookup(ctx, models.InformationSystem)
    for record_id, short in ctx.session.execute(select(models.InformationSystem.id, models.InformationSystem.short_name)
                                                .where(models.InformationSystem.deleted_at.is_(None),
                                                       models.InformationSystem.short_name.is_not(None))):
        lookup.by_code.setdefault(normalize(short), record_id)
    return lookup


# --- information systems ---------------------------------------------------------------


class SystemsImporter(RecordsImporter):
    what = "информационные системы"
    kind = "systems"
    import_kind = "systems"
    layout = Layout([
        FieldSpec("code", "Код системы", ("код", "код ис")),
        FieldSpec("name", "Наименование системы", ("наименование", "наименование информационной системы",
                                                   "информационная система", "полное наименование"), required=True),
        FieldSpec("short_name", "Краткое наименование", ("сокращенное наименование",)),
        FieldSpec("fgis_ki_number", "Номер паспорта в ФГИС КИ", ("фгис ки", "номер в фгис ки", "паспорт фгис ки")),
        FieldSpec("legal_kind", "Вид системы", ("вид", "вид ис", "уровень системы"), required=True),
        FieldSpec("stage", "Стадия жизненного цикла", ("стадия", "этап жизненного цикла"), required=True),
        FieldSpec("operator", "Оператор", ("оператор системы", "оператор (код органа)")),
        FieldSpec("url", "Адрес", ("адрес системы", "url", "ссылка")),
        FieldSpec("description", "Описание", ()),
    ])
    converters = {
        "code": Convert("code", str), "name": Convert("name", str), "short_name": Convert("short_name", str),
        "fgis_ki_number": Convert("fgis_ki_number", str),
        "legal_kind": Convert("legal_kind", choice(enums.SystemLegalKind, {"гис": "regional", "фгис": "federal",
                                                                           "региональная гис": "regional",
                                                                           "федеральная гис": "federal"})),
        "stage": Convert("stage", choice(enums.SystemStage, {"в эксплуатации": "operation",
                                                             "промышленная эксплуатация": "operation"})),
        "url": Convert("url", str), "description": Convert("description", str),
    }
    refs = {"operator": ("operator_agency_id", "agencies")}

    def lookups(self):
        return {"agencies": _agencies(self.ctx)}


# --- data marts ---------------------------------------------------------------------------


class MartsImporter(RecordsImporter):
    what = "витрины данных"
    kind = "marts"
    import_kind = "marts"
    layout = Layout([
        FieldSpec("code", "Код витрины", ("код",)),
        FieldSpec("name", "Наименование витрины", ("наименование", "витрина", "витрина данных"), required=True),
        FieldSpec("kind", "Вид витрины", ("вид", "тип витрины"), required=True),
        FieldSpec("owner", "Обладатель данных", ("обладатель", "владелец", "владелец данных"), required=True),
        FieldSpec("host", "Система, в которой размещена", ("система размещения", "система", "размещена в системе")),
        FieldSpec("info_kind", "Вид сведений", ("вид сведений смэв",)),
        FieldSpec("description", "Описание", ()),
        FieldSpec("stage", "Стадия", ("стадия витрины", "состояние")),
        FieldSpec("completeness", "Полнота", ("полнота, %",)),
        FieldSpec("accuracy", "Достоверность", ("достоверность, %",)),
        FieldSpec("timeliness", "Актуальность", ("актуальность, %",)),
        FieldSpec("quality_responsible", "Ответственный за качество данных", ("ответственный за качество",)),
        FieldSpec("quality_checked_on", "Дата последней проверки качества", ("дата проверки качества", "дата проверки")),
        FieldSpec("exposes", "Предоставляемые наборы данных", ("наборы данных", "предоставляет")),
    ])
    converters = {
        "code": Convert("code", str), "name": Convert("name", str),
        "kind": Convert("kind", choice(enums.MartKind, {"смэв4": "smev4", "смэв 4": "smev4", "ведомственная": "agency"})),
        "info_kind": Convert("info_kind", str), "description": Convert("description", str),
        "stage": Convert("stage", choice(enums.MartStage, {"эксплуатация": "operation", "действует": "operation",
                                                             "проектирование": "design", "создание": "design"})),
        "completeness": Convert("completeness", percent), "accuracy": Convert("accuracy", percent),
        "timeliness": Convert("timeliness", percent), "quality_checked_on": Convert("quality_checked_on", day),
    }
    refs = {"owner": ("owner_agency_id", "agencies"), "host": ("host_system_id", "systems"),
            "quality_responsible": ("quality_responsible_id", "people")}
    link_columns = {"exposes": ("EXPOSES", "datasets", "datasets")}

    def lookups(self):
        return {"agencies": _agencies(self.ctx), "systems": _systems(self.ctx),
                "people": Lookup(self.ctx, models.Person, name_attr="full_name", code_attr=None),
                "datasets": Lookup(self.ctx, models.Dataset)}


# --- datasets, entities, attributes ----------------------------------------------------------

DATASET_COLUMNS = ("dataset_code", "dataset_name", "owner", "update_frequency", "personal_data",
                   "dataset_description", "stored_in")


class DatasetsImporter(RecordsImporter):
    """One row per attribute (or per entity, or per dataset): the dataset's columns repeat on its rows."""

    what = "наборы данных, сущности и атрибуты"
    kind = "datasets"
    import_kind = "datasets"
    layout = Layout([
        FieldSpec("dataset_code", "Код набора данных", ("код набора",)),
        FieldSpec("dataset_name", "Набор данных", ("наименование набора данных", "набор"), required=True),
        FieldSpec("owner", "Обладатель данных", ("обладатель", "владелец данных")),
        FieldSpec("update_frequency", "Периодичность обновления", ("периодичность",)),
        FieldSpec("personal_data", "Содержит персональные данные", ("персональные данные", "пдн")),
        FieldSpec("dataset_description", "Описание набора данных", ("описание набора",)),
        FieldSpec("stored_in", "Хранится в системах", ("хранится в системе", "информационные системы")),
        FieldSpec("entity_code", "Код сущности", ()),
        FieldSpec("entity_name", "Сущность", ("наименование сущности",)),
        FieldSpec("entity_description", "Описание сущности", ()),
        FieldSpec("attribute_code", "Код атрибута", ("имя поля", "поле")),
        FieldSpec("attribute_name", "Атрибут", ("наименование атрибута",)),
        FieldSpec("data_type", "Тип данных", ("тип", "тип атрибута")),
        FieldSpec("is_key", "Ключевой", ("ключ", "ключевой атрибут")),
        FieldSpec("is_required", "Обязательный", ("обязательный атрибут",)),
        FieldSpec("attribute_description", "Описание атрибута", ()),
    ])
    FREQUENCY = staticmethod(choice(enums.Frequency))
    DATA_TYPE = staticmethod(choice(enums.DataType, {"текст": "string", "число": "decimal", "целое": "integer",
                                        "дата и время": "datetime", "логический": "boolean",
                                        "справочник": "reference"}))

    def lookups(self):
        return {"agencies": _agencies(self.ctx), "systems": _systems(self.ctx)}

    def prepare(self) -> None:
        super().prepare()
        self.entities = {}  # (dataset id, normalized name or code) -> entity id
        for entity_id, dataset_id, name, code in self.ctx.session.execute(select(
                models.Entity.id, models.Entity.dataset_id, models.Entity.name, models.Entity.code)
                .where(models.Entity.deleted_at.is_(None)).order_by(models.Entity.id)):
            self.entities.setdefault((dataset_id, normalize(name)), entity_id)
            if code:
                self.entities.setdefault((None, normalize(code)), entity_id)
        self.attributes = {}
        for attribute_id, entity_id, name, code in self.ctx.session.execute(select(
                models.Attribute.id, models.Attribute.entity_id, models.Attribute.name, models.Attribute.code)
                .where(models.Attribute.deleted_at.is_(None)).order_by(models.Attribute.id)):
            self.attributes.setdefault((entity_id, normalize(code or name)), attribute_id)
        self.datasets_in_file: dict[str, tuple[int, tuple]] = {}
        self.entities_in_file: set = set()
        # The row where the file first names each dataset and entity: later rows of it depend on that row.
        self.first_rows: dict[tuple, int] = {}

    def import_row(self, row: Row) -> str | None:
        v = row.values
        errors: list[tuple[str, str]] = []
        if not v.get("dataset_name"):
            errors.append(("dataset_name", "обязательное поле не заполнено"))
        dataset = {"code": v.get("dataset_code"), "name": v.get("dataset_name"),
                   "description": v.get("dataset_description")}
        if self.table.gives("owner"):
            dataset["owner_agency_id"] = None
            if v.get("owner"):
                dataset["owner_agency_id"] = self.others["agencies"].find(v["owner"])
                if dataset["owner_agency_id"] is None:
                    errors.append(("owner", f"нет органа «{v['owner']}» в каталоге"))
        for column, field, fn in (("update_frequency", "update_frequency", self.FREQUENCY),
                                  ("personal_data", "contains_personal_data", flag)):
            if self.table.gives(column):
                try:
                    dataset[field] = fn(v[column]) if v.get(column) else (False if fn is flag else None)
                except ValueError as error:
                    errors.append((column, str(error)))
        systems = None
        if self.table.gives("stored_in"):
            systems, missing = self.others["systems"].find_many(v.get("stored_in"))
            errors += [("stored_in", f"нет информационной системы «{m}» в каталоге") for m in missing]
        key = normalize(v.get("dataset_code") or v.get("dataset_name") or "")
        signature = tuple(sorted((k, str(x)) for k, x in dataset.items())) + (tuple(systems or ()),)
        first = self.datasets_in_file.get(key)
        repeats_details = any(v.get(c) for c in DATASET_COLUMNS if c not in ("dataset_name", "dataset_code"))
        if first is not None and first[1] != signature and repeats_details:
            errors.append(("dataset_name", f"сведения о наборе данных расходятся со строкой {first[0]}: "
                                           "повторяйте их одинаково или оставляйте пустыми"))
        entity = attribute = None
        if v.get("entity_name") or v.get("entity_code"):
            if not v.get("entity_name"):
                errors.append(("entity_name", "у сущности нет наименования"))
            entity = {"code": v.get("entity_code"), "name": v.get("entity_name"),
                      "description": v.get("entity_description")}
        if v.get("attribute_name") or v.get("attribute_code"):
            if entity is None:
                errors.append(("entity_name", "атрибут указан без сущности"))
            if not v.get("attribute_name"):
                errors.append(("attribute_name", "у атрибута нет наименования"))
            attribute = {"code": v.get("attribute_code"), "name": v.get("attribute_name"),
                         "description": v.get("attribute_description")}
            try:
                attribute["data_type"] = self.DATA_TYPE(v["data_type"]) if v.get("data_type") else "string"
                attribute["is_key"] = flag(v["is_key"]) if v.get("is_key") else False
                attribute["is_required"] = flag(v["is_required"]) if v.get("is_required") else False
            except ValueError as error:
                errors.append(("data_type", str(error)))
        parts = [((key,), "dataset_name", f"набор данных «{v.get('dataset_name')}» не загружен: в его строке")]
        if entity is not None:
            parts.append(((key, normalize(entity["name"])), "entity_name",
                          f"сущность «{entity['name']}» не загружена: в её строке"))
        for part, column, refused in parts:
            number = self.first_rows.setdefault(part, row.number)
            if self.partial and number != row.number and number in self.report.bad_rows:
                errors.append((column, f"{refused} {number} есть ошибки"))
        if errors:
            for column, reason in errors:
                self.column_error(row.number, column, reason)
            return None
        return self.run_row(row, lambda: self.write_parts(row, key, first, signature, dataset, systems, entity,
                                                          attribute))

    def write_parts(self, row, key, first, signature, dataset, systems, entity, attribute) -> str:
        outcomes, changes = [], []
        label = lambda field: {"code": "Код", "name": "Наименование", "description": "Описание",  # noqa: E731
                               "owner_agency_id": "Обладатель данных", "update_frequency": "Периодичность",
                               "contains_personal_data": "Персональные данные", "data_type": "Тип данных",
                               "is_key": "Ключевой", "is_required": "Обязательный"}.get(field, field)
        if first is None:
            existing = self.own.by_code.get(normalize(dataset["code"])) if dataset.get("code") else None
            if existing is None:
                candidates = self.own.by_name.get(normalize(dataset["name"]))
                existing = candidates[0][0] if candidates else None
            outcome, found = write_record(self.ctx, "datasets", existing, dataset, label)
            dataset_id = found.pop() if outcome == "created" else existing
            if outcome == "created":
                self.later(lambda: self.own.add(dataset_id, dataset["name"], dataset.get("code")))
            outcomes.append(outcome)
            changes += [("Набор данных: " + c[0], *c[1:]) for c in found]
            if systems is not None:
                changes += sync_links(self.ctx, "datasets", dataset_id, "STORED_IN", "systems", systems,
                                      "Хранится в системах", self.others["systems"].names)
            self.later(lambda: self.datasets_in_file.__setitem__(key, (row.number, signature, dataset_id)))
        else:
            dataset_id = first[2]
        if entity is not None:
            entity_key = (dataset_id, normalize(entity["name"]))
            existing = (self.entities.get((None, normalize(entity["code"]))) if entity.get("code") else None) \
                or self.entities.get(entity_key)
            if entity_key not in self.entities_in_file:
                outcome, found = write_record(self.ctx, "entities", existing, {**entity, "dataset_id": dataset_id}, label)
                entity_id = found.pop() if outcome == "created" else existing
                self.later(lambda: self.entities.__setitem__(entity_key, entity_id))
                self.later(lambda: self.entities_in_file.add(entity_key))
                outcomes.append(outcome)
                changes += [("Сущность: " + c[0], *c[1:]) for c in found if c[0] != "dataset_id"]
            else:
                entity_id = self.entities[entity_key]
            if attribute is not None:
                attribute_key = (entity_id, normalize(attribute["code"] or attribute["name"]))
                existing = self.attributes.get(attribute_key)
                outcome, found = write_record(self.ctx, "attributes", existing, {**attribute, "entity_id": entity_id},
                                              label)
                if outcome == "created":
                    attribute_id = found.pop()
                    self.later(lambda: self.attributes.__setitem__(attribute_key, attribute_id))
                outcomes.append(outcome)
                changes += [("Атрибут: " + c[0], *c[1:]) for c in found if c[0] != "entity_id"]
        name = " / ".join(x for x in (dataset["name"], (entity or {}).get("name"), (attribute or {}).get("name")) if x)
        return self.report_row(row, name, outcomes + (["updated"] if changes else []), changes)

    field_columns = {"name": "dataset_name", "code": "dataset_code", "owner_agency_id": "owner",
                     "update_frequency": "update_frequency", "contains_personal_data": "personal_data",
                     "data_type": "data_type", "is_key": "is_key", "is_required": "is_required"}

    def __init__(self, ctx, path, **options):
        super().__init__(ctx, path, **options)
        self.field_columns = DatasetsImporter.field_columns


# --- the typical list --------------------------------------------------------------------


class TypicalImporter(RecordsImporter):
    what = "типовой перечень процессов"
    kind = "typical-processes"
    import_kind = "typical"
    layout = Layout([
        FieldSpec("group_code", "Код группы", ("код группы процессов",)),
        FieldSpec("group", "Группа процессов", ("группа", "наименование группы")),
        FieldSpec("code", "Код типового процесса", ("код процесса", "код", "номер")),
        FieldSpec("name", "Типовой процесс", ("наименование типового процесса", "наименование процесса",
                                              "название процесса", "процесс")),
        FieldSpec("description", "Описание", ()),
    ])
    field_columns = {"name": "name", "code": "code", "group_id": "group", "description": "description"}

    def __init__(self, ctx, path, **options):
        super().__init__(ctx, path, **options)
        self.field_columns = TypicalImporter.field_columns

    def prepare(self) -> None:
        super().prepare()
        self.groups = Lookup(self.ctx, models.ProcessGroup)
        self.groups_in_file: dict[str, int] = {}

    def import_row(self, row: Row) -> str | None:
        v = row.values
        if not v.get("name") and not v.get("group"):
            self.column_error(row.number, "name", "нет ни типового процесса, ни группы")
            return None
        key = normalize(v.get("code") or v.get("name") or "")
        if v.get("name"):
            if key in self.seen:
                self.column_error(row.number, "code" if v.get("code") else "name",
                                  f"типовой процесс «{v.get('code') or v['name']}» уже есть в строке {self.seen[key]}")
                return None
            self.seen[key] = row.number
        return self.run_row(row, lambda: self.write_typical(row))

    def write_typical(self, row: Row) -> str:
        v, changes, outcomes = row.values, [], []
        group_id = None
        if v.get("group") or v.get("group_code"):
            group_key = normalize(v.get("group_code") or v.get("group"))
            group_id = (self.groups.by_code.get(group_key) if v.get("group_code") else None) or \
                self.groups.find(v.get("group") or v.get("group_code"))
            if group_key not in self.groups_in_file and (v.get("group") or group_id is None):
                data = {"name": v.get("group") or v.get("group_code")}
                if v.get("group_code"):
                    data["code"] = v["group_code"]
                outcome, found = write_record(self.ctx, "process-groups", group_id, data,
                                              lambda f: {"name": "Группа процессов", "code": "Код группы"}.get(f, f))
                if outcome == "created":
                    group_id = found.pop()
                    created_group = group_id
                    self.later(lambda: self.groups.add(created_group, data["name"], data.get("code")))
                outcomes.append(outcome)
                changes += found
                kept_group = group_id
                self.later(lambda: self.groups_in_file.__setitem__(group_key, kept_group))
        if v.get("name"):
            data = {"name": v["name"], "code": v.get("code"), "group_id": group_id, "description": v.get("description")}
            existing = self.find_existing(v)
            outcome, found = write_record(self.ctx, "typical-processes", existing, data, self.label_of)
            if outcome == "created":
                typical_id = found.pop()
                self.later(lambda: self.own.add(typical_id, v["name"], v.get("code")))
            outcomes.append(outcome)
            changes += found
        return self.report_row(row, v.get("code") or v.get("name") or v.get("group"), outcomes, changes)


# --- agencies and acts (issue 15): the lists the register refers to, loaded the same way ------------


class AgenciesImporter(RecordsImporter):
    """Agencies with their parent (by code or name, given in the file above or in the catalogue), kind,
    short name and head («ФИО, должность»: the agency's person, created when missing)."""

    what = "органы и организации"
    kind = "agencies"
    import_kind = "agencies"
    layout = Layout([
        FieldSpec("code", "Код органа", ("код", "код организации"), required=True),
        FieldSpec("name", "Наименование органа", ("наименование", "полное наименование", "наименование организации",
                                                  "орган", "организация"), required=True),
        FieldSpec("short_name", "Краткое наименование", ("сокращенное наименование", "краткое название")),
        FieldSpec("kind", "Вид органа", ("вид", "тип органа", "вид организации"), required=True),
        FieldSpec("parent", "Вышестоящий орган", ("вышестоящая организация", "подчинен", "учредитель",
                                                  "вышестоящий орган (код)")),
        FieldSpec("head", "Руководитель", ("руководитель (фио, должность)", "фио руководителя")),
        FieldSpec("website", "Сайт", ("официальный сайт", "адрес сайта")),
        FieldSpec("description", "Описание", ()),
    ])
    converters = {
        "code": Convert("code", str), "name": Convert("name", str), "short_name": Convert("short_name", str),
        "kind": Convert("kind", choice(enums.AgencyKind, {"оив": "executive", "исполнительный орган": "executive",
                                                          "подведомственное": "subordinate", "омсу": "municipality",
                                                          "федеральный": "federal", "иная": "other"})),
        "website": Convert("website", str), "description": Convert("description", str),
    }
    refs = {"parent": ("parent_id", "agencies")}

    def lookups(self):
        return {"agencies": self.own}  # a parent given in a row above is found too

    def import_row(self, row: Row) -> str | None:
        v = row.values
        if v.get("parent") and v.get("code") and normalize(v["parent"]) in (normalize(v["code"]),
                                                                              normalize(v.get("name"))):
            self.column_error(row.number, "parent", "орган не может быть вышестоящим сам себе")
            return None
        return super().import_row(row)

    def write(self, row: Row, data: dict, links: dict) -> str:
        outcome = super().write(row, data, links)
        head = row.values.get("head")
        if not head:
            return outcome
        agency_id = self.ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == row.values["code"]))
        name, _, position = head.partition(",")
        people = Lookup(self.ctx, models.Person, name_attr="full_name", code_attr=None,
                        where=models.Person.agency_id == agency_id)
        if people.find(name) is not None:
            return outcome
        from catalog.services.imports.register import own_column

        with own_column("head"):
            person = records.create_record(self.ctx, "people", {"full_name": name.strip(),
                                                                "position": position.strip() or "руководитель",
                                                                "agency_id": agency_id})
        change = FieldChange("Руководитель", None, f"создан новый: «{person.title}»")
        for item in self.report.changes:
            if item.row == row.number:
                item.changes.append(change)
                break
        else:
            self.report.add_change(RowChange(row.number, self.key_of(row.values), "updated", [change]))
        return "updated" if outcome == "unchanged" else outcome


class ActsImporter(RecordsImporter):
    """Regulating acts (Kemerovo 2.1 «г»): kind, number and date read from their columns, or from the
    title as acts are cited («Закон Кемеровской области от 18.11.2004 № 86-ОЗ»)."""

    what = "регулирующие акты"
    kind = "acts"
    import_kind = "acts"
    layout = Layout([
        FieldSpec("code", "Код акта", ("код",)),
        FieldSpec("name", "Наименование акта", ("наименование", "регулирующий акт", "нормативный правовой акт",
                                                "название акта", "акт"), required=True),
        FieldSpec("kind", "Вид акта", ("вид", "вид нпа", "тип акта")),
        FieldSpec("number", "Номер", ("номер акта", "№")),
        FieldSpec("adopted_on", "Дата принятия", ("дата", "дата акта", "дата подписания")),
        FieldSpec("issuer", "Принявший орган", ("кем принят", "орган, принявший акт")),
        FieldSpec("url", "Ссылка", ("адрес", "url", "ссылка на текст")),
    ])
    converters = {
        "code": Convert("code", str), "name": Convert("name", str),
        "kind": Convert("kind", choice(enums.ActKind, {"закон": "regional_law", "фз": "federal_law",
                                                       "постановление": "regional_decree",
                                                       "регламент": "admin_regulation"})),
        "number": Convert("number", str), "adopted_on": Convert("adopted_on", day), "issuer": Convert("issuer", str),
        "url": Convert("url", str),
    }

    def data_of(self, v: dict):
        from catalog.services.imports.references import act_values

        data, links, errors = super().data_of(v)
        if v.get("name"):
            cited = act_values(v["name"])  # what the title says fills what no column gives
            for name in ("kind", "number", "adopted_on"):
                if data.get(name) is None and cited.get(name) is not None:
                    data[name] = cited[name]
        return data, links, errors


# --- the typical list of municipal services ---------------------------------------------


def _variants(text: str | None) -> list[str]:
    """Variants of a name, one a line or separated by «;» (a cell as people fill it)."""
    if not text:
        return []
    parts = [p.strip() for line in str(text).splitlines() for p in line.split(";")]
    return list(dict.fromkeys(p for p in parts if p))


class TypicalServicesImporter(RecordsImporter):
    """The typical list of municipal services (Samara concept, section 3 task 10): a sphere per row (or
    merged over its services) with its curating regional executive body, the typical service's
    official name and the variants met in municipalities. A sphere new to the catalogue is created
    with its curator; a known one is found by code or name."""

    what = "типовой перечень муниципальных услуг"
    kind = "typical-services"
    import_kind = "typical-services"
    layout = Layout([
        FieldSpec("sphere_code", "Код сферы", ()),
        FieldSpec("sphere", "Сфера", ("сфера деятельности", "сфера услуг", "наименование сферы"), required=True),
        FieldSpec("curator", "Курирующий орган", ("курирующий орган исполнительной власти", "куратор",
                                                  "ответственный орган", "орган, курирующий сферу")),
        FieldSpec("code", "Код типовой услуги", ("код услуги", "код", "номер")),
        FieldSpec("name", "Наименование типовой услуги", ("типовая услуга", "наименование услуги",
                                                          "наименование муниципальной услуги", "услуга"),
                  required=True),
        FieldSpec("variants", "Варианты наименования", ("варианты", "встречающиеся наименования",
                                                        "иные наименования")),
        FieldSpec("description", "Описание", ()),
    ])
    field_columns = {"name": "name", "code": "code", "sphere_id": "sphere", "variants": "variants",
                     "description": "description"}

    def __init__(self, ctx, path, **options):
        super().__init__(ctx, path, **options)
        self.field_columns = TypicalServicesImporter.field_columns

    def prepare(self) -> None:
        super().prepare()
        self.spheres = Lookup(self.ctx, models.ServiceSphere)
        self.agencies = _agencies(self.ctx)

    def import_row(self, row: Row) -> str | None:
        v = row.values
        failed = False
        for spec in self.layout.fields:
            if spec.required and not v.get(spec.name):
                self.column_error(row.number, spec.name, "обязательное поле не заполнено")
                failed = True
        key = normalize(v.get("code") or v.get("name") or "")
        if key and key in self.seen:
            self.column_error(row.number, "code" if v.get("code") else "name",
                              f"типовая услуга «{v.get('code') or v['name']}» уже есть в строке {self.seen[key]}")
            failed = True
        curator = None
        if v.get("curator"):
            curator = self.agencies.find(v["curator"])
            if curator is None:
                self.column_error(row.number, "curator", f"нет органа «{v['curator']}» в каталоге")
                failed = True
        if failed:
            return None
        self.seen[key] = row.number
        return self.run_row(row, lambda: self.write_service(row, curator))

    def _sphere(self, row: Row, curator: int | None, changes: list, outcomes: list) -> int:
        v = row.values
        found = (self.spheres.by_code.get(normalize(v["sphere_code"])) if v.get("sphere_code") else None) \
            or self.spheres.find(v["sphere"])
        if found is not None and curator is None:
            return found
        if found is None and curator is None:
            raise RowFailed([("curator", f"сфера «{v['sphere']}» новая: укажите курирующий орган")])
        data = {"name": v["sphere"], "curator_agency_id": curator}
        if v.get("sphere_code"):
            data["code"] = v["sphere_code"]
        outcome, found_changes = write_record(self.ctx, "service-spheres", found, data, lambda f: {
            "name": "Сфера", "code": "Код сферы", "curator_agency_id": "Курирующий орган"}.get(f, f))
        if outcome == "created":
            found = found_changes.pop()
            created = found
            self.later(lambda: self.spheres.add(created, data["name"], data.get("code")))
        outcomes.append(outcome)
        changes += found_changes
        return found

    def write_service(self, row: Row, curator: int | None) -> str:
        v, changes, outcomes = row.values, [], []
        sphere_id = self._sphere(row, curator, changes, outcomes)
        data = {"name": v["name"], "code": v.get("code"), "sphere_id": sphere_id,
                "variants": _variants(v.get("variants")), "description": v.get("description")}
        existing = self.find_existing(v)
        outcome, found = write_record(self.ctx, "typical-services", existing, data, self.label_of)
        if outcome == "created":
            typical_id = found.pop()
            self.later(lambda: self.own.add(typical_id, v["name"], v.get("code")))
        outcomes.append(outcome)
        changes += found
        return self.report_row(row, v.get("code") or v.get("name"), outcomes, changes)


IMPORTERS: dict[str, type[RecordsImporter]] = {
    "typical": TypicalImporter, "systems": SystemsImporter, "marts": MartsImporter, "datasets": DatasetsImporter,
    "agencies": AgenciesImporter, "acts": ActsImporter,


    "typical-services": TypicalServicesImporter,
}

__all__ = ["IMPORTERS", "RowFailed"]
