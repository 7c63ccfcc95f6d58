"""The process register in Excel (Kemerovo rules, section 2.1), both directions.

Columns are those of 2.1 (а–с, starred ones mandatory) plus the catalogue's own optional ones
(typical process, inter-/intra-agency, category, description, reason of a status change).

What a row's references become (the choices of this catalogue):

- **service** (2.1 «в», starred): matched by code or name, the agency's own services first; an
  unknown service is **created** for the agency (kind «услуга»), because 2.1 lets the agency name
  it itself. The report says so for each row;
- **responsible** (2.1 «ж», starred, «ФИО, должность»): matched by full name among the agency's
  people; an unknown person is **created** in the agency with the position after the comma; with
  no position given the row is refused;
- **life situations, regulating acts, group, typical process**: reference lists the process office
  keeps; an unknown name is an **error** (they are not created by a register import);
- **identifiers** (2.1 «а»): compared as the register's numbering means them, so «004», «4» and
  «ЗАГС.004» / «ЗАГС.4» are one process (numbers are numbers, whatever their leading zeros; case and
  spaces do not count); a process keeps its identifier as first written, a new one is kept as the file
  writes it;
- **a person without a position** is the person of that name given with a position in another row of
  the same file (the row waits for that row), or one the agency already has;
- **linked processes** (2.1 «п»): identifiers in the same file or already in the agency's register,
  or the identifier of exactly one other agency's process (a link across agencies, as the export
  writes it); any other is an error.

Life situations, acts and linked processes are links (IN_SITUATION, REGULATED_BY, LINKED_TO) from
the process; a re-import makes the links match the file (adds the missing, deletes the extra ones).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from catalog import models
from catalog.enums import Channel, ProcessCategory, ProcessStatus, ProcessType, ServiceKind
from catalog.errors import InvalidInput, NotFound
from catalog.services import evidence, permissions, records, rules
from catalog.services.context import Context
from catalog.services.imports.base import Lookup, RowFailed, TableImporter, show_value
from catalog.readers.tables import FieldSpec, Layout, Row, normalize, split_major, split_values

CONSUMERS_HEADER = "Потребители (внутренние и внешние)"
BATCH_ROWS = 500  # new processes a whole-file load writes at once

# In the order of 2.1, then the catalogue's own columns. Labels are what exports write.
FIELDS = [
    FieldSpec("agency", "Орган (код)", ("орган", "код органа", "исполнительный орган", "орган владелец процесса")),
    # «Идентификатор услуги» (St. Petersburg's register of services) is the service's, not the process's.
    FieldSpec("registry_id", "Идентификатор процесса", ("идентификатор", "реестровый номер", "номер процесса",
                                                       "№ процесса", "id процесса"), required=True,
              avoid=("услуг", "функци", "сервис", "органа", "документ")),
    FieldSpec("life_situations", "Жизненная ситуация", ("жизненные ситуации",)),
    FieldSpec("service", "Название услуги, функции, сервиса", ("наименование услуги, функции, сервиса",
                                                              "название услуги", "наименование услуги",
                                                              "услуга, функция, сервис", "услуга"), required=True),
    FieldSpec("acts", "Регулирующий акт", ("регулирующие акты", "нормативный акт", "нпа")),
    FieldSpec("group", "Группа процессов", ("группа",)),
    FieldSpec("name", "Название процесса", ("наименование процесса",), required=True),
    FieldSpec("responsible", "Ответственный за процесс", ("ответственный", "ответственный за процесс (фио, должность)"),
              required=True),
    # A form may split 2.1 «ж» under a group «Ответственный за процесс»: «ФИО» | «Должность».
    FieldSpec("responsible_position", "Должность ответственного", ("должность", "должность ответственного за процесс")),
    # 2.1 «и»: a bare «Статус» column is taken only when its values are these statuses (St. Petersburg's
    # «Статус» says «Общая», «Исполняемое»: the state of the service's record, not its reengineering).
    FieldSpec("status", "Статус процесса (статус реинжиниринга)", ("статус процесса", "статус реинжиниринга", "статус"),
              required=True, weak=("статус",), accepts=lambda text: normalize(text) in STATUS_WORDS,
              what_values="статусы реинжиниринга"),
    FieldSpec("client", "Клиент", ("клиент процесса",)),
    FieldSpec("client_value", "Ценность для клиента", ("ценность",)),
    FieldSpec("inputs", "Данные на входе", ("входные данные", "данные на вход")),
    FieldSpec("outputs", "Результат на выходе", ("результат", "результат процесса")),
    FieldSpec("linked", "Связь с другими процессами", ("связь с процессами", "связанные процессы")),
    FieldSpec("is_digital", "Вид процесса", ("вид процесса (цифровой, не цифровой)", "цифровой процесс")),
    FieldSpec("channels", "Точка размещения в цифровом виде", ("точка размещения", "точки размещения")),
    FieldSpec("typical", "Типовой процесс", ("процесс из типового перечня",)),
    FieldSpec("process_type", "Межведомственный / внутриведомственный",
              ("межведомственный/внутриведомственный", "тип процесса")),
    FieldSpec("category", "Категория процесса", ("категория",)),
    FieldSpec("description", "Описание", ("описание процесса",)),
    FieldSpec("status_reason", "Причина смены статуса", ("причина возврата статуса",)),
    # 2.1 «в» names a service, a function or a service of another kind: a column may say which.
    FieldSpec("service_kind", "Вид услуги (услуга, функция, сервис)",
              ("вид услуги", "тип услуги", "вид услуги (функции)", "тип услуги (функции)", "услуга или функция",
               "услуга/функция", "признак услуги (функции)", "вид (услуга, функция)")),
    # Leningrad 2.4–2.6 (issue 17): the process's consumers, as records; one per «;» or line, each as its title
    # reads («Министерство здравоохранения, отдел статистики», «физические лица»).
    FieldSpec("consumers", CONSUMERS_HEADER, ("потребители", "потребители результата процесса",
                                             "внутренние и внешние потребители", "потребители процесса")),
]
LAYOUT = Layout(FIELDS)
STARRED = {f.name for f in FIELDS if f.required}

SERVICE_FIELDS = {"agency_id": "agency", "registry_id": "registry_id", "service_id": "service", "name": "name",
                  "group_id": "group", "typical_process_id": "typical", "responsible_id": "responsible",
                  "status": "status", "status_reason": "status_reason", "process_type": "process_type",
                  "category": "category", "client": "client", "client_value": "client_value", "inputs": "inputs",
                  "outputs": "outputs", "is_digital": "is_digital", "channels": "channels",
                  "description": "description"}
TEXT_FIELDS = ("name", "client", "client_value", "inputs", "outputs", "description")
LINK_FIELDS = {"life_situations": ("IN_SITUATION", "life-situations"), "acts": ("REGULATED_BY", "acts"),
               "linked": ("LINKED_TO", "processes")}

DIGITAL = {"цифровой": True, "да": True, "цифровая": True, "не цифровой": False, "нецифровой": False,
           "не цифровая": False, "нет": False}
CHANNEL_WORDS = {"епгу": "epgu", "госуслуги": "epgu", "портал госуслуг": "epgu", "рпгу": "rpgu",
                 "региональный портал": "rpgu", "сайт ведомства": "agency_site", "сайт органа": "agency_site",
                 "официальный сайт": "agency_site", "сайт": "agency_site",
                 # the other digital points of Kemerovo 1.1
                 "мобильное приложение": "mobile_app", "приложение": "mobile_app",
                 "социальные сети": "social_network", "соцсети": "social_network", "мессенджер": "messenger",
                 "чат-бот": "chat_bot", "чат бот": "chat_bot", "голосовой помощник": "voice_assistant",
                 "колл-центр": "call_centre", "call-центр": "call_centre", "контакт-центр": "call_centre"}


def _vocabulary(enum) -> dict[str, str]:
    words = {}
    for member in enum:
        words[normalize(member.label)] = member.value
        words[normalize(member.value)] = member.value
    return words


STATUS_WORDS = _vocabulary(ProcessStatus)
STATUS_WORDS.update({normalize("идёт исследование"): "researching", normalize("прошёл реинжиниринг"): "reengineered",
                     "на исследовании": "researching", "на реинжиниринге": "reengineering",
                     "отправлено на сертификацию": "sent_certification", "сертифицировано": "certified"})
TYPE_WORDS = _vocabulary(ProcessType)
CATEGORY_WORDS = _vocabulary(ProcessCategory)
CHANNEL_WORDS.update(_vocabulary(Channel))


def service_kind_of(text: str) -> str | None:
    """The kind of 2.1 «в» a cell names: «Государственная функция», «контрольно-надзорная функция» are
    functions, «услуга» in any wording a service, «сервис» a digital service."""
    key = normalize(text)
    for stem, kind in (("функци", ServiceKind.FUNCTION.value), ("сервис", ServiceKind.DIGITAL_SERVICE.value),
                       ("услуг", ServiceKind.SERVICE.value)):
        if stem in key:
            return kind
    return None


def _status_list() -> str:
    return "; ".join(f"«{m.label}»" for m in ProcessStatus)


def identifier_key(text: str) -> str:
    """An identifier as compared: numbers without their leading zeros, no spaces, any case."""
    key = re.sub(r"\s+", "", str(text)).casefold()
    return re.sub(r"\d+", lambda m: m.group().lstrip("0") or "0", key)


class Identifiers(dict):
    """A mapping keyed by identifiers as the register means them (``identifier_key``), which also
    remembers how each was first written."""

    def __init__(self, items=()):
        super().__init__()
        self.as_written: dict[str, str] = {}
        for key, value in dict(items).items():
            self[key] = value

    def __setitem__(self, key, value):
        self.as_written.setdefault(identifier_key(key), key)
        super().__setitem__(identifier_key(key), value)

    def __getitem__(self, key):
        return super().__getitem__(identifier_key(key))

    def __contains__(self, key):
        return super().__contains__(identifier_key(key))

    def get(self, key, default=None):
        return super().get(identifier_key(key), default)

    def written(self, key) -> str:
        return self.as_written.get(identifier_key(key), key)

    def copy(self) -> "Identifiers":
        twin = Identifiers()
        dict.update(twin, self)
        twin.as_written = dict(self.as_written)
        return twin

    def by_value(self) -> dict:
        """Value → identifier as written (process id → identifier, for reports)."""
        return {value: self.as_written[key] for key, value in self.items()}


def find_agency(ctx: Context, code: str) -> models.Agency:
    agency = ctx.session.scalar(select(models.Agency).where(models.Agency.code == code,
                                                            models.Agency.deleted_at.is_(None)))
    if agency is None:
        raise NotFound(f"Органа с кодом «{code}» нет в каталоге.")
    return agency


class RegisterImporter(TableImporter):
    what = "реестр процессов"
    import_kind = "register"
    layout = LAYOUT
    field_columns = SERVICE_FIELDS
    batch_rows = BATCH_ROWS  # 0: every row written on its own, as a partial load does

    def mapping_scope(self) -> int | None:
        return self.agency_id

    def __init__(self, ctx: Context, path: Path, agency_code: str, create_references: bool = False, **options):
        super().__init__(ctx, path, **options)
        self.agency = find_agency(ctx, agency_code)
        self.agency_id = self.agency.id
        self.agency_code = self.agency.code
        self.require_agency_right()
        self.create_references = create_references
        if create_references:  # asked before the file is read, like the import's own right
            rules.check(ctx, "imports.create_references", self.agency)
        # [row number, identifiers, process id]: the id is filled in when a batch of new processes is written.
        self.linked_rows: list[list] = []
        # A whole-file load writes its new processes in batches (``write_fresh``): each row is checked
        # where it is read (rights, values, rules: records.check_create), written with its batch.
        self.fresh: list[tuple] = []
        self.link_batch: list[dict] | None = None  # links between rows, checked and waiting to be written
        self.registry_of: dict[int, str] = {}  # process id -> identifier, for reports

    # --- lookups ---------------------------------------------------------------

    def require_agency_right(self) -> None:
        """Asked before the file is opened or queued, and again when a job starts (the user's rights
        may have changed)."""
        rules.check_import(self.ctx, "register", self.agency_id)

    def prepare(self) -> None:
        self.require_agency_right()
        self.load_caches()
        self.first_row = Identifiers()
        self.waiting_for_person: list[Row] = []  # rows whose person another row gives a position
        self.finishing = False
        self.duplicates: dict[int, int] = {}
        self.two_pass = self.partial
        # A partial load writes row by row, each in its savepoint; a whole-file one in batches (any
        # error refuses the file anyway, so a batch need not be undone row by row).
        self.batching = bool(self.batch_rows) and not self.partial
        if self.two_pass:
            # Partial loads check links between rows before writing a row (so a row is kept whole
            # or not at all): a first pass collects every identifier of the file. A whole-file load
            # checks them at the end instead, since any error there refuses the file anyway.
            for row in self.table.rows():
                self.note_identifier(row)
        self.written = Identifiers()
        # Partial loads: rows linking to a row not yet concluded wait for it (see finish_partial).
        self.postponed: list[tuple] = []

    def load_caches(self) -> None:
        """What the rows are matched against, read from the store (again after a group is rolled back)."""
        ctx, agency_id = self.ctx, self.agency_id
        self.pinned = []
        self.load_catalogue_lists()
        self.people = Lookup(ctx, models.Person, name_attr="full_name", code_attr=None,
                             where=models.Person.agency_id == agency_id)
        self.pinned.append(self.agency)
        for model, where in ((models.Person, models.Person.agency_id == agency_id),
                             (models.Service, models.Service.agency_id == agency_id),
                             (models.LifeSituation, None), (models.RegulatoryAct, None), (models.ProcessGroup, None),
                             (models.TypicalProcess, None)):
            query = select(model).where(model.deleted_at.is_(None))
            self.pin(query.where(where) if where is not None else query)
        self._elsewhere: dict[str, int | None] = {}  # identifier → another agency's process
        self.registry_of_elsewhere: dict[int, str] = {}
        self.existing = Identifiers(ctx.session.execute(
            select(models.Process.registry_id, models.Process.id).where(models.Process.agency_id == agency_id)
            .order_by(models.Process.id)).all())
        # The register's links as they are: {(process id, link type): {target id: link id}}, read once.
        self.current_links: dict[tuple[int, str], dict[int, int]] = {}
        for source_id, link_type, target_id, link_id in ctx.session.execute(
                select(models.Link.source_id, models.Link.link_type, models.Link.target_id, models.Link.id)
                # by the agency's process ids, so the (source_kind, source_id, link_type) index answers
                .where(models.Link.source_kind == "processes", models.Link.source_id.in_(
                    select(models.Process.id).where(models.Process.agency_id == agency_id)),
                       models.Link.link_type.in_([t for t, _ in LINK_FIELDS.values()]),
                       models.Link.deleted_at.is_(None))):
            self.current_links.setdefault((source_id, link_type), {})[target_id] = link_id

    def load_catalogue_lists(self) -> None:
        """The lookups that are the whole catalogue's, not the agency's (a whole-region file shares them)."""
        ctx = self.ctx
        self.services = Lookup(ctx, models.Service, extra_attrs=("agency_id", "kind"))
        self.service_kind = {i: (agency, kind) for candidates in self.services.by_name.values()
                             for i, agency, kind in candidates}
        self.situations = Lookup(ctx, models.LifeSituation)
        self.acts = Lookup(ctx, models.RegulatoryAct)
        self.groups = Lookup(ctx, models.ProcessGroup)
        self.typicals = Lookup(ctx, models.TypicalProcess)
        self.consumer_agencies = _AgencyNames(ctx)

    def note_identifier(self, row: Row) -> None:
        key = row.values.get("registry_id")
        if not key:
            return
        if key in self.first_row:
            if self.first_row[key] != row.number:  # a row read again (it waited for its person)
                self.duplicates[row.number] = self.first_row[key]
        else:
            self.first_row[key] = row.number

    # --- one row -------------------------------------------------------------

    def parse(self, row: Row) -> tuple[dict, dict, list[tuple[str, str]]]:
        """The row as service input (``data``), its links (``links``) and its errors."""
        v = row.values
        errors: list[tuple[str, str]] = []
        data: dict = {"agency_id": self.agency_id}
        links: dict[str, list[int]] = {}
        for name in STARRED:
            if not v.get(name):
                errors.append((name, "обязательное поле (отмечено * в правилах ведения реестра) не заполнено"))
        if v.get("agency") and normalize(v["agency"]) != normalize(self.agency_code) \
                and normalize(v["agency"]) != normalize(self.agency.name):
            errors.append(("agency", f"строка относится к органу «{v['agency']}», а загружается реестр органа "
                                     f"«{self.agency.name}»"))
        key = v.get("registry_id")
        if not self.two_pass:
            self.note_identifier(row)
        if key:
            data["registry_id"] = self.existing.written(key) if key in self.existing else key
            if row.number in self.duplicates:
                errors.append(("registry_id", f"идентификатор «{key}» повторяется: он уже есть в строке "
                                              f"{self.duplicates[row.number]}"))
        for name in TEXT_FIELDS:
            data[name] = v.get(name)
        if v.get("status"):
            status = STATUS_WORDS.get(normalize(v["status"]))
            if status is None:
                errors.append(("status", f"неизвестный статус «{v['status']}»; допустимы: {_status_list()}"))
            data["status"] = status
        if v.get("status_reason"):
            data["status_reason"] = v["status_reason"]
        for name, words, title in (("process_type", TYPE_WORDS, ProcessType), ("category", CATEGORY_WORDS, ProcessCategory)):
            if v.get(name):
                value = words.get(normalize(v[name]))
                if value is None:
                    allowed = ", ".join(f"«{m.label}»" for m in title)
                    errors.append((name, f"неизвестное значение «{v[name]}»; допустимы: {allowed}"))
                data[name] = value
            elif self.table.gives(name):
                data[name] = None
        if self.table.gives("is_digital"):
            if v.get("is_digital"):
                digital = DIGITAL.get(normalize(v["is_digital"]))
                if digital is None:
                    errors.append(("is_digital", f"неизвестный вид процесса «{v['is_digital']}»; допустимы: "
                                                 "«цифровой», «не цифровой»"))
                data["is_digital"] = digital
            else:
                data["is_digital"] = False
        if self.table.gives("channels"):
            channels = []
            for part in split_values(v.get("channels")):
                channel = CHANNEL_WORDS.get(normalize(part))
                if channel is None:
                    errors.append(("channels", f"неизвестная точка размещения «{part}»; допустимы: ЕПГУ, РПГУ, "
                                               "сайт ведомства"))
                elif channel not in channels:
                    channels.append(channel)
            data["channels"] = channels
        for name, lookup, field_name, label in (("group", self.groups, "group_id", "группы процессов"),
                                                ("typical", self.typicals, "typical_process_id", "типового процесса")):
            if v.get(name):
                found = lookup.find(v[name])
                if found is None:
                    self.report.unknown(self.layout.by_name[name].label, v[name])
                    if self.create_references and name == "group":
                        links.setdefault("_create", []).append((name, v[name]))
                    else:
                        errors.append((name, f"нет {label} «{v[name]}» в каталоге (справочник ведёт процессный офис)"))
                data[field_name] = found
            elif self.table.gives(name):
                data[field_name] = None
        for name, lookup, label in (("life_situations", self.situations, "жизненной ситуации"),
                                    ("acts", self.acts, "регулирующего акта")):
            if self.table.gives(name):
                ids, missing = lookup.find_many(v.get(name))
                for part in missing:
                    self.report.unknown(self.layout.by_name[name].label, part)
                    if self.create_references:
                        links.setdefault("_create", []).append((name, part))
                    else:
                        errors.append((name, f"нет {label} «{part}» в каталоге (справочник ведёт процессный офис)"))
                links[name] = ids
        if self.table.gives("consumers"):
            links["consumers"] = [self.consumer(part) for part in dict.fromkeys(split_major(v.get("consumers")))]
        if self.table.gives("linked"):
            identifiers = list(dict.fromkeys(self.own_prefix_dropped(i) for i in split_values(v.get("linked"))))
            for identifier in identifiers:
                if key and identifier_key(identifier) == identifier_key(key):
                    errors.append(("linked", f"процесс «{identifier}» не может быть связан сам с собой"))
                elif (self.two_pass and identifier not in self.first_row and identifier not in self.existing
                      and self.elsewhere(identifier) is None):
                    errors.append(("linked", f"процесса с идентификатором «{identifier}» нет ни в файле, "
                                             f"ни в реестре органа «{self.agency.name}»"))
            links["linked"] = identifiers
        return data, links, errors

    def consumer(self, text: str) -> tuple:
        """A consumer as its title reads: an agency (by name, short name or code) or a category of applicants,
        then its unit after a comma; anything else is an external consumer described in the file's words.
        Returns (agency id, unit, applicant category, description); the scope follows the agency's kind."""
        from catalog.enums import ApplicantCategory

        categories = {normalize(m.label): m.value for m in ApplicantCategory}
        parts = [p.strip() for p in text.split(",")]
        for cut in range(len(parts), 0, -1):  # the longest head that names something: names may hold commas
            head, unit = ", ".join(parts[:cut]), ", ".join(parts[cut:]) or None
            agency_id = self.consumer_agencies.get(normalize(head))
            if agency_id is not None:
                return agency_id, unit, None, None
            if normalize(head) in categories:
                return None, unit, categories[normalize(head)], None
        return None, None, None, text

    def sync_consumers(self, process_id: int, wanted: list[tuple], fresh: bool) -> list[tuple]:
        """The process's consumers made to match the file's cell (adds the missing, deletes the extra ones)."""
        ctx = self.ctx
        current = [] if fresh else list(ctx.session.scalars(select(models.ProcessConsumer).where(
            models.ProcessConsumer.process_id == process_id, models.ProcessConsumer.deleted_at.is_(None))
            .order_by(models.ProcessConsumer.id)))
        key = lambda c: (c.agency_id, c.unit, c.applicant_category, None if c.agency_id or c.applicant_category
                         else c.description)  # noqa: E731
        have = {key(c): c for c in current}
        before = "; ".join(c.title for c in current)
        for consumer in current:
            if key(consumer) not in wanted:
                records.delete_record(ctx, "process-consumers", consumer.id, consumer.version)
        for agency_id, unit, category, description in wanted:
            if (agency_id, unit, category, description) in have:
                continue
            kind = self.consumer_agencies.kind_of.get(agency_id)
            scope = "internal" if kind in ("executive", "subordinate") else "external"
            with own_column("consumers"):
                records.create_record(ctx, "process-consumers", {k: v for k, v in {
                    "process_id": process_id, "scope": scope, "agency_id": agency_id, "unit": unit,
                    "applicant_category": category, "description": description}.items() if v is not None})
        after = self.consumers_text(wanted)
        return [] if before == after else [(CONSUMERS_HEADER, before or None, after or None)]

    def consumers_text(self, wanted: list[tuple]) -> str:
        """The consumers of a cell as the report writes them."""
        from catalog.enums import ApplicantCategory

        return "; ".join(
            ", ".join(p for p in (self.consumer_agencies.name_of.get(a) or ApplicantCategory.label_of(c), u,
                                  None if a or c else d) if p) for a, u, c, d in wanted)

    def person(self, cell: str, errors: list) -> int | None:
        name, _, position = cell.partition(",")
        found = self.people.find(name)
        if found is not None:
            return found
        if not position.strip():
            if not self.finishing and not errors:
                return -2  # another row may give the position: decided once every row is read
            errors.append(("responsible", f"ответственного «{name.strip()}» нет среди лиц органа; чтобы его добавить, "
                                          "укажите «ФИО, должность»"))
            return None
        return -1  # to be created

    def import_row(self, row: Row) -> str | None:
        v = row.values
        position = v.pop("responsible_position", None)
        if position and v.get("responsible") and "," not in v["responsible"]:
            v["responsible"] = f"{v['responsible']}, {position}"  # as 2.1 «ж» writes it: «ФИО, должность»
        data, links, errors = self.parse(row)
        service_id = person_id = None
        kind = service_kind_of(v["service_kind"]) if v.get("service_kind") else None
        if v.get("service_kind") and kind is None:
            errors.append(("service_kind", f"неизвестный вид «{v['service_kind']}»; допустимы: "
                                           + ", ".join(f"«{m.label}»" for m in ServiceKind)))
        if v.get("service"):
            service_id = self.services.find(v["service"], prefer=lambda c: c[1] == self.agency_id
                                            and (kind is None or c[2] == kind))
            if kind and self.service_kind.get(service_id, (None,))[0] != self.agency_id:
                # The agency's own service of another kind before anyone else's (its kind then follows the row).
                service_id = self.services.find(v["service"], prefer=lambda c: c[1] == self.agency_id)
        if v.get("responsible"):
            person_id = self.person(v["responsible"], errors)
        if person_id == -2:
            self.waiting_for_person.append(row)
            return None
        if errors:
            for field_name, reason in errors:
                self.column_error(row.number, field_name, reason)
            return None
        if self.two_pass:
            return self.partial_row((row, data, links, service_id, person_id))
        return self.run_row(row, lambda: self.write_row(row, data, links, service_id, person_id))

    # --- partial loads: a row is written only with every row it links to -------------------------

    def waits_for(self, item: tuple) -> tuple[list[tuple[str, int]], bool]:
        """The rows of the file a row links to that were refused (identifier, row number), and
        whether some other is not yet concluded."""
        row, links = item[0], item[2]
        bad, waiting = [], False
        for identifier in links.get("linked") or []:
            number = self.first_row.get(identifier)
            if number is None or number == row.number or identifier in self.written:
                continue
            if number in self.report.bad_rows:
                bad.append((identifier, number))
            else:
                waiting = True
        return bad, waiting

    def refuse_linked(self, row: Row, bad: list[tuple[str, int]]) -> None:
        for identifier, number in bad:
            self.column_error(row.number, "linked", f"процесс «{identifier}» не загружен: в его строке {number} "
                                                    "есть ошибки")

    def partial_row(self, item: tuple) -> str | None:
        bad, waiting = self.waits_for(item)
        if bad:
            self.refuse_linked(item[0], bad)
            return None
        if waiting:
            self.postponed.append(item)
            return None
        return self.write_partial(item)

    def write_partial(self, item: tuple, targets_pending: bool = False) -> str | None:
        """Write a row and its links to rows already written (all of them, unless ``targets_pending``:
        a group of rows linking to one another links once every member is written)."""
        row, data, links, service_id, person_id = item

        def work():
            if not links.get("linked"):
                return self.write_row(row, data, links, service_id, person_id)
            own = {k: v for k, v in links.items() if k != "linked"}  # the links to rows: below, in one go
            outcome = self.write_row(row, data, own, service_id, person_id)
            if not targets_pending:
                outcome = self.link_written(row, self.last_process_id, links["linked"], outcome)
            return outcome

        return self.run_row(row, work)

    def link_written(self, row: Row, process_id: int, identifiers: list[str], outcome: str) -> str:
        key = row.values["registry_id"]
        targets = [self.written[i] if i in self.written else self.existing[i] if i in self.existing
                   else self.elsewhere(i) for i in identifiers]  # checked in parse: one of the three
        changes = self.sync_links(process_id, "linked", targets, fresh=outcome == "created")
        if changes:
            from catalog.readers.report import FieldChange, RowChange

            for change in self.report.changes:
                if change.row == row.number:
                    change.changes += [FieldChange(*c) for c in changes]
                    break
            else:
                self.report.add_change(RowChange(row.number, key, "updated", [FieldChange(*c) for c in changes]))
        return "updated" if outcome == "unchanged" and changes else outcome

    def finish_partial(self) -> None:
        """Rows that waited for rows after them: each once what it links to is concluded; rows that
        link to one another (a cycle) as a group, kept only if every member is."""
        while self.postponed:
            progressed = False
            for item in list(self.postponed):
                bad, waiting = self.waits_for(item)
                if bad or not waiting:
                    self.postponed.remove(item)
                    progressed = True
                    if bad:
                        self.refuse_linked(item[0], bad)
                    else:
                        self.count(self.write_partial(item), item[0])
            if not progressed:
                self.write_group(self.postponed)

    def write_group(self, group: list[tuple]) -> None:
        session, report = self.ctx.session, self.report
        kept = (report.created, report.updated, report.unchanged, len(report.changes), report.changes_cut,
                dict(self.outcomes), self.written.copy())
        savepoint = session.begin_nested()
        failed = []
        for item in group:
            outcome = self.write_partial(item, targets_pending=True)
            if outcome is None:
                failed.append(item)
            self.count(outcome, item[0])
        if not failed:
            for item in group:
                row, key = item[0], item[0].values["registry_id"]
                outcome = self.run_row(row, lambda: self.link_written(row, self.written[key], item[2]["linked"],
                                                                      self.outcomes[row.number]))
                if outcome is None:
                    failed.append(item)
                else:
                    self.outcomes[row.number] = outcome
        if not failed:
            savepoint.commit()
            self.recount()
            self.postponed = []
            return
        # A member was refused: none of the group is kept; the others are decided again without it.
        savepoint.rollback()
        (report.created, report.updated, report.unchanged, changes, report.changes_cut, self.outcomes,
         self.written) = kept
        del report.changes[changes:]
        self.load_caches()
        self.postponed = [i for i in group if i not in failed]

    def recount(self) -> None:
        """Counts from the outcomes of the rows (a group's links may turn an unchanged row into an updated one)."""
        for name in ("created", "updated", "unchanged"):
            setattr(self.report, name, sum(1 for o in self.outcomes.values() if o == name))

    def write_row(self, row: Row, data: dict, links: dict, service_id, person_id) -> str:
        ctx, v = self.ctx, row.values
        notes = []
        if links.get("_create"):
            creates = links["_create"]  # kept whole: a group of rows may be written again after a rollback
            data, links = dict(data), {k: list(t) for k, t in links.items() if k != "_create"}
            for name, text in dict.fromkeys(creates):
                record_id, note = self.create_reference(name, text)
                if note:
                    notes.append(note)
                if name == "group":
                    data["group_id"] = record_id
                else:
                    links.setdefault(name, []).append(record_id)
        kind = service_kind_of(v["service_kind"]) if v.get("service_kind") else None
        if service_id is None:
            kind = kind or ServiceKind.SERVICE.value
            with own_column("service"):
                service = records.create_record(ctx, "services", {"name": v["service"], "kind": kind,
                                                                  "agency_id": self.agency_id})
            service_id = service.id
            self.later(lambda: self.services.add(service.id, service.name, None, (self.agency_id, kind)))
            self.later(lambda: self.service_kind.__setitem__(service.id, (self.agency_id, kind)))
            self.later(lambda: self.pinned.append(service))
            notes.append((ServiceKind.label_of(kind).capitalize(), None, f"создана новая: «{service.name}»"))
        elif kind and self.service_kind.get(service_id, (None, kind)) != (self.agency_id, kind) \
                and self.service_kind.get(service_id, (None,))[0] == self.agency_id:
            # The agency's own service said to be a function (or back): its kind follows the register.
            before = self.service_kind[service_id][1]
            service = ctx.session.get(models.Service, service_id)
            with own_column("service_kind"):
                records.update_record(ctx, "services", service_id, {"kind": kind, "version": service.version})
            self.later(lambda: self.service_kind.__setitem__(service_id, (self.agency_id, kind)))
            notes.append(("Вид услуги", ServiceKind.label_of(before), ServiceKind.label_of(kind)))
        if person_id == -1:
            name, _, position = v["responsible"].partition(",")
            with own_column("responsible"):
                person = records.create_record(ctx, "people", {"full_name": name.strip(),
                                                               "position": position.strip(),
                                                               "agency_id": self.agency_id})
            person_id = person.id
            self.later(lambda: self.people.add(person.id, person.full_name))
            self.later(lambda: self.pinned.append(person))
            notes.append(("Ответственный", None, f"создан новый: «{person.title}»"))
        data["service_id"] = service_id
        data["responsible_id"] = person_id
        key = data["registry_id"]
        existing_id = self.existing.get(key)
        changes = []
        process = None
        if existing_id is None:
            values = {k: v for k, v in data.items() if v is not None}
            if self.batching:
                checked = records.check_create(ctx, "processes", values)
            else:
                process = records.create_record(ctx, "processes", values)
                self.later(lambda: self.existing.__setitem__(key, process.id))
            action = "created"
            if self.report.keeps_changes:
                changes = [(self.layout.by_name[f].label, None, show_value(v.get(f)))
                           for f in [*self.table.column_of, *self.table.fixed]
                           if f not in ("status_reason",) and v.get(f)]
        else:
            process = ctx.session.get(models.Process, existing_id)
            if process.is_deleted:
                records.restore_record(ctx, "processes", process.id, process.version)
                changes.append(("Удалён", "да", "нет (восстановлен)"))
            before = _snapshot(process)
            if data.get("status") == process.status:
                data.pop("status_reason", None)
            update = {k: v for k, v in data.items() if k != "agency_id"}
            process = records.update_record(ctx, "processes", process.id, {**update, "version": process.version})
            after = _snapshot(process)
            changes += [(label, self.display(name, before[name]), self.display(name, after[name]))
                        for name, label in _LABELS.items() if before.get(name) != after.get(name)]
            action = "updated"
        if process is None:
            return self.hold_fresh(row, checked, links, notes + changes, key)
        self.later(lambda: self.written.__setitem__(key, process.id))
        self.last_process_id = process.id
        fresh = action == "created"
        for name in ("life_situations", "acts"):
            if name in links:
                changes += self.sync_links(process.id, name, links[name], fresh)
        if "consumers" in links:
            changes += self.sync_consumers(process.id, links["consumers"], fresh)
        if links.get("linked"):
            self.later(lambda: self.linked_rows.append([row.number, links["linked"], process.id]))
        elif "linked" in links and not fresh:
            changes += self.sync_links(process.id, "linked", [])
        if action == "updated" and not changes and not notes:
            return "unchanged"
        from catalog.readers.report import FieldChange, RowChange
        self.report.add_change(RowChange(row.number, key, action,
                                         [FieldChange(*c) for c in notes + changes]))
        return action

    def create_reference(self, name: str, text: str) -> tuple[int, tuple | None]:
        """An act, life situation or group the row names and the catalogue lacks, created in the
        reference list (with its history) under the rule ``imports.create_references``."""
        from catalog.services.imports.references import act_values

        kind, lookup = {"acts": ("acts", self.acts), "life_situations": ("life-situations", self.situations),
                        "group": ("process-groups", self.groups)}[name]
        found = lookup.find(text)  # created by an earlier row of this file
        if found is not None:
            return found, None
        values = act_values(text) if name == "acts" else {"name": text}
        self.ctx.creating_references = True  # the rule records.create lets the allowed editor do it
        try:
            with own_column(name):
                record = records.create_record(self.ctx, kind, values)
        finally:
            self.ctx.creating_references = False
        self.later(lambda: lookup.add(record.id, record.name, None))
        self.later(lambda: self.pinned.append(record))
        label = self.layout.by_name[name].label
        self.later(lambda: self.report.created_references.setdefault(label, []).append(text))
        return record.id, (label, None, f"создан в справочнике: «{text}»")

    def display(self, name: str, value) -> str | None:
        if value is None:
            return None
        if name == "status":
            return ProcessStatus.label_of(value)
        if name == "process_type":
            return ProcessType.label_of(value)
        if name == "category":
            return ProcessCategory.label_of(value)
        if name == "channels":
            return "; ".join(Channel.label_of(c) for c in value) or None
        if name == "is_digital":
            return "цифровой" if value else "не цифровой"
        lookups = {"service_id": self.services, "responsible_id": self.people, "group_id": self.groups,
                   "typical_process_id": self.typicals}
        if name in lookups:
            return lookups[name].names.get(value, f"№ {value}")
        return show_value(value)

    def sync_links(self, process_id: int, name: str, target_ids: list, fresh: bool = False) -> list[tuple]:
        """Make the process's links of one kind match the file: add missing ones, delete the rest."""
        link_type = LINK_FIELDS[name][0]
        ctx = self.ctx
        if fresh and not target_ids:
            return []
        current = {} if fresh else dict(self.current_links.get((process_id, link_type), {}))
        wanted = list(dict.fromkeys(target_ids))
        added = [t for t in wanted if t not in current]
        removed = [t for t in current if t not in wanted]
        now = dict(current)
        checked = []
        for target_id in added:
            if self.link_batch is not None:  # checked here, in its row; written with the batch
                checked.append(records.check_create(ctx, "links", link_data(process_id, name, target_id)))
            else:
                link = records.create_record(ctx, "links", link_data(process_id, name, target_id))
                now[target_id] = link.id
        for target_id in removed:
            link = ctx.session.get(models.Link, current[target_id])
            records.delete_record(ctx, "links", link.id, link.version)
            del now[target_id]
        if checked:
            self.later(lambda: self.link_batch.extend(checked))
        elif added or removed:  # a batched load reads a process's links once, so its cache need not follow
            self.later(lambda: self.current_links.__setitem__((process_id, link_type), now))
        return self.link_changes(name, added, removed)

    def link_changes(self, name: str, added: list, removed: list) -> list[tuple]:
        """The report's line for links of one kind added and removed."""
        if not added and not removed:
            return []
        names = self.link_names(name, set(added) | set(removed))
        label = self.layout.by_name[name].label
        return [(label, "; ".join(names[t] for t in removed) or None,
                 "; ".join(f"+ {names[t]}" for t in added) or None)]

    def elsewhere(self, identifier: str) -> int | None:
        """The one live process of another agency with this identifier (2.1 «п» names processes by
        identifier), None when there is none or several. «КОД:идентификатор» names the agency too, as
        the export writes a link across agencies: districts of one region repeat their numbering."""
        if identifier not in self._elsewhere:
            query = select(models.Process.id).where(models.Process.agency_id != self.agency_id,
                                                    models.Process.deleted_at.is_(None))
            agency_id, own_identifier = self.agency_of(identifier)
            if agency_id is not None:
                query = query.where(models.Process.agency_id == agency_id)
                found = [i for i, registry_id in self.ctx.session.execute(
                    query.add_columns(models.Process.registry_id)).all()
                    if identifier_key(registry_id) == identifier_key(own_identifier)][:2]
            else:
                found = self.ctx.session.execute(query.where(models.Process.registry_id == identifier)
                                                 .limit(2)).scalars().all()
            self._elsewhere[identifier] = found[0] if len(found) == 1 else None
            if len(found) == 1:
                self.registry_of_elsewhere[found[0]] = identifier
        return self._elsewhere[identifier]

    def own_prefix_dropped(self, identifier: str) -> str:
        """«КОД:004» of the agency's own code is its «004»."""
        agency_id, rest = self.agency_of(identifier)
        return rest if agency_id == self.agency_id else identifier

    def agency_of(self, identifier: str) -> tuple[int | None, str]:
        """(agency id, identifier) of «КОД:идентификатор» when КОД is an agency's code; (None, identifier)
        otherwise (an identifier may hold a colon of its own)."""
        code, colon, rest = identifier.partition(":")
        if not colon or not rest.strip():
            return None, identifier
        if not hasattr(self, "_agency_codes"):
            self._agency_codes = {normalize(c): i for i, c in self.ctx.session.execute(
                select(models.Agency.id, models.Agency.code).where(models.Agency.deleted_at.is_(None)))}
        return self._agency_codes.get(normalize(code)), rest.strip()

    def link_names(self, name: str, ids: set) -> dict:
        if name == "life_situations":
            return {i: self.situations.names.get(i, f"№ {i}") for i in ids}
        if name == "acts":
            return {i: self.acts.names.get(i, f"№ {i}") for i in ids}
        if len(self.registry_of) != len(self.existing):  # rebuilt only when processes were added
            self.registry_of = self.existing.by_value()
        return {i: self.registry_of.get(i) or self.registry_of_elsewhere.get(i, f"№ {i}") for i in ids}

    def finish_rows(self) -> None:
        """Rows that waited for their person, then links between processes, once every row is read."""
        self.finishing = True
        self.write_fresh()
        for row in self.waiting_for_person:
            self.count(self.import_row(row), row)
            self.after_row()
        self.write_fresh()
        if self.two_pass:
            self.finish_partial()
            return
        self.link_batch = [] if self.batching else None
        chunk = self.batch_rows or BATCH_ROWS
        kept = []  # the processes a chunk of rows links, held so the checks and events find them without a query
        for index, (number, identifiers, process_id) in enumerate(self.linked_rows):
            if index % chunk == 0:
                self.write_links()
                kept = self.hold_processes(self.linked_rows[index:index + chunk])
            if process_id is None:  # its batch refused it (the row has its errors)
                continue
            targets, errors = [], []
            for identifier in identifiers:
                if identifier in self.written:
                    targets.append(self.written[identifier])
                elif identifier in self.first_row:
                    errors.append(("linked", f"процесс «{identifier}» не загружен: в его строке "
                                             f"{self.first_row[identifier]} есть ошибки"))
                elif identifier in self.existing:
                    targets.append(self.existing[identifier])
                elif self.elsewhere(identifier) is not None:
                    targets.append(self.elsewhere(identifier))
                else:
                    errors.append(("linked", f"процесса с идентификатором «{identifier}» нет ни в файле, "
                                             f"ни в реестре органа «{self.agency.name}»"))
            row = Row(self.table.sheet_name, number, {})
            if errors:
                for field_name, reason in errors:
                    self.column_error(number, field_name, reason)
                continue
            changes = self.run_row(row, lambda: self.sync_links(process_id, "linked", targets))
            if changes and self.outcomes.get(number) == "unchanged":
                self.report.unchanged -= 1
                self.report.updated += 1
                self.outcomes[number] = "updated"
            if changes:
                key = self.link_names("linked", {process_id})[process_id]
                from catalog.readers.report import FieldChange, RowChange
                for change in self.report.changes:
                    if change.row == number:
                        change.changes += [FieldChange(*c) for c in changes]
                        break
                else:
                    self.report.add_change(RowChange(number, key, "updated", [FieldChange(*c) for c in changes]))
        self.write_links()
        self.link_batch = None
        del kept

    # --- whole-file loads: new processes written in batches ----------------------------------------

    def hold_fresh(self, row: Row, checked: dict, links: dict, changes: list[tuple], key: str) -> str:
        """A new process checked (``records.check_create``) and kept for ``write_fresh``; the report
        hears of it now, in the order of the rows, as if it were written."""
        from catalog.readers.report import FieldChange, RowChange

        for name in ("life_situations", "acts"):
            if links.get(name):
                changes += self.link_changes(name, list(dict.fromkeys(links[name])), [])
        after = self.consumers_text(links["consumers"]) if "consumers" in links else ""
        if after:
            changes.append((CONSUMERS_HEADER, None, after))
        change = RowChange(row.number, key, "created", [FieldChange(*c) for c in changes])
        entry = [row.number, links.get("linked"), None]

        def remember():
            self.report.add_change(change)
            self.fresh.append((row, checked, links, change, entry, key))
            if links.get("linked"):
                self.linked_rows.append(entry)

        self.later(remember)
        return "created"

    def after_row(self) -> None:
        if len(self.fresh) >= self.batch_rows:
            self.write_fresh()

    def release_memory(self) -> None:
        self.write_fresh()
        super().release_memory()

    def write_fresh(self) -> None:
        """Write the new processes kept so far: one insert of the processes, their transitions and
        change events, then their links (each checked in its row) in one more."""
        batch, self.fresh = self.fresh, []
        if not batch:
            return
        ctx = self.ctx
        processes = records.create_checked(ctx, "processes", [item[1] for item in batch])
        links: list[dict] = []
        for (row, _, row_links, change, entry, key), process in zip(batch, processes):
            def work(process=process, row_links=row_links):
                mine = [records.check_create(ctx, "links", link_data(process.id, name, target_id))
                        for name in ("life_situations", "acts")
                        for target_id in dict.fromkeys(row_links.get(name) or [])]
                if "consumers" in row_links:
                    self.sync_consumers(process.id, row_links["consumers"], True)
                self.later(lambda: links.extend(mine))
                return "created"

            if self.run_row(row, work) is None:
                self.unreport(change)  # refused: its row has its errors
                continue
            self.existing[key] = process.id
            self.written[key] = process.id
            entry[2] = process.id
        if links:
            records.create_checked(ctx, "links", links)

    def unreport(self, change) -> None:
        if change in self.report.changes:
            self.report.changes.remove(change)
        elif self.report.changes_cut:
            self.report.changes_cut -= 1

    def write_links(self) -> None:
        if self.link_batch:
            records.create_checked(self.ctx, "links", self.link_batch)
            self.link_batch = []

    def hold_processes(self, entries: list[list]) -> list:
        """The processes rows link (sources and targets), read in one query and held while they are checked."""
        ids = {e[2] for e in entries if e[2] is not None}
        for _, identifiers, _ in entries:
            for identifier in identifiers:
                target = self.written.get(identifier) or self.existing.get(identifier)
                if target is not None:
                    ids.add(target)
        ids = sorted(ids)
        return [p for start in range(0, len(ids), 500) for p in self.ctx.session.scalars(
            select(models.Process).where(models.Process.id.in_(ids[start:start + 500])))]


