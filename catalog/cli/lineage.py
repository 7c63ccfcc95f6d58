"""The graph: lineage and impact of a record, the architect's reports, the neo4j projection."""
from __future__ import annotations

import sys
import time

import click

from catalog.cli import Env, progress


# Singular names a person types for the kinds one follows most («catalog lineage attribute 12»).
KIND_ALIASES = {"attribute": "attributes", "dataset": "datasets", "entity": "entities", "process": "processes",
                "system": "systems", "mart": "marts"}


@click.command()
@click.argument("kind")
@click.argument("record_id")
@click.option("--direction", type=click.Choice(["upstream", "downstream", "both"]), default="both", show_default=True)
@click.option("--depth", type=int, default=3, show_default=True)
@click.option("--edge-types", help="Типы связей через запятую, например CONSUMES,STORED_IN.")
@click.option("--json", "as_json", is_flag=True, help="Для «data»: ответ в JSON, как в API.")
@click.pass_obj
def lineage(env: Env, kind, record_id, direction, depth, edge_types, as_json):
    """Происхождение и влияние записи: таблица записей по шагам.

    «catalog lineage attribute 12» — атрибут вверх и вниз; «catalog lineage data СНИЛС» — кто и где
    использует данные: атрибуты, системы, витрины, процессы и шаги, органы."""
    from catalog.graph.model import split_uid
    from catalog.kinds import KINDS
    from catalog.services import lineage as lineage_service

    if kind == "data":
        return _data_usage(env, record_id, as_json)
    kind = KIND_ALIASES.get(kind, kind)
    if not record_id.isdigit():
        raise click.BadParameter(f"Ожидается номер записи, а не «{record_id}».", param_hint="RECORD_ID")
    answer = lineage_service.lineage(env.context(), kind, int(record_id), direction, depth, edge_types)
    if answer.notice:
        click.echo(answer.notice, err=True)
    for node, distance in sorted(answer.subgraph.nodes.items(), key=lambda item: (item[1], item[0])):
        node_kind, _ = split_uid(node)
        record = answer.record(node)
        click.echo(f"{distance}\t{KINDS[node_kind].label_one}\t{node}\t{record.title if record else '?'}")
    click.echo(f"Записей: {len(answer.subgraph.nodes)}, связей: {len(answer.subgraph.edges)}"
               + (" (ответ неполный: достигнут предел)" if answer.subgraph.truncated else ""), err=True)


def _data_usage(env: Env, query: str, as_json: bool) -> None:
    import json

    from catalog.services import data_usage

    found = data_usage.data_usage(env.context(), query)
    if as_json:
        click.echo(json.dumps(data_usage.to_dict(found), ensure_ascii=False, indent=2))
        return
    click.echo(f"Атрибуты ({len(found.attributes)}):")
    for hit in found.attributes:
        click.echo(f"  {hit.attribute.id}\t{hit.dataset.name} / {hit.entity.name} / {hit.attribute.name}")
    for title, uses in (("Системы", found.systems), ("Витрины", found.marts), ("Процессы", found.processes),
                        ("Органы", found.agencies)):
        click.echo(f"{title} ({len(uses)}):")
        for use in uses:
            click.echo(f"  {use.record.id}\t{use.record.title}\t{data_usage.roles_text(use)}")
    click.echo(f"Шаги паспортов ({len(found.steps)}):")
    for step in found.steps:
        click.echo(f"  {step.process.registry_id or step.process.id}\t{step.passport.title}\t{step.step.name}"
                   f"\t{step.role} «{step.attribute.name}»")
    if found.truncated:
        click.echo(f"Показаны первые {data_usage.MAX_ATTRIBUTES} атрибутов.", err=True)


