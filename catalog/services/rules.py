"""One named rule per operation that changes something: who may do it, and why not.

Every public service function that writes is decorated with :func:`operation` and calls
``rules.check(ctx, "<domain>.<operation>", target)`` once at its top; pages and templates ask the
same rule with :func:`may` (the Jinja global ``may("requests.conclude", found)``) to show only the
actions the user may take. A rule answers None (allowed) or a Russian sentence in the user's terms.

The prologue is applied here, once, for every rule: the server itself (the CLI, the loaders) may do
what the rule allows it; nobody logged in needs to log in («нужен вход»); a deactivated account
changes nothing («учётная запись отключена»). Then the rule looks at roles and at the agency or
mart scope of the target; the scope of catalogue records (agency editors, mart owners) lives in
``catalog.services.permissions``, which the ``records.*`` and ``links.*`` rules call.

Why a new module and not permissions.py grown: permissions.py answers one question (may this user
write this record of this kind, with the mart-owner subtleties of the Samara concept); this module
names every operation of every domain and is the only place services, pages and the CLI ask.
"""
from __future__ import annotations

import contextvars
import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from catalog import models
from catalog.enums import Role
from catalog.errors import Forbidden, Unauthorized
from catalog.kinds import KINDS, Kind
from catalog.services import permissions
from catalog.services.context import Context

NEED_LOGIN = "Нужен вход: войдите в систему, чтобы вносить изменения."
INACTIVE = permissions.INACTIVE
READ_ONLY = "Недостаточно прав: ваша роль позволяет только читать каталог."

ADMIN = Role.ADMIN.value
OFFICE = Role.PROCESS_OFFICE.value
ARCHITECT = Role.ARCHITECT.value
EDITOR = Role.AGENCY_EDITOR.value
MART_OWNER = Role.MART_OWNER.value
READER = Role.READER.value


@dataclass(frozen=True)
class Rule:
    name: str
    label: str  # the operation in Russian, as a user would name it
    decide: Callable[[Context, models.User, Any], str | None]
    # False: a person must act under their own name (conclusions and decisions); the server may not.
    allow_system: bool = True


RULES: dict[str, Rule] = {}


def rule(name: str, label: str, allow_system: bool = True):
    def register(decide):
        if name in RULES:
            raise ValueError(f"rule {name} defined twice")
        RULES[name] = Rule(name, label, decide, allow_system)
        return decide
    return register


def same_as(name: str, other: str, label: str) -> None:
    """A named operation that follows another operation's rule (one definition, two names)."""
    base = RULES[other]
    RULES[name] = Rule(name, label, base.decide, base.allow_system)


# -- asking a rule


def refusal(ctx: Context, name: str, target: Any = None) -> str | None:
    """Why the acting user may not do operation ``name`` to ``target``; None when it may."""
    found = RULES[name]  # a KeyError here is a programmer's typo, not a user's refusal
    if ctx.is_system:
        return None if found.allow_system else "Это действие выполняет пользователь под своим именем: войдите в систему."
    user = ctx.user
    if user is None:
        return NEED_LOGIN
    if not user.is_active:
        return INACTIVE
    return found.decide(ctx, user, target)


_checked: contextvars.ContextVar[list | None] = contextvars.ContextVar("rules_checked", default=None)


def check(ctx: Context, name: str, target: Any = None) -> None:
    """Raise Unauthorized (nobody logged in) or Forbidden (with the reason) unless the user may."""
    frames = _checked.get()
    if frames is not None:
        frames.append(name)
    reason = refusal(ctx, name, target)
    if reason is None:
        return
    if ctx.user is None and not ctx.is_system:
        raise Unauthorized(reason)
    raise Forbidden(reason)


def may(ctx: Context, name: str, target: Any = None) -> bool:
    return refusal(ctx, name, target) is None


OPERATIONS: dict[str, tuple[str, ...]] = {}  # "module.function" → the rules it checks


