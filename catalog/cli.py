"""The ``catalog`` command: thin wrappers over the services, for the people who run the server."""
from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path

import click
from sqlalchemy import select

from catalog import models
from catalog.config import load_settings
from catalog.db import make_engine, make_session_factory, migrate, schema_is_current
from catalog.enums import Role
from catalog.errors import CatalogError
from catalog.services import users
from catalog.services.context import Context


class Env:
    def __init__(self, database_url: str | None):
        self.settings = load_settings(database_url=database_url)
        self.engine = make_engine(self.settings.database_url)
        self.sessions = make_session_factory(self.engine)

    def context(self, autocommit: bool = True) -> Context:
        if not schema_is_current(self.engine):
            raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")
        return Context(session=self.sessions(), is_system=True, system_actor="командная строка", autocommit=autocommit,
                       settings=self.settings, graph=self.graph())

    def graph(self):
        """The configured graph backend, opened once per command and closed with it."""
        from catalog.graph import open_graph

        if not hasattr(self, "_graph"):
            try:
                self._graph = open_graph(self.settings, self.sessions)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        return self._graph

    def close(self) -> None:
        if getattr(self, "_graph", None) is not None:
            self._graph.graph.close()
        self.engine.dispose()


def _progress(stage: str, count: int) -> None:
    click.echo(f"  {stage}: {count}", err=True)


def _fail(error: CatalogError):
    lines = [error.message] + [f"  {field}: {' '.join(msgs)}" for field, msgs in error.fields.items()]
    raise click.ClickException("\n".join(lines))


@click.group()
@click.option("--database-url", envvar="CATALOG_DATABASE_URL", help="SQLAlchemy URL (по умолчанию SQLite в ./instance).")
@click.pass_context
def main(click_ctx, database_url):
    """Каталог процессов и данных региона."""
    click_ctx.obj = Env(database_url)
    click_ctx.call_on_close(click_ctx.obj.close)


@main.command()
@click.pass_obj
def init(env: Env):
    """Создать базу данных или обновить её схему до последней версии."""
    migrate(env.engine)
    click.echo(f"Схема базы данных актуальна: {env.engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--if-empty", is_flag=True, help="Ничего не делать, если в каталоге уже есть процессы.")
