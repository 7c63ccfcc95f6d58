"""Measured quality of data marts (``catalog quality``): measure one mart now, or all of them from cron."""
from __future__ import annotations

import click

from catalog.cli import Env
from catalog.services import users


def _context(env: Env, as_login: str | None):
    ctx = env.context()
    if as_login:
        ctx.user, ctx.is_system = users.find_user(ctx, as_login), False
    return ctx


def _line(mart, found) -> str:
    from catalog.formatting import counted, number

    shown = "; ".join(f"{label} {number(getattr(found, name), 1)} %" for name, label in
                      (("completeness", "полнота"), ("accuracy", "достоверность"), ("timeliness", "актуальность")))
    sample = " (выборка: сработал предел)" if found.limited else ""
    return (f"«{mart.name}»: {shown}; прочитано {counted(found.rows_read, 'строка')}{sample} "
            f"за {number(found.seconds, 2)} с.")


@click.group("quality")
def quality_group():
    """Качество данных витрин, измеренное по их базе данных."""


@quality_group.command("measure")
@click.argument("mart_id", type=int)
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.pass_obj
def measure_command(env: Env, mart_id, as_login):
    """Измерить полноту, достоверность и актуальность витрины MART_ID сейчас и сохранить измерение."""
    from catalog.services import measurement

    ctx = _context(env, as_login)
    found = measurement.measure(ctx, mart_id)
    mart = measurement.get_mart(ctx, mart_id)
    click.echo(_line(mart, found))
    for shortfall in measurement.shortfalls(mart, found):
        click.echo(f"Ниже порога: {shortfall}.")


@quality_group.command("run")
@click.pass_obj
def run_command(env: Env):
    """Измерить все витрины, для которых указаны источник и таблица (для cron), и напечатать отчёт о
    витринах ниже порога. Код выхода 1, если какую-то витрину прочитать не удалось."""
    from catalog.formatting import counted
    from catalog.services import measurement

    ctx = _context(env, None)
    results = measurement.run(ctx)
    failed = 0
    for mart, found, error in results:
        if found is None:
            failed += 1
            click.echo(f"«{mart.name}»: не измерена — {error}", err=True)
        else:
            click.echo(_line(mart, found))
    low = measurement.below_threshold(ctx)
    click.echo(f"Измерено: {counted(len(results) - failed, 'витрина')}; ниже порога: {counted(len(low), 'витрина')}.")
    for row in low:
        click.echo(f"  «{row['mart'].name}»: {'; '.join(row['shortfalls'])}.")
    if failed:
        raise SystemExit(1)


COMMANDS = [quality_group]