def operation(*names: str):
    """Mark a service function as one that changes something under ``names`` (usually one rule).

    The function calls ``rules.check`` itself, at its top, once it has found its target; the wrapper
    only makes sure it did: a write that returns without having asked its rule is a programming error
    and fails loudly (tests run every operation), rather than a silent hole in the rights.
    """
    for name in names:
        if name not in RULES:
            raise ValueError(f"no rule {name}")

    def wrap(fn):
        OPERATIONS[f"{fn.__module__}.{fn.__qualname__}"] = names

        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            outer = _checked.get()
            frames: list[str] = []
            token = _checked.set(frames)
            try:
                result = fn(*args, **kwargs)
            finally:
                _checked.reset(token)
                if outer is not None:  # an operation inside another: its checks count for both
                    outer.extend(frames)
            if not set(frames) & set(names):
                raise AssertionError(f"{fn.__qualname__} changed something without checking {' or '.join(names)}")
            return result

        guarded.__rules__ = names
        return guarded
    return wrap


# -- targets


@dataclass
class Change:
    """A catalogue record as it is (``record``) and as it would become (``values``): the target of
    the ``records.*`` and ``links.*`` rules. ``Change("processes")`` asks about creating some record."""
    kind: str
    record: Any = None
    values: dict = field(default_factory=dict)


def _change(target) -> Change:
    if isinstance(target, Change):
        return target
    if isinstance(target, str):
        return Change(target)
    if isinstance(target, models.Record) and _kind_of(target) is not None:
        return Change(_kind_of(target).name, target)
    raise TypeError(f"not a record change: {target!r}")


def _kind_of(record) -> Kind | None:
    return next((k for k in KINDS.values() if isinstance(record, k.model)), None)


def _roles(user: models.User) -> set[str]:
    return set(user.roles or [])


def _has(user: models.User, *roles: str) -> bool:
    return bool(_roles(user) & set(roles))


def _of_agency(user: models.User, agency_id) -> bool:
    """An agency editor of that agency (Leningrad 4.4 and the README's roles table: a user of the owning agency)."""
    return _has(user, EDITOR) and agency_id is not None and agency_id in (user.agency_ids or [])


def _agency_name(ctx: Context, agency_id) -> str:
    agency = ctx.session.get(models.Agency, agency_id) if agency_id is not None else None
    return (agency.short_name or agency.name) if agency is not None else f"№ {agency_id}"


def _only_reader(user: models.User) -> bool:
    return not (_roles(user) - {READER})


# -- catalogue records (README «Roles»; the mart owner's scope: Samara concept, section 5 result 13, 6.3)


def _record_rule(action: str):
    def decide(ctx: Context, user: models.User, target) -> str | None:
        change = _change(target)
        kind = KINDS[change.kind]
        if change.record is None:
            if kind.name in REFERENCE_KINDS and ctx.creating_references \
                    and refusal(ctx, "imports.create_references") is None:
                return None  # a register import creating the references it names, by whom the settings allow
            if not change.values and _has(user, EDITOR) and user.agency_ids \
                    and (kind.agency_field or kind.name in permissions.INHERITED_AGENCY) and kind.name != "agencies":
                return None  # "may it add some record of the kind?": yes, one of its own agencies
            return permissions.refusal(ctx, kind, change.values, "create")
        current = permissions.record_values(change.record)
        if action in ("delete", "restore"):
            return permissions.refusal(ctx, kind, current, action)
        reason = permissions.refusal(ctx, kind, current, "edit")
        if reason or not change.values:
            return reason
        return permissions.refusal(ctx, kind, {**current, **change.values}, "update", current)
    return decide


rule("records.create", "Добавление записи каталога")(_record_rule("create"))
rule("records.update", "Изменение записи каталога")(_record_rule("update"))
rule("records.delete", "Удаление записи каталога")(_record_rule("delete"))
rule("records.restore", "Восстановление записи каталога")(_record_rule("restore"))
# A link is changed by whoever may change its source record (README «Roles»); EXPOSES by a mart owner
# also looks at the target (permissions._exposes_refusal).
same_as("links.create", "records.create", "Добавление связи")
same_as("links.update", "records.update", "Изменение связи")
same_as("links.delete", "records.delete", "Удаление связи")
same_as("links.restore", "records.restore", "Восстановление связи")
# Kemerovo register rules, 2.1 and 3: the register (and the reengineering status of each process in it)
# is kept by the agency that owns the process; the process office keeps processes of all agencies.
same_as("processes.change_status", "records.update", "Смена статуса процесса")


