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
                       settings=self.settings, graph=self.graph(), search=self.search())

    def graph(self):
        """The configured graph backend, opened once per command and closed with it."""
        from catalog.graph import open_graph

        if not hasattr(self, "_graph"):
            try:
                self._graph = open_graph(self.settings, self.sessions)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        return self._graph

    def search(self):
        """The configured search index, opened once per command."""
        from catalog.search import open_search

        if not hasattr(self, "_search"):
            try:
                self._search = open_search(self.settings, self.sessions)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        return self._search

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
    from catalog.services import names, search

    click.echo(f"Поисковый индекс: {search.reindex(ctx, _progress)} записей.")
    click.echo("Названия и типовой перечень: "
               + ", ".join(f"{k} {v}" for k, v in names.match_names(ctx).items()) + ".")
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

    from catalog.services import import_jobs
    from web import create_app
    from web.outbox import start as start_outbox

    if not schema_is_current(env.engine):
        raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")
    host = host or env.settings.host
    port = port or env.settings.port
    if threads <= env.settings.sparql_max_concurrent:
        # SPARQL may hold up to that many threads: others must be left for every other page.
        raise click.BadParameter(
            f"потоков ({threads}) должно быть больше, чем запросов SPARQL одновременно "
            f"(CATALOG_SPARQL_MAX_CONCURRENT={env.settings.sparql_max_concurrent})", param_hint="--threads")
    app = create_app(env.settings)
    start_outbox(app)  # projections catch up in the background, not in the first requests
    # Background imports run in this process's worker threads (CATALOG_IMPORT_WORKERS; 0: «catalog worker»).
    queue = import_jobs.queue_for(env.settings, app.extensions["catalog_sessions"])
    queue.start(env.settings.import_workers)
    stop = import_jobs.start_housekeeping(queue)
    click.echo(f"Каталог доступен по адресу http://{host}:{port}/")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="catalog")
    finally:
        stop.set()
        queue.stop()


@main.command()
@click.option("--workers", type=int, default=None, help="Потоков (по умолчанию CATALOG_IMPORT_WORKERS или 1).")
@click.pass_obj
def worker(env: Env, workers):
    """Выполнять фоновые загрузки файлов (без веб-сервера) и удалять старые файлы загрузок."""
    import threading

    from catalog.services import import_jobs

    if not schema_is_current(env.engine):
        raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")
    queue = import_jobs.queue_for(env.settings, env.sessions)
    queue.start(max(1, workers or env.settings.import_workers or 1))
    stop = threading.Event()
    click.echo("Обработчик фоновых загрузок запущен (Ctrl+C — остановить).")
    try:
        import_jobs.housekeeping(queue, stop)
    except KeyboardInterrupt:
        pass
    finally:
        queue.stop()


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


class _QueryGroup(click.Group):
    """``catalog search "…"`` searches; ``catalog search reindex|sync|check`` runs a subcommand."""

    def resolve_command(self, click_ctx, args):
        if args and args[0] not in self.commands:
            args = ["query", *args]
        return super().resolve_command(click_ctx, args)


@main.group("search", cls=_QueryGroup)
def search_group():
    """Поиск по каталогу и его индекс: catalog search "запрос", reindex, sync, check."""


@search_group.command("query", hidden=True)
@click.argument("words", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, help="Вид записей (processes, systems, …).")
@click.option("--agency", "agencies", multiple=True, help="Номер органа.")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def search_query(env: Env, words, kinds, agencies, limit):
    from catalog.services import search

    ctx = env.context()
    try:
        result = search.search(ctx, " ".join(words), {"kind": list(kinds), "agency": list(agencies)}, 1, limit)
    except CatalogError as error:
        _fail(error)
    click.echo(f"Найдено: {result.total}")
    for hit in result.hits:
        click.echo(f"{hit.kind}/{hit.record_id}\t{hit.title}")


