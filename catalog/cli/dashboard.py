"""The figures of an agency or of the whole region."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.command("dashboard")
@click.option("--agency", "agency_id", type=int, help="Номер органа; без него — весь регион.")
@click.option("--rebuild", is_flag=True,
              help="Сначала пересчитать хранимые показатели заново (после правки базы в обход каталога).")
@click.pass_obj
def dashboard_command(env: Env, agency_id, rebuild):
    """Показатели органа или региона: статусы, доли, стоимость и эффект."""
    from catalog import formatting as f
    from catalog.services import dashboard

    if rebuild:
        counted = dashboard.rebuild_figures(env.context())
        click.echo(f"Показатели пересчитаны: {f.counted(sum(counted.values()), 'запись')} каталога.")
    board = dashboard.dashboard(env.context(), agency_id)
    total = board.total
    click.echo(f"{board.title}: {f.counted(total.processes, 'процесс')}, в цифровом виде {f.percent(total.digital_share, 0)}, "
               f"оптимизированы {f.percent(total.optimised_share, 0)}")
    click.echo(f"стоимость в год: как есть (AS-IS) {f.money(total.cost_as_is)}, как будет (TO-BE) {f.money(total.cost_to_be)}, "
               f"эффект {f.money(total.effect)}, высвобождается {f.counted(total.fte, 'штатная единица', 2)}")
    for _, label, count in board.statuses:
        click.echo(f"  {label}: {count}")
    rules = board.rules
    click.echo(f"вне правил: без заключения — {f.counted(rules.systems_outside_gate, 'система')} и "
               f"{f.counted(rules.links_outside_gate, 'связь')} автоматизации (catalog check gate); "
               f"не подтверждено — {f.counted(rules.unconfirmed_statuses, 'статус')} (catalog check statuses); "
               f"устарела проверка качества — {f.counted(rules.stale_marts, 'витрина')}; "
               f"МСЗУ не оптимизированы — {f.counted(total.mszu_not_optimised, 'процесс')} из {total.mszu}")


COMMANDS = [dashboard_command]