def record_rule(kind_name: str, action: str, values: dict | None = None) -> str:
    """The rule's name for ``action`` on a record of ``kind_name`` (a process's status has its own)."""
    if kind_name == "links":
        return f"links.{action}"
    if kind_name == "processes" and action == "update" and values and "status" in values:
        return "processes.change_status"
    return f"records.{action}"


@rule("catalog.write", "Любое изменение каталога")
def _some_change(ctx: Context, user: models.User, target) -> str | None:
    """Asked before an API request's body is read: a reader is refused before any input is looked at."""
    return READ_ONLY if _only_reader(user) else None


# -- process passports (Samara concept, section 3 task 2: AS-IS and TO-BE of the processes)


def _process_editor(ctx: Context, user: models.User, process) -> str | None:
    reason = permissions.refusal(ctx, KINDS["processes"], permissions.record_values(process), "edit")
    if reason and _has(user, EDITOR):
        return f"Недостаточно прав: «{process.name}» — процесс другого органа; паспорт ведёт орган — владелец процесса."
    return reason


def _process_of(target):
    return getattr(target, "process", target)


@rule("passports.create", "Новая версия паспорта процесса")
def _passport_create(ctx, user, target):
    return _process_editor(ctx, user, _process_of(target))


same_as("passports.save", "passports.create", "Сохранение паспорта процесса")
same_as("passports.import_bpmn", "passports.create", "Загрузка схемы BPMN в паспорт")


@rule("passports.approve", "Утверждение паспорта процесса")
def _passport_approve(ctx, user, passport):
    # The passport is approved by the official the owning agency designates (Samara concept, section 5
    # result 13: the agencies answer for their processes), by default its head; not by the process
    # office, which checks the criteria (catalog/services/people.py).
    if _only_reader(user):
        return READ_ONLY
    return _visa(ctx, user, "passport_approve", _process_of(passport).agency_id)


@rule("passports.set_criteria", "Отметка критериев цифровой трансформации")
def _passport_criteria(ctx, user, passport):
    # Leningrad 8.3–8.4: the process office checks a TO-BE against the criteria.
    if _has(user, OFFICE, ADMIN):
        return None
    return "Недостаточно прав: соответствие критериям цифровой трансформации отмечает процессный офис."


# -- optimisation projects (Leningrad regulation, sections 4 to 6)


def _team(ctx, user, target) -> str | None:
    """The working group: the owning agency's editors and the process office, and admins (4.3).
    Without a target: may the user start the optimisation of some process (the list page's button)?"""
    if target is None:
        if _has(user, ADMIN, OFFICE) or (_has(user, EDITOR) and user.agency_ids):
            return None
        return READ_ONLY if _only_reader(user) else \
            "Недостаточно прав: оптимизацию начинают пользователи органа — владельца процесса и Процессный офис."
    process = _process_of(target)
    if _has(user, ADMIN, OFFICE) or _of_agency(user, process.agency_id):
        return None
    if _only_reader(user):
        return READ_ONLY
    whose = f"«{process.name}» — процесс другого органа; " if _has(user, EDITOR) else ""
    return f"Недостаточно прав: {whose}проект ведут пользователи органа — владельца процесса и Процессный офис."


def _office_only(message):
    def decide(ctx, user, target):
        return None if _has(user, OFFICE) else (READ_ONLY if _only_reader(user) else message)
    return decide


def _owner_only(message):
    def decide(ctx, user, target):
        process = _process_of(target)
        if _of_agency(user, process.agency_id):
            return None
        if _only_reader(user):
            return READ_ONLY
        if _has(user, EDITOR):
            return f"Недостаточно прав: «{process.name}» — процесс другого органа; {message}"
        return f"Недостаточно прав: {message}"
    return decide


def _not_author(ctx, project, what: str) -> str | None:
    if ctx.actor_name in (project.roadmap_authors or []):
        return f"Нельзя {what} дорожную карту, которую вы составляли."
    return None


