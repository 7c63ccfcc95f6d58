"""The cost of a process and the positions of the cost calculator."""
from __future__ import annotations

from pathlib import Path

import click

from catalog.cli import Env


@click.command("costs")
@click.argument("process_id", type=int)
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), help="Выгрузить расчёт в файл Excel.")
@click.pass_obj
def costs_command(env: Env, process_id, xlsx_path):
    """Стоимость процесса по вариантам AS-IS и TO-BE и эффект оптимизации."""
    from catalog import formatting as f
    from catalog.enums import PassportVariant
    from catalog.services import costs

    result = costs.process_costs(env.context(), process_id)
    for variant, cost in result.costs.items():
        click.echo(f"{PassportVariant.label_of(variant)}\tв год {f.money(cost.per_year)}\tэкземпляр {f.money(cost.per_instance)}")
        for warning in cost.warnings:
            click.echo(f"  ! {warning}")
    if result.effect:
        click.echo(f"эффект\t{f.money(result.effect.money_per_year)} в год\t{f.counted(result.effect.fte, 'штатная единица', 3)}")
    if xlsx_path:
        Path(xlsx_path).write_bytes(costs.export_xlsx(result))
        click.echo(f"Расчёт выгружен в {xlsx_path}.")


@click.group("positions")
def positions_group():
    """Справочник должностей калькулятора стоимости."""


@positions_group.command("list")
@click.pass_obj
def positions_list(env: Env):
    from catalog import formatting as f
    from catalog.services import costs

    for p in costs.list_positions(env.context()):
        click.echo(f"{p.id}\t{p.name}\t{f.money(p.monthly_pay)} в месяц\tкоэффициент {f.number(p.payroll_coefficient)}\t"
                   f"{f.hours(p.annual_hours)} в год\t{f.money(p.hourly_cost)} за час")


@positions_group.command("add")
@click.argument("name")
@click.option("--pay", type=float, required=True, help="Денежное содержание в месяц, руб.")
@click.option("--coefficient", type=float, default=1.302, show_default=True)
@click.option("--hours", type=float, default=1973, show_default=True, help="Фонд рабочего времени в год.")
@click.pass_obj
def positions_add(env: Env, name, pay, coefficient, hours):
    from catalog import formatting as f
    from catalog.services import costs

    position = costs.save_position(env.context(), {"name": name, "monthly_pay": pay,
                                                    "payroll_coefficient": coefficient, "annual_hours": hours})
    click.echo(f"Должность {position.id}: час работы {f.money(position.hourly_cost)}")


COMMANDS = [costs_command, positions_group]
