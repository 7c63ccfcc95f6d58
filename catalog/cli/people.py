"""People and positions (issue 16): who signs for an agency, delegations of a visa, the passport approver."""
from __future__ import annotations

from datetime import date

import click

from catalog.cli import Env
from catalog.enums import Visa
from catalog.services import people, records

VISA = click.Choice(Visa.values())


def _day(value: date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else "бессрочно"


@click.group("people")
def people_group():
    """Должностные лица: кто подписывает, поручения подписи, утверждающий паспорта."""


@people_group.command("signatories")
@click.argument("agency")
@click.pass_obj
def signatories(env: Env, agency):
    """Кто подписывает за орган AGENCY (код): руководитель, заместители, утверждающий паспорта, поручения."""
    ctx = env.context()
    found = people.signatories(ctx, records.find_by_code(ctx, "agencies", agency, "AGENCY").id)

    def who(person) -> str:
        return f"{person.full_name}, {person.position} (№ {person.id})" if person else "не назначен"

    click.echo(f"Руководитель: {who(found['head'])}")
    for deputy in found["deputies"]:
        click.echo(f"Заместитель: {who(deputy)}")
    click.echo(f"Утверждает паспорта: {who(found['passport_approver'])}")
    click.echo(f"Руководитель Процессного офиса: {who(found['office_head'])}")
    for d in found["delegations"]:
        state = "отменено" if d.ended_at else f"с {_day(d.valid_from)} по {_day(d.valid_until)}"
        click.echo(f"Поручение № {d.id}: {Visa.label_of(d.visa)} — {d.from_person.full_name} → {d.to_person.full_name}, "
                   f"{state}{', ' + d.basis if d.basis else ''}")


@people_group.command("delegate")
@click.option("--from", "from_person_id", type=int, required=True, help="Номер должностного лица, которое поручает.")
@click.option("--to", "to_person_id", type=int, required=True, help="Номер должностного лица, которому поручено.")
@click.option("--visa", type=VISA, default="roadmap_approve", show_default=True)
@click.option("--since", "valid_from", type=click.DateTime(["%Y-%m-%d"]), help="С какого дня (ГГГГ-ММ-ДД); по умолчанию сегодня.")
@click.option("--until", "valid_until", type=click.DateTime(["%Y-%m-%d"]), help="По какой день включительно.")
@click.option("--basis", help="Основание: приказ, его дата и номер.")
@click.pass_obj
def delegate(env: Env, from_person_id, to_person_id, visa, valid_from, valid_until, basis):
    """Записать поручение подписи (например, «утверждаю» заместителю на время отпуска министра)."""
    ctx = env.context()
    found = people.delegate(ctx, {
        "from_person_id": from_person_id, "to_person_id": to_person_id, "visa": visa, "basis": basis,
        "valid_from": valid_from.date() if valid_from else None, "valid_until": valid_until.date() if valid_until else None})
    click.echo(f"Поручение № {found.id} записано: {found.to_person.full_name} подписывает за "
               f"{found.from_person.full_name} с {_day(found.valid_from)} по {_day(found.valid_until)}.")


@people_group.command("end-delegation")
@click.argument("delegation_id", type=int)
@click.pass_obj
def end_delegation(env: Env, delegation_id):
    """Отменить поручение подписи."""
    ctx = env.context()
    found = people.end_delegation(ctx, delegation_id)
    click.echo(f"Поручение № {found.id} отменено: {found.to_person.full_name} больше не подписывает за "
               f"{found.from_person.full_name}.")


@people_group.command("designate")
@click.argument("agency")
@click.argument("person_id", type=int)
@click.pass_obj
def designate(env: Env, agency, person_id):
    """Назначить должностное лицо PERSON_ID, утверждающее паспорта процессов органа AGENCY (код)."""
    ctx = env.context()
    found = people.designate(ctx, records.find_by_code(ctx, "agencies", agency, "AGENCY").id, person_id)
    click.echo(f"Паспорта процессов органа утверждает {found.person.full_name}, {found.person.position}.")


COMMANDS = [people_group]