rule("projects.create", "Начало оптимизации процесса")(_team)
same_as("projects.save_order", "projects.create", "Правовой акт об оптимизации")
same_as("projects.save_analysis", "projects.create", "Анализ процесса")
same_as("projects.save_roadmap", "projects.create", "Составление дорожной карты")
same_as("projects.update_measure", "projects.create", "Ход мероприятия дорожной карты")
# 4.2: on an application the process office answers within three working days.
rule("projects.answer_application", "Ответ на заявку об оптимизации")(
    _office_only("на заявку об оптимизации отвечает Процессный офис."))


def _visa(ctx, user, visa, agency_id):
    from catalog.services import people  # people.py writes through these rules: imported when asked

    return people.visa_refusal(ctx, user, visa, agency_id)


@rule("projects.agree_roadmap", "Согласование дорожной карты")
def _agree(ctx, user, project):
    # 4.3 п. 7, 4.4: «согласовано» by the head of the process office or the deputy chair of the Committee
    # overseeing it (positions: catalog/services/people.py); never by an author.
    if _only_reader(user):
        return READ_ONLY
    return _not_author(ctx, project, "согласовать") or _visa(ctx, user, "roadmap_agree", None)


@rule("projects.approve_roadmap", "Утверждение дорожной карты")
def _approve(ctx, user, project):
    # 4.3 п. 6, 4.4: «утверждаю» by the head of the owning agency, or the official the head delegated it
    # to (a recorded delegation in force); never by an author.
    if _only_reader(user):
        return READ_ONLY
    return _not_author(ctx, project, "утвердить") \
        or _visa(ctx, user, "roadmap_approve", _process_of(project).agency_id)


@rule("projects.add_measurement", "Измерение показателя в постмониторинге")
def _measure(ctx, user, project):
    # 4.5: post-monitoring is the process office's.
    if _has(user, OFFICE, ADMIN):
        return None
    return READ_ONLY if _only_reader(user) else "Недостаточно прав: постмониторинг ведут работники Процессного офиса."


rule("projects.answer_deviation", "Ответ на запрос о причинах отклонения")(
    _owner_only("на запрос о причинах отклонения отвечает орган — владелец процесса."))
rule("projects.assess_deviation", "Оценка мероприятий по отклонению")(
    _office_only("мероприятия по отклонению оценивает Процессный офис."))


@rule("projects.delete", "Удаление проекта оптимизации")
def _delete_project(ctx, user, project):
    reason = _team(ctx, user, project)
    if reason is None and project.approved_on is not None and not _has(user, ADMIN):
        return "Недостаточно прав: проект с утверждённой дорожной картой удаляет только администратор."
    return reason


# -- system requests (Samara concept, section 3 tasks 2–4, 6; Leningrad 8.4)


def _filer(ctx, user, agency_id) -> str | None:
    if _has(user, ADMIN) or _of_agency(user, agency_id):
        return None
    if _only_reader(user):
        return READ_ONLY
    if _has(user, EDITOR):
        return (f"Недостаточно прав: заявку от имени органа «{_agency_name(ctx, agency_id)}» подаёт его редактор; "
                "это заявка другого органа.")
    return "Недостаточно прав: заявку подаёт редактор органа, от имени которого она подаётся."


@rule("requests.file", "Подача заявки на информационную систему")
def _file(ctx, user, target):
    """``target``: the agency the request is filed for (its id), or nothing for "may file some request"."""
    if target is None:
        return None if _has(user, ADMIN) or (_has(user, EDITOR) and user.agency_ids) else \
            (READ_ONLY if _only_reader(user) else "Недостаточно прав: заявку подаёт редактор органа.")
    return _filer(ctx, user, target)


@rule("requests.update", "Изменение заявки")
def _update_request(ctx, user, target):
    request, values = (target.record, target.values) if isinstance(target, Change) else (target, {})
    reason = _filer(ctx, user, request.agency_id)
    if reason is None and "agency_id" in values and values["agency_id"] != request.agency_id:
        reason = _filer(ctx, user, values["agency_id"])
    return reason


@rule("requests.submit", "Подача заявки на рассмотрение")
def _submit(ctx, user, request):
    return _filer(ctx, user, request.agency_id)