def link_data(process_id: int, name: str, target_id: int) -> dict:
    link_type, target_kind = LINK_FIELDS[name]
    return {"link_type": link_type, "source_kind": "processes", "source_id": process_id,
            "target_kind": target_kind, "target_id": target_id}


class _AgencyNames(dict):
    """Agencies by any name a consumer's cell may give (name, short name, code, normalised), with their kinds."""

    def __init__(self, ctx: Context):
        super().__init__()
        self.kind_of, self.name_of = {}, {}
        for agency_id, name, short_name, code, kind in ctx.session.execute(select(
                models.Agency.id, models.Agency.name, models.Agency.short_name, models.Agency.code, models.Agency.kind)
                .where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.id)):
            self.kind_of[agency_id], self.name_of[agency_id] = kind, name
            for text in (code, short_name, name):  # the full name wins where two agencies share a short one
                if text:
                    self[normalize(text)] = agency_id


@contextmanager
def own_column(column: str):
    """A record the row creates (its service, its person) is refused in the column that names it,
    not in the column of the process's field of the same name («name»)."""
    try:
        yield
    except InvalidInput as error:
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        raise RowFailed([(column, message) for message in messages]) from None


_LABELS = {field: next(f.label for f in FIELDS if f.name == column) for field, column in SERVICE_FIELDS.items()
           if field not in ("agency_id", "status_reason")}


