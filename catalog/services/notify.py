"""E-mail notifications and the daily digest (issue 16), through SMTP (``CATALOG_SMTP_URL``; off when unset).

Each person chooses on their profile page which e-mails they get: a new item in their inbox, an item due
tomorrow (the next working day), an item overdue, and a daily digest of the whole inbox. Nothing is sent
from a user's request: ``collect`` writes messages into the store's queue (``email_messages``) — the web
app calls it after a successful change, ``catalog notify run`` before sending — and ``send_due`` sends
what is queued, retrying a failed message with a growing pause (``CATALOG_MAIL_RETRY_SECONDS`` doubled
after each failure, at most ``MAX_ATTEMPTS`` attempts), and records each attempt. So an action succeeds
while the SMTP server is down, and its message goes on a later run. Each event of an item is told once
(``notified_items``): the item's arrival, its due day, its being overdue; the digest once a day.
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from marshmallow import ValidationError
from sqlalchemy import select

from catalog import formatting, models
from catalog.errors import InvalidInput, NotFound
from catalog.schemas import PreferencesSchema, validation_messages
from catalog.services import calendar, entry_dates, inbox, rules
from catalog.services.context import Context

MAX_ATTEMPTS = 8
SMTP_TIMEOUT = 10  # seconds: a hung server must not hold the cron job for long
EVENTS = ("new_item", "due_tomorrow", "overdue")
LABELS = {"new_item": "новые задачи во входящих", "due_tomorrow": "срок завтра", "overdue": "срок истёк",
          "digest": "ежедневная сводка входящих"}


def enabled(ctx: Context) -> bool:
    return bool(ctx.settings.smtp_url)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- preferences (the profile page)


def preferences(ctx: Context, user: models.User) -> models.NotificationPreference:
    """The person's choice; defaults (not stored) when they never chose."""
    found = ctx.session.get(models.NotificationPreference, user.id)
    return found or models.NotificationPreference(user_id=user.id, email=None, new_item=True, due_tomorrow=True,
                                                  overdue=True, digest=False)


@rules.operation("notify.preferences")
def save_preferences(ctx: Context, user_id: int, data: dict) -> models.NotificationPreference:
    rules.check(ctx, "notify.preferences", user_id)
    user = ctx.session.get(models.User, user_id)
    if user is None:
        raise NotFound(f"Пользователь № {user_id} не найден.")
    try:
        values = PreferencesSchema().load({**data, "email": (data.get("email") or "").strip() or None})
    except ValidationError as error:
        raise InvalidInput("Настройки уведомлений не сохранены.", validation_messages(error)) from None
    if values["email"] is None and any(values[k] for k in (*EVENTS, "digest")):
        raise InvalidInput("Настройки уведомлений не сохранены.",
                           {"email": ["Укажите адрес, на который присылать письма."]})
    row = ctx.session.get(models.NotificationPreference, user_id)
    if row is None:
        row = models.NotificationPreference(user_id=user_id)
        ctx.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = _now()
    ctx.finish()
    return row


# -- what to tell


def _tomorrow(ctx: Context):
    return calendar.load(ctx).add_working_days(entry_dates.local_day(ctx.settings), 1)


def _events(ctx: Context, item: dict, tomorrow) -> list[tuple[str, str]]:
    """(preference, event key) pairs the item is due for now."""
    found = [("new_item", "new")]
    if item["overdue"]:
        found.append(("overdue", "overdue"))
    elif item.get("due") == tomorrow:
        found.append(("due_tomorrow", f"due:{item['due'].isoformat()}"))
    return found


def _line(ctx: Context, item: dict) -> str:
    base = ctx.settings.base_iri.rstrip("/")
    return f"• {item['kind']}: {item['title']}\n  {item['due_text']}\n  {base}{item['url']}"