# Leningrad 8.4: the process office's conclusion comes before the decision; the README's roles table
# gives admins everything, so an admin concludes and decides too, but nobody, admin or not, concludes
# on a request they filed, or decides on one they filed or concluded.
@rule("requests.conclude", "Заключение процессного офиса по заявке", allow_system=False)
def _conclude(ctx, user, request):
    # 8.4: the conclusion is the process office's, signed by its head (catalog/services/people.py).
    if _only_reader(user):
        return READ_ONLY
    if request is not None and request.filed_by_id == user.id:
        return "Нельзя давать заключение по заявке, которую вы подали."
    return _visa(ctx, user, "conclusion", None)


@rule("requests.decide", "Решение по заявке", allow_system=False)
def _decide(ctx, user, request):
    role = ctx.settings.gate_decider_role
    if not _has(user, role, ADMIN):
        return READ_ONLY if _only_reader(user) else \
            f"Недостаточно прав: решение по заявке принимает роль «{Role.label_of(role)}» (или администратор)."
    if request is not None and user.id in (request.filed_by_id, request.concluded_by_id):
        return "Нельзя принимать решение по заявке, которую вы подали или по которой дали заключение."
    return None


@rule("requests.recheck", "Повторный запуск проверок заявки")
def _recheck(ctx, user, request):
    """Re-running the checks bumps the request's version, so only those who act on the request may:
    the applicant agency's editors, the process office, the deciding role and admins (README, requests)."""
    if _has(user, ADMIN, OFFICE, ctx.settings.gate_decider_role) or _of_agency(user, request.agency_id):
        return None
    return ("Недостаточно прав: проверки заявки запускают заново редакторы органа-заявителя, "
            f"процессный офис, роль «{Role.label_of(ctx.settings.gate_decider_role)}» и администратор.")


# -- reference tables the process office keeps (Leningrad: the calculator, the production calendar)


def _office_or_admin(message):
    def decide(ctx, user, target):
        if _has(user, OFFICE, ADMIN):
            return None
        return READ_ONLY if _only_reader(user) else f"Недостаточно прав: {message}"
    return decide


rule("calendar.set_day", "Отметка дня производственного календаря")(
    _office_or_admin("производственный календарь меняют администратор и процессный офис."))
same_as("calendar.clear_day", "calendar.set_day", "Снятие отметки дня календаря")
same_as("calendar.import", "calendar.set_day", "Загрузка производственного календаря")
rule("positions.save", "Должность справочника калькулятора")(
    _office_or_admin("справочник должностей калькулятора ведёт процессный офис."))
# Samara concept, section 3 task 7: the ~700 municipal service names against the typical list.
rule("names.match", "Сопоставление названий с типовым перечнем")(
    _office_or_admin("сопоставлять названия с типовым перечнем может процессный офис или администратор."))
# The words people use that the register does not: the office extends the search's thesaurus from the
# report of what people did not find (issue 18).
rule("search.thesaurus", "Запись тезауруса поиска")(_office_or_admin("тезаурус поиска дополняет процессный офис."))
rule("search.misses", "Отчёт о ненайденных запросах")(
    _office_or_admin("отчёт о ненайденных запросах доступен процессному офису."))

# Issue 16: the office and the authorised body (Kemerovo 3.5, CATALOG_AUTHORISED_BODY_ROLES) see every
# agency's inbox as one table; each person chooses their own e-mails, an administrator anyone's.
@rule("inbox.overview", "Сводка входящих по органам")
def _inbox_overview(ctx, user, target):
    if _has(user, ADMIN, OFFICE) or authorised_body(ctx, user):
        return None
    return READ_ONLY if _only_reader(user) else \
        "Недостаточно прав: сводку входящих по органам видят процессный офис, уполномоченный орган и администраторы."


@rule("notify.preferences", "Настройка уведомлений по электронной почте")
def _notify_preferences(ctx, user, user_id):
    if user_id is None or user_id == user.id or _has(user, ADMIN):
        return None
    return "Недостаточно прав: уведомления пользователя настраивает он сам или администратор."


@rule("names.decide", "Решение по предложенному типовому процессу")
def _name_decide(ctx, user, target):
    """The record's editor accepts or rejects the suggestion for it; ``target`` is the record or the match."""
    if isinstance(target, models.NameMatch):
        target = ctx.session.get(KINDS[target.record_kind].model, target.record_id)
    return _record_rule("update")(ctx, user, target)