@search_group.command("reindex")
@click.pass_obj
def search_reindex(env: Env):
    """Построить индекс заново; старый отвечает, пока новый не готов."""
    from catalog.services import search

    started = time.monotonic()
    count = search.reindex(env.context(), _progress)
    click.echo(f"В индексе {count} записей ({time.monotonic() - started:.1f} с).")


@search_group.command("sync")
@click.pass_obj
def search_sync(env: Env):
    """Применить к индексу изменения из журнала."""
    from catalog.services import search

    click.echo(f"Применено событий: {search.sync(env.context(), _progress)}.")


@search_group.command("check")
@click.pass_obj
def search_check(env: Env):
    """Сравнить индекс с хранилищем; код выхода 1 при расхождении."""
    from catalog.services import search

    drift = search.check(env.context())
    if drift.clean:
        click.echo("Индекс совпадает с хранилищем.")
        return
    for label, uids in (("нет в индексе", drift.missing), ("лишние в индексе", drift.extra),
                        ("устарели в индексе", drift.stale)):
        if uids:
            click.echo(f"{label}: {len(uids)} — {', '.join(sorted(uids)[:20])}")
    sys.exit(1)


@main.group("names")
def names_group():
    """Соответствие названий процессов и услуг типовому перечню."""


@names_group.command("match")
@click.pass_obj
def names_match(env: Env):
    """Сопоставить названия с типовым перечнем (решения редакторов сохраняются)."""
    from catalog.services import names

    counts = names.match_names(env.context(), _progress)
    click.echo("Сопоставлено: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")


@names_group.command("report")
@click.pass_obj
def names_report(env: Env):
    """Доля названий, соответствующих типовому перечню, по органам и всего."""
    from catalog.services import names

    answer = names.report(env.context())
    click.echo("Орган\tназваний\tсоответствуют\tдоля, %\tсвязаны\tждут решения")
    for row in [*answer.rows, answer.total]:
        click.echo(f"{row.agency}\t{row.names}\t{row.conforming}\t{row.share * 100:.1f}\t{row.linked}\t{row.pending}")


@main.group("passports")
def passports_group():
    """Паспорта процессов: варианты AS-IS и TO-BE."""


@passports_group.command("list")
@click.argument("process_id", type=int)
@click.pass_obj
def passports_list(env: Env, process_id):
    """Паспорта процесса: вариант, версия, состояние, шаги, лишние данные."""
    from catalog.services import passports

    ctx = env.context()
    try:
        found = passports.list_passports(ctx, process_id)
    except CatalogError as error:
        _fail(error)
    for p in found:
        excess = ", ".join(d.name for d in passports.excess_data(p)) or "нет"
        click.echo(f"{p.id}\t{p.variant}\t№ {p.revision}\t{p.state}\tшагов {len(p.steps)}\tлишние данные: {excess}")


@passports_group.command("approve")
@click.argument("passport_id", type=int)
@click.pass_obj
def passports_approve(env: Env, passport_id):
    """Утвердить паспорт (от имени органа — владельца процесса)."""
    from catalog.services import passports

    try:
        passport = passports.approve(env.context(), passport_id)
    except CatalogError as error:
        _fail(error)
    click.echo(f"Паспорт {passport.id} утверждён.")


@main.command("costs")
@click.argument("process_id", type=int)
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), help="Выгрузить расчёт в файл Excel.")
@click.pass_obj
def costs_command(env: Env, process_id, xlsx_path):
    """Стоимость процесса по вариантам AS-IS и TO-BE и эффект оптимизации."""
    from catalog.services import costs

    try:
        result = costs.process_costs(env.context(), process_id)
    except CatalogError as error:
        _fail(error)
    for variant, cost in result.costs.items():
        per_instance = f"{cost.per_instance:.2f}" if cost.per_instance is not None else "—"
        click.echo(f"{variant}\tв год {cost.per_year:.2f} руб.\tэкземпляр {per_instance} руб.")
        for warning in cost.warnings:
            click.echo(f"  ! {warning}")
    if result.effect:
        click.echo(f"эффект\t{result.effect.money_per_year:.2f} руб. в год\t{result.effect.fte:.3f} шт. ед.")
    if xlsx_path:
        Path(xlsx_path).write_bytes(costs.export_xlsx(result))
        click.echo(f"Расчёт выгружен в {xlsx_path}.")


