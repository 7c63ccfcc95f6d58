"""Loading records from files and other catalogues (``catalog import``), writing them out (``catalog export``),
and the OpenLineage jobs mapped to processes."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from sqlalchemy import select

from catalog import models
from catalog.cli import Env
from catalog.services import imports, users
from catalog.services.context import Context


@click.group("import")
def import_group():
    """Загрузка записей из файлов и других каталогов."""


@click.group("export")
def export_group():
    """Выгрузка каталога в файлы."""


def _import_context(env: Env, as_login: str | None) -> Context:
    """The CLI acts as the catalogue's administrator, or with ``--as LOGIN`` as that user (with its rights)."""
    ctx = env.context(autocommit=False)
    if as_login:
        ctx.user = users.find_user(ctx, as_login)
        ctx.is_system = False
    else:
        ctx.system_actor = f"командная строка ({getpass.getuser()})"
    return ctx


PROGRESS_FROM = 200  # rows (or events) from which the command shows a progress bar


def _run_import(env: Env, kind: str, path: Path, *, as_login: str | None = None,
                errors_file: Path | None = None, **options) -> None:
    """Run an import with a progress bar; print the report in the words of the upload page
    (``ImportReport.summary`` first, then its lines); keep a copy of a table with errors."""
    ctx = _import_context(env, as_login)
    ctx.change_arose_on = options.pop("arose_on", None)  # Kemerovo 3.3: when the register's changes arose
    bar = {}

    def on_start(total: int) -> None:
        # A bar on a terminal, for files long enough to wait for; redirected output keeps only the report.
        if total < PROGRESS_FROM or not sys.stderr.isatty():
            return
        bar["bar"] = click.progressbar(length=total, label="События" if kind == "openlineage" else "Строки",
                                       file=sys.stderr)
        bar["bar"].__enter__()

    target = errors_file or path.with_name(f"{path.stem}-ошибки{path.suffix}")
    try:
        report = imports.run_import(ctx, kind, path, errors_to=target, on_start=on_start,
                                    progress=lambda n: bar["bar"].update(n) if "bar" in bar else None, **options)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    for line in report.lines():
        click.echo(line)
    if report.error_copy is not None:
        click.echo(f"Копия файла со столбцом ошибок: {report.error_copy}")
    if report.refused_whole:
        raise click.ClickException("Файл отклонён: ничего не записано.")


IMPORT_OPTIONS = [
    click.option("--dry-run", is_flag=True, help="Только проверить и показать изменения по полям; ничего не записывать."),
    click.option("--partial", is_flag=True, help="Загрузить верные строки, даже если в других есть ошибки."),
    click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами)."),
    click.option("--errors-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="Куда сохранить копию файла со столбцом ошибок (по умолчанию рядом с файлом)."),
    click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Сопоставление столбцов файла полям (JSON или YAML): {\"columns\": {\"B\": \"registry_id\"}, "
                      "\"values\": {\"status\": \"…\"}}; сохраняется и применяется к следующему файлу с теми же "
                      "заголовками."),
]


def _mapping(kind: str, path: Path | None):
    if path is None:
        return None
    from catalog.services.imports.mappings import read_mapping_file

    return read_mapping_file(imports.layout_of(kind), path)


def _import_options(fn):
    for option in reversed(IMPORT_OPTIONS):
        fn = option(fn)
    return fn


@import_group.command("bpmn")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--process", "process_id", type=int, required=True, help="Номер процесса.")
@click.option("--variant", type=click.Choice(["as_is", "to_be"]), required=True)
@click.option("--dry-run", is_flag=True, help="Только проверить; ничего не записывать.")
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.pass_obj
def import_bpmn_command(env: Env, path, process_id, variant, dry_run, as_login):
    """Загрузить диаграмму BPMN 2.0 в черновик паспорта процесса (AS-IS или TO-BE)."""
    _run_import(env, "bpmn", path, as_login=as_login, process_id=process_id, variant=variant, dry_run=dry_run)


@import_group.command("register")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", "agency_code", help="Код органа, чей реестр загружается; без него — реестр всех органов "
                                              "(каждая строка со своим органом в столбце «Орган (код)», как его "
                                              "выгружает «catalog export register»).")
@click.option("--create-references", is_flag=True,
              help="Создать в справочниках акты, жизненные ситуации и группы, которых нет в каталоге "
                   "(процессный офис; редакторы органов — если разрешено CATALOG_IMPORT_EDITORS_CREATE_REFERENCES).")
@click.option("--arose-on", "arose_on", type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]),
              help="Когда возникли изменения (по умолчанию сегодня); позже 10 рабочих дней — опоздание (3.3).")
@_import_options
@click.pass_obj
def import_register_command(env: Env, path, agency_code, create_references, arose_on, dry_run, partial, as_login,
                            errors_file, mapping_file):
    """Загрузить реестр процессов органа (или всех органов) из Excel или CSV (правила ведения реестра, 2.1)."""
    _run_import(env, "register", path, as_login=as_login, errors_file=errors_file, agency=agency_code,
                dry_run=dry_run, partial=partial, mapping=_mapping("register", mapping_file),
                create_references=create_references, arose_on=arose_on.date() if arose_on else None)


