"""Who may read the catalogue, and the scope of a catalogue record: may this user write this record of
this kind? The ``records.*`` and ``links.*`` rules of ``catalog.services.rules`` ask :func:`refusal`;
services and pages ask the rules, never this module directly.

- admin: everything;
- process office: processes, services, people and the reference lists (life
  situations, acts, the typical list);
- architect: datasets, entities, attributes, document types, systems, marts;
- agency editor: records tied to one of its agencies (``Kind.agency_field``);
- data-mart owner: its marts (kept in their agency and on its systems), the links from them,
  and the datasets, entities and attributes its marts rightfully expose: data of the mart's own
  agency, or data an architect assigned to the mart (an EXPOSES link an architect or admin made);
  it deletes only data of its marts' agencies, registers marts and datasets only for them, and
  adds entities and attributes only to data its marts expose;
- reader (or anonymous, when anonymous reading is on): reading only.
A link is changed by whoever may change its source record.
"""
from __future__ import annotations

from sqlalchemy import select

from catalog import models
from catalog.enums import Role
from catalog.errors import Unauthorized
from catalog.kinds import KINDS, Kind
from catalog.services.context import Context

ANONYMOUS_READ_KEY = "anonymous_read"
INACTIVE = "Ваша учётная запись отключена: изменения недоступны."


def anonymous_read_enabled(ctx: Context) -> bool:
    # Asked by every read of a page; an absent row is not kept by the session's identity map,
    # so the answer is kept for the session (set_anonymous_read forgets it).
    known = ctx.session.info
    if ANONYMOUS_READ_KEY not in known:
        setting = ctx.session.get(models.Setting, ANONYMOUS_READ_KEY)
        known[ANONYMOUS_READ_KEY] = setting is None or setting.value == "on"
    return known[ANONYMOUS_READ_KEY]


def require_read(ctx: Context) -> None:
    if ctx.user is None and not ctx.is_system and not anonymous_read_enabled(ctx):
        raise Unauthorized("Войдите в систему: чтение без входа выключено.")


# Records with no agency of their own: they belong to the agency of the record they hang on (a dataset,
# an entity, a process), and that agency's editors keep them.
INHERITED_AGENCY = ("entities", "attributes", "process-consumers")


def _agency_of(ctx: Context, kind: Kind, values: dict) -> int | None:
    if kind.agency_field:
        return values.get(kind.agency_field)
    # Kemerovo rules, 3: the agency keeps its register, so a process's consumers (Leningrad 2.4–2.6) are
    # its owner's; the consumer's own agency_id is who consumes, not who keeps the row.
    if kind.name == "process-consumers" and values.get("process_id"):
        process = ctx.session.get(models.Process, values["process_id"])
        return process.agency_id if process else None
    # Entities and attributes belong to the agency that owns their dataset.
    if kind.name == "entities" and values.get("dataset_id"):
        dataset = ctx.session.get(models.Dataset, values["dataset_id"])
        return dataset.owner_agency_id if dataset else None
    if kind.name == "attributes" and values.get("entity_id"):
        entity = ctx.session.get(models.Entity, values["entity_id"])
        return entity.dataset.owner_agency_id if entity else None
    return None


# --- data-mart owners ---------------------------------------------------------
#
# Samara concept, section 5, result 13: officials answer for the data "представляемых посредством
# своих витрин данных", and section 6.3: "сформировать перечень наборов данных для предоставления на
# витринах данных органов власти". So a mart presents the data of the agency that owns it; data of
# another agency comes onto it only by the list the architect keeps (an EXPOSES link an architect or
# admin made). The mart's owner agency is the anchor, not the user's own agencies: the demo mart
# owner has none, and a mart owner does not choose which agency's data its mart presents.

DATA_KINDS = ("datasets", "entities", "attributes")
LINK_ENDS = ("link_type", "source_kind", "source_id", "target_kind", "target_id")
ASSIGNING_ROLES = {Role.ARCHITECT.value, Role.ADMIN.value}


def _own_mart_agencies(ctx: Context, user: models.User) -> set[int]:
    """The agencies a mart owner's marts belong to."""
    mart_ids = list(user.mart_ids or [])
    if not mart_ids:
        return set()
    return set(ctx.session.scalars(select(models.DataMart.owner_agency_id).where(models.DataMart.id.in_(mart_ids))))


