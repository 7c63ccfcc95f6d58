"""Projects that optimise a process: stages, application, roadmap, indicators."""
from __future__ import annotations

import click

from catalog.cli import Env
from catalog.formatting import day, number


@click.group("projects")
def projects_group():
    """Проекты оптимизации процессов."""


@projects_group.command("list")
@click.option("--agency", help="Код или номер органа — владельца процесса.")
@click.option("--stage", type=click.Choice(["initiation", "development", "implementation", "post_monitoring"]))
@click.pass_obj
def projects_list(env: Env, agency, stage):
    """Проекты: номер, этап, процесс, сроки."""
    from catalog.enums import ProjectStage
    from catalog.services import projects, records

    ctx = env.context()
    agency_id = records.find_by_code(ctx, "agencies", agency, "--agency").id if agency else None
    found = projects.list_projects(ctx, agency_id=agency_id, stage=stage)
    for p in found:
        dates = f"{day(p.start_date)}…{day(p.end_date)}" if p.start_date else "сроки не установлены"
        click.echo(f"{p.id}\t{ProjectStage.label_of(projects.current_stage(p))}\t{p.process.name}\t{dates}")
    if not found:
        click.echo("Проектов нет.")


@projects_group.command("show")
@click.argument("project_id", type=int)
@click.pass_obj
def projects_show(env: Env, project_id):
    """Проект: этапы с датами, заявка, дорожная карта, показатели и отклонения."""
    from catalog.enums import ApplicationDecision, KpiDirection, MeasureStatus, ProjectGround
    from catalog.services import projects, users

    ctx = env.context()
    p = projects.get_project(ctx, project_id)
    d = day
    who = lambda login: users.display_name(ctx, login)  # noqa: E731
    click.echo(f"Проект {p.id}: оптимизация процесса «{p.process.name}» ({p.process.agency.name})")
    click.echo(f"Основание: {ProjectGround.label_of(p.ground)}; Процессный офис "
               f"{'участвует' if p.with_office else 'не участвует'}")
    for s in projects.stages(p):
        click.echo(f"  {'*' if s['current'] else ' '} {s['label']}: {d(s['start'])} — {d(s['end'])}")
    state = projects.application_state(p, settings=ctx.settings)
    if state["required"]:
        flag = " (ПРОСРОЧЕН)" if state["overdue"] else " (ответ с опозданием)" if state["late"] else ""
        click.echo(f"Заявка: поступила {d(p.application_submitted_on)}, ответ до {d(p.application_due_on)}{flag}; "
                   f"{ApplicationDecision.label_of(p.application_decision) or 'ответа нет'}")
    click.echo(f"Дорожная карта: согласовано {who(p.agreed_by)} {d(p.agreed_on)}; "
               f"утверждено {who(p.approved_by)} {d(p.approved_on)}")
    for m in p.measures:
        late = " ПРОСРОЧЕНО" if projects.measure_overdue(m) else ""
        click.echo(f"  {m.position}. {m.name}: {d(m.planned_start)}…{d(m.planned_end)}, {m.responsible}, "
                   f"{MeasureStatus.label_of(m.status)}{late}")
    for k in p.kpis:
        values = ", ".join(f"{d(x.measured_on)}: {number(x.value)}{' (отклонение)' if x.deviates else ''}" for x in k.measurements)
        click.echo(f"  КПЭ {k.name}: {KpiDirection.label_of(k.direction)} {number(k.target)} {k.unit}; {values or 'измерений нет'}")
    for r in projects.open_requests(p):
        click.echo(f"  Запрос о причинах отклонения «{r.kpi.name}»: ответ до {d(r.due_on)}")


COMMANDS = [projects_group]
