"""The register's duties (Kemerovo register rules, section 3 and 4 п. 3): who fills and who agrees each
agency's register, late register changes, the agreed versions and their publication.

- 3.2: «назначаются лица, ответственные за заполнение … и их согласование, сведения о которых
  направляются в уполномоченный орган»: :func:`appoint` records them with the date each took the role;
  4 п. 3: a replacement reaches the authorised body «в течение трех рабочих дней» — the catalogue is how it
  reaches it, so the server's time of entry is the time it was reported (:func:`report_due`).
- 3.3: «Изменения … вносятся … не позднее 10 рабочих дней с момента их возникновения»: every register
  change event keeps ``arose_on`` (the editor's) and ``occurred_at`` (the server's); :func:`late_changes`.
- 3.1 and 3.4: the agency agrees its register and publishes it in Excel: :func:`agree` freezes the rows
  as ``catalog export register`` makes them; :func:`published` is what the public page shows.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from catalog import models
from catalog.errors import InvalidInput, NotFound
from catalog.formatting import day as ru_day, to_local
from catalog.services import calendar, history, rules
from catalog.services.context import Context

CHANGE_DAYS = 10  # 3.3: «не позднее 10 рабочих дней с момента их возникновения»
REPLACEMENT_DAYS = 3  # 4 п. 3: «о замене ответственного лица в течение трех рабочих дней»
DUTIES = {"fill": "Ответственный за заполнение реестра", "agree": "Ответственный за согласование реестра"}
CHANGE_KINDS = {"create": "добавление", "update": "изменение", "delete": "удаление", "restore": "восстановление"}


def entered_on(ctx: Context, moment: datetime) -> date:
    """The day (in the catalogue's time zone) a server time falls on."""
    return to_local(moment, ctx.settings.timezone).date()


def _agency(ctx: Context, agency_id) -> models.Agency:
    return ctx.get(models.Agency, agency_id, f"Органа № {agency_id} нет в каталоге.")


# -- the responsible officials (3.2, 4 п. 3)


@dataclass
class OfficialView:
    official: models.RegisterOfficial
    label: str
    due_on: date | None  # a replacement: the day it was due to the authorised body
    late: bool
    warning: str | None  # the calendar of a year on the way is not loaded

    @property
    def entered(self) -> date:
        return self.official.entered_at.date()


def _view(ctx: Context, cal: calendar.WorkCalendar, official: models.RegisterOfficial, replaced: bool) -> OfficialView:
    due, late, warning = None, False, None
    if replaced:
        found = cal.reckon(cal.add_working_days, official.since, REPLACEMENT_DAYS)
        due, warning = found.value, found.warning
        late = entered_on(ctx, official.entered_at) > due
    return OfficialView(official, DUTIES[official.duty], due, late, warning)


def officials(ctx: Context, agency_id: int) -> list[OfficialView]:
    """Everyone who held either duty in the agency, the current ones first, with when each was reported."""
    rows = list(ctx.session.scalars(select(models.RegisterOfficial).where(
        models.RegisterOfficial.agency_id == agency_id).order_by(models.RegisterOfficial.id)))
    cal = calendar.load(ctx)
    seen: set[str] = set()
    views = []
    for row in rows:
        views.append(_view(ctx, cal, row, replaced=row.duty in seen))
        seen.add(row.duty)
    return sorted(views, key=lambda v: (v.official.until is not None, v.official.duty, -v.official.id))


def current(ctx: Context, agency_id: int) -> dict[str, models.RegisterOfficial | None]:
    found = {duty: None for duty in DUTIES}
    for row in ctx.session.scalars(select(models.RegisterOfficial).where(
            models.RegisterOfficial.agency_id == agency_id, models.RegisterOfficial.until.is_(None))
            .order_by(models.RegisterOfficial.id)):
        found[row.duty] = row
    return found


@rules.operation("register.appoint")
def appoint(ctx: Context, agency_id: int, duty: str, person_id: int, since: date | str | None = None,
            note: str | None = None) -> models.RegisterOfficial:
    """``person_id`` takes ``duty`` in the agency from ``since`` (today by default); the one holding it
    hands it over that day. The time of entry is the server's."""
    agency = _agency(ctx, agency_id)
    rules.check(ctx, "register.appoint", agency.id)
    errors = {}
    if not isinstance(duty, str) or duty not in DUTIES:
        errors["duty"] = ["Обязанность: fill (заполнение) или agree (согласование)."]
    note = note.strip() if isinstance(note, str) else None
    person = ctx.session.get(models.Person, person_id) if isinstance(person_id, int) and \
        not isinstance(person_id, bool) and 0 < person_id < 2**31 else None
    if person is None or person.is_deleted:
        errors["person_id"] = ["Такого сотрудника нет в каталоге."]
    elif person.agency_id != agency.id:
        errors["person_id"] = [f"{person.full_name} — сотрудник другого органа."]
    today = history.local_today(ctx)
    try:
        since = today if since in (None, "") else since if isinstance(since, date) else _parse(since)
    except ValueError:
        errors["since"] = ["Ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."]
    else:
        if since > today:
            errors["since"] = ["Назначение вносят, когда оно состоялось: дата не позже сегодняшней."]
    if errors:
        raise InvalidInput("Ответственный не назначен: исправьте поля.", errors)
    holder = current(ctx, agency.id)[duty]
    if holder is not None:
        if holder.person_id == person.id:
            raise InvalidInput(f"{person.full_name} уже {DUTIES[duty].lower()}.", {"person_id": ["Уже назначен."]})
        if since < holder.since:
            raise InvalidInput("Замена не может быть раньше назначения предыдущего.",
                               {"since": [f"Не раньше {ru_day(holder.since)}."]})
        holder.until = since
    row = models.RegisterOfficial(agency_id=agency.id, duty=duty, person_id=person.id, since=since,
                                  actor_name=ctx.actor_name, note=note or None,
                                  entered_at=datetime.now(timezone.utc))
    ctx.session.add(row)
    ctx.finish()
    return row


@rules.operation("register.vacate")
def vacate(ctx: Context, official_id: int, until: date | str | None = None) -> models.RegisterOfficial:
    """The official left the duty with nobody in it yet: the replacement is due within three working days."""
    row = ctx.get(models.RegisterOfficial, official_id, f"Назначения № {official_id} нет.")
    rules.check(ctx, "register.vacate", row.agency_id)
    try:
        until = history.local_today(ctx) if until in (None, "") else until if isinstance(until, date) else _parse(until)
    except ValueError:
        raise InvalidInput("Неверная дата.", {"until": ["Ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."]}) from None
    if row.until is not None:
        raise InvalidInput(f"{row.person.full_name} уже не исполняет эту обязанность.", {"official_id": ["Уже освобождён."]})
    if until < row.since:
        raise InvalidInput("Дата раньше назначения.", {"until": [f"Не раньше {ru_day(row.since)}."]})
    row.until = until
    ctx.finish()
    return row


def _parse(text: str) -> date:
    from catalog.formatting import parse_date

    return parse_date(str(text))


@dataclass
class Vacancy:
    agency: models.Agency
    duty: str
    since: date | None  # the day it fell vacant; None: never filled
    due_on: date | None
    overdue: bool
    warning: str | None


def vacancies(ctx: Context, agency_ids=None) -> list[Vacancy]:
    """Duties nobody holds: never appointed (3.2), or left without a replacement (4 п. 3)."""
    query = select(models.Agency).where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name)
    if agency_ids is not None:
        query = query.where(models.Agency.id.in_(list(agency_ids)))
    agencies = list(ctx.session.scalars(query))
    rows: dict[tuple[int, str], list[models.RegisterOfficial]] = {}
    for row in ctx.session.scalars(select(models.RegisterOfficial).order_by(models.RegisterOfficial.id)):
        rows.setdefault((row.agency_id, row.duty), []).append(row)
    cal, today, found = calendar.load(ctx), history.local_today(ctx), []
    for agency in agencies:
        for duty in DUTIES:
            held = rows.get((agency.id, duty), [])
            if held and held[-1].until is None:
                continue
            if not held:
                found.append(Vacancy(agency, duty, None, None, False, None))
                continue
            left = held[-1].until
            due = cal.reckon(cal.add_working_days, left, REPLACEMENT_DAYS)
            found.append(Vacancy(agency, duty, left, due.value, today > due.value, due.warning))
    return found


