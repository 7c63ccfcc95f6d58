"""Data described from its source (``catalog harvest``): a system's database read through SQLAlchemy."""
from __future__ import annotations

import click

from catalog.cli import Env
from catalog.cli.imports import _import_context


@click.group("harvest")
def harvest_group():
    """Описание данных из их источника: схема базы данных системы."""


@harvest_group.command("database")
@click.option("--system", "system_id", type=int, required=True, help="Номер информационной системы в каталоге.")
@click.option("--source", help="Имя источника из CATALOG_HARVEST_SOURCES (вместо строки подключения).")
@click.option("--schema", "schemas", multiple=True, help="Только эта схема; можно несколько (по умолчанию все).")
@click.option("--dry-run", is_flag=True, help="Только показать, что изменится; ничего не записывать.")
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.option("--limit", default=200, show_default=True, help="Сколько изменений напечатать.")
@click.argument("url", required=False)
@click.pass_obj
def harvest_database_command(env: Env, system_id, source, schemas, dry_run, as_login, limit, url):
    """Прочитать схему базы данных системы: схемы — наборы данных, таблицы и представления — сущности,
    столбцы — атрибуты, внешние ключи — связи. Строка подключения (URL) не сохраняется."""
    from catalog.formatting import number
    from catalog.services import harvest

    ctx = _import_context(env, as_login)
    report = harvest.harvest_database(ctx, system_id, url=url, source=source, schemas=list(schemas) or None,
                                      dry_run=dry_run)
    for line in report.lines(limit):
        click.echo(line)
    click.echo(f"Время: {number(report.seconds, 1)} с.", err=True)


COMMANDS = [harvest_group]