# -- statuses need evidence (issue 17): Kemerovo 1 «сертификация – оценка … посредством независимого аудита»;
# the agency keeps its register (Kemerovo 3), the process office runs the projects (Leningrad 4.3).
rule("certifications.record", "Запись о сертификации процесса")(_team)
rule("processes.follow_projects", "Статусы процессов по этапам проектов оптимизации")(
    _office_or_admin("статусы по этапам проектов выравнивает процессный офис или администратор."))


# -- data described from its source (issue 20)


@rule("harvest.database", "Чтение схемы базы данных системы")
def _harvest(ctx, user, system):
    """Who keeps the system's record keeps its data model: architects (README «Roles»: information systems,
    datasets), editors of the operating agency (Samara concept, 6.3: the data a process consumes down to
    entities and attributes, described by the agencies) and admins."""
    reason = permissions.refusal(ctx, KINDS["systems"], permissions.record_values(system), "edit")
    if reason is None:
        return None
    if _only_reader(user):
        return READ_ONLY
    return ("Недостаточно прав: схему базы данных системы читают архитектор, редактор органа — оператора "
            "системы и администратор.")


@rule("quality.measure", "Измерение качества данных витрины")
def _measure_quality(ctx, user, mart):
    """Samara concept, section 5 result 13: the mart's owner answers for its data's quality and measures it;
    the architect (README «Roles»: systems and data) measures any mart, the scheduled run all of them."""
    if _has(user, ADMIN, ARCHITECT):
        return None
    if mart is not None and _has(user, MART_OWNER) and mart.id in (user.mart_ids or []):
        return None
    if _only_reader(user):
        return READ_ONLY
    return "Недостаточно прав: качество витрины измеряют её владелец и архитектор."


# 152-FZ: the category of personal data an attribute holds is decided by who keeps the attribute (its
# dataset's agency, the mart exposing it, architects): the records.update rule of the attribute.
same_as("personal_data.decide", "records.update", "Решение о категории персональных данных атрибута")


# -- people: delegations and designations (issue 16)


@rule("people.delegate", "Поручение подписи другому должностному лицу")
def _delegate(ctx, user, giver):
    """``giver``: the person whose visa is delegated; the head delegates their own, or an administrator records it."""
    if _has(user, ADMIN) or (giver is not None and user.person_id == giver.id):
        return None
    return READ_ONLY if _only_reader(user) else \
        "Недостаточно прав: поручение подписи даёт сам руководитель (или его записывает администратор)."


@rule("people.designate", "Назначение должностного лица, утверждающего паспорта")
def _designate(ctx, user, agency):
    from catalog.services import people

    head = people.head_of(ctx, agency.id) if agency is not None else None
    if _has(user, ADMIN) or (head is not None and user.person_id == head.id):
        return None
    return READ_ONLY if _only_reader(user) else \
        "Недостаточно прав: утверждающего паспорта назначает руководитель органа (или администратор)."
# -- the register's duties (Kemerovo register rules 3.2–3.5, 4 п. 1 and 3)


def authorised_body(ctx: Context, user: models.User | None) -> bool:
    """A user of the authorised body (4 п. 1: «уполномоченный орган по проверке сведений»): the roles of
    CATALOG_AUTHORISED_BODY_ROLES, the process office by default."""
    return user is not None and _has(user, *ctx.settings.authorised_body_roles)


def _agency_of(target):
    return target if isinstance(target, int) or target is None else getattr(target, "agency_id", None)


def is_person(user: models.User, person) -> bool:
    """Is this account that person of the catalogue (issue 16: an account is a person)?"""
    return person is not None and user.person_id is not None and user.person_id == person.id


@rule("register.appoint", "Назначение ответственного за реестр органа")
def _appoint(ctx, user, target):
    # 3.2: the officials are appointed in the agency (its editors record them; admins keep all).
    agency_id = _agency_of(target)
    if _has(user, ADMIN) or (agency_id is None and _has(user, EDITOR)) or _of_agency(user, agency_id):
        return None
    if _only_reader(user):
        return READ_ONLY
    return "Недостаточно прав: ответственных за реестр назначает сам орган (его редакторы) или администратор."