def _body(ctx: Context, user: models.User, intro: str, items: list[dict]) -> str:
    base = ctx.settings.base_iri.rstrip("/")
    lines = [f"Здравствуйте, {user.full_name}!", "", intro, ""]
    lines += [_line(ctx, item) for item in items]
    lines += ["", f"Все ваши задачи: {base}/inbox", f"Какие письма присылать, выбирается в профиле: {base}/profile",
              "", "Каталог процессов и данных"]
    return "\n".join(lines)


def _subject(kind: str, items: list[dict], today) -> str:
    n = len(items)
    if kind == "new_item":
        return f"Каталог: {formatting.counted(n, 'новая задача')}"
    if kind == "due_tomorrow":
        return f"Каталог: завтра срок — {formatting.counted(n, 'задача')}"
    if kind == "overdue":
        return f"Каталог: срок истёк — {formatting.counted(n, 'задача')}"
    overdue = sum(1 for i in items if i["overdue"])
    tail = f", из них просрочено {overdue}" if overdue else ""
    return f"Каталог: сводка на {formatting.day(today)} — {formatting.counted(n, 'задача')}{tail}"


INTROS = {"new_item": "Во входящих появились новые задачи:", "due_tomorrow": "Завтра истекает срок:",
          "overdue": "Срок истёк:"}


def _queue(ctx: Context, user: models.User, email: str, kind: str, subject: str, body: str) -> models.EmailMessage:
    message = models.EmailMessage(user_id=user.id, recipient=email, subject=subject, body=body, kind=kind,
                                  status="queued", attempts=0, next_attempt_at=_now(), created_at=_now())
    ctx.session.add(message)
    return message


def _told(ctx: Context, user_id: int) -> set[tuple[str, str]]:
    return set(ctx.session.execute(select(models.NotifiedItem.item_key, models.NotifiedItem.event)
                                   .where(models.NotifiedItem.user_id == user_id)).all())


def _subscribers(ctx: Context, user_ids=None):
    query = (select(models.User, models.NotificationPreference)
             .join(models.NotificationPreference, models.NotificationPreference.user_id == models.User.id)
             .where(models.User.is_active.is_(True), models.NotificationPreference.email.is_not(None)))
    if user_ids is not None:
        query = query.where(models.User.id.in_(list(user_ids)))
    return ctx.session.execute(query.order_by(models.User.id)).all()


def pending(ctx: Context, user: models.User) -> dict[str, list[dict]]:
    """The items each kind of notification would tell the person now (not yet told)."""
    told = _told(ctx, user.id)
    tomorrow = _tomorrow(ctx)
    out: dict[str, list[dict]] = {event: [] for event in EVENTS}
    for item in inbox.items_for(ctx, user):
        for preference, event in _events(ctx, item, tomorrow):
            if (item["key"], event) not in told:
                out[preference].append({**item, "_event": event})
    return out


def collect(ctx: Context, user_ids=None) -> int:
    """Queue the notifications due now for every subscriber (or those of ``user_ids``); the messages queued.

    Every event is remembered as told, even one the person does not want, so turning a notification on
    later does not bring back the past.
    """
    if not enabled(ctx):
        return 0
    today = entry_dates.local_day(ctx.settings)
    queued = 0
    for user, prefs in _subscribers(ctx, user_ids):
        for preference, items in pending(ctx, user).items():
            for item in items:
                ctx.session.add(models.NotifiedItem(user_id=user.id, item_key=item["key"][:500], event=item["_event"],
                                                    notified_at=_now()))
            if items and getattr(prefs, preference):
                _queue(ctx, user, prefs.email, preference, _subject(preference, items, today),
                       _body(ctx, user, INTROS[preference], items))
                queued += 1
    ctx.finish()
    return queued


def digest_text(ctx: Context, user: models.User) -> tuple[str, str]:
    """The daily digest of the person's inbox: (subject, body)."""
    today = entry_dates.local_day(ctx.settings)
    items = inbox.items_for(ctx, user)
    intro = (f"Во входящих {formatting.counted(len(items), 'задача')}:" if items
             else "Во входящих нет задач.")
    return _subject("digest", items, today), _body(ctx, user, intro, items)


