"""The register's duties: officials, agreement (``catalog register …``) and correction notices
(``catalog notices …``), over catalog.services.duties and catalog.services.notices."""
from __future__ import annotations

from datetime import date

import click

from catalog.cli import Env
from catalog.formatting import day as ru_day


def _as(env: Env, login: str | None):
    """A person acts under their own name (notices, agreement): ``--as LOGIN``."""
    from catalog.services import users

    ctx = env.context()
    if login:
        ctx.user = users.find_user(ctx, login)
        ctx.is_system = False
    return ctx


def _agency(ctx, code: str):
    from catalog.services.imports.register import find_agency

    return find_agency(ctx, code)


@click.group("register")
def register_group():
    """Реестр органа: ответственные, согласование и публикация, изменения с опозданием."""


@register_group.command("officials")
@click.argument("agency_code")
@click.pass_obj
def officials_command(env: Env, agency_code):
    """Ответственные за заполнение и согласование реестра органа."""
    from catalog.services import duties

    ctx = env.context()
    agency = _agency(ctx, agency_code)
    for v in duties.officials(ctx, agency.id):
        until = f" по {ru_day(v.official.until)}" if v.official.until else ""
        late = " (сообщено с опозданием)" if v.late else ""
        click.echo(f"{v.label}: {v.official.person.full_name}, {v.official.person.position}, "
                   f"с {ru_day(v.official.since)}{until}{late}")
    for vacancy in duties.vacancies(ctx, [agency.id]):
        click.echo(f"{duties.DUTIES[vacancy.duty]}: не назначен")


@register_group.command("appoint")
@click.argument("agency_code")
@click.argument("duty", type=click.Choice(["fill", "agree"]))
@click.argument("person_id", type=int)
@click.option("--since", help="С какого дня (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ; по умолчанию сегодня).")
@click.option("--as", "as_login", help="От имени пользователя каталога.")
@click.pass_obj
def appoint_command(env: Env, agency_code, duty, person_id, since, as_login):
    """Назначить ответственного (fill — за заполнение, agree — за согласование)."""
    from catalog.services import duties

    ctx = _as(env, as_login)
    row = duties.appoint(ctx, _agency(ctx, agency_code).id, duty, person_id, since)
    click.echo(f"{duties.DUTIES[row.duty]}: {row.person.full_name} с {ru_day(row.since)}")


@register_group.command("agree")
@click.argument("agency_code")
@click.option("--as", "as_login", required=True, help="Ответственный за согласование (логин).")
@click.pass_obj
def agree_command(env: Env, agency_code, as_login):
    """Согласовать реестр органа в нынешнем виде: он публикуется."""
    from catalog.services import duties

    ctx = _as(env, as_login)
    version = duties.agree(ctx, _agency(ctx, agency_code).id)
    click.echo(f"Согласована версия {version.number}: процессов {version.process_count}")


@register_group.command("late")
@click.option("--agency", "agency_code", help="Код органа (по умолчанию все).")
@click.option("--month", help="Месяц ГГГГ-ММ, когда изменения внесены (по умолчанию все).")
@click.pass_obj
def late_command(env: Env, agency_code, month):
    """Изменения реестров, внесённые позже 10 рабочих дней с момента возникновения (3.3)."""
    from catalog.services import duties

    ctx = env.context()
    ids = [_agency(ctx, agency_code).id] if agency_code else None
    when = date.fromisoformat(f"{month}-01") if month else None
    found = duties.late_changes(ctx, ids, when)
    labels = duties.record_labels(ctx, found)
    for t in found:
        what = labels.get((t.event.record_kind, t.event.record_id), f"№ {t.event.record_id}")
        click.echo(f"{what}\t{t.action_label}\tвозникло {ru_day(t.arose_on)}\t"
                   f"срок {ru_day(t.due_on)}\tвнесено {ru_day(t.entered_on)}")


@click.group("notices")
def notices_group():
    """Уведомления о корректировке реестров (правила ведения реестра, 3.5)."""