def _data_owner(ctx: Context, kind_name: str | None, record_id) -> int | None:
    """The agency owning a dataset, or the dataset of an entity or attribute."""
    if record_id is None:
        return None
    if kind_name == "attributes":
        attribute = ctx.session.get(models.Attribute, record_id)
        kind_name, record_id = "entities", attribute.entity_id if attribute else None
    if kind_name == "entities":
        entity = ctx.session.get(models.Entity, record_id) if record_id is not None else None
        kind_name, record_id = "datasets", entity.dataset_id if entity else None
    if kind_name == "datasets" and record_id is not None:
        dataset = ctx.session.get(models.Dataset, record_id)
        return dataset.owner_agency_id if dataset else None
    return None


def assigned_by_architect(ctx: Context, link: models.Link) -> bool:
    """Was the link put where it points by an architect, an admin or the server itself?

    Read from the outbox: the last event that set the link's ends (its creation, or a change of its
    source or target) names who did it. No column is needed, and a mart owner who retargets an
    assigned link makes it its own, not the architect's.
    """
    events = ctx.session.scalars(select(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == "links", models.ChangeEvent.record_id == link.id,
    ).order_by(models.ChangeEvent.id.desc()))
    for event in events:
        if set(LINK_ENDS) & set(event.changes or {}):
            if event.actor_id is None:
                return True  # the CLI and loaders run on the server; anonymous visitors write nothing
            actor = ctx.session.get(models.User, event.actor_id)
            return bool(actor and ASSIGNING_ROLES & set(actor.roles or []))
    return False


def _exposing_mart(ctx: Context, user: models.User, targets: list[tuple[str, int]]) -> models.DataMart | None:
    """One of the user's marts that exposes one of ``targets`` by a rightful EXPOSES link: to its own
    agency's data, or assigned by an architect."""
    mart_ids = list(user.mart_ids or [])
    targets = [(k, i) for k, i in targets if i is not None]
    if not mart_ids or not targets:
        return None
    for target_kind, target_id in targets:
        links = ctx.session.scalars(select(models.Link).where(
            models.Link.link_type == "EXPOSES",
            models.Link.source_kind == "marts",
            models.Link.source_id.in_(mart_ids),
            models.Link.target_kind == target_kind,
            models.Link.target_id == target_id,
            models.Link.deleted_at.is_(None),
        ).order_by(models.Link.id))
        for link in links:
            mart = ctx.session.get(models.DataMart, link.source_id)
            if mart is None or mart.is_deleted:
                continue
            if _data_owner(ctx, target_kind, target_id) == mart.owner_agency_id or assigned_by_architect(ctx, link):
                return mart
    return None


def _exposure_targets(ctx: Context, kind_name: str, values: dict) -> list[tuple[str, int]]:
    """The records whose exposure puts a record of ``kind_name`` in a mart owner's reach."""
    if kind_name == "datasets":
        return [("datasets", values.get("id"))]
    if kind_name == "entities":
        return [("entities", values.get("id")), ("datasets", values.get("dataset_id"))]
    entity = ctx.session.get(models.Entity, values["entity_id"]) if values.get("entity_id") else None
    return [("entities", entity.id), ("datasets", entity.dataset_id)] if entity else []


def _title(ctx: Context, kind_name: str, record_id) -> str:
    kind = KINDS[kind_name]
    record = ctx.session.get(kind.model, record_id) if record_id is not None else None
    title = getattr(record, kind.title_field, None) if record is not None else None
    return title or f"№ {record_id}"


def _host_refusal(ctx: Context, user: models.User, values: dict) -> str | None:
    host_id = values.get("host_system_id")
    system = ctx.session.get(models.InformationSystem, host_id) if host_id is not None else None
    if system is None:
        return None  # no host, or a missing one the reference check reports
    # A system no agency operates (a shared platform) is no other agency's.
    if system.operator_agency_id is None or system.operator_agency_id in {values.get("owner_agency_id"),
                                                                          *(user.agency_ids or [])}:
        return None
    return (f"Недостаточно прав: информационную систему «{system.short_name or system.name}» ведёт другой орган; "
            "разместить в ней витрину может архитектор или администратор.")


