"""The history of a record in words, as its page shows it."""
from __future__ import annotations

import click

from catalog.cli import Env

# Kinds whose history lives with them but that are not catalogue records.
OTHER = {"passports": "passports", "projects": "projects", "requests": "requests"}


@click.command("history")
@click.argument("kind")
@click.argument("record_id", type=int)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Сколько изменений показать.")
@click.pass_obj
def history_command(env: Env, kind, record_id, limit):
    """История записи: кто, когда и что изменил (KIND — processes, systems, …, passports, projects, requests)."""
    from catalog.kinds import KINDS
    from catalog.services import feed, passports, projects, records, requests

    ctx = env.context()
    if kind in KINDS:
        events = records.record_history(ctx, kind, record_id)
    elif kind == "passports":
        events = passports.passport_history(ctx, record_id)
    elif kind == "projects":
        events = projects.project_history(ctx, record_id)
    elif kind == "requests":
        events = requests.request_history(ctx, record_id)
    else:
        known = ", ".join(list(KINDS) + list(OTHER))
        raise click.BadParameter(f"нет такого вида записей; допустимо: {known}", param_hint="KIND")
    lines = feed.as_lines(feed.describe(ctx, events[:limit]), env.settings.timezone)
    click.echo("\n".join(lines) if lines else "Изменений нет.")


COMMANDS = [history_command]
