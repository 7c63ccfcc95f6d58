"""The demo region and generated catalogues of its shape (for measurements)."""
from __future__ import annotations

import time

import click
from sqlalchemy import select

from catalog import models
from catalog.cli import Env, progress


@click.command()
@click.option("--if-empty", is_flag=True, help="Ничего не делать, если в каталоге уже есть процессы.")
@click.pass_obj
def demo(env: Env, if_empty):
    """Загрузить демонстрационный регион и учётные записи по ролям."""
    from catalog.demo.loader import DEMO_PASSWORD, load_demo

    ctx = env.context()
    ctx.system_actor = "загрузка демо-региона"
    if if_empty and ctx.session.scalar(select(models.Process.id).limit(1)) is not None:
        click.echo("Каталог не пуст: демонстрационные данные не загружались.")
        return
    counts = load_demo(ctx, progress)
    click.echo("Загружено: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    from catalog.services import names, search

    click.echo(f"Поисковый индекс: {search.reindex(ctx, progress)} записей.")
    click.echo("Названия и типовой перечень: "
               + ", ".join(f"{k} {v}" for k, v in names.match_names(ctx).items()) + ".")
    click.echo(f"Учётные записи: admin, office, architect, editor, mart, reader; пароль «{DEMO_PASSWORD}».")


@click.command()
@click.option("--processes", type=click.IntRange(min=1), required=True, help="Сколько процессов создать.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.pass_obj
def generate(env: Env, processes, seed):
    """Заполнить пустой каталог сгенерированными данными того же вида, что демо-регион (для замеров)."""
    from catalog.demo.generator import generate as make
    from catalog.demo.loader import load_catalogue

    ctx = env.context(autocommit=False)
    started = time.perf_counter()
    click.echo(f"Генерация описания на {processes} процессов…", err=True)
    data = make(processes, seed=seed)
    counts = load_catalogue(ctx, data, progress)
    ctx.session.commit()
    click.echo("Загружено: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f" за {time.perf_counter() - started:.1f} с")


COMMANDS = [demo, generate]
