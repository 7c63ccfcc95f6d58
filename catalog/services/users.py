"""Users, roles and scopes, API tokens and site settings."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from catalog import models
from catalog.enums import Role
from catalog.errors import InvalidInput, NotFound
from catalog.services import permissions
from catalog.services.context import Context

TOKEN_PREFIX = "cat_"
MIN_PASSWORD = 8


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


def _require_admin_unless_system(ctx: Context) -> None:
    if not ctx.is_system:
        permissions.require_admin(ctx)


def create_user(
    ctx: Context,
    login: str,
    full_name: str,
    password: str | None,
    roles: list[str],
    agency_ids: list[int] | None = None,
    mart_ids: list[int] | None = None,
) -> models.User:
    _require_admin_unless_system(ctx)
    agency_ids, mart_ids = list(agency_ids or []), list(mart_ids or [])
    login = (login or "").strip()
    errors = _check_scope(ctx, roles, agency_ids, mart_ids)
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
    user = models.User(
        login=login,
        full_name=full_name.strip(),
        password_hash=generate_password_hash(password) if password else None,
        roles=roles,
        agency_ids=agency_ids,
        mart_ids=mart_ids,
    )
    ctx.session.add(user)
    ctx.finish()
    return user


def update_user(ctx: Context, user_id: int, *, full_name=None, roles=None, agency_ids=None, mart_ids=None,
                is_active=None, password=None) -> models.User:
    _require_admin_unless_system(ctx)
    user = get_user(ctx, user_id)
    roles = user.roles if roles is None else roles
    agency_ids = user.agency_ids if agency_ids is None else agency_ids
    mart_ids = user.mart_ids if mart_ids is None else mart_ids
    errors = _check_scope(ctx, roles, agency_ids, mart_ids)
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = [f"Пароль не короче {MIN_PASSWORD} символов."]
    if errors:
        raise InvalidInput("Изменения не сохранены.", errors)
    user.roles, user.agency_ids, user.mart_ids = list(roles), list(agency_ids), list(mart_ids)
    if full_name:
        user.full_name = full_name.strip()
    if is_active is not None:
        user.is_active = is_active
    if password:
        user.password_hash = generate_password_hash(password)
    ctx.finish()
    return user


def get_user(ctx: Context, user_id: int) -> models.User:
    user = ctx.session.get(models.User, user_id)
    if user is None:
        raise NotFound(f"Пользователь № {user_id} не найден.")
    return user


def find_user(ctx: Context, login: str) -> models.User:
    user = ctx.session.scalar(select(models.User).where(models.User.login == login))
    if user is None:
        raise NotFound(f"Пользователь «{login}» не найден.")
    return user


def list_users(ctx: Context) -> list[models.User]:
    _require_admin_unless_system(ctx)
    return list(ctx.session.scalars(select(models.User).order_by(models.User.login)))


def authenticate(ctx: Context, login: str, password: str) -> models.User | None:
    user = ctx.session.scalar(select(models.User).where(models.User.login == (login or "").strip()))
    if user is None or not user.is_active or not user.password_hash:
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


@dataclass
class IssuedToken:
    token: models.ApiToken
    secret: str  # shown once; only its hash is stored


def create_token(ctx: Context, user_id: int, name: str) -> IssuedToken:
    _require_admin_unless_system(ctx)
    user = get_user(ctx, user_id)
    if not (name or "").strip():
        raise InvalidInput("Токен не выпущен.", {"name": ["Укажите назначение токена."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = models.ApiToken(user_id=user.id, name=name.strip(), prefix=secret[:10], token_hash=_hash_token(secret))
    ctx.session.add(token)
    ctx.finish()
    return IssuedToken(token, secret)


def list_tokens(ctx: Context, user_id: int | None = None) -> list[models.ApiToken]:
    _require_admin_unless_system(ctx)
    query = select(models.ApiToken).order_by(models.ApiToken.id)
    if user_id is not None:
        query = query.where(models.ApiToken.user_id == user_id)
    return list(ctx.session.scalars(query))


def revoke_token(ctx: Context, token_id: int) -> models.ApiToken:
    _require_admin_unless_system(ctx)
    token = ctx.session.get(models.ApiToken, token_id)
    if token is None:
        raise NotFound(f"Токен № {token_id} не найден.")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(timezone.utc)
    ctx.finish()
    return token


def user_for_token(ctx: Context, secret: str) -> models.User | None:
    token = ctx.session.scalar(select(models.ApiToken).where(models.ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = datetime.now(timezone.utc)
    ctx.session.commit()
    return token.user


def set_anonymous_read(ctx: Context, enabled: bool) -> None:
    _require_admin_unless_system(ctx)
    setting = ctx.session.get(models.Setting, permissions.ANONYMOUS_READ_KEY)
    value = "on" if enabled else "off"
    if setting is None:
        ctx.session.add(models.Setting(key=permissions.ANONYMOUS_READ_KEY, value=value))
    else:
        setting.value = value
    ctx.finish()
