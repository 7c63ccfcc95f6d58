"""Users and their roles, API tokens, reading without signing in."""
from __future__ import annotations

import getpass
import sys

import click

from catalog.cli import Env
from catalog.enums import OfficialLevel, Role
from catalog.services import people, records, users
from catalog.services.context import Context


def _agency_ids(ctx: Context, codes) -> list[int]:
    return [records.find_by_code(ctx, "agencies", code, "--agency").id for code in codes]


def _mart_ids(ctx: Context, codes) -> list[int]:
    return [records.find_by_code(ctx, "marts", code, "--mart").id for code in codes]


ROLE = click.Choice(Role.values())
LEVEL = click.Choice(OfficialLevel.values())


@click.group("users")
def users_group():
    """Пользователи и их роли."""


@users_group.command("create")
@click.argument("login")
@click.option("--name", "full_name", required=True, help="Имя пользователя.")
@click.option("--role", "roles", type=ROLE, multiple=True, required=True)
@click.option("--agency", "agencies", multiple=True, help="Код органа (для редактора органа); можно несколько.")
@click.option("--mart", "marts", multiple=True, help="Код витрины (для обладателя витрины); можно несколько.")
@click.option("--password", help="Пароль; без него спросит. Пусто: только токены API.")
@click.option("--person", "person_id", type=int, help="Номер должностного лица каталога, которым является пользователь.")
@click.option("--position", help="Должность: создать должностное лицо с именем пользователя (в первом органе из --agency "
                                 "или в --person-agency).")
@click.option("--level", type=LEVEL, help="Уровень должности (для --position).")
@click.option("--person-agency", help="Код органа должностного лица (по умолчанию первый из --agency).")
@click.pass_obj
def users_create(env: Env, login, full_name, roles, agencies, marts, password, person_id, position, level, person_agency):
    """Создать пользователя (и должностное лицо, которым он является)."""
    ctx = env.context()
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Пароль (пусто: без входа на сайт): ") or None
    agency_ids = _agency_ids(ctx, agencies)
    new_person = None
    if position:
        where = _agency_ids(ctx, [person_agency])[0] if person_agency else (agency_ids[0] if agency_ids else None)
        if where is None:
            raise click.UsageError("Для --position укажите орган: --agency или --person-agency.")
        new_person = {"full_name": full_name, "position": position, "level": level, "agency_id": where}
    user = users.create_user(ctx, login, full_name, password or None, list(roles), agency_ids, _mart_ids(ctx, marts),
                             person_id=person_id, new_person=new_person)
    person = people.person_of(ctx, user)
    who = f"; должностное лицо: {person.full_name}, {person.position}" if person else ""
    click.echo(f"Пользователь {user.login} создан (№ {user.id}){who}.")


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
@click.option("--person", "person_id", type=int, help="Номер должностного лица каталога, которым является пользователь.")
@click.pass_obj
def users_update(env: Env, login, roles, agencies, marts, password, active, person_id):
    """Изменить роли, области, пароль, должностное лицо или отключить пользователя."""
    ctx = env.context()
    user = users.find_user(ctx, login)
    users.update_user(ctx, user.id, roles=list(roles) or None,
                      agency_ids=_agency_ids(ctx, agencies) if agencies else None,
                      mart_ids=_mart_ids(ctx, marts) if marts else None,
                      password=password, is_active=active, person_id=person_id)
    click.echo(f"Пользователь {login} изменён.")


@click.group("tokens")
def tokens_group():
    """Токены API для машинных клиентов."""


@tokens_group.command("create")
@click.argument("login")
@click.option("--name", required=True, help="Назначение токена.")
@click.pass_obj
def tokens_create(env: Env, login, name):
    """Выпустить токен; он печатается один раз."""
    ctx = env.context()
    issued = users.create_token(ctx, users.find_user(ctx, login).id, name)
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
    token = users.revoke_token(env.context(), token_id)
    click.echo(f"Токен {token.id} отозван.")


@click.command("anonymous-read")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_obj
def anonymous_read(env: Env, state):
    """Разрешить (on) или запретить (off) чтение каталога без входа."""
    users.set_anonymous_read(env.context(), state == "on")
    click.echo(f"Чтение без входа: {'разрешено' if state == 'on' else 'запрещено'}.")


COMMANDS = [users_group, tokens_group, anonymous_read]
