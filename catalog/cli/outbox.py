"""The outbox consumer and the projections it feeds: search, graph, re-checks of system requests."""
from __future__ import annotations

import sys

import click

from catalog.cli import Env


@click.group("outbox")
def outbox_group():
    """Журнал изменений и проекции, которые его применяют: поиск, граф, проверки заявок."""


def _applied_line(consumer, applied: dict) -> str:
    return "Применено событий: " + ", ".join(f"{consumer.feeds[name].label} {count}"
                                             for name, count in applied.items()) + "."


@outbox_group.command("follow")
@click.option("--once", is_flag=True, help="Применить накопленное и завершиться.")
@click.pass_obj
def outbox_follow(env: Env, once):
    """Держать проекции в актуальном состоянии (для CATALOG_OUTBOX_CONSUMER=external)."""
    consumer = env.outbox()
    if once:
        click.echo(_applied_line(consumer, consumer.run_once()))
        for name, message in consumer.errors.items():
            click.echo(f"{consumer.feeds[name].label}: {message}", err=True)
        sys.exit(1 if consumer.errors else 0)

    def report(what: str, applied: dict) -> None:
        if what == "standby":
            click.echo("Журнал применяет другой процесс; жду, пока он не завершится.", err=True)
        elif what == "lead":
            click.echo("Применяю журнал изменений (Ctrl+C — остановить).", err=True)
        else:
            click.echo(_applied_line(consumer, applied))

    try:
        consumer.run_forever(report)
    except KeyboardInterrupt:
        pass


@outbox_group.command("status")
@click.pass_obj
def outbox_status(env: Env):
    """Сколько событий журнала ещё не применено к каждой проекции."""
    for label, position, pending in env.outbox().status():
        click.echo(f"{label}: применено до события {position}, не применено {pending}")


COMMANDS = [outbox_group]