# -- register changes: when they arose, when they were entered (3.3)


@dataclass
class ChangeTiming:
    event: models.ChangeEvent
    arose_on: date
    entered_on: date
    due_on: date
    late: bool
    warning: str | None

    @property
    def action_label(self) -> str:
        return CHANGE_KINDS.get(self.event.action, self.event.action)


def timing(ctx: Context, event: models.ChangeEvent, cal: calendar.WorkCalendar | None = None) -> ChangeTiming | None:
    """When a register change arose and was entered, and whether it came later than 10 working days."""
    if event.arose_on is None:
        return None
    cal = cal or calendar.load(ctx)
    due = cal.reckon(cal.add_working_days, event.arose_on, CHANGE_DAYS)
    entered = entered_on(ctx, event.occurred_at)
    return ChangeTiming(event, event.arose_on, entered, due.value, entered > due.value, due.warning)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    # A day's bounds in UTC, a day wide on either side; the exact local day is checked after.
    return (datetime(first.year, first.month, 1, tzinfo=timezone.utc) - timedelta(days=1),
            datetime(following.year, following.month, 1, tzinfo=timezone.utc) + timedelta(days=1))


def late_changes(ctx: Context, agency_ids=None, month: date | None = None, limit: int = 5000) -> list[ChangeTiming]:
    """Register changes entered later than 10 working days after they arose (3.3), newest first;
    ``month``: only those entered in that month (the catalogue's time zone)."""
    event = models.ChangeEvent
    query = select(event).where(event.register_agency_id.is_not(None), event.arose_on.is_not(None))
    if agency_ids is not None:
        query = query.where(event.register_agency_id.in_(list(agency_ids)))
    if month is not None:
        start, end = _month_bounds(month)
        query = query.where(event.occurred_at >= start, event.occurred_at < end)
    cal, found = calendar.load(ctx), []
    for row in ctx.session.scalars(query.order_by(event.id.desc()).limit(limit)):
        # 10 working days are at least 10 calendar days: nearer ones cannot be late.
        if (entered_on(ctx, row.occurred_at) - row.arose_on).days <= CHANGE_DAYS:
            continue
        found_timing = timing(ctx, row, cal)
        if found_timing.late and (month is None or (found_timing.entered_on.year, found_timing.entered_on.month)
                                  == (month.year, month.month)):
            found.append(found_timing)
    return found


