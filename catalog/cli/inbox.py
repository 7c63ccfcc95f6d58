"""The inbox from the command line: a person's tasks, and every agency's as a table or a file."""
from __future__ import annotations

from pathlib import Path

import click

from catalog.cli import Env


@click.group("inbox")
def inbox_group():
    """Входящие: что ждёт ответа и к какому сроку (в рабочих днях)."""


@inbox_group.command("show")
@click.argument("login")
@click.pass_obj
def inbox_show(env: Env, login):
    """Входящие пользователя LOGIN."""
    from catalog.formatting import counted
    from catalog.services import inbox, users

    ctx = env.context()
    items = inbox.items_for(ctx, users.find_user(ctx, login))
    for item in items:
        click.echo(f"{'!' if item['overdue'] else ' '} {item['kind']}: {item['title']} — {item['due_text']}")
    click.echo(f"Всего: {counted(len(items), 'задача')}, просрочено: {sum(i['overdue'] for i in items)}.")


@inbox_group.command("agencies")
@click.option("--agency", "agency_code", help="Код органа (по умолчанию — все органы).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Файл .xlsx или .csv; без него — таблица по органам на экран.")
@click.pass_obj
def inbox_agencies(env: Env, agency_code, output):
    """Входящие всех органов: сводка или файл для Excel."""
    from sqlalchemy import select

    from catalog import models
    from catalog.services import inbox

    ctx = env.context()
    agency_id = None
    if agency_code:
        agency_id = ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == agency_code))
        if agency_id is None:
            raise click.ClickException(f"Орган с кодом «{agency_code}» не найден.")
    rows = inbox.overview(ctx, agency_id)
    if output is None:
        for group in inbox.by_agency(rows):
            click.echo(f"{group['agency']}: задач {group['total']}, просрочено {group['overdue']}")
        return
    if output.suffix.lower() not in (".xlsx", ".csv"):
        raise click.BadParameter("ожидается файл .xlsx или .csv", param_hint="--output")
    export = inbox.export_xlsx if output.suffix.lower() == ".xlsx" else inbox.export_csv
    output.write_bytes(export(rows, ctx.settings.base_iri))
    click.echo(f"Записано строк: {len(rows)} → {output}")


COMMANDS = (inbox_group,)