@main.group("positions")
def positions_group():
    """Справочник должностей калькулятора стоимости."""


@positions_group.command("list")
@click.pass_obj
def positions_list(env: Env):
    from catalog.services import costs

    for p in costs.list_positions(env.context()):
        click.echo(f"{p.id}\t{p.name}\t{p.monthly_pay:.2f}\t{p.payroll_coefficient}\t{p.annual_hours:g}\t{p.hourly_cost:.2f} руб./ч")


@positions_group.command("add")
@click.argument("name")
@click.option("--pay", type=float, required=True, help="Денежное содержание в месяц, руб.")
@click.option("--coefficient", type=float, default=1.302, show_default=True)
@click.option("--hours", type=float, default=1973, show_default=True, help="Фонд рабочего времени в год.")
@click.pass_obj
def positions_add(env: Env, name, pay, coefficient, hours):
    from catalog.services import costs

    try:
        position = costs.save_position(env.context(), {"name": name, "monthly_pay": pay,
                                                        "payroll_coefficient": coefficient, "annual_hours": hours})
    except CatalogError as error:
        _fail(error)
    click.echo(f"Должность {position.id}: час работы {position.hourly_cost:.2f} руб.")


@main.command("dashboard")
@click.option("--agency", "agency_id", type=int, help="Номер органа; без него — весь регион.")
@click.pass_obj
def dashboard_command(env: Env, agency_id):
    """Показатели органа или региона: статусы, доли, стоимость и эффект."""
    from catalog.services import dashboard

    try:
        board = dashboard.dashboard(env.context(), agency_id)
    except CatalogError as error:
        _fail(error)
    total = board.total
    click.echo(f"{board.title}: процессов {total.processes}, в цифровом виде {total.digital_share:.0%}, "
               f"оптимизированы {total.optimised_share:.0%}")
    click.echo(f"стоимость в год: AS-IS {total.cost_as_is:.2f}, TO-BE {total.cost_to_be:.2f}, "
               f"эффект {total.effect:.2f} руб., {total.fte:.2f} шт. ед.")
    for _, label, count in board.statuses:
        click.echo(f"  {label}: {count}")


@main.group("requests")
def requests_group():
    """Заявки на создание и развитие информационных систем."""


@requests_group.command("list")
@click.option("--status", help="draft, submitted, concluded, approved, rejected, returned")
@click.option("--failing", help="Код проверки: as_is, optimised, data_model, duplicates, marts, criteria, cost_value")
@click.pass_obj
def requests_list(env: Env, status, failing):
    """Очередь заявок с результатами проверок."""
    from catalog.services import gate

    try:
        found = gate.list_requests(env.context(), status=status, failing=failing)
    except CatalogError as error:
        _fail(error)
    for r in found:
        bad = [c["code"] for c in r.checks if c["result"] == "fail"]
        click.echo(f"{r.id}\t{r.status}\t{r.title}\tне пройдены: {', '.join(bad) or 'нет'}"
                   + ("\tтребует пересмотра" if r.needs_review else ""))


@requests_group.command("recheck")
@click.argument("request_id", type=int, required=False)
@click.pass_obj
def requests_recheck(env: Env, request_id):
    """Проверить заново одну заявку или все поданные."""
    from catalog.services import gate

    ctx = env.context()
    try:
        ids = [request_id] if request_id else [r.id for r in gate.list_requests(ctx) if r.status in gate.OPEN]
        for one in ids:
            found = gate.recheck(ctx, one)
            bad = [c["code"] for c in found.checks if c["result"] == "fail"]
            click.echo(f"{found.id}\tне пройдены: {', '.join(bad) or 'нет'}")
    except CatalogError as error:
        _fail(error)
