"""Change events as a person reads them: the record's kind and name, who (by name, not login), when,
and each changed field by the label the forms show, with values in words.

One function for every history on pages (a record's history, the home page's «Последние изменения»,
passports, projects, requests) and for ``catalog history``: no field name, enum code, ISO date or
Python value (``None``, ``True``, ``[...]``, ``{...}``) reaches a person.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marshmallow import fields as mfields

from catalog import enums, formatting, models, schemas
from catalog.kinds import KINDS, schema_fields
from catalog.services import users
from catalog.services.context import Context

# Kinds of change events that are not catalogue records: (singular label, schemas whose fields they store).
OTHER_KINDS = {
    "passports": ("паспорт процесса", (schemas.PassportSchema, schemas.CriteriaSchema)),
    "projects": ("оптимизация процесса", tuple(getattr(schemas, name) for name in (
        "ProjectCreateSchema", "ApplicationAnswerSchema", "OrderSchema", "AnalysisSchema", "RoadmapSchema",
        "MeasureProgressSchema", "MeasurementSchema", "DeviationAnswerSchema", "DeviationAssessmentSchema"))),
    "requests": ("заявка на информационную систему", (schemas.SystemRequestSchema, schemas.DecisionSchema)),
    "positions": ("должность калькулятора", (schemas.PositionSchema,)),
    "certifications": ("сертификация процесса", (schemas.CertificationSchema,)),
}

# Stored columns that no form shows, by the names the pages give them; (label, enum of their values).
EXTRA_FIELDS: dict[str, tuple[str, type[enums.LabeledEnum] | None]] = {
    "deleted_at": ("удалена", None),
    "status": ("состояние", None),
    "resources": ("ресурсы", None),
    "data": ("модель данных", None),
    "steps": ("шаги", None),
    "flows": ("переходы между шагами", None),
    "datasets": ("данные заявки", None),
    "status_reason": ("причина смены статуса", None),
    "state": ("состояние", enums.PassportState),
    "approved_at": ("утверждён", None),
    "diagram_name": ("диаграмма", None),
    "variant": ("вариант", enums.PassportVariant),
    "revision": ("редакция", None),
    "criteria": ("критерии цифровой трансформации", None),
    "checks": ("проверки заявки", None),
    "needs_review": ("проверки выполнить заново", None),
    "conclusion": ("заключение Процессного офиса", enums.Conclusion),
    "conclusion_reasons": ("обоснование заключения", None),
    "concluded_by": ("заключение дал", None),
    "decision_reasons": ("обоснование решения", None),
    "decided_by": ("решение принял", None),
    "filed_by": ("подал", None),
    "stage": ("этап", enums.ProjectStage),
    "agreed_on": ("«согласовано»", None),
    "agreed_by": ("согласовал", None),
    "approved_on": ("«утверждаю»", None),
    "approved_by": ("утвердил", None),
    # Issue 16: the numbers signed documents get.
    "roadmap_number": ("номер дорожной карты", None),
    "conclusion_number": ("номер заключения", None),
    "roadmap_authors": ("составители дорожной карты", None),
    "application_decision": ("решение по заявке", enums.ApplicationDecision),
    "application_answered_on": ("дата ответа на заявку", None),
    "application_answered_by": ("ответил на заявку", None),
    "application_due_on": ("срок ответа на заявку", None),
    "deviation_requests": ("запрос о причинах отклонения", enums.RequestState),
    "kpi": ("показатель", None),
    "due_on": ("ответ до", None),
    "measurements": ("измерение", None),
    "measures": ("мероприятия дорожной карты", None),
    "kpis": ("показатели (КПЭ)", None),
    "source_kind": ("вид источника", None),
    "target_kind": ("вид цели", None),
    "hourly_cost": ("час работы, руб.", None),
    "process_id": ("процесс", None),
    "overlap_accepted": ("объяснение пересечения принято", None),
}
STATUS_ENUMS = {"requests": enums.RequestStatus, "processes": enums.ProcessStatus}
# Fields that hold a login: shown as the person's name.
PERSON_FIELDS = {"concluded_by", "decided_by", "filed_by", "agreed_by", "approved_by", "application_answered_by",
                 "answered_by", "assessed_by", "recorded_by"}
# What a list of items is a list of: «3 шага: …».
ITEM_NOUNS = {
    "steps": "шаг", "resources": "ресурс", "data": "элемент данных", "flows": "переход", "measures": "мероприятие",
    "kpis": "показатель", "losses": "вид потерь", "root_causes": "причина", "team": "участник", "tasks": "задача",
    "checks": "проверка", "processes": "процесс", "datasets": "набор данных", "office_members": "сотрудник",
    "metadata_fields": "поле", "channels": "канал", "roadmap_authors": "составитель",
}
SHOWN_ITEMS = 3
MAX_TEXT = 300


@dataclass
class Change:
    label: str
    before: str | None  # None on creation
    after: str


@dataclass
class EventView:
    id: int
    when: datetime
    who: str
    action: str
    kind: str  # the kind's name, for links
    kind_label: str  # «процесс», «паспорт процесса»
    record_id: int
    title: str  # the record's name
    changes: list[Change] = field(default_factory=list)
    summary: str = ""  # a creation or a link in one line
    version: int | None = None
    arose_on: date | None = None  # a register change: when it arose (Kemerovo 3.3), beside ``when`` it was entered

    @property
    def is_record(self) -> bool:
        return self.kind in KINDS


class _Describer:
    def __init__(self, ctx: Context, people: users.PeopleNames | None = None):
        self.ctx = ctx
        self._titles: dict[tuple[str, int], str] = {}
        self.person = people or users.PeopleNames(ctx)

    # -- what the events are about

    def prefetch(self, events) -> None:
        from catalog.services.records import titles_for

        wanted, logins = set(), set()
        for e in events:
            if e.record_kind in KINDS:
                wanted.add((e.record_kind, e.record_id))
            logins.add(e.actor_name)
            for key, change in (e.changes or {}).items():
                fld = self.field(e.record_kind, key)
                ref = fld.metadata.get("ref") if fld is not None else None
                for value in (change.get("before"), change.get("after")):
                    if ref and isinstance(value, int):
                        wanted.add((ref, value))
                    if key in PERSON_FIELDS and isinstance(value, str):
                        logins.add(value)
                if e.record_kind == "links" and key in ("source_id", "target_id"):
                    kind = (e.changes.get(key.replace("_id", "_kind")) or {}).get("after")
                    if kind in KINDS and isinstance(change.get("after"), int):
                        wanted.add((kind, change["after"]))
        for key, record in titles_for(self.ctx, wanted).items():
            self._titles[key] = record.title
        self.person.read(logins)

    def title(self, kind: str, record_id) -> str:
        if kind in KINDS:
            if (kind, record_id) not in self._titles:
                from catalog.services.records import titles_for

                found = titles_for(self.ctx, {(kind, record_id)})
                self._titles[(kind, record_id)] = found[(kind, record_id)].title if found else \
                    f"{KINDS[kind].label_one} (удалена)"
            return self._titles[(kind, record_id)]
        return self._other_title(kind, record_id)

    def _other_title(self, kind: str, record_id: int) -> str:
        key = (kind, record_id)
        if key in self._titles:
            return self._titles[key]
        session = self.ctx.session
        title = OTHER_KINDS.get(kind, (kind,))[0]
        if kind == "passports":
            passport = session.get(models.Passport, record_id)
            if passport is not None:
                variant = "AS-IS" if passport.variant == enums.PassportVariant.AS_IS.value else "TO-BE"
                title = f"{passport.process.name}, {variant}, редакция {passport.revision}"
        elif kind == "projects":
            project = session.get(models.OptimizationProject, record_id)
            if project is not None:
                title = project.process.name
        elif kind == "requests":
            request = session.get(models.SystemRequest, record_id)
            if request is not None:
                title = request.title
        elif kind == "certifications":
            certification = session.get(models.Certification, record_id)
            if certification is not None:
                title = f"Сертификация: {certification.process.name}"
        elif kind == "positions":
            position = session.get(models.Position, record_id)
            if position is not None:
                title = position.name
        self._titles[key] = title
        return title

    # -- fields and values

    def field(self, kind: str, key: str):
        head = key.split(".")[0]
        if kind in KINDS:
            found = KINDS[kind].fields().get(head)
            if found is not None:
                return found
        for schema in OTHER_KINDS.get(kind, ("", ()))[1]:
            found = schema_fields(schema).get(head)
            if found is not None:
                return found
        return None

    def label(self, kind: str, key: str) -> str:
        parts = key.split(".")
        fld = self.field(kind, parts[0])
        label = fld.metadata.get("label") if fld is not None else None
        label = label or EXTRA_FIELDS.get(parts[0], (None,))[0] or ITEM_NOUNS.get(parts[0]) or "другое поле"
        if kind == "processes" and parts[0] == "status":
            label = "статус реинжиниринга"
        # «kpis.2.measurements» → «показатели (КПЭ) № 2: измерение»
        if len(parts) >= 2 and parts[1].isdigit():
            label += f" № {parts[1]}"
            if len(parts) >= 3:
                label += ": " + (EXTRA_FIELDS.get(parts[2], (None,))[0] or ITEM_NOUNS.get(parts[2]) or "изменение")
        return label

    def value(self, kind: str, key: str, value) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        head = key.split(".")[0]
        fld = self.field(kind, head)
        meta = fld.metadata if fld is not None else {}
        enum = meta.get("choices") or EXTRA_FIELDS.get(head, (None, None))[1]
        if head == "status" and kind in STATUS_ENUMS:
            enum = STATUS_ENUMS[kind]
        if kind == "links" and head == "link_type":
            enum = enums.LinkType
        if kind == "links" and head in ("source_kind", "target_kind") and value in KINDS:
            return KINDS[value].label_one
        if enum is not None and isinstance(value, str):
            return enum.label_of(value)
        if enum is not None and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(enum.label_of(v) for v in value)
        if head in PERSON_FIELDS and isinstance(value, str):
            return self.person(value)
        if head == "roadmap_authors" and isinstance(value, list):
            return ", ".join(self.person(v) for v in value)
        ref = meta.get("ref")
        if ref and isinstance(value, int):
            return self.title(ref, value)
        if head == "criteria" and isinstance(value, dict):
            return self._criteria(value)
        if isinstance(value, bool):
            return "да" if value else "нет"
        if isinstance(value, (int, float)):
            unit = " %" if meta.get("unit") == "%" else ""
            return formatting.number(value) + unit
        if isinstance(value, str):
            return self._text(value, fld)
        if isinstance(value, list):
            return self._items(head, value, fld)
        if isinstance(value, dict):
            return self._dict(kind, value, fld)
        return self._text(str(value), fld)

    def _text(self, text: str, fld) -> str:
        if isinstance(fld, (mfields.Date, mfields.DateTime)) or _looks_like_date(text):
            return formatting.moment(text) if "T" in text else formatting.day(text)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"

    def _items(self, head: str, items: list, fld) -> str:
        names = []
        for item in items:
            if isinstance(item, dict):
                name = item.get("name") or item.get("description") or item.get("title")
                if name is None and "measured_on" in item:
                    name = self._measurement(item)
                names.append(str(name) if name is not None else "")
            elif isinstance(item, int) and head == "processes":
                names.append(self.title("processes", item))
            else:
                names.append(str(item))
        names = [n for n in names if n]
        noun = ITEM_NOUNS.get(head, "элемент")
        text = formatting.counted(len(items), noun)
        if names:
            shown = "; ".join(n if len(n) <= 120 else n[:119] + "…" for n in names[:SHOWN_ITEMS])
            more = len(names) - SHOWN_ITEMS
            text += ": " + shown + (f" и ещё {formatting.number(more, 0)}" if more > 0 else "")
        return text

    def _measurement(self, item: dict) -> str:
        text = f"{formatting.day(item.get('measured_on'))}: {formatting.number(item.get('value'))}"
        if item.get("deviates"):
            text += " (отклонение от цели)"
        return text

    def _criteria(self, value: dict) -> str:
        met = [enums.DigitalCriterion.label_of(k) for k, v in value.items() if isinstance(v, dict) and v.get("met")]
        total = len(value)
        text = f"выполнено критериев: {formatting.number(len(met), 0)} из {formatting.number(total, 0)}"
        return text + (": " + ", ".join(met) if met else "")

    def _dict(self, kind: str, value: dict, fld) -> str:
        if "measured_on" in value:
            return self._measurement(value)
        nested = fld.inner.schema if isinstance(fld, mfields.List) and isinstance(fld.inner, mfields.Nested) else None
        nested_fields = nested.fields if nested is not None else {}
        parts = []
        for key, item in value.items():
            sub = nested_fields.get(key)
            label = (sub.metadata.get("label") if sub is not None else None) or EXTRA_FIELDS.get(key, (None,))[0]
            if label is None:
                continue  # an internal detail (a key, an id) a person does not need
            parts.append(f"{label}: {self.value(kind, key, item) if sub is None else self._nested(sub, item)}")
        return "; ".join(parts) or "—"

    def _nested(self, sub, item) -> str:
        if item is None or item == "":
            return "—"
        enum = sub.metadata.get("choices")
        if enum is not None and isinstance(item, str):
            return enum.label_of(item)
        if sub.metadata.get("ref") and isinstance(item, int):
            return self.title(sub.metadata["ref"], item)
        if isinstance(item, bool):
            return "да" if item else "нет"
        if isinstance(item, (int, float)):
            return formatting.number(item)
        return self._text(str(item), sub)

    # -- one event

    def describe(self, event: models.ChangeEvent) -> EventView:
        kind = event.record_kind
        kind_label = KINDS[kind].label_one if kind in KINDS else OTHER_KINDS.get(kind, (kind,))[0]
        changes = event.changes or {}
        view = EventView(id=event.id, when=event.occurred_at, who=self.person(event.actor_name),
                         action=enums.Action.label_of(event.action), kind=kind, kind_label=kind_label,
                         record_id=event.record_id, title="", version=event.version,
                         arose_on=getattr(event, "arose_on", None))
        if kind == "links":
            view.title = self._link(changes, event)
        else:
            view.title = self.title(kind, event.record_id)
        if event.action == enums.Action.CREATE.value:
            filled = sum(1 for c in changes.values() if c.get("after") not in (None, "", [], {}))
            view.summary = f"заполнено {formatting.counted(filled, 'поле')}" if kind != "links" else ""
            return view
        for key, change in changes.items():
            if key == "version":
                continue
            before, after = change.get("before"), change.get("after")
            shown = Change(self.label(kind, key), self.value(kind, key, before), self.value(kind, key, after))
            if shown.before != shown.after:
                view.changes.append(shown)
        return view

    def _link(self, changes: dict, event) -> str:
        def end(side: str):
            kind = (changes.get(f"{side}_kind") or {}).get("after")
            record_id = (changes.get(f"{side}_id") or {}).get("after")
            return kind, record_id

        (sk, sid), (tk, tid) = end("source"), end("target")
        link_type = (changes.get("link_type") or {}).get("after")
        if sk not in KINDS or tk not in KINDS:
            link = self.ctx.session.get(models.Link, event.record_id)
            if link is None:
                return "связь"
            sk, sid, tk, tid, link_type = link.source_kind, link.source_id, link.target_kind, link.target_id, link.link_type
        return f"«{self.title(sk, sid)}» {enums.LinkType.label_of(link_type)} «{self.title(tk, tid)}»"


def _looks_like_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit() and \
        isinstance(formatting.parse_iso(text), (date, datetime))


def _as_event(event):
    if not isinstance(event, dict):
        return event
    from types import SimpleNamespace

    when = event.get("occurred_at")
    if isinstance(when, str):
        when = formatting.parse_iso(when.replace("Z", "+00:00"))
    return SimpleNamespace(id=event.get("id"), occurred_at=when, actor_name=event.get("actor_name"),
                           record_kind=event.get("record_kind"), record_id=event.get("record_id"),
                           action=event.get("action"), version=event.get("version"), changes=event.get("changes") or {})


def describe(ctx: Context, events, people: users.PeopleNames | None = None) -> list[EventView]:
    """The events (newest first, as the history services give them) in words; events dumped by
    ChangeEventSchema (a 409's ``changes``) are read the same. ``people``: the names a page has read."""
    events = [_as_event(e) for e in events]
    describer = _Describer(ctx, people)
    describer.prefetch(events)
    return [describer.describe(e) for e in events]


def as_lines(views: list[EventView], tz: str | None = None) -> list[str]:
    """The same in plain text, for the CLI: one line per event, one indented line per change."""
    out = []
    for v in views:
        title = v.title if v.kind == "links" else f"«{v.title}»"
        head = f"{formatting.moment(v.when, tz)}  {v.who}: {v.action} — {v.kind_label} {title}"
        out.append(head + (f" ({v.summary})" if v.summary else ""))
        out.extend(f"    {c.label}: {c.before} → {c.after}" for c in v.changes)
    return out


def error_title(kind: str, key: str) -> str:
    """A field a validation error names, as the form shows it: «steps.3.duration_minutes» → «Шаг 4:
    Длительность, мин» (the rows of a form count from one, marshmallow's from zero)."""
    describer = _Describer.__new__(_Describer)
    parts = key.split(".")
    fld = describer.field(kind, parts[0])
    if len(parts) >= 2 and parts[1].isdigit() and isinstance(fld, mfields.List) \
            and isinstance(fld.inner, mfields.Nested):
        title = f"{ITEM_NOUNS.get(parts[0], 'строка').capitalize()} {int(parts[1]) + 1}"
        if len(parts) >= 3:
            sub = fld.inner.schema.fields.get(parts[2])
            title += ": " + ((sub.metadata.get("label") if sub is not None else None) or "поле")
        return title
    label = fld.metadata.get("label") if fld is not None else None
    return label or EXTRA_FIELDS.get(parts[0], (None,))[0] or "поле"
