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
    from catalog.demo.loader import DEMO_PASSWORD, demo_accounts, load_demo
    from catalog.formatting import counted

    ctx = env.context()
    ctx.system_actor = "загрузка демо-региона"
    if if_empty and ctx.session.scalar(select(models.Process.id).limit(1)) is not None:
        click.echo("Каталог не пуст: демонстрационные данные не загружались.")
        return
    counts = load_demo(ctx, progress)
    click.echo("Загружено: " + loaded_summary(counts) + ".")
    from catalog.services import names, search

    click.echo(f"Поисковый индекс: {counted(search.reindex(ctx, progress), 'запись')}.")
    click.echo("Названия и типовой перечень: "
               + ", ".join(f"{k} {v}" for k, v in names.match_names(ctx).items()) + ".")
    click.echo("Учётные записи: " + ", ".join(f"{u.login} ({purpose})" for u, purpose in demo_accounts(ctx))
               + f"; пароль «{DEMO_PASSWORD}».")


def loaded_summary(counts: dict) -> str:
    """«Органы и организации: 28, …, паспорта процессов: 12»: kinds by their labels, counts with spaces."""
    from catalog.formatting import number
    from catalog.kinds import KINDS

    return ", ".join(f"{KINDS[k].label if k in KINDS else k}: {number(v, 0)}" for k, v in counts.items())


@click.command()
@click.option("--processes", type=click.IntRange(min=1), required=True, help="Сколько процессов создать.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--passports", "passport_share", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Доля процессов с паспортами AS-IS и TO-BE (с шагами и стоимостью).")
@click.pass_obj
def generate(env: Env, processes, seed, passport_share):
    """Заполнить пустой каталог сгенерированными данными того же вида, что демо-регион (для замеров): реестр,
    паспорта, таблица окладов, проекты оптимизации, заявки на системы, история статусов."""
    from catalog.demo.generator import extras, generate as make, load_extras
    from catalog.formatting import counted
    from catalog.demo.loader import load_catalogue

    ctx = env.context(autocommit=False)
    started = time.perf_counter()
    click.echo(f"Генерация описания на {counted(processes, 'процесс')}…", err=True)
    data = make(processes, seed=seed)
    counts = load_catalogue(ctx, data, progress)
    added = load_extras(ctx, extras(data, seed, passport_share), progress)
    from catalog.services import kept

    kept.rebuild(ctx.session)  # the dashboard's and the home page's figures, once for the whole load
    ctx.session.commit()
    counts.update({"паспорта процессов": added.get("passports", 0), "проекты оптимизации": added.get("projects", 0),
                   "заявки на системы": added.get("requests", 0)})
    from catalog.formatting import seconds

    click.echo("Загружено: " + loaded_summary(counts) + f" за {seconds(time.perf_counter() - started)}")


COMMANDS = [demo, generate]