def queue_digests(ctx: Context) -> int:
    """Once a day, the digest for those who want it and have something in their inbox."""
    if not enabled(ctx):
        return 0
    today = entry_dates.local_day(ctx.settings)
    queued = 0
    for user, prefs in _subscribers(ctx):
        event = f"digest:{today.isoformat()}"
        if not prefs.digest or ("digest", event) in _told(ctx, user.id):
            continue
        if not inbox.items_for(ctx, user):
            continue
        subject, body = digest_text(ctx, user)
        _queue(ctx, user, prefs.email, "digest", subject, body)
        ctx.session.add(models.NotifiedItem(user_id=user.id, item_key="digest", event=event, notified_at=_now()))
        queued += 1
    ctx.finish()
    return queued


# -- sending


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(host, port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT)
        if query.get("starttls", "off").lower() in ("on", "1", "true", "yes"):
            server.starttls(context=ssl.create_default_context())
    if parts.username:
        server.login(unquote(parts.username), unquote(parts.password or ""))
    return server


def _mime(ctx: Context, message: models.EmailMessage) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = formataddr(("Каталог процессов и данных", ctx.settings.mail_from))
    mime["To"] = message.recipient
    mime["Subject"] = message.subject
    mime["Message-ID"] = make_msgid(domain=ctx.settings.mail_from.rsplit("@", 1)[-1] or "localhost")
    mime.set_content(message.body)
    return mime


def _failed(ctx: Context, message: models.EmailMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    else:
        pause = ctx.settings.mail_retry_seconds * 2 ** (message.attempts - 1)
        message.next_attempt_at = now + timedelta(seconds=pause)


def send_due(ctx: Context, now: datetime | None = None) -> dict:
    """Send the queued messages whose time has come; {"sent", "retry", "failed"}."""
    now = now or _now()
    due = [m for m in ctx.session.scalars(select(models.EmailMessage).where(models.EmailMessage.status == "queued")
                                          .order_by(models.EmailMessage.id))
           if _aware(m.next_attempt_at) <= now]
    result = {"sent": 0, "retry": 0, "failed": 0}
    if not due or not enabled(ctx):
        return result
    try:
        server = _connect(ctx.settings.smtp_url)
    except (OSError, smtplib.SMTPException) as error:
        for message in due:
            _failed(ctx, message, error, now)
    else:
        with server:
            for message in due:
                try:
                    server.send_message(_mime(ctx, message))
                except (OSError, smtplib.SMTPException) as error:
                    _failed(ctx, message, error, now)
                else:
                    message.status, message.sent_at = "sent", _now()
                    message.attempts += 1
                    message.last_error = None
    for message in due:
        key = "sent" if message.status == "sent" else "failed" if message.status == "failed" else "retry"
        result[key] += 1
    ctx.finish()
    return result


def run(ctx: Context) -> dict:
    """What cron calls (``catalog notify run``): queue what is due, then send what is queued."""
    queued = collect(ctx) + queue_digests(ctx)
    return {"queued": queued, **send_due(ctx)}


def preview(ctx: Context, user: models.User) -> str:
    """What the person would receive now: the pending notifications and the digest, as text."""
    parts = []
    prefs = preferences(ctx, user)
    chosen = [LABELS[k] for k in (*EVENTS, "digest") if getattr(prefs, k)]
    parts.append(f"Получатель: {user.full_name} <{prefs.email or 'адрес не указан'}>; "
                 f"выбраны: {', '.join(chosen) if chosen else 'никакие письма'}"
                 + ("" if enabled(ctx) else "; отправка выключена (CATALOG_SMTP_URL не задан)") + ".")
    today = entry_dates.local_day(ctx.settings)
    for preference, items in pending(ctx, user).items():
        if items:
            parts.append(f"--- {_subject(preference, items, today)}\n{_body(ctx, user, INTROS[preference], items)}")
    subject, body = digest_text(ctx, user)
    parts.append(f"--- {subject}\n{body}")
    return "\n\n".join(parts)