def _mart_refusal(ctx: Context, user: models.User, values: dict, action: str, current: dict | None) -> str | None:
    """A mart owner's own marts stay its own, in their agency."""
    if action == "create":
        scope = set(user.agency_ids or []) | _own_mart_agencies(ctx, user)
        if not values:  # "may it register some mart?" (the list page's button)
            return None if scope else "Недостаточно прав: за вами не закреплены ни витрины, ни органы."
        if values.get("owner_agency_id") not in scope:
            return ("Недостаточно прав: витрину можно зарегистрировать только за органом, витрины которого вы ведёте; "
                    "за другим органом её регистрирует архитектор или администратор.")
        return _host_refusal(ctx, user, values)
    if values.get("id") not in (user.mart_ids or []):
        return f"Недостаточно прав: «{values.get('name') or _title(ctx, 'marts', values.get('id'))}» — витрина другого владельца."
    if action == "update" and current is not None:
        if values.get("owner_agency_id") != current.get("owner_agency_id"):
            return "Недостаточно прав: передать витрину другому органу может только архитектор или администратор."
        if values.get("host_system_id") != current.get("host_system_id"):
            return _host_refusal(ctx, user, values)
    return None


def _data_refusal(ctx: Context, user: models.User, kind: Kind, values: dict, action: str,
                  current: dict | None) -> str | None:
    """A mart owner writes the datasets, entities and attributes its marts rightfully expose."""
    name = values.get(kind.title_field) or f"№ {values.get('id')}"
    if action == "create":
        if not values:  # the list page's button
            return None if user.mart_ids else "Недостаточно прав: за вами не закреплено ни одной витрины."
        if kind.name == "datasets":
            if values.get("owner_agency_id") in set(user.agency_ids or []) | _own_mart_agencies(ctx, user):
                return None
            return ("Недостаточно прав: набор данных регистрируйте за органом своей витрины; "
                    "за другим органом его регистрирует архитектор или администратор.")
        if _exposing_mart(ctx, user, _exposure_targets(ctx, kind.name, values)) is not None:
            return None
        if kind.name == "entities":
            return (f"Недостаточно прав: набор данных «{_title(ctx, 'datasets', values.get('dataset_id'))}» "
                    "не предоставляется вашей витриной: добавлять в него сущности нельзя.")
        return (f"Недостаточно прав: сущность «{_title(ctx, 'entities', values.get('entity_id'))}» "
                "не предоставляется вашей витриной: добавлять в неё атрибуты нельзя.")
    if action == "update" and current is not None:
        if kind.name == "datasets" and values.get("owner_agency_id") != current.get("owner_agency_id"):
            return "Недостаточно прав: передать набор данных другому органу может только архитектор или администратор."
        # An entity exposed by itself still moves only into a dataset the mart exposes (attributes are
        # checked by their new entity below).
        if kind.name == "entities" and values.get("dataset_id") != current.get("dataset_id") \
                and _exposing_mart(ctx, user, [("datasets", values.get("dataset_id"))]) is None:
            return (f"Недостаточно прав: набор данных «{_title(ctx, 'datasets', values.get('dataset_id'))}» "
                    "не предоставляется вашей витриной: переносить в него сущности нельзя.")
    mart = _exposing_mart(ctx, user, _exposure_targets(ctx, kind.name, values))
    if mart is None:
        return (f"Недостаточно прав: {kind.label_one} «{name}» не предоставляется вашей витриной "
                "(или набор данных не принадлежит органу витрины и не назначен ей архитектором).")
    if action in ("delete", "restore"):
        record_id = values.get("id")
        owner = _data_owner(ctx, kind.name, record_id) if record_id is not None else None
        if owner is None or owner not in _own_mart_agencies(ctx, user):
            verb = "удалить" if action == "delete" else "восстановить"
            return (f"Недостаточно прав: {kind.label_one} «{name}» принадлежит другому органу, а ваша витрина лишь "
                    f"предоставляет эти данные; {verb} их может орган-владелец, архитектор или администратор.")
    return None


def _only_as_mart_owner(ctx: Context, user: models.User, mart: models.DataMart) -> bool:
    """Does the user write this mart only because it owns it (not as architect, admin or agency editor)?"""
    roles = set(user.roles or [])
    if roles & (KINDS["marts"].editor_roles | {Role.ADMIN.value}):
        return False
    return not (Role.AGENCY_EDITOR.value in roles and mart.owner_agency_id in (user.agency_ids or []))


