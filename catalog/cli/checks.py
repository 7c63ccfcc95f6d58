"""``catalog check``: what stands outside the rules of issue 17 (the gate; statuses and their evidence)."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.group("check")
def check_group():
    """Что стоит вне правил: системы и автоматизация без заключения, статусы без подтверждения."""


@check_group.command("gate")
@click.pass_obj
def check_gate(env: Env):
    """Системы и связи автоматизации вне правила шлюза, с причиной."""
    from catalog.formatting import counted
    from catalog.services import gate

    items = gate.outside_rule(env.context())
    for item in items:
        click.echo(f"{item['kind']}\t№ {item['id']}\t{item['title']}\t{item['why']}")
    found = gate.counts(items)
    click.echo(f"Вне правила: {counted(found['systems'], 'система')} и {counted(found['links'], 'связь')} автоматизации."
               if items else "Все системы и связи автоматизации соответствуют правилу.")


@check_group.command("statuses")
@click.option("--agency", type=int, help="Номер органа")
@click.option("--apply", "apply_", is_flag=True, help="Выровнять статусы по этапам проектов оптимизации")
@click.pass_obj
def check_statuses(env: Env, agency, apply_):
    """Процессы, у которых статус и подтверждение расходятся."""
    from catalog.enums import ProcessStatus
    from catalog.formatting import counted
    from catalog.services import evidence

    ctx = env.context()
    if apply_:
        for process_id, before, after in evidence.follow_projects(ctx):
            click.echo(f"Процесс № {process_id}: «{ProcessStatus.label_of(before)}» → «{ProcessStatus.label_of(after)}» "
                       "(по этапу проекта оптимизации)")
    rows = evidence.status_problems(ctx, agency_id=agency)
    for row in rows:
        click.echo(f"№ {row['process_id']}\t{row['registry_id']}\t{row['name']}\t{row['status_label']}\t{row['why']}")
    click.echo(f"Расходятся: {counted(len(rows), 'запись')}." if rows else "Статусы всех процессов подтверждены.")


COMMANDS = [check_group]
