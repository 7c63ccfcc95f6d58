"""The production calendar: holidays and moved working days."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from catalog.cli import Env
from catalog.formatting import counted, day as ru_day


@click.group("calendar")
def calendar_group():
    """Производственный календарь: праздники и перенесённые рабочие дни."""


def _iso_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("ожидается дата ГГГГ-ММ-ДД", param_hint=name) from None


@calendar_group.command("show")
@click.argument("year", type=int)
@click.pass_obj
def calendar_show(env: Env, year):
    """Дни года, отличающиеся от правила «пн–пт», и число рабочих дней."""
    from catalog.enums import DayKind
    from catalog.services import calendar

    ctx = env.context()
    for d in calendar.list_days(ctx, year):
        click.echo(f"{ru_day(d.day)}\t{DayKind.label_of(d.kind)}\t{d.note or ''}")
    working = calendar.working_days_between_reckoned(ctx, date(year - 1, 12, 31), date(year, 12, 31))
    click.echo(f"{year}: {counted(working.value, 'рабочий день')}")
    if working.warning:
        click.echo(working.warning)


@calendar_group.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.option("--note", help="Примечание (например, основание переноса).")
@click.pass_obj
def calendar_set(env: Env, day, kind, note):
    """Отметить день как нерабочий (holiday) или рабочий (workday)."""
    from catalog.services import calendar

    row = calendar.set_day(env.context(), {"day": day, "kind": kind, "note": note})
    click.echo(f"{row.day.isoformat()}: {kind}")


@calendar_group.command("clear")
@click.argument("day")
@click.pass_obj
def calendar_clear(env: Env, day):
    """Снять отметку: день снова по правилу «пн–пт»."""
    from catalog.services import calendar

    calendar.clear_day(env.context(), _iso_date(day, "DAY"))
    click.echo(f"{day}: по правилу «пн–пт»")


@calendar_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def calendar_import(env: Env, path):
    """Загрузить CSV «date,kind,note» (kind: holiday | workday); всё или ничего."""
    from catalog.services import calendar

    count = calendar.import_csv(env.context(), path.read_text(encoding="utf-8-sig"))
    click.echo(f"Загружено дней: {count}")


@calendar_group.command("add")
@click.argument("day")
@click.argument("days", type=int)
@click.pass_obj
def calendar_add(env: Env, day, days):
    """Дата через DAYS рабочих дней после DAY."""
    from catalog.services import calendar

    found = calendar.add_working_days_reckoned(env.context(), _iso_date(day, "DAY"), days)
    click.echo(found.value.isoformat())
    if found.warning:
        click.echo(found.warning, err=True)


@calendar_group.command("between")
@click.argument("first")
@click.argument("last")
@click.pass_obj
def calendar_between(env: Env, first, last):
    """Рабочих дней после FIRST до LAST включительно."""
    from catalog.services import calendar

    found = calendar.working_days_between_reckoned(env.context(), _iso_date(first, "FIRST"), _iso_date(last, "LAST"))
    click.echo(found.value)
    if found.warning:
        click.echo(found.warning, err=True)


COMMANDS = [calendar_group]