same_as("register.vacate", "register.appoint", "Освобождение ответственного за реестр органа")


@rule("register.agree", "Согласование реестра органа", allow_system=False)
def _agree_register(ctx, user, target):
    # 3.2: the register is agreed by the official responsible for agreeing it, under their own name.
    from sqlalchemy import select as _select

    agency_id = _agency_of(target)
    if agency_id is None:
        return None if _has(user, EDITOR) else "Недостаточно прав: реестр согласует ответственный за согласование."
    official = ctx.session.scalar(_select(models.RegisterOfficial).where(
        models.RegisterOfficial.agency_id == agency_id, models.RegisterOfficial.duty == "agree",
        models.RegisterOfficial.until.is_(None)).order_by(models.RegisterOfficial.id.desc()))
    if official is None:
        return f"Реестр органа «{_agency_name(ctx, agency_id)}» некому согласовать: не назначен ответственный за согласование."
    if is_person(user, official.person):
        return None
    if _only_reader(user):
        return READ_ONLY
    return f"Недостаточно прав: реестр согласует ответственный за согласование — {official.person.full_name}."


@rule("register.download", "Выгрузка текущего реестра органа")
def _download_register(ctx, user, target):
    # The current (not yet agreed) register is for those who keep and check it; the agreed one is public.
    if _has(user, ADMIN) or authorised_body(ctx, user) or _of_agency(user, _agency_of(target)):
        return None
    return "Недостаточно прав: текущий реестр выгружают редакторы органа и уполномоченный орган; опубликованный — любой."


@rule("register.control", "Контроль ведения реестров органов")
def _control(ctx, user, target):
    if _has(user, ADMIN) or authorised_body(ctx, user):
        return None
    return READ_ONLY if _only_reader(user) else "Недостаточно прав: контроль ведения реестров — у уполномоченного органа."


@rule("notices.write", "Уведомление о корректировке реестра", allow_system=False)
def _write_notice(ctx, user, target):
    # 3.5: «Уполномоченный орган … направляет в исполнительный орган … уведомление о необходимости их корректировки».
    if authorised_body(ctx, user):
        return None
    return READ_ONLY if _only_reader(user) else \
        "Недостаточно прав: уведомления о корректировке направляет уполномоченный орган."


@rule("notices.answer", "Ответ на уведомление о корректировке", allow_system=False)
def _answer_notice(ctx, user, notice):
    # 3.5: the notice goes to the agency responsible for the data; its editors answer and correct.
    if _of_agency(user, _agency_of(notice)) or (notice is None and _has(user, EDITOR)):
        return None
    if _only_reader(user):
        return READ_ONLY
    return "Недостаточно прав: на уведомление отвечает орган, которому оно направлено."


@rule("notices.close", "Закрытие уведомления о корректировке", allow_system=False)
def _close_notice(ctx, user, notice):
    if notice is not None and notice.author_id == user.id:
        return None
    if _only_reader(user):
        return READ_ONLY
    return "Недостаточно прав: уведомление закрывает (или возвращает) тот, кто его написал."


same_as("notices.return", "notices.close", "Возврат уведомления о корректировке органу")


# -- users, tokens, settings: the administrator's (README «Roles»: admin — users and tokens)


def _admin_only(ctx, user, target):
    if _has(user, ADMIN):
        return None
    return READ_ONLY if _only_reader(user) else "Недостаточно прав: это действие доступно только администратору."


for _name, _label in (("users.create", "Новый пользователь"), ("users.update", "Изменение пользователя"),
                      ("users.list", "Список пользователей"), ("tokens.create", "Выпуск токена API"),
                      ("tokens.list", "Список токенов API"), ("tokens.revoke", "Отзыв токена API"),
                      ("settings.anonymous_read", "Чтение без входа"), ("search.reindex", "Перестроение поиска"),
                      ("imports.rdf", "Загрузка RDF"), ("dashboard.rebuild", "Пересчёт хранимых показателей")):
    rule(_name, _label)(_admin_only)


# -- imports (the table, BPMN, OpenLineage loads): rights before a byte of the file is read

