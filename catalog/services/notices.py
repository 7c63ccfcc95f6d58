"""Correction notices (Kemerovo register rules 3.5): «Уполномоченный орган в случае выявления несоответствия
сведений, содержащихся в реестре процессов исполнительного органа, законодательству …, направляет в
исполнительный орган, ответственный за размещение сведений, уведомление о необходимости их корректировки».

The authorised body (CATALOG_AUTHORISED_BODY_ROLES) writes a notice naming the processes and the fields
and the reason; the agency answers (having corrected its register the usual way); the author closes the
notice or returns it to the agency. Every step is a :class:`models.NoticeEvent`: the notice's history.
The rules name no term for the answer: CATALOG_NOTICE_ANSWER_DAYS working days (10, as for a change in 3.3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from catalog import models
from catalog.errors import Conflict, InvalidInput
from catalog.formatting import day as ru_day
from catalog.services import calendar, history, rules
from catalog.services.context import Context

STATES = {"open": "ждёт ответа органа", "answered": "орган ответил", "closed": "закрыто"}
ACTIONS = {"written": "направлено", "answered": "ответ органа", "returned": "возвращено органу", "closed": "закрыто"}


def field_labels() -> dict[str, str]:
    """The register's fields (2.1) a notice may name, as the register's header names them."""
    from catalog.services.imports.register import EXPORT_FIELDS

    return {spec.name: spec.label for spec in EXPORT_FIELDS}


@dataclass
class NoticeView:
    notice: models.CorrectionNotice
    processes: list[tuple[models.Process | None, list[str]]]  # each process and the labels of its fields
    overdue: bool
    warning: str | None

    @property
    def state_label(self) -> str:
        return STATES.get(self.notice.state, self.notice.state)


def _id(value) -> int | None:
    """An id the store can hold (PostgreSQL's INTEGER is 32-bit), or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


def _get(ctx: Context, notice_id: int) -> models.CorrectionNotice:
    return ctx.get(models.CorrectionNotice, notice_id, f"Уведомления № {notice_id} нет.")


def describe(ctx: Context, notice: models.CorrectionNotice) -> NoticeView:
    labels = field_labels()
    processes = []
    for item in notice.items or []:
        process = ctx.session.get(models.Process, item.get("process_id"))
        processes.append((process, [labels.get(f, f) for f in item.get("fields") or []]))
    overdue = notice.state == "open" and history.local_today(ctx) > notice.due_on
    warning = calendar.not_loaded_warning([notice.due_on.year]) if notice.due_on.year not in \
        calendar.load(ctx).loaded_years else None
    return NoticeView(notice, processes, overdue, warning)


def get_notice(ctx: Context, notice_id: int) -> NoticeView:
    return describe(ctx, _get(ctx, notice_id))


def list_notices(ctx: Context, agency_id: int | None = None, state: str | None = None) -> list[NoticeView]:
    """Notices, newest first; an agency's editors and the authorised body read them (not the public)."""
    from catalog.services import permissions

    permissions.require_read(ctx)
    query = select(models.CorrectionNotice).order_by(models.CorrectionNotice.id.desc())
    if agency_id is not None:
        query = query.where(models.CorrectionNotice.agency_id == agency_id)
    if state is not None:
        query = query.where(models.CorrectionNotice.state == state)
    return [describe(ctx, n) for n in ctx.session.scalars(query)]


def _event(ctx: Context, notice: models.CorrectionNotice, action: str, text: str | None) -> None:
    notice.events.append(models.NoticeEvent(action=action, actor_id=ctx.actor_id, actor_name=ctx.actor_name,
                                            text=text, at=datetime.now(timezone.utc)))


KIND = "notices"  # the change events' kind: the search index follows notices through the outbox (issue 18)


def _changed(ctx: Context, notice: models.CorrectionNotice, action: str, before: str | None) -> None:
    ctx.session.flush()  # the notice's id and new version go into the event
    history.append_event(ctx, KIND, notice, action, {"state": {"before": before, "after": notice.state}})


def _text(value, field: str, what: str, errors: dict) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if not text:
        errors[field] = [f"Укажите {what}."]
    return text


@rules.operation("notices.write")
def write_notice(ctx: Context, data: dict) -> models.CorrectionNotice:
    """``data``: agency_id, reason, items [{process_id, fields: [register field names]}]."""
    rules.check(ctx, "notices.write")
    errors: dict = {}
    agency = ctx.session.get(models.Agency, _id(data.get("agency_id"))) if _id(data.get("agency_id")) else None
    if agency is None or agency.is_deleted:
        errors["agency_id"] = ["Такого органа нет в каталоге."]
    reason = _text(data.get("reason"), "reason", "причину: какие сведения не соответствуют законодательству", errors)
    labels, items = field_labels(), []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        errors["items"] = ["Назовите хотя бы один процесс реестра и его поля."]
        raw_items = []
    for number, item in enumerate(raw_items, start=1):
        where = f"items[{number}]"
        if not isinstance(item, dict):
            errors[where] = ["Ожидается {\"process_id\": …, \"fields\": […]}."]
            continue
        process = ctx.session.get(models.Process, _id(item.get("process_id"))) if _id(item.get("process_id")) else None
        fields = item.get("fields") or []
        fields = fields if isinstance(fields, list) and all(isinstance(f, str) for f in fields) else None
        if process is None or process.is_deleted:
            errors[f"{where}.process_id"] = ["Такого процесса нет в реестре."]
        elif agency is not None and process.agency_id != agency.id:
            errors[f"{where}.process_id"] = [f"«{process.name}» — процесс другого органа."]
        if not isinstance(fields, list) or not fields or any(f not in labels for f in fields):
            errors[f"{where}.fields"] = ["Поля реестра: " + ", ".join(f"{k} ({v})" for k, v in labels.items()) + "."]
        if process is not None and fields:
            items.append({"process_id": process.id, "fields": [f for f in fields if f in labels]})
    if errors:
        raise InvalidInput("Уведомление не направлено: исправьте поля.", errors)
    rules.check(ctx, "notices.write", agency)
    today = history.local_today(ctx)
    notice = models.CorrectionNotice(
        agency_id=agency.id, state="open", reason=reason, items=items, author_id=ctx.actor_id,
        author_name=ctx.actor_name, written_at=datetime.now(timezone.utc),
        due_on=calendar.add_working_days(ctx, today, ctx.settings.notice_answer_days))
    ctx.session.add(notice)
    _event(ctx, notice, "written", reason)
    _changed(ctx, notice, "create", None)
    ctx.finish()
    return notice


def _step(ctx: Context, notice: models.CorrectionNotice, version, from_states: tuple[str, ...], to_state: str,
          action: str, text: str | None) -> models.CorrectionNotice:
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise InvalidInput("Неверная версия уведомления.", {"version": ["Ожидается целое число."]})
    if version is not None and version != notice.version:
        raise Conflict("Уведомление изменено другим пользователем одновременно с вами; обновите страницу.")
    if notice.state not in from_states:
        raise Conflict(f"Уведомление № {notice.id} {STATES[notice.state]}: это действие к нему не применимо.")
    previous, notice.state = notice.state, to_state
    now = datetime.now(timezone.utc)
    if to_state == "answered":
        notice.answered_at = now
    if to_state == "closed":
        notice.closed_at = now
    _event(ctx, notice, action, text)
    try:
        _changed(ctx, notice, "update", previous)
        ctx.finish()
    except StaleDataError:
        ctx.session.rollback()
        raise Conflict("Уведомление изменено другим пользователем одновременно с вами; обновите страницу.") from None
    return notice


@rules.operation("notices.answer")
def answer_notice(ctx: Context, notice_id: int, text: str, version: int | None = None) -> models.CorrectionNotice:
    """The agency says what it corrected (or why the data stands)."""
    notice = _get(ctx, notice_id)
    rules.check(ctx, "notices.answer", notice)
    errors: dict = {}
    text = _text(text, "text", "ответ: что исправлено в реестре", errors)
    if errors:
        raise InvalidInput("Ответ не отправлен.", errors)
    return _step(ctx, notice, version, ("open",), "answered", "answered", text)


@rules.operation("notices.return")
def return_notice(ctx: Context, notice_id: int, text: str, version: int | None = None) -> models.CorrectionNotice:
    """The author finds the answer short: the notice goes back to the agency."""
    notice = _get(ctx, notice_id)
    rules.check(ctx, "notices.return", notice)
    errors: dict = {}
    text = _text(text, "text", "что ещё нужно исправить", errors)
    if errors:
        raise InvalidInput("Уведомление не возвращено.", errors)
    return _step(ctx, notice, version, ("answered",), "open", "returned", text)


@rules.operation("notices.close")
def close_notice(ctx: Context, notice_id: int, text: str | None = None, version: int | None = None) -> models.CorrectionNotice:
    notice = _get(ctx, notice_id)
    rules.check(ctx, "notices.close", notice)
    text = text.strip() if isinstance(text, str) else None
    return _step(ctx, notice, version, ("open", "answered"), "closed", "closed", text or None)


def unanswered_by_agency(ctx: Context, month: date) -> dict[int, tuple[int, int]]:
    """Per agency: notices written by the end of ``month`` and still without an answer, and how many of
    them are past their term."""
    today = history.local_today(ctx)
    found: dict[int, tuple[int, int]] = {}
    for notice in ctx.session.scalars(select(models.CorrectionNotice).where(models.CorrectionNotice.state == "open")):
        written = history_local(ctx, notice.written_at)
        if (written.year, written.month) > (month.year, month.month):
            continue
        count, overdue = found.get(notice.agency_id, (0, 0))
        found[notice.agency_id] = (count + 1, overdue + (today > notice.due_on))
    return found


def history_local(ctx: Context, moment: datetime) -> date:
    from catalog.formatting import to_local

    return to_local(moment, ctx.settings.timezone).date()


def inbox_items(ctx: Context, user: models.User | None) -> list[dict]:
    """Notices to answer (the agency's editors) and answered notices to close (their author)."""
    if user is None:
        return []
    from flask import has_request_context

    def url(notice_id):
        if not has_request_context():
            return None
        from flask import url_for

        return url_for("duties.notice_page", notice_id=notice_id)

    items = []
    agency_ids = list(user.agency_ids or [])
    query = select(models.CorrectionNotice).where(models.CorrectionNotice.state != "closed")
    today = history.local_today(ctx)
    for notice in ctx.session.scalars(query.order_by(models.CorrectionNotice.due_on)):
        if notice.state == "open" and notice.agency_id in agency_ids and "agency_editor" in (user.roles or []):
            items.append({"kind": "Уведомление о корректировке", "title": f"№ {notice.id}: {notice.reason[:120]}",
                          "url": url(notice.id), "due": notice.due_on, "overdue": today > notice.due_on,
                          "agency_id": notice.agency_id})
        elif notice.state == "answered" and notice.author_id == user.id:
            items.append({"kind": "Ответ на уведомление о корректировке",
                          "title": f"№ {notice.id}: орган ответил {ru_day(history_local(ctx, notice.answered_at))}",
                          "url": url(notice.id), "due": None, "overdue": False, "agency_id": notice.agency_id})
    return items
