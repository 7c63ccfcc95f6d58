"""Users, roles and scopes, API tokens and site settings."""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from catalog import models
from catalog.enums import Role
from catalog.errors import InvalidInput, NotFound, TooManyRequests
from catalog.services import permissions, rules
from catalog.services.context import Context

TOKEN_PREFIX = "cat_"
MIN_PASSWORD = 8
# A token's last use is written at most this often (seconds): reads never wait on the write lock.
TOKEN_USE_INTERVAL = 60

log = logging.getLogger(__name__)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_scope(ctx: Context, roles: list[str], agency_ids: list[int], mart_ids: list[int]) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = [r for r in roles if r not in Role.values()]
    if unknown:
        errors["roles"] = [f"Неизвестная роль: {', '.join(unknown)}. Допустимые: {', '.join(Role.values())}."]
    if not roles:
        errors["roles"] = ["Назначьте хотя бы одну роль."]
    for agency_id in agency_ids:
        if ctx.session.get(models.Agency, agency_id) is None:
            errors.setdefault("agency_ids", []).append(f"Органа № {agency_id} нет.")
    for mart_id in mart_ids:
        if ctx.session.get(models.DataMart, mart_id) is None:
            errors.setdefault("mart_ids", []).append(f"Витрины № {mart_id} нет.")
    if Role.AGENCY_EDITOR.value in roles and not agency_ids:
        errors.setdefault("agency_ids", []).append("Редактору органа нужен хотя бы один орган.")
    return errors


def _check_person(ctx: Context, person_id: int | None, user_id: int | None = None) -> dict:
    """The person exists, and no other account is theirs (a visa names one person, signed by one account)."""
    if person_id is None:
        return {}
    person = ctx.session.get(models.Person, person_id)
    if person is None or person.is_deleted:
        return {"person_id": [f"Должностного лица № {person_id} нет."]}
    other = ctx.session.scalar(select(models.User).where(models.User.person_id == person_id, models.User.id != user_id))
    if other is not None:
        return {"person_id": [f"{person.full_name} уже связан(а) с учётной записью «{other.full_name}»."]}
    return {}


def _new_person(ctx: Context, data: dict, message: str) -> models.Person:
    """The person of a new link, written in the account's transaction (committed with it, or not at all)."""
    from catalog.services import records

    inner = Context(session=ctx.session, user=ctx.user, is_system=ctx.is_system, system_actor=ctx.system_actor,
                    autocommit=False, settings=ctx.settings, search=ctx.search, graph=ctx.graph, outbox=ctx.outbox)
    fields = {k: v for k, v in data.items() if k in ("full_name", "position", "level", "agency_id", "unit") and v not in (None, "")}
    try:
        return records.create_record(inner, "people", fields)
    except InvalidInput as error:
        ctx.session.rollback()
        raise InvalidInput(message, {f"new_person_{k}": v for k, v in error.fields.items()}) from None


@rules.operation("users.create")
def create_user(
    ctx: Context,
    login: str,
    full_name: str,
    password: str | None,
    roles: list[str],
    agency_ids: list[int] | None = None,
    mart_ids: list[int] | None = None,
    person_id: int | None = None,
    new_person: dict | None = None,
) -> models.User:
    """A new account; ``person_id`` links it to the person of the catalogue it belongs to (issue 16), or
    ``new_person`` (full_name, position, level, agency_id, unit) makes that person with it, in one transaction."""
    rules.check(ctx, "users.create")
    agency_ids, mart_ids = list(agency_ids or []), list(mart_ids or [])
    login = (login or "").strip()
    errors = _check_scope(ctx, roles, agency_ids, mart_ids)
    errors |= _check_person(ctx, person_id)
    if not login:
        errors["login"] = ["Укажите логин."]
    elif ctx.session.scalar(select(models.User).where(models.User.login == login)):
        errors["login"] = [f"Логин «{login}» уже занят."]
    if not (full_name or "").strip():
        errors["full_name"] = ["Укажите имя пользователя."]
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = [f"Пароль не короче {MIN_PASSWORD} символов."]
    if errors:
        raise InvalidInput("Пользователь не создан.", errors)
    if new_person:
        person_id = _new_person(ctx, new_person, "Пользователь не создан.").id
    user = models.User(
        login=login,
        full_name=full_name.strip(),
        password_hash=generate_password_hash(password) if password else None,
        roles=roles,
        agency_ids=agency_ids,
        mart_ids=mart_ids,
        person_id=person_id,
    )
    ctx.session.add(user)
    ctx.finish()
    return user