def _exposes_refusal(ctx: Context, mart: models.DataMart, values: dict, action: str,
                     current: dict | None) -> str | None:
    """A mart owner exposes only its mart agency's data; it keeps what an architect assigned."""
    if action in ("edit", "delete"):
        return None  # keeping a link or giving it up widens nothing
    if action == "update" and current is not None and all(current.get(k) == values.get(k) for k in LINK_ENDS):
        return None
    target_kind, target_id = values.get("target_kind"), values.get("target_id")
    if _data_owner(ctx, target_kind, target_id) == mart.owner_agency_id and mart.owner_agency_id is not None:
        return None
    label = KINDS[target_kind].label_one if target_kind in KINDS else "запись"
    title = _title(ctx, target_kind, target_id) if target_kind in KINDS else f"№ {target_id}"
    assigned = "назначена" if target_kind == "entities" else "назначен"
    return (f"Недостаточно прав: {label} «{title}» не принадлежит органу вашей витрины «{mart.name}» "
            f"и не {assigned} ей архитектором; данные другого органа витрина предоставляет по назначению архитектора.")


def _link_refusal(ctx: Context, values: dict, action: str, current: dict | None) -> str | None:
    """A link is written by whoever may write its source record; EXPOSES also looks at the target."""
    user = ctx.user
    source_kind = KINDS.get(values.get("source_kind") or "")
    if source_kind is None:
        if set(user.roles or []) & {Role.ARCHITECT.value, Role.PROCESS_OFFICE.value}:
            return None
        return "Недостаточно прав: укажите запись, от которой идёт связь."
    source = ctx.session.get(source_kind.model, values.get("source_id")) if values.get("source_id") else None
    reason = refusal(ctx, source_kind, record_values(source) if source else {})
    if reason:
        return reason
    if (values.get("link_type") == "EXPOSES" and source_kind.name == "marts" and source is not None
            and _only_as_mart_owner(ctx, user, source)):
        return _exposes_refusal(ctx, source, values, action, current)
    return None


def _generic_refusal(ctx: Context, kind: Kind, values: dict, action: str, current: dict | None) -> str:
    user = ctx.user
    roles = set(user.roles or [])
    if not roles - {Role.READER.value}:
        return "Недостаточно прав: ваша роль позволяет только читать каталог."
    if Role.AGENCY_EDITOR.value in roles:
        if kind.name == "agencies" and action == "create":
            return "Недостаточно прав: новый орган добавляет администратор."
        if kind.agency_field or kind.name in INHERITED_AGENCY:
            title = values.get(kind.title_field)
            if action == "update" and current is not None \
                    and _agency_of(ctx, kind, current) in (user.agency_ids or []):
                what = f"{kind.label_one} «{title}»" if title else f"эта запись вида «{kind.label_one}»"
                return f"Недостаточно прав: {what} может перейти только к одному из ваших органов."
            # In the user's terms: «процесс другого органа», not the kind's code or a rule's name.
            named = f"«{title}» — " if title else ""
            return (f"Недостаточно прав: {named}{kind.label_one} другого органа; "
                    "вы изменяете записи только своих органов.")
    who = " или ".join(Role.label_of(r) for r in sorted(kind.editor_roles))
    return (f"Недостаточно прав: записи вида «{kind.label_one}» ведёт {who + ' или ' if who else ''}администратор; "
            "вашей роли это недоступно.")


# --- the one entry point -------------------------------------------------------

ACTIONS = ("edit", "create", "update", "delete", "restore")


def refusal(ctx: Context, kind: Kind, values: dict, action: str = "edit", current: dict | None = None) -> str | None:
    """Why the acting user may not do ``action`` to a record of ``kind`` whose fields are ``values``;
    None when it may.

    ``edit`` asks about the record as it is (pages ask it to show their buttons); ``update`` gets the
    record as it would become in ``values`` and as it is in ``current``; ``create`` with empty values
    asks whether the user may create some record of the kind.

    Asked by the ``records.*`` rules only, after their one prologue (the server, nobody logged in, a
    deactivated account: ``catalog.services.rules.refusal``); here a signed-in, active user is assumed.
    """
    user = ctx.user
    roles = set(user.roles or [])
    if Role.ADMIN.value in roles:
        return None
    if kind.name == "links":
        return _link_refusal(ctx, values, action, current)
    if roles & kind.editor_roles:
        return None
    if Role.AGENCY_EDITOR.value in roles and not (action == "create" and kind.name == "agencies"):
        agency_id = _agency_of(ctx, kind, values)
        if agency_id is not None and agency_id in (user.agency_ids or []):
            return None
    if Role.MART_OWNER.value in roles:
        if kind.name == "marts":
            return _mart_refusal(ctx, user, values, action, current)
        if kind.name in DATA_KINDS:
            return _data_refusal(ctx, user, kind, values, action, current)
    return _generic_refusal(ctx, kind, values, action, current)


def record_values(record: models.Record) -> dict:
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}