@click.pass_obj
def demo(env: Env, if_empty):
    """Загрузить демонстрационный регион и учётные записи по ролям."""
    from catalog.demo.loader import DEMO_PASSWORD, load_demo

    ctx = env.context()
    ctx.system_actor = "загрузка демо-региона"
    if if_empty and ctx.session.scalar(select(models.Process.id).limit(1)) is not None:
        click.echo("Каталог не пуст: демонстрационные данные не загружались.")
        return
    try:
        counts = load_demo(ctx, _progress)
    except CatalogError as error:
        _fail(error)
    click.echo("Загружено: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"Учётные записи: admin, office, architect, editor, mart, reader; пароль «{DEMO_PASSWORD}».")


@main.command()
@click.option("--processes", type=click.IntRange(min=1), required=True, help="Сколько процессов создать.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.pass_obj
def generate(env: Env, processes, seed):
    """Заполнить пустой каталог сгенерированными данными того же вида, что демо-регион (для замеров)."""
    from catalog.demo.generator import generate as make
    from catalog.demo.loader import load_catalogue

    ctx = env.context(autocommit=False)
    started = time.perf_counter()
    click.echo(f"Генерация описания на {processes} процессов…", err=True)
    data = make(processes, seed=seed)
    try:
        counts = load_catalogue(ctx, data, _progress)
    except CatalogError as error:
        _fail(error)
    ctx.session.commit()
    click.echo("Загружено: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f" за {time.perf_counter() - started:.1f} с")


@main.command()
@click.option("--host", default=None, help="Адрес (по умолчанию CATALOG_HOST или 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Порт (по умолчанию CATALOG_PORT или 8000).")
@click.option("--threads", type=int, default=8, show_default=True)
@click.pass_obj
def serve(env: Env, host, port, threads):
    """Запустить веб-сервер (waitress)."""
    import waitress

    from web import create_app

    if not schema_is_current(env.engine):
        raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")
    host = host or env.settings.host
    port = port or env.settings.port
    app = create_app(env.settings)
    click.echo(f"Каталог доступен по адресу http://{host}:{port}/")
    waitress.serve(app, host=host, port=port, threads=threads, ident="catalog")


# --- users and tokens -------------------------------------------------------


def _agency_ids(ctx: Context, codes) -> list[int]:
    ids = []
    for code in codes:
        agency = ctx.session.scalar(select(models.Agency).where(models.Agency.code == code))
        if agency is None:
            raise click.BadParameter(f"органа с кодом «{code}» нет", param_hint="--agency")
        ids.append(agency.id)
    return ids


def _mart_ids(ctx: Context, codes) -> list[int]:
    ids = []
    for code in codes:
        mart = ctx.session.scalar(select(models.DataMart).where(
            (models.DataMart.code == code) | (models.DataMart.id == (int(code) if code.isdigit() else -1))))
        if mart is None:
            raise click.BadParameter(f"витрины «{code}» нет", param_hint="--mart")
        ids.append(mart.id)
    return ids


ROLE = click.Choice(Role.values())


@main.group("users")
def users_group():
    """Пользователи и их роли."""


@users_group.command("create")
@click.argument("login")
@click.option("--name", "full_name", required=True, help="Имя пользователя.")
@click.option("--role", "roles", type=ROLE, multiple=True, required=True)
@click.option("--agency", "agencies", multiple=True, help="Код органа (для редактора органа); можно несколько.")
@click.option("--mart", "marts", multiple=True, help="Код витрины (для обладателя витрины); можно несколько.")
@click.option("--password", help="Пароль; без него спросит. Пусто: только токены API.")
@click.pass_obj
def users_create(env: Env, login, full_name, roles, agencies, marts, password):
    """Создать пользователя."""
    ctx = env.context()
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Пароль (пусто: без входа на сайт): ") or None
    try:
        user = users.create_user(ctx, login, full_name, password, list(roles),
                                 _agency_ids(ctx, agencies), _mart_ids(ctx, marts))
    except CatalogError as error:
        _fail(error)
    click.echo(f"Пользователь {user.login} создан (№ {user.id}).")


@users_group.command("list")
@click.pass_obj
def users_list(env: Env):
    """Список пользователей."""
    for user in users.list_users(env.context()):
        state = "" if user.is_active else " (отключён)"
        click.echo(f"{user.id}\t{user.login}\t{user.full_name}\t{','.join(user.roles)}\t"
                   f"органы={user.agency_ids} витрины={user.mart_ids}{state}")


@users_group.command("update")
@click.argument("login")
@click.option("--role", "roles", type=ROLE, multiple=True, help="Новый набор ролей.")
@click.option("--agency", "agencies", multiple=True)
@click.option("--mart", "marts", multiple=True)
@click.option("--password")
@click.option("--active/--inactive", default=None)
@click.pass_obj
def users_update(env: Env, login, roles, agencies, marts, password, active):
    """Изменить роли, области, пароль или отключить пользователя."""
    ctx = env.context()
    try:
        user = users.find_user(ctx, login)
        users.update_user(ctx, user.id, roles=list(roles) or None,
                          agency_ids=_agency_ids(ctx, agencies) if agencies else None,
                          mart_ids=_mart_ids(ctx, marts) if marts else None,
                          password=password, is_active=active)
    except CatalogError as error:
        _fail(error)
    click.echo(f"Пользователь {login} изменён.")


@main.group("tokens")
def tokens_group():
    """Токены API для машинных клиентов."""


@tokens_group.command("create")
@click.argument("login")
@click.option("--name", required=True, help="Назначение токена.")
@click.pass_obj
def tokens_create(env: Env, login, name):
    """Выпустить токен; он печатается один раз."""
    ctx = env.context()
    try:
        issued = users.create_token(ctx, users.find_user(ctx, login).id, name)
    except CatalogError as error:
        _fail(error)
    click.echo(issued.secret)


@tokens_group.command("list")
@click.option("--user", "login")
@click.pass_obj
def tokens_list(env: Env, login):
    ctx = env.context()
    user_id = users.find_user(ctx, login).id if login else None
    for token in users.list_tokens(ctx, user_id):
        state = f"отозван {token.revoked_at:%d.%m.%Y}" if token.revoked_at else "действует"
        click.echo(f"{token.id}\t{token.user.login}\t{token.name}\t{token.prefix}…\t{state}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def tokens_revoke(env: Env, token_id):
    try:
        token = users.revoke_token(env.context(), token_id)
    except CatalogError as error:
        _fail(error)
    click.echo(f"Токен {token.id} отозван.")


@main.command("anonymous-read")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_obj
def anonymous_read(env: Env, state):
    """Разрешить (on) или запретить (off) чтение каталога без входа."""
    users.set_anonymous_read(env.context(), state == "on")
    click.echo(f"Чтение без входа: {'разрешено' if state == 'on' else 'запрещено'}.")


# --- dump and restore -------------------------------------------------------


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def dump(env: Env, path):
    """Выгрузить весь каталог (записи, связи, историю, пользователей) в файл .jsonl.gz."""
    from catalog.services import dump as dumping

    counts = dumping.dump(env.context().session, path, _progress)
    click.echo(f"Выгружено в {path}: {sum(counts.values())} строк.")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore(env: Env, path):
    """Восстановить каталог из выгрузки в пустую базу."""
    from catalog.services import dump as dumping

    try:
        counts = dumping.restore(env.context().session, path, _progress)
    except CatalogError as error:
        _fail(error)
    click.echo(f"Восстановлено из {path}: {sum(counts.values())} строк.")


# --- the graph ------------------------------------------------------------------


@main.command()
@click.argument("kind")
@click.argument("record_id", type=int)
@click.option("--direction", type=click.Choice(["upstream", "downstream", "both"]), default="both", show_default=True)
@click.option("--depth", type=int, default=3, show_default=True)
@click.option("--edge-types", help="Типы связей через запятую, например CONSUMES,STORED_IN.")
@click.pass_obj
def lineage(env: Env, kind, record_id, direction, depth, edge_types):
    """Происхождение и влияние записи: таблица записей по шагам."""
    from catalog.graph.model import split_uid
    from catalog.kinds import KINDS
    from catalog.services import lineage as lineage_service

    try:
        answer = lineage_service.lineage(env.context(), kind, record_id, direction, depth, edge_types)
    except CatalogError as error:
        _fail(error)
    if answer.notice:
        click.echo(answer.notice, err=True)
    for node, distance in sorted(answer.subgraph.nodes.items(), key=lambda item: (item[1], item[0])):
        node_kind, _ = split_uid(node)
        record = answer.record(node)
        click.echo(f"{distance}\t{KINDS[node_kind].label_one}\t{node}\t{record.title if record else '?'}")
    click.echo(f"Записей: {len(answer.subgraph.nodes)}, связей: {len(answer.subgraph.edges)}"
               + (" (ответ неполный: достигнут предел)" if answer.subgraph.truncated else ""), err=True)


@main.command()
@click.argument("kind", type=click.Choice(["systems", "marts", "datasets"]))
@click.argument("record_id", type=int)
@click.pass_obj
def impact(env: Env, kind, record_id):
    """Что зависит от системы, витрины или набора данных."""
    from catalog.kinds import KINDS
    from catalog.services import lineage as lineage_service

    try:
        _, grouped = lineage_service.impact(env.context(), kind, record_id)
    except CatalogError as error:
        _fail(error)
    for group, items in grouped.items():
        click.echo(f"{KINDS[group].label}: {len(items)}")
        for record, distance in items:
            click.echo(f"  {record.id}\t{record.title}")


@main.command()
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


@main.group("import")
def import_group():
    """Загрузка записей из файлов и других каталогов."""


@main.group("export")
def export_group():
    """Выгрузка каталога в файлы."""


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

    ctx = env.context()
    try:
        chunks = rdf_export.stream(ctx, fmt, kinds, agency)
        if output:
            with output.open("w", encoding="utf-8") as out:
                for chunk in chunks:
                    out.write(chunk)
            click.echo(f"Выгружено в {output} ({output.stat().st_size / 1e6:.1f} МБ).", err=True)
        else:
            for chunk in chunks:
                click.echo(chunk, nl=False)
    except CatalogError as error:
        _fail(error)


@import_group.command("rdf")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nt", "xml"]),
              help="Формат файла (по умолчанию по расширению).")
@click.pass_obj
def import_rdf(env: Env, path, fmt):
    """Загрузить записи из файла RDF: всё или ничего, с историей изменений."""
    from catalog.linked import importer

    ctx = env.context(autocommit=False)
    ctx.system_actor = f"загрузка RDF из {path.name}"
    try:
        result = importer.import_rdf(ctx, path.read_bytes(), importer.guess_format(path.name, fmt))
    except CatalogError as error:
        _fail(error)
    click.echo(f"Загружено из {path}: {result.summary()}.")


@main.command("validate")
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
    try:
        report = validation.validate_catalog(env.context(), shapes)
    except CatalogError as error:
        _fail(error)
    for finding in report.findings:
        click.echo(finding.line())
    checked = ", ".join(report.shapes)
    if report.conforms:
        click.echo(f"Нарушений нет ({checked}; триплетов: {report.triples}).")
        return
    click.echo(f"Нарушений: {len(report.findings)} ({checked}; триплетов: {report.triples}).", err=True)
    sys.exit(1)


@main.command("sparql")
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
    try:
        answer = sparql.run(env.context(), query)
    except CatalogError as error:
        _fail(error)
    if fmt == "json":
        click.echo(json_module.dumps(sparql.to_json(answer), ensure_ascii=False, indent=1))
    else:
        click.echo(sparql.to_csv(answer), nl=False)


@main.group("graph")
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
    counts = _graph_call(projection.rebuild, progress=_progress)
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
            applied = _graph_call(projection.sync, progress=_progress)
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


if __name__ == "__main__":
    main()