def _import_context(env: Env, as_login: str | None) -> Context:
    """The CLI acts as the catalogue's administrator, or with ``--as LOGIN`` as that user (with its rights)."""
    ctx = env.context(autocommit=False)
    if as_login:
        try:
            ctx.user = users.find_user(ctx, as_login)
        except CatalogError as error:
            _fail(error)
        ctx.is_system = False
    else:
        ctx.system_actor = f"командная строка ({getpass.getuser()})"
    return ctx


def _run_import(importer, errors_file: Path | None) -> None:
    """Run a table import with a progress bar; print the report; keep a copy of the file with errors."""
    bar = {}

    def on_table(table):
        bar["bar"] = click.progressbar(length=table.estimate_rows(), label="Строки", file=sys.stderr)
        bar["bar"].__enter__()

    importer.on_table = on_table
    importer.progress = lambda n: bar["bar"].update(n) if "bar" in bar else None
    try:
        report = importer.run()
    except CatalogError as error:
        _fail(error)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    for line in report.lines():
        click.echo(line)
    if report.errors:
        target = errors_file or importer.path.with_name(f"{importer.path.stem}-ошибки{importer.path.suffix}")
        importer.error_copy(target)
        click.echo(f"Копия файла со столбцом ошибок: {target}")
    if report.refused_whole:
        raise click.ClickException("Файл отклонён: ничего не записано.")


IMPORT_OPTIONS = [
    click.option("--dry-run", is_flag=True, help="Только проверить и показать изменения по полям; ничего не записывать."),
    click.option("--partial", is_flag=True, help="Загрузить верные строки, даже если в других есть ошибки."),
    click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами)."),
    click.option("--errors-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="Куда сохранить копию файла со столбцом ошибок (по умолчанию рядом с файлом)."),
]


def _import_options(fn):
    for option in reversed(IMPORT_OPTIONS):
        fn = option(fn)
    return fn


@import_group.command("bpmn")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--process", "process_id", type=int, required=True, help="Номер процесса.")
@click.option("--variant", type=click.Choice(["as_is", "to_be"]), required=True)
@click.pass_obj
def import_bpmn_command(env: Env, path, process_id, variant):
    """Загрузить диаграмму BPMN 2.0 в черновик паспорта процесса (AS-IS или TO-BE)."""
    from catalog.services import passports

    try:
        passport = passports.import_bpmn(env.context(), process_id, variant, path.name, path.read_bytes())
    except CatalogError as error:
        _fail(error)
    click.echo(f"Паспорт {passport.id} (версия № {passport.revision}): шагов {len(passport.steps)}, "
               f"данных {len(passport.data)}, потоков {len(passport.flows)}.")


@import_group.command("register")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", "agency_code", required=True, help="Код органа, чей реестр загружается.")
@_import_options
@click.pass_obj
def import_register_command(env: Env, path, agency_code, dry_run, partial, as_login, errors_file):
    """Загрузить реестр процессов органа из Excel (правила ведения реестра, раздел 2.1)."""
    from importers.register import RegisterImporter

    ctx = _import_context(env, as_login)
    try:
        importer = RegisterImporter(ctx, path, agency_code, dry_run=dry_run, partial=partial)
    except CatalogError as error:
        _fail(error)
    _run_import(importer, errors_file)


@import_group.command("typical")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_import_options
@click.pass_obj
def import_typical_command(env: Env, path, dry_run, partial, as_login, errors_file):
    """Загрузить типовой перечень процессов и группы процессов из Excel или CSV."""
    from importers.records import TypicalImporter

    _run_import(TypicalImporter(_import_context(env, as_login), path, dry_run=dry_run, partial=partial), errors_file)


def _records_command(kind: str, doc: str):
    @import_group.command(kind, help=doc)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @_import_options
    @click.pass_obj
    def command(env: Env, path, dry_run, partial, as_login, errors_file):
        from importers.records import IMPORTERS

        importer = IMPORTERS[kind](_import_context(env, as_login), path, dry_run=dry_run, partial=partial)
        _run_import(importer, errors_file)

    return command