def _show(view) -> str:
    n = view.notice
    lines = [f"№ {n.id} · {n.agency.name} · {view.state_label} · ответить до {ru_day(n.due_on)}"
             + (" (срок истёк)" if view.overdue else ""), f"Причина: {n.reason}"]
    for process, labels in view.processes:
        lines.append(f"  {process.registry_id} {process.name}: {', '.join(labels)}" if process else "  процесс удалён")
    return "\n".join(lines)


@notices_group.command("list")
@click.option("--agency", "agency_code", help="Код органа.")
@click.option("--state", type=click.Choice(["open", "answered", "closed"]))
@click.pass_obj
def list_command(env: Env, agency_code, state):
    """Уведомления, новые первыми."""
    from catalog.services import notices

    ctx = env.context()
    for view in notices.list_notices(ctx, _agency(ctx, agency_code).id if agency_code else None, state):
        click.echo(_show(view).splitlines()[0])


@notices_group.command("show")
@click.argument("notice_id", type=int)
@click.pass_obj
def show_command(env: Env, notice_id):
    """Уведомление с историей."""
    from catalog.formatting import moment
    from catalog.services import notices

    from catalog.services.users import display_name

    ctx = env.context()
    view = notices.get_notice(ctx, notice_id)
    click.echo(_show(view))
    for e in view.notice.events:
        click.echo(f"{moment(e.at, ctx.settings.timezone)}\t{display_name(ctx, e.actor_name)}\t{notices.ACTIONS.get(e.action, e.action)}"
                   f"\t{e.text or ''}")


@notices_group.command("write")
@click.argument("agency_code")
@click.option("--reason", required=True, help="Какие сведения не соответствуют законодательству.")
@click.option("--item", "items", multiple=True, required=True,
              help="ИДЕНТИФИКАТОР:поле,поле — процесс реестра органа и его поля (name, client, status…).")
@click.option("--as", "as_login", required=True, help="Сотрудник уполномоченного органа (логин).")
@click.pass_obj
def write_command(env: Env, agency_code, reason, items, as_login):
    """Направить органу уведомление о корректировке."""
    from sqlalchemy import select

    from catalog import models
    from catalog.services import notices

    ctx = _as(env, as_login)
    agency = _agency(ctx, agency_code)
    parsed = []
    for item in items:
        registry_id, _, field_list = item.partition(":")
        process_id = ctx.session.scalar(select(models.Process.id).where(
            models.Process.agency_id == agency.id, models.Process.registry_id == registry_id.strip(),
            models.Process.deleted_at.is_(None)))
        if process_id is None:
            raise click.BadParameter(f"процесса «{registry_id}» нет в реестре органа", param_hint="--item")
        parsed.append({"process_id": process_id, "fields": [f.strip() for f in field_list.split(",") if f.strip()]})
    notice = notices.write_notice(ctx, {"agency_id": agency.id, "reason": reason, "items": parsed})
    click.echo(f"Уведомление № {notice.id} направлено; ответить до {ru_day(notice.due_on)}")


def _step(name: str, doc: str, text_required: bool):
    @notices_group.command(name, help=doc)
    @click.argument("notice_id", type=int)
    @click.option("--text", required=text_required, help="Текст (ответ, комментарий).")
    @click.option("--as", "as_login", required=True, help="Логин пользователя каталога.")
    @click.pass_obj
    def command(env: Env, notice_id, text, as_login):
        from catalog.services import notices

        ctx = _as(env, as_login)
        fn = {"answer": notices.answer_notice, "return": notices.return_notice, "close": notices.close_notice}[name]
        notice = fn(ctx, notice_id, text)
        click.echo(f"№ {notice.id}: {notices.STATES[notice.state]}")

    return command


_step("answer", "Ответ органа на уведомление: что исправлено.", True)
_step("return", "Вернуть уведомление органу (автор).", True)
_step("close", "Закрыть уведомление (автор).", False)

COMMANDS = [register_group, notices_group]
