"""The figures of an agency or of the whole region."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command("dashboard")
@click.option("--agency", "agency_id", type=int, help="Номер органа; без него — весь регион.")
@click.pass_obj
def dashboard_command(env: Env, agency_id):
    """Показатели органа или региона: статусы, доли, стоимость и эффект."""
    from catalog.services import dashboard

    board = dashboard.dashboard(env.context(), agency_id)
    total = board.total
    click.echo(f"{board.title}: процессов {total.processes}, в цифровом виде {total.digital_share:.0%}, "
               f"оптимизированы {total.optimised_share:.0%}")
    click.echo(f"стоимость в год: AS-IS {total.cost_as_is:.2f}, TO-BE {total.cost_to_be:.2f}, "
               f"эффект {total.effect:.2f} руб., {total.fte:.2f} шт. ед.")
    for _, label, count in board.statuses:
        click.echo(f"  {label}: {count}")


COMMANDS = [dashboard_command]