IMPORTING_ROLES = {EDITOR, OFFICE, ARCHITECT, MART_OWNER, ADMIN}


@rule("imports.register", "Загрузка файла для импорта")
def _register_import(ctx, user, target):
    if _has(user, *IMPORTING_ROLES):
        return None
    return ("Недостаточно прав: загружать файлы могут редакторы органов, процессный офис, "
            "архитекторы, обладатели витрин и администраторы.")


@rule("imports.cancel", "Отмена загрузки")
def _cancel_import(ctx, user, job):
    if _has(user, ADMIN) or (job is not None and job.user_id == user.id):
        return None
    return "Недостаточно прав: отменить загрузку может тот, кто её начал, или администратор."


@rule("imports.records", "Загрузка записей каталога из таблицы")
def _import_records(ctx, user, kind_name):
    """May the user write some record of ``kind_name`` (each row is then checked by ``records.*``)?"""
    kind = KINDS[kind_name]
    scoped = {EDITOR} | ({MART_OWNER} if kind_name in ("marts", *permissions.DATA_KINDS) else set())
    if _has(user, ADMIN, *kind.editor_roles) or (_has(user, *scoped) and (kind.agency_field or kind_name in permissions.DATA_KINDS)):
        return None
    if _only_reader(user):
        return READ_ONLY
    return f"Недостаточно прав: записи вида «{kind.label_one}» ведут другие роли; вашей роли их загрузка недоступна."


@rule("imports.openlineage", "Приём событий OpenLineage")
def _openlineage(ctx, user, target):
    return "Недостаточно прав: читатель не может передавать события OpenLineage." if _only_reader(user) else None


# Kemerovo register rules 2.1 «б», «г», «е»: life situations, regulating acts and groups are reference
# lists the process office keeps; an agency's register may name ones the catalogue lacks (issue 15).
REFERENCE_KINDS = ("acts", "life-situations", "process-groups")


@rule("imports.create_references", "Создание справочников при загрузке реестра")
def _create_references(ctx, user, target):
    if _has(user, ADMIN, OFFICE) or (ctx.settings.import_editors_create_references and _has(user, EDITOR)):
        return None
    if _only_reader(user):
        return READ_ONLY
    return ("Недостаточно прав: акты, жизненные ситуации и группы процессов создаёт процессный офис. "
            "Проверьте файл и отправьте процессному офису список того, чего нет в каталоге.")


# Import kinds of reference-list tables → the record kind each row writes.
TABLE_IMPORT_KINDS = {"typical": "typical-processes", "typical-services": "typical-services", "systems": "systems",
                      "marts": "marts", "datasets": "datasets",
                      "xsd": "datasets",  # an SMEV data type becomes a dataset with its entities (issue 20)
                      "agencies": "agencies", "acts": "acts"}


def import_rule(kind: str | None = None, agency_id: int | None = None) -> tuple[str, Any]:
    """The rule (and its target) an import of ``kind`` asks before a byte of the file is read.

    None: may the user upload anything at all (the «Загрузка» page and its link); ``register`` with
    ``agency_id``: may it load that agency's register (an agency editor only its own); reference-list
    kinds: may it write some record of the kind (the services check each row too); ``rdf``: whole
    catalogues with their ids, an administrator's; ``bpmn`` goes to a passport, whose rule is the
    process's."""
    if kind == "rdf":
        return "imports.rdf", None
    if kind == "openlineage":
        return "imports.openlineage", None
    if kind == "register" and agency_id is not None:
        return "records.create", Change("processes", None, {"agency_id": agency_id})
    if kind in TABLE_IMPORT_KINDS:
        return "imports.records", TABLE_IMPORT_KINDS[kind]
    return "imports.register", None


# Every rule an import may ask (the import's own, or the register's per-agency records rule).
IMPORT_RULES = ("imports.register", "imports.rdf", "imports.openlineage", "imports.records", "records.create",
                "imports.create_references")


def check_import(ctx: Context, kind: str | None = None, agency_id: int | None = None) -> None:
    """The one rule of every import (page, API, CLI, background job)."""
    check(ctx, *import_rule(kind, agency_id))


def may_import(ctx: Context, kind: str | None = None) -> bool:
    return may(ctx, *import_rule(kind))