@rules.operation("users.update")
def update_user(ctx: Context, user_id: int, *, full_name=None, roles=None, agency_ids=None, mart_ids=None,
                is_active=None, password=None, person_id=None, unlink_person=False, new_person=None) -> models.User:
    """``person_id`` links the account to a person of the catalogue (``new_person``: one made now, as in
    :func:`create_user`); ``unlink_person`` removes the link."""
    rules.check(ctx, "users.update")
    user = get_user(ctx, user_id)
    roles = user.roles if roles is None else roles
    agency_ids = user.agency_ids if agency_ids is None else agency_ids
    mart_ids = user.mart_ids if mart_ids is None else mart_ids
    errors = _check_scope(ctx, roles, agency_ids, mart_ids)
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = [f"Пароль не короче {MIN_PASSWORD} символов."]
    errors |= _check_person(ctx, person_id, user.id)
    if errors:
        raise InvalidInput("Изменения не сохранены.", errors)
    if new_person:
        person_id = _new_person(ctx, new_person, "Изменения не сохранены.").id
    user.roles, user.agency_ids, user.mart_ids = list(roles), list(agency_ids), list(mart_ids)
    if person_id is not None:
        user.person_id = person_id
    elif unlink_person:
        user.person_id = None
    if full_name:
        user.full_name = full_name.strip()
    if is_active is not None:
        if user.is_active and not is_active:
            end_sessions(user)
        user.is_active = is_active
    if password:
        user.password_hash = generate_password_hash(password)
        end_sessions(user)
    ctx.finish()
    return user


def end_sessions(user: models.User) -> None:
    """Every web session of the user ends: each carries the version it was opened with."""
    user.session_version = (user.session_version or 0) + 1


def logout(ctx: Context, user: models.User) -> None:
    """Logging out ends every session of the user (a copied cookie stops working too)."""
    end_sessions(user)
    ctx.session.commit()


def session_is_current(user: models.User | None, version) -> bool:
    return user is not None and user.is_active and version == (user.session_version or 0)


def get_user(ctx: Context, user_id: int) -> models.User:
    return ctx.get(models.User, user_id, f"Пользователь № {user_id} не найден.")


def find_user(ctx: Context, login: str) -> models.User:
    user = ctx.session.scalar(select(models.User).where(models.User.login == login))
    if user is None:
        raise NotFound(f"Пользователь «{login}» не найден.")
    return user


def list_users(ctx: Context) -> list[models.User]:
    rules.check(ctx, "users.list")
    return list(ctx.session.scalars(select(models.User).order_by(models.User.login)))


_dummy_hash: str | None = None


def _hash_for_unknown() -> str:
    # A real hash of a random password, checked when the login is unknown, so that an unknown
    # login takes as long as a known one and timing does not tell which logins exist.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_hex(16))
    return _dummy_hash


def authenticate(ctx: Context, login: str, password: str) -> models.User | None:
    user = ctx.session.scalar(select(models.User).where(models.User.login == (login or "").strip()))
    usable = user is not None and user.is_active and bool(user.password_hash)
    matches = check_password_hash(user.password_hash if usable else _hash_for_unknown(), password or "")
    return user if usable and matches else None


