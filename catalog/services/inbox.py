"""The inbox (issue 16): what waits for a person, or is overdue, with its due date in working days.

Each domain says what waits in it through a source, ``inbox_items(ctx, user) -> list[dict]`` in its own
service module, returning dicts with ``kind`` (a Russian label), ``title``, ``url`` (a path of the site),
``due`` (a date or None), ``overdue`` (bool) and ``agency_id`` (int or None). This module lists the sources
(``SOURCES``), merges them, counts the working days left on the production calendar and builds the
process office's overview per agency (a table it exports as CSV or Excel).

Who is asked follows the rules of the actions (catalog.services.rules), so an item is in the inbox of
exactly those who have the button. An item nobody may act on is in nobody's inbox and not in the
overview either (the overview is the union of everyone's inboxes).
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from catalog import formatting, models
from catalog.errors import Unauthorized
from catalog.services import (calendar, duties, entry_dates, evidence, gate, measurement, notices, personal_data,
                              projects, quality, requests, rules)
from catalog.services.context import Context

# The sources, in the order the inbox lists kinds of equal urgency.
SOURCES = [
    projects.inbox_items,
    requests.inbox_items,
    quality.inbox_items,
    gate.inbox_items,
    evidence.inbox_items,
    notices.inbox_items,
    duties.inbox_items,
    personal_data.inbox_items,
    measurement.inbox_items,
]

EXPORT_COLUMNS = ("Орган", "Что", "Запись", "Срок", "Рабочих дней до срока", "Просрочено", "Кто отвечает", "Адрес")


def key_of(item: dict) -> str:
    """One item across runs (notifications remember what they told by it)."""
    return f"{item['kind']}|{item['url']}"


def due_text(item: dict) -> str:
    """«до 04.12.2026, через 3 рабочих дня», «срок истёк 27.11.2026 (3 рабочих дня назад)», «без срока»."""
    due, left = item.get("due"), item.get("days_left")
    if due is None:
        return "просрочено" if item.get("overdue") else "без срока"
    if left is None:
        return f"до {formatting.day(due)}"
    if left > 0:
        return f"до {formatting.day(due)}, через {formatting.counted(left, 'рабочий день')}"
    if left == 0:  # due today, or passed over days off only
        if not item.get("overdue"):
            return f"до {formatting.day(due)}, срок сегодня"
        return f"срок истёк {formatting.day(due)}"
    return f"срок истёк {formatting.day(due)} ({formatting.counted(-left, 'рабочий день')} назад)"


def _enrich(items: list[dict], today: date, work: calendar.WorkCalendar) -> list[dict]:
    for item in items:
        item["key"] = key_of(item)
        due = item.get("due")
        item["days_left"] = work.working_days_between(today, due) if due is not None else None
        if due is not None and due < today:
            item["overdue"] = True
        item["due_text"] = due_text(item)
    # Overdue first, then the nearest due date; undated ones last, in the sources' order.
    return sorted(items, key=lambda i: (not i["overdue"], i["due"] is None, i["due"] or date.max))


def items_for(ctx: Context, user: models.User) -> list[dict]:
    """Every source's items for ``user``, merged and sorted (no rights asked: the caller decides whose)."""
    today = entry_dates.local_day(ctx.settings)
    found = []
    for source in SOURCES:
        found.extend(source(ctx, user))
    seen, unique = set(), []
    for item in found:
        if key_of(item) not in seen:
            seen.add(key_of(item))
            unique.append(dict(item))
    return _enrich(unique, today, calendar.load(ctx))


def inbox(ctx: Context) -> list[dict]:
    """The acting person's inbox."""
    if ctx.user is None:
        raise Unauthorized("Нужен вход: входящие есть у каждого пользователя, войдите в систему.")
    return items_for(ctx, ctx.user)


def count(ctx: Context) -> int:
    """How many items wait for the acting person (the header's number); 0 for nobody signed in."""
    if ctx.user is None:
        return 0
    return len(items_for(ctx, ctx.user))


def overview(ctx: Context, agency_id: int | None = None) -> list[dict]:
    """Every active person's items, once each with who it waits for (names), for the office's table."""
    rules.check(ctx, "inbox.overview")
    merged: dict[str, dict] = {}
    people = ctx.session.scalars(select(models.User).where(models.User.is_active.is_(True)).order_by(models.User.full_name))
    for user in people:
        for item in items_for(ctx, user):
            if agency_id is not None and item.get("agency_id") != agency_id:
                continue
            row = merged.setdefault(item["key"], {**item, "for": []})
            row["for"].append(user.full_name)
    agencies = dict(ctx.session.execute(select(models.Agency.id, models.Agency.name)).all())
    rows = _enrich(list(merged.values()), entry_dates.local_day(ctx.settings), calendar.load(ctx))
    for row in rows:
        row["agency"] = agencies.get(row.get("agency_id")) or "—"
    return sorted(rows, key=lambda r: (r["agency"], not r["overdue"], r["due"] is None, r["due"] or date.max))


def by_agency(rows: list[dict]) -> list[dict]:
    """The overview's summary: per agency, how many items wait and how many are overdue."""
    groups: dict[tuple, dict] = {}
    for row in rows:
        group = groups.setdefault((row["agency"], row.get("agency_id")), {
            "agency": row["agency"], "agency_id": row.get("agency_id"), "total": 0, "overdue": 0,
            "kinds": defaultdict(int)})
        group["total"] += 1
        group["overdue"] += row["overdue"]
        group["kinds"][row["kind"]] += 1
    return list(groups.values())


def _export_rows(rows: list[dict], base: str) -> list[list]:
    return [[r["agency"], r["kind"], r["title"], formatting.day(r["due"]) if r["due"] else "",
             r["days_left"] if r["days_left"] is not None else "", "да" if r["overdue"] else "нет",
             ", ".join(r["for"]), base.rstrip("/") + r["url"]] for r in rows]


def export_csv(rows: list[dict], base: str) -> bytes:
    """The overview as CSV for Excel: UTF-8 with a BOM, semicolons (Russian Excel's list separator)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_export_rows(rows, base))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(rows: list[dict], base: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Входящие по органам"
    sheet.append(list(EXPORT_COLUMNS))
    for row in _export_rows(rows, base):
        sheet.append(row)
    for column, width in zip("ABCDEFGH", (40, 36, 60, 12, 12, 10, 40, 50)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