def _snapshot(process: models.Process) -> dict:
    return {name: getattr(process, name) for name in _LABELS}


def import_register(ctx: Context, path: Path, agency_code: str, **options) -> RegisterImporter:
    importer = RegisterImporter(ctx, path, agency_code, **options)
    importer.run()
    return importer


# --- export ------------------------------------------------------------------------

EXPORT_FIELDS = [f for f in FIELDS if f.name not in ("agency", "status_reason", "responsible_position")]
BATCH = 1000


def _header(spec: FieldSpec) -> str:
    return spec.label + ("*" if spec.required else "")


def register_rows(ctx: Context, agency_id: int | None) -> Iterator[list]:
    """Rows of the register, agency by agency in the agency's own numbering (streamed in batches)."""
    session = ctx.session

    def names(model, attr="name"):
        return dict(session.execute(select(model.id, getattr(model, attr))).all())

    situations, acts = names(models.LifeSituation), names(models.RegulatoryAct)
    groups, typicals = names(models.ProcessGroup), names(models.TypicalProcess)
    services = names(models.Service)
    service_kinds = names(models.Service, "kind")
    agencies = names(models.Agency, "code")
    # 2.1 «ж» «ФИО, должность»; a person without a position by name alone (never «…, None»).
    people = {pid: f"{full}, {position}" if position else full for pid, full, position in session.execute(
        select(models.Person.id, models.Person.full_name, models.Person.position))}
    query = select(models.Process).where(models.Process.deleted_at.is_(None))
    if agency_id is not None:
        query = query.where(models.Process.agency_id == agency_id)
    query = query.order_by(models.Process.agency_id, models.Process.registry_id, models.Process.id)
    registry_of = {pid: (agency_id, registry_id) for pid, agency_id, registry_id in session.execute(
        select(models.Process.id, models.Process.agency_id, models.Process.registry_id))}
    offset = 0
    while True:
        batch = list(session.scalars(query.offset(offset).limit(BATCH)))
        if not batch:
            break
        offset += len(batch)
        ids = [p.id for p in batch]
        # Issue 17: a declared status without its evidence.
        unconfirmed = evidence.unconfirmed_ids(ctx, {p.id: p.status for p in batch})
        linked: dict[tuple[int, str], list[str]] = {}
        for source_id, link_type, target_id in session.execute(
                select(models.Link.source_id, models.Link.link_type, models.Link.target_id).where(
                    models.Link.source_kind == "processes", models.Link.source_id.in_(ids),
                    models.Link.link_type.in_(["IN_SITUATION", "REGULATED_BY", "LINKED_TO"]),
                    models.Link.deleted_at.is_(None)).order_by(models.Link.id)):
            table = {"IN_SITUATION": situations, "REGULATED_BY": acts, "LINKED_TO": registry_of}[link_type]
            if target_id in table:
                linked.setdefault((source_id, link_type), []).append(table[target_id])
        for p in batch:
            # Another agency's process as «КОД:идентификатор» (the import reads it so): its bare identifier
            # may be one of the agency's own, or another district's (2.1 «а» numbers within an agency).
            targets = linked.get((p.id, "LINKED_TO"))
            if targets:
                linked[(p.id, "LINKED_TO")] = [registry_id if agency_id == p.agency_id
                                               else f"{agencies.get(agency_id)}:{registry_id}"
                                               for agency_id, registry_id in targets]
        consumers: dict[int, list[str]] = {}
        for consumer in session.scalars(select(models.ProcessConsumer).where(
                models.ProcessConsumer.process_id.in_(ids), models.ProcessConsumer.deleted_at.is_(None))
                .order_by(models.ProcessConsumer.id)):
            consumers.setdefault(consumer.process_id, []).append(consumer.title)
        for p in batch:
            values = {
                "agency": agencies.get(p.agency_id), "registry_id": p.registry_id,
                "life_situations": "; ".join(linked.get((p.id, "IN_SITUATION"), [])) or None,
                "service": services.get(p.service_id), "acts": "; ".join(linked.get((p.id, "REGULATED_BY"), [])) or None,
                "group": groups.get(p.group_id), "name": p.name, "responsible": people.get(p.responsible_id),
                "status": ProcessStatus.label_of(p.status), "client": p.client, "client_value": p.client_value,
                "inputs": p.inputs, "outputs": p.outputs,
                "linked": "; ".join(linked.get((p.id, "LINKED_TO"), [])) or None,
                "is_digital": "цифровой" if p.is_digital else "не цифровой",
                "channels": "; ".join(Channel.label_of(c) for c in (p.channels or [])) or None,
                "typical": typicals.get(p.typical_process_id),
                "process_type": ProcessType.label_of(p.process_type) or None,
                "category": ProcessCategory.label_of(p.category) or None, "description": p.description,
                "service_kind": ServiceKind.label_of(service_kinds.get(p.service_id)) or None,
                "consumers": "; ".join(consumers.get(p.id, [])) or None,
                "status_evidence": f"{evidence.UNCONFIRMED}: {unconfirmed[p.id]}" if p.id in unconfirmed
                else "подтверждён",
            }
            yield values
        for p in batch:  # memory stays flat however long the register
            session.expunge(p)


