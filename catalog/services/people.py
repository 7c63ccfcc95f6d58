"""People and positions (issue 16): who signs which visa, by the position the regulation names.

- «Утверждаю» on a roadmap: the head of the agency that owns the process (Leningrad 4.3 п. 6, 4.4),
  or an official to whom the head delegated it (a recorded :class:`~catalog.models.Delegation`).
- «Согласовано»: the head of the process office or the deputy chair of the Committee who oversees it
  (4.3 п. 7, 4.4) — people of an agency of kind «процессный офис» (Leningrad 2.13: the office is a
  department of the Committee) at the levels ``head_of_agency`` and ``office_curator``.
- The conclusion on a system request: the head of the process office (8.4).
- A passport: the official the owning agency designates (a :class:`~catalog.models.Designation`);
  without one, its head (Samara concept, section 5 result 13: the agencies answer for their processes).

The levels are configuration (``CATALOG_VISA_LEVELS``, Settings.visa_levels) with these defaults: a
deployment decides once, in one place, and the rules in catalog/services/rules.py ask here.
Every signature is kept as it was given (:func:`visa`): the person's name, position and agency at the
time, the date, the delegation it rested on; documents get their own number (:func:`allocate_number`).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import or_, select

from catalog import models
from catalog.enums import AgencyKind, OfficialLevel, Visa
from catalog.errors import InvalidInput, NotFound
from catalog.formatting import parse_date
from catalog.services import permissions, rules
from catalog.services.context import Context

# The prefix of each kind of numbered document («ДК-2026-0001»).
PREFIXES = {"roadmap": "ДК", "conclusion": "З", "passport": "П"}
# Visas given inside the process office rather than in the agency whose record is signed.
OFFICE_VISAS = {Visa.ROADMAP_AGREE.value, Visa.CONCLUSION.value}
WHO_SIGNS = {
    Visa.ROADMAP_APPROVE.value: "дорожную карту утверждает руководитель органа — владельца процесса "
                                "или должностное лицо, которому он поручил утверждение",
    Visa.ROADMAP_AGREE.value: "дорожную карту согласует руководитель Процессного офиса "
                              "или заместитель председателя Комитета, курирующий Процессный офис",
    Visa.CONCLUSION.value: "заключение по заявке подписывает руководитель Процессного офиса",
    Visa.PASSPORT_APPROVE.value: "паспорт утверждает должностное лицо, назначенное органом — владельцем процесса",
}


def _today() -> date:
    from catalog.services.entry_dates import catalogue_today

    return catalogue_today()


def person_of(ctx: Context, user: models.User | None) -> models.Person | None:
    """The person of the catalogue an account belongs to; None for an account not linked to one."""
    if user is None or user.person_id is None:
        return None
    person = ctx.session.get(models.Person, user.person_id)
    return None if person is None or person.is_deleted else person


def level_label(level: str | None) -> str:
    return OfficialLevel.label_of(level) if level else "уровень не указан"


def _people(ctx: Context, agency_id: int, levels) -> list[models.Person]:
    return list(ctx.session.scalars(select(models.Person).where(
        models.Person.agency_id == agency_id, models.Person.level.in_(list(levels)),
        models.Person.deleted_at.is_(None)).order_by(models.Person.id)))


def head_of(ctx: Context, agency_id: int) -> models.Person | None:
    """The agency's head: its person at the level «руководитель органа»."""
    found = _people(ctx, agency_id, [OfficialLevel.HEAD_OF_AGENCY.value])
    return found[0] if found else None


def deputies_of(ctx: Context, agency_id: int) -> list[models.Person]:
    return _people(ctx, agency_id, [OfficialLevel.DEPUTY_HEAD_OF_AGENCY.value])


def process_offices(ctx: Context) -> list[models.Agency]:
    return list(ctx.session.scalars(select(models.Agency).where(
        models.Agency.kind == AgencyKind.PROCESS_OFFICE.value, models.Agency.deleted_at.is_(None))
        .order_by(models.Agency.id)))


def process_office_head(ctx: Context) -> models.Person | None:
    """The head of the process office (the head of the agency of kind «процессный офис»)."""
    for office in process_offices(ctx):
        head = head_of(ctx, office.id)
        if head is not None:
            return head
    return None


def designated(ctx: Context, agency_id: int, visa: str = Visa.PASSPORT_APPROVE.value) -> models.Person | None:
    found = ctx.session.scalar(select(models.Designation).where(
        models.Designation.agency_id == agency_id, models.Designation.visa == visa))
    return found.person if found is not None and not found.person.is_deleted else None


def _holds(ctx: Context, person: models.Person, visa: str, agency_id: int | None) -> bool:
    """Does ``person`` sign ``visa`` for a record of ``agency_id`` by their own position?"""
    levels = ctx.settings.visa_levels.get(visa, ())
    if visa in OFFICE_VISAS:
        return person.agency.kind == AgencyKind.PROCESS_OFFICE.value and person.level in levels
    if visa == Visa.PASSPORT_APPROVE.value:
        chosen = designated(ctx, agency_id) if agency_id is not None else None
        if chosen is not None:
            return chosen.id == person.id
    return person.agency_id == agency_id and person.level in levels


