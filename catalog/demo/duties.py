"""The demo's register duties (Kemerovo register rules 3, 4 п. 3): the officials of the ministries with
demo accounts, their registers agreed and published, a change entered late and an open correction notice."""
from __future__ import annotations

from sqlalchemy import select

from catalog import models
from catalog.demo.projects import _as, _user
from catalog.services import calendar, duties, history, notices
from catalog.services import records as r
from catalog.services.context import Context

# agency code, (login, position) of the official who fills, of the one who agrees
OFFICIALS = [
    ("MINSOC", ("editor", "начальник отдела"), ("head", "министр социальной защиты")),
    ("MINZDRAV", ("zdrav", "начальник отдела"), ("zdrav-head", "министр здравоохранения")),
]


def _person(ctx: Context, user: models.User, agency_id: int, position: str) -> models.Person:
    """The catalogue's person a demo account is (issue 16); one is added, and the account linked to it,
    where the account has none."""
    if user.person_id is not None:
        return ctx.session.get(models.Person, user.person_id)
    found = ctx.session.scalar(select(models.Person).where(models.Person.agency_id == agency_id,
                                                           models.Person.full_name == user.full_name))
    person = found or r.create_record(ctx, "people", {"full_name": user.full_name, "position": position,
                                                      "agency_id": agency_id})
    user.person_id = person.id
    ctx.session.flush()
    return person


def load_duties(ctx: Context) -> int:
    """Officials appointed a month ago, registers agreed by their agreeing officials (published), then a
    change that arose 15 working days ago entered today (late, 3.3) and a notice from the office (3.5)."""
    today = history.local_today(ctx)
    month_ago = calendar.add_working_days(ctx, today, -22)
    published = 0
    for code, (filler_login, filler_position), (agreeing_login, agreeing_position) in OFFICIALS:
        agency_id = ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == code))
        filler, agreeing = _user(ctx, filler_login), _user(ctx, agreeing_login)
        if agency_id is None or filler is None or agreeing is None:
            continue
        duties.appoint(ctx, agency_id, "fill", _person(ctx, filler, agency_id, filler_position).id, month_ago)
        duties.appoint(ctx, agency_id, "agree", _person(ctx, agreeing, agency_id, agreeing_position).id, month_ago)
        duties.agree(_as(ctx, agreeing), agency_id)
        published += 1
    minsoc = ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == "MINSOC"))
    editor, office = _user(ctx, "editor"), _user(ctx, "office")
    process = ctx.session.scalars(select(models.Process).where(models.Process.agency_id == minsoc,
                                                               models.Process.deleted_at.is_(None))
                                  .order_by(models.Process.registry_id)).first() if minsoc else None
    if process is not None and editor is not None:
        late = _as(ctx, editor)
        r.update_record(late, "processes", process.id, {
            "version": process.version, "client_value": "Выплата назначена без визита в учреждение",
            "change_arose_on": calendar.add_working_days(ctx, today, -15)})
    if process is not None and office is not None:
        notices.write_notice(_as(ctx, office), {
            "agency_id": minsoc, "items": [{"process_id": process.id, "fields": ["acts", "status"]}],
            "reason": "В реестре не указан регулирующий акт, а статус «прошёл реинжиниринг» не подтверждён "
                      "актом об утверждении результатов оптимизации."})
    return published