def _records_command(kind: str, doc: str):
    @import_group.command(kind, help=doc)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @_import_options
    @click.pass_obj
    def command(env: Env, path, dry_run, partial, as_login, errors_file, mapping_file):
        _run_import(env, kind, path, as_login=as_login, errors_file=errors_file, dry_run=dry_run, partial=partial,
                    mapping=_mapping(kind, mapping_file))

    return command


_records_command("typical", "Загрузить типовой перечень процессов и группы процессов из Excel или CSV.")
_records_command("typical-services", "Загрузить типовой перечень муниципальных услуг: сферы с курирующими органами, "
                                    "типовые услуги и варианты их наименований (Excel или CSV).")
_records_command("systems", "Загрузить информационные системы из Excel или CSV (UTF-8 или Windows-1251, «;» или «,»).")
_records_command("marts", "Загрузить витрины данных из Excel или CSV.")
_records_command("datasets", "Загрузить наборы данных с сущностями и атрибутами из Excel или CSV.")
_records_command("agencies", "Загрузить органы и организации (вышестоящий орган, вид, краткое наименование, "
                             "руководитель) из Excel или CSV.")
_records_command("acts", "Загрузить регулирующие акты (вид, номер, дата принятия) из Excel или CSV.")


@import_group.command("openlineage")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Только проверить события; ничего не записывать.")
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.pass_obj
def import_openlineage_command(env: Env, path, dry_run, as_login):
    """Воспроизвести события OpenLineage из файла: JSON (событие или список) или NDJSON (по событию в строке)."""
    _run_import(env, "openlineage", path, as_login=as_login, dry_run=dry_run)


@import_group.command("rdf")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nt", "xml"]),
              help="Формат файла (по умолчанию по расширению).")
@click.option("--dry-run", is_flag=True, help="Только проверить файл; ничего не записывать.")
@click.pass_obj
def import_rdf(env: Env, path, fmt, dry_run):
    """Загрузить записи из файла RDF: всё или ничего, с историей изменений."""
    _run_import(env, "rdf", path, fmt=fmt, dry_run=dry_run)


@import_group.command("xsd")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mart", "mart_id", type=int, help="Номер витрины данных, которая предоставляет этот вид сведений.")
@click.option("--dry-run", is_flag=True, help="Только показать отличия от версии в каталоге; ничего не записывать.")
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.pass_obj
def import_xsd(env: Env, path, mart_id, dry_run, as_login):
    """Загрузить вид сведений СМЭВ: схему XSD или zip со схемами (include, import). Новая версия того же
    вида сведений показывает отличия от предыдущей."""
    _run_import(env, "xsd", path, as_login=as_login, mart_id=mart_id, dry_run=dry_run)


@export_group.command("register")
@click.option("--agency", "agency_code", help="Код органа; без него — реестр всех органов на одном листе "
                                              "со столбцом «Орган (код)».")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def export_register_command(env: Env, agency_code, output):
    """Выгрузить реестр процессов в Excel в том же виде, в каком его читает загрузка."""
    from sqlalchemy import func

    from catalog.services.imports.register import export_register

    ctx = env.context()
    query = select(func.count(models.Process.id)).where(models.Process.deleted_at.is_(None))
    if agency_code:
        query = query.join(models.Agency, models.Agency.id == models.Process.agency_id).where(
            models.Agency.code == agency_code)
    with click.progressbar(length=ctx.session.scalar(query) or 0, label="Процессы", file=sys.stderr) as bar:
        count = export_register(ctx, output, agency_code, progress=bar.update)
    click.echo(f"Выгружено процессов: {count} в {output}")


@export_group.command("rdf")
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nt"]), default="ttl", show_default=True,
              help="Turtle, JSON-LD или N-Triples.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Файл (по умолчанию вывод на экран).")
@click.option("--kind", "kinds", multiple=True, help="Только записи этого вида (processes, services…); можно несколько.")
@click.option("--agency", help="Только записи органа: код или номер.")
@click.pass_obj
def export_rdf(env: Env, fmt, output, kinds, agency):
    """Выгрузить каталог (или его часть) как RDF в словарях онтологии, CPSV-AP, DCAT и PROV-O."""
    from catalog.linked import export as rdf_export

    chunks = rdf_export.stream(env.context(), fmt, kinds, agency)
    if output:
        with output.open("w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(chunk)
        click.echo(f"Выгружено в {output} ({output.stat().st_size / 1e6:.1f} МБ).", err=True)
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False)


@click.group("openlineage")
def openlineage_group():
    """Задания OpenLineage и процессы каталога."""


@openlineage_group.command("map")
@click.argument("namespace")
@click.argument("name")
@click.argument("process_id", type=int)
@click.pass_obj
def openlineage_map(env: Env, namespace, name, process_id):
    """Сопоставить задание OpenLineage (пространство имён и имя) существующему процессу."""
    from catalog.services.imports import openlineage

    ctx = env.context(autocommit=False)
    openlineage.map_job(ctx, namespace, name, process_id)
    ctx.session.commit()
    click.echo(f"Задание «{namespace}» / «{name}» сопоставлено процессу № {process_id}.")


COMMANDS = [import_group, export_group, openlineage_group]