def record_labels(ctx: Context, timings: list[ChangeTiming]) -> dict[tuple[str, int], str]:
    from catalog.services import records

    refs = {(t.event.record_kind, t.event.record_id) for t in timings}
    return {ref: label.title for ref, label in records.labels_for(ctx, refs).items()}


# -- agreed versions and publication (3.1, 3.2, 3.4)


def _rows(ctx: Context, agency_id: int) -> list[dict]:
    from catalog.services.imports.register import register_rows

    return [dict(values) for values in register_rows(ctx, agency_id)]


@rules.operation("register.agree")
def agree(ctx: Context, agency_id: int) -> models.RegisterVersion:
    """The agreeing official agrees the register as it is now: a numbered version, published from then on."""
    agency = _agency(ctx, agency_id)
    rules.check(ctx, "register.agree", agency.id)
    officials_now = current(ctx, agency.id)
    rows = _rows(ctx, agency.id)
    if not rows:
        raise InvalidInput(f"В реестре органа «{agency.name}» нет процессов: согласовывать нечего.",
                           {"agency_id": ["Реестр пуст."]})
    number = (ctx.session.scalar(select(func.max(models.RegisterVersion.number))
                                 .where(models.RegisterVersion.agency_id == agency.id)) or 0) + 1
    filler = officials_now["fill"]
    version = models.RegisterVersion(
        agency_id=agency.id, number=number, agreed_at=datetime.now(timezone.utc),
        agreed_by_id=officials_now["agree"].person_id, filled_by_id=filler.person_id if filler else None,
        actor_name=ctx.actor_name, process_count=len(rows), rows=rows)
    ctx.session.add(version)
    ctx.finish()
    return version