# The last column of the export says whether each status rests on its evidence (issue 17); the import
# does not read it (no field of 2.1 has this header).
EVIDENCE_HEADER = "Подтверждение статуса (справочно, не загружается)"


def export_register(ctx: Context, target: Path, agency_code: str | None = None,
                    progress=None) -> int:
    """Write the register as the import reads it: a title block, the header row of 2.1, one row per
    process. Without an agency: every agency on one sheet, with the agency's code as the first column."""
    permissions.require_read(ctx)
    agency = find_agency(ctx, agency_code) if agency_code else None
    title = f"Реестр процессов: {agency.name}" if agency else "Реестр процессов всех органов"
    note = (f"Выгружено из каталога процессов и данных {datetime.now(timezone.utc):%d.%m.%Y %H:%M} UTC. "
            "Поля, отмеченные *, обязательны.")
    return write_register(target, title, note, register_rows(ctx, agency.id if agency else None),
                          with_agency=agency is None, progress=progress)


def write_register(target, title: str, note: str, rows, with_agency: bool = False, progress=None) -> int:
    """The Kemerovo layout (2.1) of ``rows`` (dicts as :func:`register_rows` yields them) into ``target``
    (a path or a binary file): the register's export and its agreed, published versions share it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from catalog.cells import as_text

    fields = [FIELDS[0], *EXPORT_FIELDS] if with_agency else EXPORT_FIELDS
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Реестр процессов")
    for index, spec in enumerate(fields):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 14 if spec.name in ("registry_id", "agency") else 30
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    sheet.append([note])
    sheet.append([])
    header = []
    for text in [*(_header(spec) for spec in fields), EVIDENCE_HEADER]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    count = 0
    for values in rows:
        row = []
        for spec in fields:
            cell = as_text(WriteOnlyCell(sheet, value=values.get(spec.name)))
            if spec.name == "registry_id":
                cell.number_format = "@"  # text: «001» stays «001»
            row.append(cell)
        row.append(as_text(WriteOnlyCell(sheet, value=values["status_evidence"])))
        sheet.append(row)
        count += 1
        if progress:
            progress(1)
    book.save(target)
    return count
