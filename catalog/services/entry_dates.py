"""Dates the server records beside the dates people give (issue 16).

A user says when something happened: the application's receipt and the office's answer (Leningrad 4.2),
the roadmap's «согласовано» and «утверждаю» (4.3–4.4), a KPI measurement, an owner's answer about a
deviation and the office's assessment of it (4.5). The server keeps, beside each, its own time of entry.
A date more than ``Settings.backdate_days`` before the day of entry (in the catalogue's time zone) is a
late entry: a person must say why (``late_reason``), and pages show it as «внесено позже» with the entry
date. The server itself (the CLI, loaders, imports of older documents) records history without a reason;
its late entries are shown the same way.

Which date counts for a deadline, and why:

- the application's answer (4.2: «в течение трех рабочих дней направляет ответ»): the answer is given
  when it is given to the agency. An answer entered within the tolerance counts on the date the office
  gives (it sent a letter and entered it the next day); a late entry counts on the day it was entered,
  so an answer entered on 01.12 as 24.11 is not on time for a term ending 26.11 (``counted_on``);
- the deviation request to the owner (4.5: «по запросу Процессного офиса … предоставляет информацию»)
  exists once the office has recorded the measurement: its term runs from the day of entry, not from a
  backdated measurement date, or the owner would be late before hearing of it;
- the application's receipt counts as given (4.2 counts the three days from the receipt): it is a
  registered letter's date, and a late entry of it is flagged and needs a reason like any other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from catalog import formatting
from catalog.config import Settings
from catalog.errors import InvalidInput
from catalog.services.context import Context

REASON_FIELD = "late_reason"


@dataclass(frozen=True)
class Entry:
    given: date
    entered_at: datetime
    reason: str | None
    late: bool


def now() -> datetime:
    return datetime.now(UTC)


def local_day(settings: Settings, moment: datetime | None = None) -> date:
    """The day of ``moment`` (now by default) in the catalogue's time zone."""
    moment = moment or now()
    if moment.tzinfo is None:  # SQLite gives back naive datetimes; they are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def catalogue_today() -> date:
    """Today in the catalogue's configured time zone (``CATALOG_TIMEZONE``), for rules with no settings at hand
    (a project's stage, a measure overdue): the day ``local_day`` gives the dates people enter. The machine's
    date is a day behind in the evening east of it: a roadmap approved «today» at 23:30 in Samara was still
    «in development» until the machine's midnight."""
    import os

    return datetime.now(ZoneInfo(os.environ.get("CATALOG_TIMEZONE") or Settings.timezone)).date()


def is_late(settings: Settings, given: date | None, entered_at: datetime | None) -> bool:
    """Entered more than the tolerance after the date given."""
    if given is None or entered_at is None:
        return False
    return (local_day(settings, entered_at) - given).days > settings.backdate_days


def counted_on(settings: Settings, given: date | None, entered_at: datetime | None) -> date | None:
    """The date a deadline judges: the given date, or the day of entry when it was entered late."""
    if given is None:
        return None
    return local_day(settings, entered_at) if is_late(settings, given, entered_at) else given


def accept(ctx: Context, field: str, given: date, reason: str | None = None) -> Entry:
    """Check a date a user gives for ``field`` and stamp its entry: not in the future, and no further back
    than the tolerance unless a reason is given."""
    today = local_day(ctx.settings)
    if given > today:
        raise InvalidInput(f"Дата {formatting.day(given)} ещё не наступила.",
                           {field: ["Дата не может быть позже сегодняшней."]})
    reason = (reason or "").strip() or None
    late = (today - given).days > ctx.settings.backdate_days
    if late and reason is None and not ctx.is_system:
        days = formatting.counted(ctx.settings.backdate_days, "день")
        raise InvalidInput(
            f"Дата {formatting.day(given)} раньше сегодняшней больше чем на {days}: укажите причину позднего внесения.",
            {field: [f"Дата раньше сегодняшней больше чем на {days}."],
             REASON_FIELD: ["Укажите, почему дата вносится позже (например, ответ направлен письмом)."]})
    return Entry(given, now(), reason if late else None, late)


def describe(settings: Settings, given: date | None, entered_at: datetime | None, reason: str | None = None) -> str | None:
    """«внесено позже: 01.12.2026 (причина)» for a late entry; None otherwise."""
    if not is_late(settings, given, entered_at):
        return None
    text = f"внесено позже: {formatting.day(local_day(settings, entered_at))}"
    return f"{text} ({reason})" if reason else text


def as_json(settings: Settings, given: date | None, entered_at: datetime | None, reason: str | None = None) -> dict:
    """The API's view of a given date: the entry time, whether it was entered late and why."""
    return {"entered_at": entered_at.isoformat() if entered_at else None,
            "entered_late": is_late(settings, given, entered_at), "late_reason": reason}