@click.command()
@click.argument("kind", type=click.Choice(["systems", "marts", "datasets"]))
@click.argument("record_id", type=int)
@click.option("--depth", type=int, default=None, help="Сколько связей пройти (по умолчанию — наибольшая глубина).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "xlsx"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Файл для csv или xlsx (иначе — стандартный вывод).")
@click.pass_obj
def impact(env: Env, kind, record_id, depth, fmt, output):
    """Что затронет вывод системы, витрины или набора данных: по органам и видам, с путём и числом связей."""
    from catalog.kinds import KINDS
    from catalog.services import lineage as lineage_service

    found = lineage_service.impact(env.context(), kind, record_id, depth)
    if found.answer.notice:
        click.echo(found.answer.notice, err=True)
    if fmt != "text":
        data = lineage_service.impact_csv(found).encode("utf-8") if fmt == "csv" else lineage_service.impact_xlsx(found)
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
        else:
            sys.stdout.buffer.write(data)
        click.echo(f"Затронуто: {lineage_service.counted(len(found.rows), 'запись')}.", err=True)
        return
    for agency, kinds in found.grouped():
        click.echo(agency)
        for kind_name, rows in kinds:
            click.echo(f"  {KINDS[kind_name].label}: {len(rows)}")
            for row in rows:
                click.echo(f"    {row.record.id}\t{row.record.title}\t{lineage_service.counted(row.distance, 'связь')}"
                           f"\t{row.path_text}")
    click.echo(f"Затронуто: {lineage_service.counted(len(found.rows), 'запись')} (глубина {found.depth}).", err=True)


@click.command()
@click.argument("name", type=click.Choice(["hand-typed", "paper-requests", "duplicated-systems"]))
@click.pass_obj
def report(env: Env, name):
    """Отчёты архитектора: ручной ввод в нескольких системах, бумажные запросы, дублирование систем."""
    from catalog.services import lineage as lineage_service

    ctx = env.context()
    if name == "hand-typed":
        for h in lineage_service.hand_typed_duplicates(ctx):
            systems = ", ".join(s.short_name or s.name for s in h.systems)
            click.echo(f"{h.record.title}\tсистемы: {systems or '—'}\tручной ввод в процессах: {len(h.manual_processes)}")
    elif name == "paper-requests":
        for r in lineage_service.paper_requests(ctx):
            click.echo(f"{r.process.registry_id} {r.process.name}\t{r.data.title}\t{', '.join(m.name for m in r.marts)}")
    else:
        for d in lineage_service.duplicated_systems(ctx):
            click.echo(f"{d.typical.name}\t{', '.join(s.short_name or s.name for s in d.systems)}")


@click.group("graph")
def graph_group():
    """Проекция графа в сервер neo4j: пересборка, синхронизация, проверка расхождений."""


def _projection(env: Env):
    graph = env.graph()
    if graph is None:
        click.echo("Бэкенд графа sql читает хранилище напрямую: проекции нет, расхождений быть не может.")
        return None
    return graph.projection


def _graph_call(fn, *args, **kwargs):
    """Run a projection call; a graph server that is down or refuses gets a message, not a traceback."""
    from catalog.graph.neo4j_backend import GraphError

    try:
        return fn(*args, **kwargs)
    except GraphError as error:
        raise click.ClickException(str(error)) from None


@graph_group.command("rebuild")
@click.pass_obj
def graph_rebuild(env: Env):
    """Пересобрать граф в сервере из хранилища."""
    projection = _projection(env)
    if projection is None:
        return
    counts = _graph_call(projection.rebuild, progress=progress)
    click.echo(f"Граф пересобран: {counts}")


@graph_group.command("sync")
@click.option("--follow", is_flag=True, help="Не завершаться: применять новые события каждые несколько секунд.")
@click.option("--interval", type=float, default=2.0, show_default=True)
@click.pass_obj
def graph_sync(env: Env, follow, interval):
    """Применить к графу события, накопленные в хранилище."""
    projection = _projection(env)
    if projection is None:
        return
    while True:
        try:
            applied = _graph_call(projection.sync, progress=progress)
        except click.ClickException as error:
            if not follow:
                raise
            click.echo(error.message, err=True)  # a follower waits for the server to come back
            applied = 0
        if applied or not follow:
            click.echo(f"Применено событий: {applied}")
        if not follow:
            return
        time.sleep(interval)


@graph_group.command("check")
@click.pass_obj
def graph_check(env: Env):
    """Сравнить граф с хранилищем; код выхода 1, если есть расхождения."""
    projection = _projection(env)
    if projection is None:
        return
    drift = _graph_call(projection.check)
    lines = [(label, items) for label, items in (
        ("нет в графе записей", drift.missing_nodes), ("лишние записи в графе", drift.extra_nodes),
        ("нет в графе связей", drift.missing_edges), ("лишние связи в графе", drift.extra_edges)) if items]
    if not lines:
        click.echo("Расхождений нет.")
        return
    for label, items in lines:
        click.echo(f"{label}: {len(items)}: {', '.join(sorted(items)[:20])}{' …' if len(items) > 20 else ''}")
    sys.exit(1)


COMMANDS = [lineage, impact, report, graph_group]
