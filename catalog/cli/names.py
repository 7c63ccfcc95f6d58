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
@click.option("--sphere", "sphere", default=None, help="Код или номер сферы муниципальных услуг: только её услуги.")
@click.pass_obj
def names_report(env: Env, sphere):
    """Соответствие названий типовому перечню по органам, по сферам и всего."""
    from catalog.formatting import number
    from catalog.services import names, records

    ctx = env.context()
    sphere_id = records.find_by_code(ctx, "service-spheres", sphere, "--sphere").id if sphere else None
    answer = names.report(ctx, sphere_id)

    def line(row) -> str:
        return f"{row.names}\t{row.conforming}\t{number(row.share * 100, 1, exact=True)}\t{row.linked}\t{row.pending}"

    click.echo("Орган\tназваний\tсоответствуют\tдоля, %\tсвязаны\tждут решения")
    for row in [*answer.rows, answer.total]:
        click.echo(f"{row.agency}\t{line(row)}")
    if answer.spheres:
        click.echo("\nСфера\tкурирующий орган\tназваний\tсоответствуют\tдоля, %\tсвязаны\tждут решения")
        for row in answer.spheres:
            click.echo(f"{row.agency}\t{row.curator or '—'}\t{line(row)}")


COMMANDS = [names_group]