_records_command("systems", "Загрузить информационные системы из Excel или CSV (UTF-8 или Windows-1251, «;» или «,»).")
_records_command("marts", "Загрузить витрины данных из Excel или CSV.")
_records_command("datasets", "Загрузить наборы данных с сущностями и атрибутами из Excel или CSV.")


@import_group.command("openlineage")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_login", help="Выполнить от имени пользователя каталога (с его правами).")
@click.pass_obj
def import_openlineage_command(env: Env, path, as_login):
    """Воспроизвести события OpenLineage из файла: JSON (событие или список) или NDJSON (по событию в строке)."""
    from importers import openlineage

    ctx = _import_context(env, as_login)
    try:
        events = openlineage.read_events(path, ctx.settings.openlineage_max_events)
        with click.progressbar(length=len(events) if isinstance(events, list) else 1, label="События",
                               file=sys.stderr) as bar:
            results = openlineage.ingest(ctx, events, progress=bar.update)
    except CatalogError as error:
        _fail(error)
    processes = {r["process_id"] for r in results if r["process_id"]}
    datasets = {d for r in results for d in r["datasets"]}
    click.echo(f"Принято событий OpenLineage: {len(results)}; процессов: {len(processes)}, наборов данных: "
               f"{len(datasets)}, новых связей: {sum(r['links_added'] for r in results)}, "
               f"записей о запусках: {sum(r['run_stored'] for r in results)}.")


@main.group("openlineage")
def openlineage_group():
    """Задания OpenLineage и процессы каталога."""


@openlineage_group.command("map")
@click.argument("namespace")
@click.argument("name")
@click.argument("process_id", type=int)
@click.pass_obj
def openlineage_map(env: Env, namespace, name, process_id):
    """Сопоставить задание OpenLineage (пространство имён и имя) существующему процессу."""
    from importers import openlineage

    ctx = env.context(autocommit=False)
    try:
        openlineage.map_job(ctx, namespace, name, process_id)
        ctx.session.commit()
    except CatalogError as error:
        _fail(error)
    click.echo(f"Задание «{namespace}» / «{name}» сопоставлено процессу № {process_id}.")


@export_group.command("register")
@click.option("--agency", "agency_code", help="Код органа; без него — реестр всех органов на одном листе "
                                              "со столбцом «Орган (код)».")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def export_register_command(env: Env, agency_code, output):
    """Выгрузить реестр процессов в Excel в том же виде, в каком его читает загрузка."""
    from importers.register import export_register

    from sqlalchemy import func

    ctx = env.context()
    query = select(func.count(models.Process.id)).where(models.Process.deleted_at.is_(None))
    if agency_code:
        query = query.join(models.Agency, models.Agency.id == models.Process.agency_id).where(
            models.Agency.code == agency_code)
    try:
        with click.progressbar(length=ctx.session.scalar(query) or 0, label="Процессы", file=sys.stderr) as bar:
            count = export_register(ctx, output, agency_code, progress=bar.update)
    except CatalogError as error:
        _fail(error)
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


# --- the outbox consumer ------------------------------------------------------


@main.group("outbox")
def outbox_group():
    """Журнал изменений и проекции, которые его применяют: поиск, граф, проверки заявок."""


def _consumer(env: Env):
    from catalog.outbox import OutboxConsumer

    if not schema_is_current(env.engine):
        raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")
    return OutboxConsumer.for_store(env.settings, env.sessions, search=env.search(), graph=env.graph())


def _applied_line(consumer, applied: dict) -> str:
    return "Применено событий: " + ", ".join(f"{consumer.feeds[name].label} {count}"
                                             for name, count in applied.items()) + "."


