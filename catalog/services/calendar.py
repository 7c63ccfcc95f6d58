"""The Russian production calendar as data: working-day arithmetic over it.

A day is working when it is Monday to Friday, unless the ``calendar_days`` table says otherwise: a
holiday (or a day off moved by a Government decree) on a weekday, or a Saturday or Sunday made working.
The official 2025 and 2026 calendars are loaded by migration 0008; others are set day by day or
imported from CSV (``catalog calendar``, the API). A year with no day in the table is «not loaded»: it
falls back to weekends and the fixed non-working holidays of the Labour Code, art. 112 part 1 (the moves
of days off by Government decree are unknown for it), and every answer computed over such a year says so
(:class:`Reckoned`, :func:`not_loaded_warning`) so that a deadline in it is never shown as certain.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import extract, select

from catalog import models
from catalog.enums import DayKind
from catalog.errors import BadParameter, InvalidInput
from catalog.schemas import CalendarDaySchema, validation_messages
from catalog.services import permissions, rules
from catalog.services.context import Context

MAX_SPAN_DAYS = 366 * 20  # arithmetic further than this is a typo, not a plan


# Labour Code of the Russian Federation, art. 112 part 1: «Нерабочими праздничными днями в Российской
# Федерации являются: 1, 2, 3, 4, 5, 6 и 8 января — Новогодние каникулы; 7 января — Рождество Христово;
# 23 февраля — День защитника Отечества; 8 марта — Международный женский день; 1 мая — Праздник Весны и
# Труда; 9 мая — День Победы; 12 июня — День России; 4 ноября — День народного единства.»
LABOUR_CODE_HOLIDAYS = frozenset({(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23),
                                  (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)})


def not_loaded_warning(years) -> str | None:
    """The sentence every answer computed over a year without a loaded calendar carries."""
    years = sorted(set(years))
    if not years:
        return None
    which = ", ".join(str(y) for y in years)
    noun = "год" if len(years) == 1 else "годы"
    return (f"Производственный календарь на {which} {noun} не загружен: рабочие дни посчитаны по выходным и "
            "праздникам статьи 112 Трудового кодекса, без переносов выходных дней.")


@dataclass(frozen=True)
class Reckoned:
    """An answer of the calendar with the years it had to guess (not loaded) on the way."""
    value: Any
    unloaded_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str | None:
        return not_loaded_warning(self.unloaded_years)

    def as_json(self) -> dict:
        return {"calendar_not_loaded": list(self.unloaded_years), "calendar_warning": self.warning}


class WorkCalendar:
    """Working-day arithmetic over a set of exceptions to the Monday to Friday rule.

    ``loaded_years``: the years the exceptions cover (by default, every year with an exception); other
    years use the Labour Code holidays, and the years so used since :meth:`reckon` are in ``unloaded``.
    """

    def __init__(self, exceptions: dict[date, str], loaded_years: set[int] | None = None):
        self.exceptions = exceptions
        self.loaded_years = set(loaded_years) if loaded_years is not None else {d.year for d in exceptions}
        self.unloaded: set[int] = set()

    def is_working(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY.value
        if day.year not in self.loaded_years:
            self.unloaded.add(day.year)
            return day.weekday() < 5 and (day.month, day.day) not in LABOUR_CODE_HOLIDAYS
        return day.weekday() < 5

    def reckon(self, how, *args) -> Reckoned:
        """``how(*args)`` (a method of this calendar) with the not-loaded years it touched."""
        self.unloaded = set()
        value = how(*args)
        return Reckoned(value, tuple(sorted(self.unloaded)))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it for negative n); ``start`` itself for 0.

        «Within three working days» of a date is ``add_working_days(date, 3)``: the day of receipt does not count.
        """
        if abs(n) > MAX_SPAN_DAYS:
            raise BadParameter("Слишком большое число рабочих дней.", {"days": [f"Не больше {MAX_SPAN_DAYS}."]})
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working(day):
                left -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (negative when b is before a).

        So ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        if abs((b - a).days) > MAX_SPAN_DAYS:
            raise BadParameter("Слишком длинный промежуток.", {"to": [f"Не больше {MAX_SPAN_DAYS} дней."]})
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += self.is_working(day)
        return count