def minutes_text(n: int) -> str:
    """«1 минуту», «3 минуты», «15 минут»: the noun agrees with the number."""
    if n % 10 == 1 and n % 100 != 11:
        word = "минуту"
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        word = "минуты"
    else:
        word = "минут"
    return f"{n} {word}"


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; the store keeps UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def login_wait(ctx: Context, login: str, address: str) -> int:
    """Seconds until a login from this address for this account may be tried again (0: now).

    Counted in the store, so every server process of a deployment refuses the same attempts."""
    limit, period = ctx.settings.login_max_failures, timedelta(minutes=ctx.settings.login_lockout_minutes)
    if limit <= 0:
        return 0
    now = datetime.now(timezone.utc)
    wait = 0.0
    for column, value in ((models.LoginFailure.login, login), (models.LoginFailure.address, address)):
        recent = list(ctx.session.scalars(
            select(models.LoginFailure.failed_at).where(column == value, models.LoginFailure.failed_at > now - period)
            .order_by(models.LoginFailure.failed_at.desc()).limit(limit)))
        if len(recent) >= limit:
            # Refused until the oldest of the last `limit` failures leaves the period.
            wait = max(wait, (_aware(recent[-1]) + period - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def record_login_failure(ctx: Context, login: str, address: str) -> None:
    now = datetime.now(timezone.utc)
    period = timedelta(minutes=ctx.settings.login_lockout_minutes)
    ctx.session.execute(delete(models.LoginFailure).where(models.LoginFailure.failed_at <= now - period))
    ctx.session.add(models.LoginFailure(login=login[:100], address=address[:64], failed_at=now))
    ctx.session.commit()


def log_in(ctx: Context, login: str, password: str, address: str) -> models.User | None:
    """The user whose password this is, or None; refused (429) after too many failures for the
    login or from the address, the right password included, until the period has passed."""
    login = (login or "").strip()
    address = address or "?"
    wait = login_wait(ctx, login, address)
    if wait:
        raise TooManyRequests(f"Слишком много неудачных попыток входа. Попробуйте через {minutes_text(math.ceil(wait / 60))}.",
                              retry_after=wait)
    user = authenticate(ctx, login, password)
    if user is None:
        record_login_failure(ctx, login, address)
        return None
    # A success forgets the account's failures (not the address's: one known password must not
    # reset the count of an address that tries others).
    ctx.session.execute(delete(models.LoginFailure).where(models.LoginFailure.login == login))
    ctx.session.commit()
    return user


@dataclass
class IssuedToken:
    token: models.ApiToken
    secret: str  # shown once; only its hash is stored


@rules.operation("tokens.create")
def create_token(ctx: Context, user_id: int, name: str) -> IssuedToken:
    rules.check(ctx, "tokens.create")
    user = get_user(ctx, user_id)
    if not (name or "").strip():
        raise InvalidInput("Токен не выпущен.", {"name": ["Укажите назначение токена."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = models.ApiToken(user_id=user.id, name=name.strip(), prefix=secret[:10], token_hash=_hash_token(secret))
    ctx.session.add(token)
    ctx.finish()
    return IssuedToken(token, secret)


def list_tokens(ctx: Context, user_id: int | None = None) -> list[models.ApiToken]:
    rules.check(ctx, "tokens.list")
    query = select(models.ApiToken).order_by(models.ApiToken.id)
    if user_id is not None:
        query = query.where(models.ApiToken.user_id == user_id)
    return list(ctx.session.scalars(query))


@rules.operation("tokens.revoke")
def revoke_token(ctx: Context, token_id: int) -> models.ApiToken:
    rules.check(ctx, "tokens.revoke")
    token = ctx.get(models.ApiToken, token_id, f"Токен № {token_id} не найден.")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(timezone.utc)
    ctx.finish()
    return token


def user_for_token(ctx: Context, secret: str) -> models.User | None:
    token = ctx.session.scalar(select(models.ApiToken).where(models.ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    note_token_use(ctx, token)
    return token.user


def note_token_use(ctx: Context, token: models.ApiToken) -> None:
    """Record that the token was used, at most once a minute, without the request ever waiting:
    the write happens later, in its own transaction, in a background thread (a long import that
    holds SQLite's write lock must not turn every token request into «database is locked»)."""
    now = datetime.now(timezone.utc)
    if token.last_used_at is not None and now - _aware(token.last_used_at) < timedelta(seconds=TOKEN_USE_INTERVAL):
        return
    _token_uses.note(ctx.session.get_bind(), token.id, now)


class _TokenUseWriter:
    """One daemon thread per process writing ``api_tokens.last_used_at``; a failed write (the lock
    held, the server away) is logged and tried again for a while, never raised to a request."""

    retry_every = 0.5
    give_up_after = 300.0

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[tuple[str, int], tuple] = {}  # (store, token) -> (engine, when, queued)
        self._noted: dict[tuple[str, int], float] = {}  # (store, token) -> monotonic time of the last note
        self._thread: threading.Thread | None = None

    def note(self, engine, token_id: int, when: datetime) -> None:
        key, now = (engine.url.render_as_string(hide_password=True), token_id), time.monotonic()
        with self._lock:
            last = self._noted.get(key)
            if last is not None and now - last < TOKEN_USE_INTERVAL:
                return
            if len(self._noted) > 10_000:
                self._noted = {k: t for k, t in self._noted.items() if now - t < TOKEN_USE_INTERVAL}
            self._noted[key] = now
            self._pending[key] = (engine, when, now)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="token-last-used", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        items: list = []
        while True:
            # Asleep while nothing is pending; a failed write is retried after a short pause.
            self._wake.wait(self.retry_every if items else None)
            self._wake.clear()
            with self._lock:
                items = list(self._pending.items())
            for key, (engine, when, queued) in items:
                try:
                    self._write(engine, key[1], when)
                except Exception as error:  # noqa: BLE001 - a lock or a lost server: the request already answered
                    if time.monotonic() - queued < self.give_up_after:
                        log.warning("last use of API token %s not written yet: %s", key[1], error)
                        continue
                    log.error("last use of API token %s not written: %s", key[1], error)
                with self._lock:
                    if self._pending.get(key, (None, None, None))[1] == when:
                        del self._pending[key]
            with self._lock:
                items = list(self._pending)

    @staticmethod
    def _write(engine, token_id: int, when: datetime) -> None:
        table = models.ApiToken.__table__
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            connection.execute(update(table).where(
                table.c.id == token_id,
                # Another process may have written it meanwhile: still at most once a minute.
                or_(table.c.last_used_at.is_(None),
                    table.c.last_used_at <= when - timedelta(seconds=TOKEN_USE_INTERVAL))).values(last_used_at=when))


_token_uses = _TokenUseWriter()


@rules.operation("settings.anonymous_read")
def set_anonymous_read(ctx: Context, enabled: bool) -> None:
    rules.check(ctx, "settings.anonymous_read")
    setting = ctx.session.get(models.Setting, permissions.ANONYMOUS_READ_KEY)
    ctx.session.info.pop(permissions.ANONYMOUS_READ_KEY, None)
    value = "on" if enabled else "off"
    if setting is None:
        ctx.session.add(models.Setting(key=permissions.ANONYMOUS_READ_KEY, value=value))
    else:
        setting.value = value
    ctx.finish()


def display_names(ctx: Context, logins) -> dict[str, str]:
    """Logins (as the history and the projects store who acted) → the people's full names, for pages and
    CLI messages. A name that is no login (the system, a loader, «аноним») is shown as it is."""
    wanted = {login for login in logins if login}
    if not wanted:
        return {}
    found = dict(ctx.session.execute(select(models.User.login, models.User.full_name).where(
        models.User.login.in_(wanted))).all())
    return {login: found.get(login) or login for login in wanted}


class PeopleNames:
    """Logins → the people's names (``display_names``), each login read once: a page or a feed names the same
    people in row after row, and asked a statement each."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._names: dict[str, str] = {}

    def read(self, logins) -> None:
        """Read the names of ``logins`` not read yet, in one statement."""
        self._names.update(display_names(self.ctx, [login for login in logins if login not in self._names]))

    def __call__(self, login: str | None) -> str:
        """One login as a person's name; «—» for nobody."""
        if not login:
            return "—"
        if login not in self._names:
            self.read([login])
        return self._names.get(login, login)


def display_name(ctx: Context, login: str | None) -> str:
    """One login as a person's name; «—» for nobody."""
    return PeopleNames(ctx)(login)
