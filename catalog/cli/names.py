"""Names of processes and services against the typical list."""
from __future__ import annotations

import click

from catalog.cli import Env, progress


@click.group("names")
def names_group():
    """Соответствие названий процессов и услуг типовому перечню."""


@names_group.command("match")
@click.pass_obj
def names_match(env: Env):
    """Сопоставить названия с типовым перечнем (решения редакторов сохраняются)."""
    from catalog.services import names

    counts = names.match_names(env.context(), progress)
    click.echo("Сопоставлено: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")


@names_group.command("report")
@click.pass_obj
def names_report(env: Env):
    """Доля названий, соответствующих типовому перечню, по органам и всего."""
    from catalog.formatting import number
    from catalog.services import names

    answer = names.report(env.context())
    click.echo("Орган\tназваний\tсоответствуют\tдоля, %\tсвязаны\tждут решения")
    for row in [*answer.rows, answer.total]:
        click.echo(f"{row.agency}\t{row.names}\t{row.conforming}\t{number(row.share * 100, 1, exact=True)}\t{row.linked}\t{row.pending}")


COMMANDS = [names_group]