def load(ctx: Context) -> WorkCalendar:
    """The calendar as the store has it now."""
    rows = ctx.session.execute(select(models.CalendarDay.day, models.CalendarDay.kind))
    return WorkCalendar({day: kind for day, kind in rows})


def add_working_days(ctx: Context, start: date, n: int) -> date:
    return load(ctx).add_working_days(start, n)


def working_days_between(ctx: Context, a: date, b: date) -> int:
    return load(ctx).working_days_between(a, b)


def is_working_day(ctx: Context, day: date) -> bool:
    return load(ctx).is_working(day)


def warning_for_dates(work_calendar: WorkCalendar, dates) -> str | None:
    """The not-loaded warning for working-day answers about these dates (deadlines, stage spans): any
    of them in a year without a loaded calendar was counted on the Labour Code holidays."""
    return not_loaded_warning({d.year for d in dates if d is not None} - work_calendar.loaded_years)


def add_working_days_reckoned(ctx: Context, start: date, n: int) -> Reckoned:
    """``add_working_days`` with the warning when a year on the way has no loaded calendar."""
    cal = load(ctx)
    return cal.reckon(cal.add_working_days, start, n)


def working_days_between_reckoned(ctx: Context, a: date, b: date) -> Reckoned:
    cal = load(ctx)
    return cal.reckon(cal.working_days_between, a, b)


def list_days(ctx: Context, year: int | None = None) -> list[models.CalendarDay]:
    permissions.require_read(ctx)
    query = select(models.CalendarDay).order_by(models.CalendarDay.day)
    if year is not None:
        query = query.where(extract("year", models.CalendarDay.day) == year)
    return list(ctx.session.scalars(query))


def years(ctx: Context) -> list[int]:
    return sorted({d.year for d in ctx.session.scalars(select(models.CalendarDay.day))})


def _check(data: dict, where: str = "") -> dict:
    try:
        return CalendarDaySchema().load(data)
    except ValidationError as error:
        raise InvalidInput(f"{where}День календаря не прошёл проверку.", validation_messages(error)) from None


def _put(ctx: Context, values: dict) -> models.CalendarDay:
    row = ctx.session.get(models.CalendarDay, values["day"])
    if row is None:
        row = models.CalendarDay(day=values["day"])
        ctx.session.add(row)
    row.kind, row.note = values["kind"], values.get("note")
    return row


@rules.operation("calendar.set_day")
def set_day(ctx: Context, data: dict) -> models.CalendarDay:
    """Mark a day as a holiday or a working day (an exception to the Monday to Friday rule)."""
    rules.check(ctx, "calendar.set_day")
    row = _put(ctx, _check(data))
    ctx.finish()
    return row


@rules.operation("calendar.clear_day")
def clear_day(ctx: Context, day: date) -> None:
    """Remove an exception: the day follows the Monday to Friday rule again."""
    rules.check(ctx, "calendar.clear_day")
    row = ctx.get(models.CalendarDay, day, f"День {day:%d.%m.%Y} не отмечен в календаре.")
    ctx.session.delete(row)
    ctx.finish()


@rules.operation("calendar.import")
def import_csv(ctx: Context, text: str) -> int:
    """Rows «date,kind[,note]» (a header row «date,kind,note» may come first); all or nothing."""
    rules.check(ctx, "calendar.import")
    rows, errors = [], {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in ("date", "day", "дата"):
            continue
        data = {"day": row[0].strip(), "kind": row[1].strip() if len(row) > 1 else "",
                "note": row[2].strip() if len(row) > 2 else None}
        try:
            rows.append(CalendarDaySchema().load(data))
        except ValidationError as error:
            for field, messages in validation_messages(error).items():
                errors[f"строка {number}: {field}"] = messages
    if errors:
        raise InvalidInput("Файл календаря не загружен: исправьте строки.", errors)
    for values in rows:
        _put(ctx, values)
    ctx.finish()
    return len(rows)
