"""Who may read and who may change what. Every service calls these beside its work.

- admin: everything;
- process office: processes, services, people and the reference lists (life
  situations, acts, the typical list);
- architect: datasets, entities, attributes, document types, systems, marts;
- agency editor: records tied to one of its agencies (``Kind.agency_field``);
- data-mart owner: its marts, the links from them, and the datasets, entities and
  attributes its marts expose; it may register new marts and data;
- reader (or anonymous, when anonymous reading is on): reading only.
A link is changed by whoever may change its source record.
"""
from __future__ import annotations

from sqlalchemy import select

from catalog import models
from catalog.enums import Role
from catalog.errors import Forbidden, Unauthorized
from catalog.kinds import KINDS, Kind
from catalog.services.context import Context

ANONYMOUS_READ_KEY = "anonymous_read"


def anonymous_read_enabled(ctx: Context) -> bool:
    setting = ctx.session.get(models.Setting, ANONYMOUS_READ_KEY)
    return setting is None or setting.value == "on"


def require_read(ctx: Context) -> None:
    if ctx.user is None and not ctx.is_system and not anonymous_read_enabled(ctx):
        raise Unauthorized("Войдите в систему: чтение без входа выключено.")


def require_writer(ctx: Context) -> None:
    """The acting user may change something at all: a reader (or nobody) is refused before any input is read."""
    require_role(ctx, set(Role.values()) - {Role.READER.value},
                 "Недостаточно прав: ваша роль позволяет только читать каталог.")


def require_role(ctx: Context, roles: set[str], message: str, allow_system: bool = True) -> None:
    """The acting user holds one of ``roles`` (the CLI, acting for the server, may when ``allow_system``)."""
    if allow_system and ctx.is_system:
        return
    if ctx.user is None:
        raise Unauthorized("Войдите в систему.")
    if not roles & set(ctx.user.roles or []):
        raise Forbidden(message)


def require_admin(ctx: Context) -> None:
    if ctx.user is None:
        raise Unauthorized("Войдите в систему.")
    if not ctx.user.has_role(Role.ADMIN.value):
        raise Forbidden("Действие доступно только администратору.")


def _agency_of(ctx: Context, kind: Kind, values: dict) -> int | None:
    if kind.agency_field:
        return values.get(kind.agency_field)
    # Entities and attributes belong to the agency that owns their dataset.
    if kind.name == "entities" and values.get("dataset_id"):
        dataset = ctx.session.get(models.Dataset, values["dataset_id"])
        return dataset.owner_agency_id if dataset else None
    if kind.name == "attributes" and values.get("entity_id"):
        entity = ctx.session.get(models.Entity, values["entity_id"])
        return entity.dataset.owner_agency_id if entity else None
    return None


def _exposed_by_own_mart(ctx: Context, kind: Kind, values: dict) -> bool:
    mart_ids = list(ctx.user.mart_ids or [])
    if not mart_ids:
        return False
    targets: list[tuple[str, int]] = []
    if kind.name == "datasets" and values.get("id"):
        targets.append(("datasets", values["id"]))
    elif kind.name == "entities":
        if values.get("id"):
            targets.append(("entities", values["id"]))
        if values.get("dataset_id"):
            targets.append(("datasets", values["dataset_id"]))
    elif kind.name == "attributes" and values.get("entity_id"):
        entity = ctx.session.get(models.Entity, values["entity_id"])
        if entity:
            targets += [("entities", entity.id), ("datasets", entity.dataset_id)]
    for target_kind, target_id in targets:
        found = ctx.session.scalar(
            select(models.Link.id).where(
                models.Link.link_type == "EXPOSES",
                models.Link.source_kind == "marts",
                models.Link.source_id.in_(mart_ids),
                models.Link.target_kind == target_kind,
                models.Link.target_id == target_id,
                models.Link.deleted_at.is_(None),
            ).limit(1)
        )
        if found:
            return True
    return False


def can_edit(ctx: Context, kind: Kind, values: dict, creating: bool = False) -> bool:
    """May the acting user write a record of ``kind`` whose fields are ``values``?"""
    if ctx.is_system:
        return True
    user = ctx.user
    if user is None or not user.is_active:
        return False
    roles = set(user.roles or [])
    if Role.ADMIN.value in roles:
        return True
    if kind.name == "links":
        source_kind = KINDS.get(values.get("source_kind") or "")
        if source_kind is None:
            return bool(roles & {Role.ARCHITECT.value, Role.PROCESS_OFFICE.value})
        source_model = source_kind.model
        source = ctx.session.get(source_model, values.get("source_id")) if values.get("source_id") else None
        source_values = record_values(source) if source else {}
        return can_edit(ctx, source_kind, source_values)
    if roles & kind.editor_roles:
        return True
    if Role.AGENCY_EDITOR.value in roles and not (creating and kind.name == "agencies"):
        agency_id = _agency_of(ctx, kind, values)
        if agency_id is not None and agency_id in (user.agency_ids or []):
            return True
    if Role.MART_OWNER.value in roles:
        if kind.name == "marts":
            return creating or values.get("id") in (user.mart_ids or [])
        if kind.name in ("datasets", "entities", "attributes"):
            return creating or _exposed_by_own_mart(ctx, kind, values)
    return False


def record_values(record: models.Record) -> dict:
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}


def require_edit(ctx: Context, kind: Kind, values: dict, creating: bool = False) -> None:
    if ctx.user is None and not ctx.is_system:
        raise Unauthorized("Войдите в систему, чтобы вносить изменения.")
    if not can_edit(ctx, kind, values, creating=creating):
        raise Forbidden(f"Недостаточно прав: нельзя изменять запись вида «{kind.label_one}».")


def require_edit_record(ctx: Context, kind: Kind, record: models.Record, new_values: dict | None = None) -> None:
    """Check the record as it is and, for an update, as it would become."""
    current = record_values(record)
    require_edit(ctx, kind, current)
    if new_values:
        require_edit(ctx, kind, {**current, **new_values})
