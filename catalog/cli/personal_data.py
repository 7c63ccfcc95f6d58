"""Personal data (``catalog personal-data``, issue 20, 152-FZ): the report and the owner's decisions."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.group("personal-data")
def personal_data_group():
    """Персональные данные (152-ФЗ): где хранятся, решения о предложенных категориях."""


@personal_data_group.command("report")
@click.pass_obj
def report_command(env: Env):
    """Атрибуты с персональными данными по органам и системам; предложения, ждущие решения."""
    from catalog.enums import PersonalData
    from catalog.services import personal_data

    found = personal_data.report(env.context())
    for row in found.rows:
        counts = ", ".join(f"{PersonalData.label_of(c)} — {row.categories.get(c, 0)}" for c in personal_data.ORDER)
        click.echo(f"{row.agency}\t{row.system}\t{counts}, ждут решения — {row.suggested}\t"
                   f"витрины: {'; '.join(sorted(row.marts)) or 'нет'}\tручной ввод: {'; '.join(sorted(row.by_hand)) or 'нет'}")
    for attribute, where in found.pending:
        click.echo(f"предложено\t№ {attribute.id}\t{where} → {attribute.name}\t"
                   f"{PersonalData.label_of(attribute.pd_suggestion)}")
    if not found.rows:
        click.echo("Атрибутов с персональными данными нет.")


@personal_data_group.command("decide")
@click.argument("attribute_id", type=int)
@click.argument("decision", type=click.Choice(["accept", "reject"]))
@click.option("--category", type=click.Choice(["none", "general", "special", "biometric"]),
              help="Другая категория вместо предложенной.")
@click.pass_obj
def decide_command(env: Env, attribute_id, decision, category):
    """Принять (accept) или отклонить (reject) категорию, предложенную для атрибута."""
    from catalog.enums import PersonalData
    from catalog.services import personal_data

    attribute = personal_data.decide(env.context(), attribute_id, decision == "accept", category=category)
    click.echo(f"Атрибут «{attribute.name}»: {PersonalData.label_of(attribute.pd_category)}.")


COMMANDS = [personal_data_group]