def delegation_for(ctx: Context, person: models.Person, visa: str, agency_id: int | None,
                   on: date | None = None) -> models.Delegation | None:
    """The delegation in force ``on`` (today by default) by which ``person`` signs for the one who holds it."""
    on = on or _today()
    found = ctx.session.scalars(select(models.Delegation).where(
        models.Delegation.to_person_id == person.id, models.Delegation.visa == visa,
        models.Delegation.ended_at.is_(None), models.Delegation.valid_from <= on,
        or_(models.Delegation.valid_until.is_(None), models.Delegation.valid_until >= on)))
    # The one who delegated must still hold the position: a former head's order no longer stands.
    return next((d for d in found if not d.from_person.is_deleted and _holds(ctx, d.from_person, visa, agency_id)), None)


def visa_refusal(ctx: Context, user: models.User, visa: str, agency_id: int | None) -> str | None:
    """Why ``user`` may not sign ``visa`` for a record of ``agency_id`` (a sentence), or None."""
    person = person_of(ctx, user)
    who = WHO_SIGNS[visa]
    if person is None:
        return f"Недостаточно прав: {who}; ваша учётная запись не связана с должностным лицом каталога."
    if _holds(ctx, person, visa, agency_id) or delegation_for(ctx, person, visa, agency_id) is not None:
        return None
    return f"Недостаточно прав: {who}; ваша должность — {person.position} ({person.agency.short_name or person.agency.name})."


def _person_text(person: models.Person) -> dict:
    return {"person_id": person.id, "name": person.full_name, "position": person.position,
            "level": person.level, "agency": person.agency.short_name or person.agency.name}


def visa(ctx: Context, kind: str, agency_id: int | None, on: date) -> dict:
    """The signature as it is given now: who (name, position, agency), the date given, the server's
    time, and the delegation it rests on. The server (CLI, loaders) signs under its own name."""
    signed = {"visa": kind, "date": on.isoformat(), "signed_at": datetime.now(UTC).isoformat(timespec="seconds")}
    person = person_of(ctx, ctx.user)
    if person is None:
        return {**signed, "person_id": None, "name": ctx.actor_name, "position": None, "level": None, "agency": None,
                "delegation": None}
    delegation = None if _holds(ctx, person, kind, agency_id) else delegation_for(ctx, person, kind, agency_id)
    return {**signed, **_person_text(person), "delegation": None if delegation is None else {
        "id": delegation.id, "from": _person_text(delegation.from_person), "basis": delegation.basis,
        "valid_from": delegation.valid_from.isoformat(),
        "valid_until": delegation.valid_until.isoformat() if delegation.valid_until else None}}


def _ru(iso: str | None) -> str:
    return date.fromisoformat(iso[:10]).strftime("%d.%m.%Y") if iso else ""


def describe_visa(signed: dict | None) -> str:
    """«Громов Игорь Сергеевич, министр социальной защиты, 28.11.2025» with the delegation beside it."""
    if not signed:
        return ""
    text = ", ".join(p for p in (signed.get("name"), signed.get("position"), _ru(signed.get("date"))) if p)
    delegation = signed.get("delegation")
    if delegation:
        until = f" по {_ru(delegation['valid_until'])}" if delegation.get("valid_until") else ""
        basis = f", {delegation['basis']}" if delegation.get("basis") else ""
        text += (f" (по поручению: {delegation['from']['name']}, {delegation['from']['position']}{basis}; "
                 f"действует с {_ru(delegation['valid_from'])}{until})")
    return text


def allocate_number(ctx: Context, kind: str, year: int) -> str:
    """The next number of a kind of document in a year: «З-2026-0007». The counter row is locked for the
    transaction (PostgreSQL: SELECT … FOR UPDATE; SQLite writes one at a time), and the documents'
    number columns are unique, so two signatures never share a number."""
    prefix = PREFIXES[kind]
    counter = ctx.session.get(models.DocumentCounter, (prefix, year), with_for_update=True)
    if counter is None:
        counter = models.DocumentCounter(prefix=prefix, year=year, last=0)
        ctx.session.add(counter)
    counter.last += 1
    ctx.session.flush()
    return f"{prefix}-{year}-{counter.last:04d}"


# -- delegations and designations


def _person(ctx: Context, person_id, field: str) -> models.Person:
    person = ctx.session.get(models.Person, person_id) if person_id else None
    if person is None or person.is_deleted:
        raise InvalidInput("Должностное лицо не найдено.", {field: [f"Нет должностного лица № {person_id}."]})
    return person