def versions(ctx: Context, agency_id: int) -> list[models.RegisterVersion]:
    """The agreed versions, newest first (public: the register is published)."""
    return list(ctx.session.scalars(select(models.RegisterVersion).where(
        models.RegisterVersion.agency_id == agency_id).order_by(models.RegisterVersion.number.desc())))


def published(ctx: Context, agency_id: int) -> models.RegisterVersion | None:
    """The register as the agency publishes it (3.1): its latest agreed version. Readable by anyone,
    whatever anonymous reading says about the rest of the catalogue."""
    found = versions(ctx, agency_id)
    return found[0] if found else None


def published_agencies(ctx: Context) -> list[tuple[models.Agency, models.RegisterVersion]]:
    latest = select(models.RegisterVersion.agency_id, func.max(models.RegisterVersion.number).label("n")) \
        .group_by(models.RegisterVersion.agency_id).subquery()
    rows = ctx.session.execute(
        select(models.Agency, models.RegisterVersion)
        .join(latest, latest.c.agency_id == models.Agency.id)
        .join(models.RegisterVersion, (models.RegisterVersion.agency_id == latest.c.agency_id)
              & (models.RegisterVersion.number == latest.c.n))
        .where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name))
    return [(agency, version) for agency, version in rows]


def get_published(ctx: Context, agency_id: int, number: int | None = None) -> models.RegisterVersion:
    agency = _agency(ctx, agency_id)
    found = versions(ctx, agency.id)
    if number is not None:
        found = [v for v in found if v.number == number]
    if not found:
        raise NotFound(f"Реестр органа «{agency.name}» ещё не согласован и не опубликован.")
    return found[0]


def version_xlsx(ctx: Context, version: models.RegisterVersion) -> bytes:
    """The agreed version in the Kemerovo layout, as the register's import reads it back."""
    from catalog.services.imports.register import write_register

    who = []
    if version.agreed_by is not None:
        who.append(f"согласовал {version.agreed_by.full_name}, {version.agreed_by.position}")
    if version.filled_by is not None:
        who.append(f"заполнял {version.filled_by.full_name}, {version.filled_by.position}")
    note = (f"Версия {version.number}, согласована {ru_day(entered_on(ctx, version.agreed_at))}"
            + (f" ({'; '.join(who)})" if who else "") + ". Поля, отмеченные *, обязательны.")
    out = io.BytesIO()
    write_register(out, f"Реестр процессов: {version.agency.name}", note, version.rows)
    return out.getvalue()


def current_xlsx(ctx: Context, agency_id: int) -> bytes:
    """The register as it is now (not only agreed), for those who keep and check it."""
    from catalog.services.imports.register import write_register

    agency = _agency(ctx, agency_id)
    rules.check(ctx, "register.download", agency.id)
    out = io.BytesIO()
    note = (f"Выгружено из каталога процессов и данных {datetime.now(timezone.utc):%d.%m.%Y %H:%M} UTC; "
            "текущее состояние, не согласованная версия. Поля, отмеченные *, обязательны.")
    write_register(out, f"Реестр процессов: {agency.name}", note, _rows(ctx, agency.id))
    return out.getvalue()


# -- the authorised body's control: late changes, unanswered notices, vacancies, per agency