@outbox_group.command("follow")
@click.option("--once", is_flag=True, help="Применить накопленное и завершиться.")
@click.pass_obj
def outbox_follow(env: Env, once):
    """Держать проекции в актуальном состоянии (для CATALOG_OUTBOX_CONSUMER=external)."""
    consumer = _consumer(env)
    if once:
        click.echo(_applied_line(consumer, consumer.run_once()))
        for name, message in consumer.errors.items():
            click.echo(f"{consumer.feeds[name].label}: {message}", err=True)
        sys.exit(1 if consumer.errors else 0)

    def report(what: str, applied: dict) -> None:
        if what == "standby":
            click.echo("Журнал применяет другой процесс; жду, пока он не завершится.", err=True)
        elif what == "lead":
            click.echo("Применяю журнал изменений (Ctrl+C — остановить).", err=True)
        else:
            click.echo(_applied_line(consumer, applied))

    try:
        consumer.run_forever(report)
    except KeyboardInterrupt:
        pass


@outbox_group.command("status")
@click.pass_obj
def outbox_status(env: Env):
    """Сколько событий журнала ещё не применено к каждой проекции."""
    for label, position, pending in _consumer(env).status():
        click.echo(f"{label}: применено до события {position}, не применено {pending}")


if __name__ == "__main__":
    main()


@main.group("calendar")
def calendar_group():
    """Производственный календарь: праздники и перенесённые рабочие дни."""


def _iso_date(value: str, name: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("ожидается дата ГГГГ-ММ-ДД", param_hint=name) from None


@calendar_group.command("show")
@click.argument("year", type=int)
@click.pass_obj
def calendar_show(env: Env, year):
    """Дни года, отличающиеся от правила «пн–пт», и число рабочих дней."""
    from datetime import date

    from catalog.enums import DayKind
    from catalog.services import calendar

    ctx = env.context()
    for d in calendar.list_days(ctx, year):
        click.echo(f"{d.day.isoformat()}\t{DayKind.label_of(d.kind)}\t{d.note or ''}")
    working = calendar.working_days_between(ctx, date(year - 1, 12, 31), date(year, 12, 31))
    click.echo(f"{year}: {working} рабочих дней")


@calendar_group.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["holiday", "workday"]))
@click.option("--note", help="Примечание (например, основание переноса).")
@click.pass_obj
def calendar_set(env: Env, day, kind, note):
    """Отметить день как нерабочий (holiday) или рабочий (workday)."""
    from catalog.services import calendar

    try:
        row = calendar.set_day(env.context(), {"day": day, "kind": kind, "note": note})
    except CatalogError as error:
        _fail(error)
    click.echo(f"{row.day.isoformat()}: {kind}")


@calendar_group.command("clear")
@click.argument("day")
@click.pass_obj
def calendar_clear(env: Env, day):
    """Снять отметку: день снова по правилу «пн–пт»."""
    from catalog.services import calendar

    try:
        calendar.clear_day(env.context(), _iso_date(day, "DAY"))
    except CatalogError as error:
        _fail(error)
    click.echo(f"{day}: по правилу «пн–пт»")


@calendar_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def calendar_import(env: Env, path):
    """Загрузить CSV «date,kind,note» (kind: holiday | workday); всё или ничего."""
    from catalog.services import calendar

    try:
        count = calendar.import_csv(env.context(), path.read_text(encoding="utf-8-sig"))
    except CatalogError as error:
        _fail(error)
    click.echo(f"Загружено дней: {count}")


@calendar_group.command("add")
@click.argument("day")
@click.argument("days", type=int)
@click.pass_obj
def calendar_add(env: Env, day, days):
    """Дата через DAYS рабочих дней после DAY."""
    from catalog.services import calendar

    try:
        click.echo(calendar.add_working_days(env.context(), _iso_date(day, "DAY"), days).isoformat())
    except CatalogError as error:
        _fail(error)