def _date(value, field: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        errors[field] = ["Ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."]
        return None


@rules.operation("people.delegate")
def delegate(ctx: Context, data: dict) -> models.Delegation:
    """The head gives a visa to another official of the agency for a period, on an order (``basis``)."""
    giver = _person(ctx, data.get("from_person_id"), "from_person_id")
    rules.check(ctx, "people.delegate", giver)
    taker = _person(ctx, data.get("to_person_id"), "to_person_id")
    errors: dict[str, list[str]] = {}
    visa_kind = data.get("visa") or Visa.ROADMAP_APPROVE.value
    if visa_kind not in Visa.values():
        errors["visa"] = [f"Неизвестная виза; допустимые: {', '.join(label for _, label in Visa.choices())}."]
    valid_from = _date(data.get("valid_from"), "valid_from", errors) or _today()
    valid_until = _date(data.get("valid_until"), "valid_until", errors)
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [f"Окончание не раньше начала ({valid_from:%d.%m.%Y})."]
    if taker.id == giver.id:
        errors["to_person_id"] = ["Поручение даётся другому должностному лицу."]
    elif taker.agency_id != giver.agency_id:
        errors["to_person_id"] = [f"{taker.full_name} — работник другого органа; поручение даётся в своём органе."]
    if not errors and not _holds(ctx, giver, visa_kind, giver.agency_id if visa_kind not in OFFICE_VISAS else None):
        errors["from_person_id"] = [f"{giver.full_name} не подписывает «{Visa.label_of(visa_kind)}» по своей должности."]
    if errors:
        raise InvalidInput("Поручение не записано.", errors)
    found = models.Delegation(visa=visa_kind, from_person_id=giver.id, to_person_id=taker.id, valid_from=valid_from,
                              valid_until=valid_until, basis=(data.get("basis") or "").strip() or None,
                              created_by=ctx.actor_name)
    ctx.session.add(found)
    ctx.finish()
    return found


@rules.operation("people.delegate")
def end_delegation(ctx: Context, delegation_id: int, on: date | None = None) -> models.Delegation:
    """The delegation ends (the day before ``on``, today by default): the deputy no longer signs."""
    found = ctx.get(models.Delegation, delegation_id, f"Поручение № {delegation_id} не найдено.")
    rules.check(ctx, "people.delegate", found.from_person)
    found.ended_at = datetime.now(UTC)
    ctx.finish()
    return found


def delegations(ctx: Context, agency_id: int | None = None) -> list[models.Delegation]:
    query = select(models.Delegation).order_by(models.Delegation.id)
    if agency_id is not None:
        query = query.join(models.Person, models.Person.id == models.Delegation.from_person_id).where(
            models.Person.agency_id == agency_id)
    return list(ctx.session.scalars(query))


def in_force(found: models.Delegation, on: date | None = None) -> bool:
    """Is the delegation in force ``on`` (today by default): not ended, begun, not expired."""
    on = on or _today()
    return found.ended_at is None and found.valid_from <= on and (found.valid_until is None or found.valid_until >= on)


def delegations_split(ctx: Context, agency_id: int) -> tuple[list[models.Delegation], list[models.Delegation]]:
    """An agency's delegations in force (and those yet to begin) and past ones (ended or expired), newest first."""
    found = sorted(delegations(ctx, agency_id), key=lambda d: d.id, reverse=True)
    today = _today()
    current = [d for d in found if d.ended_at is None and (d.valid_until is None or d.valid_until >= today)]
    return current, [d for d in found if d not in current]


@rules.operation("people.designate")
def designate(ctx: Context, agency_id: int, person_id: int, visa: str = Visa.PASSPORT_APPROVE.value) -> models.Designation:
    """The agency names the official who approves its passports (replacing the previous one)."""
    agency = ctx.get(models.Agency, agency_id, f"Орган № {agency_id} не найден.")
    rules.check(ctx, "people.designate", agency)
    person = _person(ctx, person_id, "person_id")
    if person.agency_id != agency.id:
        raise InvalidInput("Назначение не записано.", {"person_id": [f"{person.full_name} — работник другого органа."]})
    found = ctx.session.scalar(select(models.Designation).where(
        models.Designation.agency_id == agency.id, models.Designation.visa == visa))
    if found is None:
        found = models.Designation(agency_id=agency.id, visa=visa)
        ctx.session.add(found)
    found.person_id, found.designated_on, found.designated_by = person.id, _today(), ctx.actor_name
    ctx.finish()
    return found


def signatories(ctx: Context, agency_id: int) -> dict:
    """Who signs for an agency: its head, deputies, the designated passport approver, delegations."""
    permissions.require_read(ctx)
    agency = ctx.get(models.Agency, agency_id, f"Орган № {agency_id} не найден.")
    return {"agency": agency, "head": head_of(ctx, agency_id), "deputies": deputies_of(ctx, agency_id),
            "passport_approver": designated(ctx, agency_id) or head_of(ctx, agency_id),
            "delegations": delegations(ctx, agency_id), "office_head": process_office_head(ctx)}


def find_person(ctx: Context, person_id: int) -> models.Person:
    person = ctx.session.get(models.Person, person_id)
    if person is None or person.is_deleted:
        raise NotFound(f"Должностное лицо № {person_id} не найдено.")
    return person
