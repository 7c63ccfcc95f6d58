"""The store itself: create or migrate the schema, dump the whole catalogue, restore it into an empty one."""
from __future__ import annotations

from pathlib import Path

import click

from catalog.cli import Env, progress
from catalog.db import migrate


@click.command()
@click.pass_obj
def init(env: Env):
    """Создать базу данных или обновить её схему до последней версии."""
    migrate(env.engine)
    click.echo(f"Схема базы данных актуальна: {env.engine.url.render_as_string(hide_password=True)}")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def dump(env: Env, path):
    """Выгрузить весь каталог (записи, связи, историю, пользователей) в файл .jsonl.gz."""
    from catalog.services import store

    counts = store.dump(env.context().session, path, progress)
    click.echo(f"Выгружено в {path}: {sum(counts.values())} строк.")


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore(env: Env, path):
    """Восстановить каталог из выгрузки в пустую базу."""
    from catalog.services import store

    counts = store.restore(env.context().session, path, progress)
    click.echo(f"Восстановлено из {path}: {sum(counts.values())} строк.")


COMMANDS = [init, dump, restore]