@calendar_group.command("between")
@click.argument("first")
@click.argument("last")
@click.pass_obj
def calendar_between(env: Env, first, last):
    """Рабочих дней после FIRST до LAST включительно."""
    from catalog.services import calendar

    try:
        click.echo(calendar.working_days_between(env.context(), _iso_date(first, "FIRST"), _iso_date(last, "LAST")))
    except CatalogError as error:
        _fail(error)


@main.group("projects")
def projects_group():
    """Проекты оптимизации процессов."""


@projects_group.command("list")
@click.option("--agency", help="Код или номер органа — владельца процесса.")
@click.option("--stage", type=click.Choice(["initiation", "development", "implementation", "post_monitoring"]))
@click.pass_obj
def projects_list(env: Env, agency, stage):
    """Проекты: номер, этап, процесс, сроки."""
    from catalog.enums import ProjectStage
    from catalog.services import projects

    ctx = env.context()
    agency_id = None
    if agency:
        agency_id = int(agency) if agency.isdigit() else ctx.session.scalar(
            select(models.Agency.id).where(models.Agency.code == agency))
        if agency_id is None:
            raise click.ClickException(f"Нет органа с кодом «{agency}».")
    try:
        found = projects.list_projects(ctx, agency_id=agency_id, stage=stage)
    except CatalogError as error:
        _fail(error)
    for p in found:
        dates = f"{p.start_date.isoformat()}…{p.end_date.isoformat()}" if p.start_date else "сроки не установлены"
        click.echo(f"{p.id}\t{ProjectStage.label_of(projects.current_stage(p))}\t{p.process.name}\t{dates}")
    if not found:
        click.echo("Проектов нет.")


@projects_group.command("show")
@click.argument("project_id", type=int)
@click.pass_obj
def projects_show(env: Env, project_id):
    """Проект: этапы с датами, заявка, дорожная карта, показатели и отклонения."""
    from catalog.enums import ApplicationDecision, KpiDirection, MeasureStatus, ProjectGround
    from catalog.services import projects

    ctx = env.context()
    try:
        p = projects.get_project(ctx, project_id)
    except CatalogError as error:
        _fail(error)
    d = lambda value: value.isoformat() if value else "—"  # noqa: E731
    click.echo(f"Проект {p.id}: оптимизация процесса «{p.process.name}» ({p.process.agency.name})")
    click.echo(f"Основание: {ProjectGround.label_of(p.ground)}; Процессный офис "
               f"{'участвует' if p.with_office else 'не участвует'}")
    for s in projects.stages(p):
        click.echo(f"  {'*' if s['current'] else ' '} {s['label']}: {d(s['start'])} — {d(s['end'])}")
    state = projects.application_state(p)
    if state["required"]:
        flag = " (ПРОСРОЧЕН)" if state["overdue"] else " (ответ с опозданием)" if state["late"] else ""
        click.echo(f"Заявка: поступила {d(p.application_submitted_on)}, ответ до {d(p.application_due_on)}{flag}; "
                   f"{ApplicationDecision.label_of(p.application_decision) or 'ответа нет'}")
    click.echo(f"Дорожная карта: согласовано {p.agreed_by or '—'} {d(p.agreed_on)}; "
               f"утверждено {p.approved_by or '—'} {d(p.approved_on)}")
    for m in p.measures:
        late = " ПРОСРОЧЕНО" if projects.measure_overdue(m) else ""
        click.echo(f"  {m.position}. {m.name}: {d(m.planned_start)}…{d(m.planned_end)}, {m.responsible}, "
                   f"{MeasureStatus.label_of(m.status)}{late}")
    for k in p.kpis:
        values = ", ".join(f"{x.measured_on.isoformat()}={x.value:g}{'!' if x.deviates else ''}" for x in k.measurements)
        click.echo(f"  КПЭ {k.name}: {KpiDirection.label_of(k.direction)} {k.target:g} {k.unit}; {values or 'измерений нет'}")
    for r in projects.open_requests(p):
        click.echo(f"  Запрос о причинах отклонения «{r.kpi.name}»: ответ до {d(r.due_on)}")