def control(ctx: Context, month: date) -> list[dict]:
    """Per agency, for ``month``: register changes entered late, notices unanswered, duties vacant."""
    from catalog.services import notices

    rules.check(ctx, "register.control")
    # Agencies that keep a register: with processes in it, or officials, or notices (not every body named
    # in the catalogue, e.g. a federal one a process only refers to).
    keeping = set(ctx.session.scalars(select(models.Process.agency_id).where(models.Process.deleted_at.is_(None))
                                      .distinct()))
    keeping |= set(ctx.session.scalars(select(models.RegisterOfficial.agency_id).distinct()))
    keeping |= set(ctx.session.scalars(select(models.CorrectionNotice.agency_id).distinct()))
    agencies = list(ctx.session.scalars(select(models.Agency).where(models.Agency.deleted_at.is_(None),
                                                                    models.Agency.id.in_(keeping))
                                        .order_by(models.Agency.name)))
    late: dict[int, int] = {}
    for found in late_changes(ctx, month=month):
        late[found.event.register_agency_id] = late.get(found.event.register_agency_id, 0) + 1
    unanswered = notices.unanswered_by_agency(ctx, month)
    vacant: dict[int, list[str]] = {}
    for vacancy in vacancies(ctx):
        vacant.setdefault(vacancy.agency.id, []).append(DUTIES[vacancy.duty].lower())
    published_by = {agency.id: version for agency, version in published_agencies(ctx)}
    rows = []
    for agency in agencies:
        open_count, overdue = unanswered.get(agency.id, (0, 0))
        version = published_by.get(agency.id)
        rows.append({"agency": agency, "late_changes": late.get(agency.id, 0), "unanswered_notices": open_count,
                     "overdue_notices": overdue, "vacant": vacant.get(agency.id, []),
                     "published_on": entered_on(ctx, version.agreed_at) if version else None})
    return rows


def control_rows(ctx: Context, month: date) -> tuple[list[str], list[list]]:
    """The control table as plain cells (Excel, CSV): a header and a row per agency with something wrong first."""
    header = ["Орган", "Изменений внесено позже 10 рабочих дней", "Уведомлений без ответа",
              "Из них с истёкшим сроком", "Не назначены ответственные", "Реестр опубликован"]
    data = sorted(control(ctx, month), key=lambda r: (-(r["late_changes"] + r["unanswered_notices"]), r["agency"].name))
    return header, [[r["agency"].name, r["late_changes"], r["unanswered_notices"], r["overdue_notices"],
                     "; ".join(r["vacant"]), ru_day(r["published_on"]) if r["published_on"] else "не опубликован"]
                    for r in data]


# -- inbox sources (issue 16, engineer C's inbox lists them)


def inbox_items(ctx: Context, user: models.User | None) -> list[dict]:
    """Late register changes of the user's agencies, and vacant duties (theirs; all for the authorised body)."""
    if user is None:
        return []
    from flask import has_request_context

    agency_ids = list(user.agency_ids or [])
    authorised = rules.authorised_body(ctx, user)
    items = []

    def url(endpoint, **values):
        if not has_request_context():
            return None
        from flask import url_for

        return url_for(endpoint, **values)

    if agency_ids:
        month = history.local_today(ctx)
        late = late_changes(ctx, agency_ids, month=month, limit=200)
        labels = record_labels(ctx, late)
        for found in late:
            what = labels.get((found.event.record_kind, found.event.record_id), f"запись № {found.event.record_id}")
            items.append({"kind": "Изменение реестра внесено с опозданием",
                          "title": f"«{what}»: {found.action_label}, возникло {ru_day(found.arose_on)}, "
                                   f"внесено {ru_day(found.entered_on)} (срок — {ru_day(found.due_on)})",
                          "url": url("duties.agency_page", agency_id=found.event.register_agency_id),
                          "due": found.due_on, "overdue": True, "agency_id": found.event.register_agency_id})
    if agency_ids or authorised:
        for vacancy in vacancies(ctx, None if authorised else agency_ids):
            if vacancy.since is None and authorised and vacancy.agency.id not in agency_ids:
                continue  # never appointed: the agency's own item; the office sees it on the control page
            items.append({"kind": "Не назначен ответственный за реестр",
                          "title": f"{vacancy.agency.name}: {DUTIES[vacancy.duty].lower()}",
                          "url": url("duties.agency_page", agency_id=vacancy.agency.id),
                          "due": vacancy.due_on, "overdue": vacancy.overdue, "agency_id": vacancy.agency.id})
    return items
