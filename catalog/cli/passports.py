"""Process passports: the AS-IS and TO-BE variants."""
from __future__ import annotations

import click

from catalog.cli import Env
from catalog.enums import PassportState, PassportVariant
from catalog.formatting import counted


@click.group("passports")
def passports_group():
    """Паспорта процессов: варианты AS-IS и TO-BE."""


@passports_group.command("list")
@click.argument("process_id", type=int)
@click.pass_obj
def passports_list(env: Env, process_id):
    """Паспорта процесса: вариант, версия, состояние, шаги, лишние данные."""
    from catalog.services import passports

    for p in passports.list_passports(env.context(), process_id):
        excess = ", ".join(d.name for d in passports.excess_data(p)) or "нет"
        click.echo(f"{p.id}\t{PassportVariant.label_of(p.variant)}\tредакция {p.revision}\t{PassportState.label_of(p.state)}\t"
                   f"{counted(len(p.steps), 'шаг')}\tлишние данные: {excess}")


@passports_group.command("approve")
@click.argument("passport_id", type=int)
@click.pass_obj
def passports_approve(env: Env, passport_id):
    """Утвердить паспорт (от имени органа — владельца процесса)."""
    from catalog.services import passports

    passport = passports.approve(env.context(), passport_id)
    click.echo(f"Паспорт {passport.id} утверждён.")


COMMANDS = [passports_group]
