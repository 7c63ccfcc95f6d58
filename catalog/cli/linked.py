"""Linked data over the catalogue: SHACL validation and read-only SPARQL (RDF import and export are
subcommands of ``catalog import`` and ``catalog export``, in :mod:`catalog.cli.imports`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.cli import Env


@click.command("validate")
@click.option("--shapes", "extra", multiple=True, metavar="ИМЯ=ФАЙЛ",
              help="Ещё формы SHACL, например DCAT-AP=…/shapes.ttl; можно несколько.")
@click.pass_obj
def validate_command(env: Env, extra):
    """Проверить каталог формами SHACL: каждое нарушение — запись, поле и причина. Код выхода 1 при нарушениях."""
    from catalog.linked import validate as validation

    shapes = []
    for item in extra:
        name, _, path = item.partition("=")
        if not path:
            name, path = Path(item).stem, item
        shapes.append((name, path))
    from catalog.services import consistency

    ctx = env.context()
    report = validation.validate_catalog(ctx, shapes)
    for finding in report.findings:
        click.echo(finding.line())
    # The register's rules the shapes cannot see (the people of an agency, the term of a check).
    broken = consistency.violations(ctx, missing_quality=False)  # the shapes name empty quality fields
    for violation in broken:
        click.echo(violation.line())
    checked = ", ".join([*report.shapes, "правила реестра"])
    if report.conforms and not broken:
        click.echo(f"Нарушений нет ({checked}; триплетов: {report.triples}).")
        return
    click.echo(f"Нарушений: {len(report.findings) + len(broken)} ({checked}; триплетов: {report.triples}).", err=True)
    sys.exit(1)


@click.command("sparql")
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Запрос из файла.")
@click.option("--example", type=click.Choice(["egrn-consumers", "stale-marts", "systems-without-fgis-ki",
                                              "paper-requests", "processes-by-status"]),
              help="Один из сохранённых примеров.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.pass_obj
def sparql_command(env: Env, query, query_file, example, fmt):
    """Запрос SPARQL к графу каталога (только чтение); ответ в CSV или JSON."""
    import json as json_module

    from catalog.linked import sparql

    if example:
        query = sparql.EXAMPLES_BY_SLUG[example].query
    elif query_file:
        query = query_file.read_text(encoding="utf-8")
    answer = sparql.run(env.context(), query)
    if fmt == "json":
        click.echo(json_module.dumps(sparql.to_json(answer), ensure_ascii=False, indent=1))
    else:
        click.echo(sparql.to_csv(answer), nl=False)


COMMANDS = [validate_command, sparql_command]
