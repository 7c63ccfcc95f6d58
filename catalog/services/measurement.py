"""A mart's quality measured from its database (issue 20: «measures what owners today only declare»;
Samara concept, section 3 п. 12 and section 5 result 13: a named official answers for the completeness,
accuracy and timeliness of the data a mart presents).

What a mart declares for it (its record): the named source (``quality_source``, one of
``CATALOG_HARVEST_SOURCES``: the server connects only where its configuration says), the table
(``quality_entity_id``: an entity of the catalogue, usually harvested from that source, whose
``source_ref`` is the table's name), the column dating the records (``fresh_column``), how often it is
updated (``update_period_days``) and the threshold (``quality_threshold``, per cent). Per attribute of the
table: ``is_required`` (counted for completeness) and ``value_check`` (СНИЛС, ИНН, ОГРН, КПП or a pattern:
counted for accuracy).

The three figures, in per cent like the declared ones:

- completeness — filled values of the mandatory attributes / (rows read × mandatory attributes); an empty
  or blank string is not filled;
- accuracy — values passing their attribute's check / filled values of the checked attributes;
- timeliness — 100 while the newest record (``MAX(fresh_column)``) is no older than the update period,
  else period / age × 100 (a mart a week late on a daily period stands at about 14 %).

Profiling only reads: PostgreSQL in a ``READ ONLY`` transaction with ``statement_timeout``; SQLite opened
``mode=ro`` (catalog.services.harvest's engine) with a progress handler that stops a query past the time
limit; at most ``CATALOG_QUALITY_ROW_LIMIT`` rows, at most ``CATALOG_QUALITY_TIME_LIMIT`` seconds. Every
measurement is kept (``QualityMeasurement``) with its time; one below the mart's threshold waits in the
inbox of the mart's owners and of the process office (:func:`inbox_items`, a source of
catalog.services.inbox) and is in :func:`below_threshold` (the report ``catalog quality run`` prints).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from markupsafe import Markup, escape
from sqlalchemy import column, func, select, table, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from catalog import models
from catalog.enums import Role, ValueCheck
from catalog.errors import InvalidInput
from catalog.services import harvest, permissions, rules
from catalog.services.context import Context

SERVER = "сервер"
KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


# --- the checks of Russian identifiers ------------------------------------------------------------------


def _digits(value: str, lengths: tuple[int, ...]) -> list[int] | None:
    value = value.strip().replace("-", "").replace(" ", "")
    return [int(c) for c in value] if value.isdigit() and len(value) in lengths else None


def snils_valid(value: str) -> bool:
    """СНИЛС: 11 digits, the last two the control number of the first nine (weights 9…1; a sum of 100 or
    101 gives 00, above 101 its remainder by 101, a remainder of 100 again 00)."""
    d = _digits(value, (11,))
    if d is None:
        return False
    total = sum(digit * weight for digit, weight in zip(d[:9], range(9, 0, -1)))
    if total > 101:
        total %= 101
    control = 0 if total in (100, 101) else total
    return control == d[9] * 10 + d[10]


def _inn_digit(d: list[int], weights: tuple[int, ...]) -> int:
    return sum(a * b for a, b in zip(d, weights)) % 11 % 10


def inn_valid(value: str) -> bool:
    """ИНН: 10 digits (an organisation: one control digit) or 12 (a person: two), the tax service's weights."""
    d = _digits(value, (10, 12))
    if d is None:
        return False
    if len(d) == 10:
        return _inn_digit(d, (2, 4, 10, 3, 5, 9, 4, 6, 8)) == d[9]
    return (_inn_digit(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == d[10]
            and _inn_digit(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == d[11])


def ogrn_valid(value: str) -> bool:
    """ОГРН (13 digits: the first 12 mod 11, mod 10) or ОГРНИП (15: the first 14 mod 13, mod 10)."""
    d = _digits(value, (13, 15))
    if d is None:
        return False
    body = int("".join(map(str, d[:-1])))
    return body % (11 if len(d) == 13 else 13) % 10 == d[-1]


def kpp_valid(value: str) -> bool:
    """КПП: 9 characters, the tax office's four digits, a reason of two digits or capital letters, three digits."""
    return bool(KPP.match(value.strip()))


CHECKS = {ValueCheck.SNILS.value: snils_valid, ValueCheck.INN.value: inn_valid,
          ValueCheck.OGRN.value: ogrn_valid, ValueCheck.KPP.value: kpp_valid}


def checker(kind: str, pattern: str | None = None):
    """The function that says whether one value passes the attribute's declared check."""
    if kind == ValueCheck.PATTERN.value:
        try:
            compiled = re.compile(pattern or "")
        except re.error as error:
            raise InvalidInput("Шаблон значений атрибута не читается.", {"check_pattern": [str(error)]}) from None
        return lambda value: compiled.fullmatch(value) is not None
    return CHECKS[kind]


# --- profiling ------------------------------------------------------------------------------------------------


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _moment(value) -> datetime | None:
    """The newest record's date as the database gives it (a datetime, a date, SQLite's text)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return None


@dataclass
class Profile:
    rows: int = 0
    limited: bool = False
    seconds: float = 0.0
    newest: datetime | None = None
    filled: dict[str, int] = field(default_factory=dict)  # mandatory column → filled values
    checked: dict[str, int] = field(default_factory=dict)  # checked column → filled values
    invalid: dict[str, int] = field(default_factory=dict)  # checked column → values failing the check
    examples: dict[str, list[str]] = field(default_factory=dict)  # a few failing values, for the owner


def profile(url: str, table_name: str, *, schema: str | None = None, required: list[str] = (),
            checks: dict[str, object] | None = None, fresh_column: str | None = None,
            row_limit: int = 100_000, time_limit: float = 30.0) -> Profile:
    """Read at most ``row_limit`` rows of a table for at most ``time_limit`` seconds, read-only."""
    checks = checks or {}
    wanted = list(dict.fromkeys([*required, *checks]))
    found = Profile(filled={c: 0 for c in required}, checked={c: 0 for c in checks},
                    invalid={c: 0 for c in checks}, examples={c: [] for c in checks})
    source = table(table_name, *[column(c) for c in dict.fromkeys([*wanted, *([fresh_column] if fresh_column else [])])],
                   schema=schema)
    engine = harvest._engine_for(url)  # SQLite: an existing file, mode=ro; never created
    started = time.monotonic()
    deadline = started + time_limit
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
                connection.execute(text(f"SET LOCAL statement_timeout = {max(1, int(time_limit * 1000))}"))
            elif engine.dialect.name == "sqlite":
                raw = connection.connection.driver_connection
                # Asked every 10,000 virtual-machine steps: a non-zero answer interrupts the query.
                raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            if fresh_column:
                try:
                    found.newest = _moment(connection.execute(select(func.max(source.c[fresh_column]))).scalar())
                except OperationalError:
                    if time.monotonic() <= deadline:
                        raise
                    found.limited = True  # the time limit stopped it: the sample's newest below
            if wanted and time.monotonic() <= deadline:
                names = list(dict.fromkeys([*wanted, *([fresh_column] if fresh_column and found.newest is None else [])]))
                # One row past the limit tells a table longer than the limit from one exactly as long.
                query = select(*[source.c[c] for c in names]).limit(row_limit + 1)
                result = connection.execution_options(stream_results=True, yield_per=5000).execute(query)
                at = {name: i for i, name in enumerate(names)}
                filled = [(name, at[name]) for name in required]
                tests = [(name, at[name], test) for name, test in checks.items()]
                dated = at.get(fresh_column) if fresh_column in names and found.newest is None else None
                counts = found.filled
                try:
                    for row in result:
                        if found.rows >= row_limit:
                            found.limited = True
                            break
                        for name, i in filled:
                            value = row[i]
                            if value is not None and not (value.__class__ is str and not value.strip()):
                                counts[name] += 1
                        for name, i, test in tests:
                            value = row[i]
                            if _filled(value):
                                found.checked[name] += 1
                                if not test(str(value)):
                                    found.invalid[name] += 1
                                    if len(found.examples[name]) < 3:
                                        found.examples[name].append(str(value)[:40])
                        if dated is not None:
                            moment = _moment(row[dated])
                            if moment and (found.newest is None or moment > found.newest):
                                found.newest = moment
                        found.rows += 1
                        if found.rows % 1000 == 0 and time.monotonic() > deadline:
                            found.limited = True
                            break
                except OperationalError:
                    if time.monotonic() <= deadline:
                        raise
                    found.limited = True
                finally:
                    result.close()
            elif wanted:
                found.limited = True
            connection.rollback()  # nothing to keep: the transaction only read
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise InvalidInput("Не удалось прочитать данные витрины.", {"source": [reason]}) from None
    finally:
        engine.dispose()
    found.seconds = time.monotonic() - started
    return found


def figures(found: Profile, *, update_period_days: int | None, now: datetime) -> dict:
    """The three shares in per cent (None where the mart declares nothing to measure them by)."""
    completeness = accuracy = timeliness = None
    if found.filled and found.rows:
        completeness = 100.0 * sum(found.filled.values()) / (found.rows * len(found.filled))
    checked = sum(found.checked.values())
    if checked:
        accuracy = 100.0 * (checked - sum(found.invalid.values())) / checked
    if found.newest is not None and update_period_days:
        age = max(timedelta(0), now - found.newest)
        period = timedelta(days=update_period_days)
        timeliness = 100.0 if age <= period else 100.0 * (period / age)
    return {"completeness": completeness, "accuracy": accuracy, "timeliness": timeliness}


# --- the operation -----------------------------------------------------------------------------------------


def get_mart(ctx: Context, mart_id: int) -> models.DataMart:
    permissions.require_read(ctx)
    return ctx.get(models.DataMart, mart_id, f"Витрина данных № {mart_id} не найдена.")


def source_name(ctx: Context, mart: models.DataMart) -> str | None:
    """The named source a mart is measured from: its own ``quality_source``, or else the source named by its
    host system's code in CATALOG_HARVEST_SOURCES (where the system's schema is harvested from)."""
    if mart.quality_source:
        return mart.quality_source
    # By id, not the relationship: a host just set on the record is not loaded into it before a refresh.
    system = ctx.session.get(models.InformationSystem, mart.host_system_id) if mart.host_system_id else None
    if system is not None and system.code and system.code in (ctx.settings.harvest_sources or {}):
        return system.code
    return None


def _plan(ctx: Context, mart: models.DataMart):
    """What the mart declares: the source's URL, the table and its schema, the columns to read."""
    source = source_name(ctx, mart)
    if not source or not mart.quality_entity_id:
        raise InvalidInput("Для витрины не указано, где измерять качество.", {"quality_source": [
            "Укажите источник из настроек каталога и таблицу витрины (сущность каталога)."]})
    url = harvest.source_url(ctx, source)
    entity = ctx.get(models.Entity, mart.quality_entity_id, "Таблица витрины не найдена в каталоге.")
    dataset_ref = entity.dataset.source_ref or ""
    schema = dataset_ref.split(":", 2)[2] if dataset_ref.startswith("db:") and dataset_ref.count(":") >= 2 else None
    if schema == "main":
        schema = None  # SQLite's only schema
    attributes = list(ctx.session.scalars(select(models.Attribute).where(
        models.Attribute.entity_id == entity.id, models.Attribute.deleted_at.is_(None)).order_by(models.Attribute.id)))
    required = [a.code or a.name for a in attributes if a.is_required]
    checks = {a.code or a.name: checker(a.value_check, a.check_pattern) for a in attributes if a.value_check}
    return url, source, entity.source_ref or entity.name, schema, required, checks


@rules.operation("quality.measure")
def measure(ctx: Context, mart_id: int, *, now: datetime | None = None) -> models.QualityMeasurement:
    """Measure a mart's quality from its source now and keep the measurement."""
    mart = get_mart(ctx, mart_id)
    rules.check(ctx, "quality.measure", mart)
    url, source, table_name, schema, required, checks = _plan(ctx, mart)
    found = profile(url, table_name, schema=schema, required=required, checks=checks,
                    fresh_column=mart.fresh_column, row_limit=ctx.settings.quality_row_limit,
                    time_limit=ctx.settings.quality_time_limit)
    now = now or datetime.now(timezone.utc)
    measurement = models.QualityMeasurement(
        mart_id=mart.id, measured_at=now, rows_read=found.rows, limited=found.limited, newest_at=found.newest,
        seconds=found.seconds, source=source,
        measured_by=ctx.user.full_name if ctx.user else SERVER,
        details={"table": table_name, "required": found.filled, "checked": found.checked, "invalid": found.invalid,
                 "examples": found.examples},
        **figures(found, update_period_days=mart.update_period_days, now=now))
    ctx.session.add(measurement)
    ctx.finish()
    return measurement


@rules.operation("quality.measure")
def run(ctx: Context) -> list[tuple[models.DataMart, models.QualityMeasurement | None, str | None]]:
    """The scheduled run (cron): every mart with a table and a source (its own or its host system's),
    measured; a mart whose source cannot be read is reported with the reason and does not stop the others."""
    rules.check(ctx, "quality.measure", None)
    marts = [m for m in ctx.session.scalars(select(models.DataMart).where(
        models.DataMart.deleted_at.is_(None), models.DataMart.quality_entity_id.is_not(None))
        .order_by(models.DataMart.id)) if source_name(ctx, m)]
    out = []
    for mart in marts:
        try:
            out.append((mart, measure(ctx, mart.id), None))
        except InvalidInput as error:  # refused before anything was added: nothing to undo
            reason = "; ".join(m for messages in (error.fields or {}).values() for m in messages)
            out.append((mart, None, f"{error.message} {reason}".strip()))
    return out


def measurements(ctx: Context, mart_id: int, *, days: int | None = None) -> list[models.QualityMeasurement]:
    """The mart's measurements, oldest first (the last ``days`` only when given)."""
    get_mart(ctx, mart_id)
    query = select(models.QualityMeasurement).where(models.QualityMeasurement.mart_id == mart_id)
    if days:
        query = query.where(models.QualityMeasurement.measured_at >= datetime.now(timezone.utc) - timedelta(days=days))
    return list(ctx.session.scalars(query.order_by(models.QualityMeasurement.measured_at, models.QualityMeasurement.id)))


def latest(ctx: Context, mart_id: int) -> models.QualityMeasurement | None:
    return ctx.session.scalar(select(models.QualityMeasurement).where(models.QualityMeasurement.mart_id == mart_id)
                              .order_by(models.QualityMeasurement.measured_at.desc(),
                                        models.QualityMeasurement.id.desc()).limit(1))


FIGURES = {"completeness": "полнота", "accuracy": "достоверность", "timeliness": "актуальность"}


def shortfalls(mart: models.DataMart, measurement: models.QualityMeasurement | None) -> list[str]:
    """The measured figures below the mart's threshold, in words («полнота 80,0 % при пороге 95 %»)."""
    from catalog.formatting import number

    if measurement is None or mart.quality_threshold is None:
        return []
    return [f"{label} {number(value, 1)} % при пороге {number(mart.quality_threshold)} %"
            for name, label in FIGURES.items()
            if (value := getattr(measurement, name)) is not None and value < mart.quality_threshold]


def below_threshold(ctx: Context) -> list[dict]:
    """The report: marts whose latest measurement is below their threshold."""
    permissions.require_read(ctx)
    out = []
    for mart in ctx.session.scalars(select(models.DataMart).where(
            models.DataMart.deleted_at.is_(None), models.DataMart.quality_threshold.is_not(None))
            .order_by(models.DataMart.id)):
        found = latest(ctx, mart.id)
        if lacking := shortfalls(mart, found):
            out.append({"mart": mart, "measurement": found, "shortfalls": lacking})
    return out


def to_dict(measurement: models.QualityMeasurement) -> dict:
    return {"id": measurement.id, "measured_at": measurement.measured_at.isoformat(),
            "completeness": measurement.completeness, "accuracy": measurement.accuracy,
            "timeliness": measurement.timeliness, "rows_read": measurement.rows_read, "limited": measurement.limited,
            "newest_at": measurement.newest_at.isoformat() if measurement.newest_at else None,
            "seconds": round(measurement.seconds, 3), "source": measurement.source,
            "measured_by": measurement.measured_by, "details": measurement.details}


def inbox_items(ctx: Context, user: models.User) -> list[dict]:
    """A latest measurement below the mart's threshold: for the mart's owners (as catalog.services.quality
    counts them) and for the process office."""
    from catalog.services import quality

    if user is None or not user.is_active:
        return []
    office = user.has_role(Role.PROCESS_OFFICE.value)
    if not (office or user.mart_ids or user.agency_ids):
        return []
    items = []
    for row in below_threshold(ctx):
        mart, found = row["mart"], row["measurement"]
        if not (office or quality._answers_for(user, mart)):
            continue
        local = found.measured_at
        items.append({"kind": "Измеренное качество витрины ниже порога",
                      "title": f"{mart.name}: {'; '.join(row['shortfalls'])} (измерено {local:%d.%m.%Y})",
                      "url": f"/marts/{mart.id}#measured-quality", "due": local.date(), "overdue": True,
                      "agency_id": mart.owner_agency_id})
    return items


# --- the chart ----------------------------------------------------------------------------------------------

COLOURS = {"completeness": "#1f6fb2", "accuracy": "#2e8b57", "timeliness": "#c0392b"}


def chart_svg(mart: models.DataMart, series: list[models.QualityMeasurement], width: int = 640,
              height: int = 240) -> Markup:
    """The series as an SVG the server draws: a line per figure over time, the declared value of each as a
    dashed line of its colour, the threshold grey; upwards from a floor below the lowest value to 100 %
    (figures of a working mart sit in the nineties: a 0–100 axis would flatten them)."""
    from catalog.formatting import number

    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    shown = [v for m in series for name in FIGURES if (v := getattr(m, name)) is not None]
    shown += [v for name in FIGURES if (v := getattr(mart, name)) is not None]
    shown += [mart.quality_threshold] if mart.quality_threshold is not None else []
    floor = max(0, min(90, int(min(shown, default=0) - 5) // 10 * 10))
    y = lambda v: top + plot_h * (1 - (max(floor, min(100.0, v)) - floor) / (100 - floor))  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="quality-chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Измеренное качество витрины по времени">']
    for tick in range(floor, 101, max(5, (100 - floor) // 4 // 5 * 5)):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick} %</text>')
    times = [m.measured_at.timestamp() for m in series]
    start, end = (min(times), max(times)) if times else (0, 1)
    span = (end - start) or 1
    x = lambda t: left + plot_w * (t - start) / span  # noqa: E731
    if series:
        for at, anchor in ((series[0], "start"), (series[-1], "end")):
            parts.append(f'<text x="{x(at.measured_at.timestamp()):.1f}" y="{height - 8}" font-size="11" '
                         f'text-anchor="{anchor}">{at.measured_at:%d.%m.%Y}</text>')
    for name, label in FIGURES.items():
        colour = COLOURS[name]
        declared = getattr(mart, name)
        if declared is not None:
            parts.append(f'<line class="declared" x1="{left}" x2="{width - right}" y1="{y(declared):.1f}" '
                         f'y2="{y(declared):.1f}" stroke="{colour}" stroke-dasharray="6 4" stroke-width="1">'
                         f'<title>{escape(label)}: заявлено {number(declared, 1)} %</title></line>')
        points = [(x(m.measured_at.timestamp()), y(v)) for m in series if (v := getattr(m, name)) is not None]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline class="measured {name}" fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{path}"><title>{escape(label)}: измерено</title></polyline>')
            for px, py in points:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>')
    if mart.quality_threshold is not None:
        parts.append(f'<line class="threshold" x1="{left}" x2="{width - right}" y1="{y(mart.quality_threshold):.1f}" '
                     f'y2="{y(mart.quality_threshold):.1f}" stroke="#888" stroke-width="1.5">'
                     f'<title>Порог {number(mart.quality_threshold, 1)} %</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["below_threshold", "chart_svg", "checker", "figures", "inbox_items", "inn_valid", "kpp_valid",
           "latest", "measure", "measurements", "ogrn_valid", "profile", "run", "snils_valid"]
