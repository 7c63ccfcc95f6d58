"""What pages need around the services: field descriptions for forms, form data to
service input, values shown in Russian."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, g, url_for
from flask_wtf.csrf import generate_csrf
from marshmallow import fields as mfields
from sqlalchemy import select

from catalog import enums, formatting
from catalog.kinds import KINDS, Kind
from catalog.services import feed, people, permissions, rules, users
from web import context

# Options in a select are capped: a larger list is typed as a record number.
MAX_OPTIONS = 2000


@dataclass
class FormField:
    name: str
    label: str
    widget: str  # text | textarea | select | checkbox | multicheck | date | number | metadata
    required: bool
    choices: list[tuple[str, str]] | None = None
    ref: str | None = None
    description: str | None = None


def form_fields(kind: Kind) -> list[FormField]:
    out = []
    for name, field in kind.fields().items():
        if field.dump_only or name == "version":
            continue
        meta = field.metadata
        widget, choices = "text", None
        if meta.get("ref"):
            widget = "select"
        elif isinstance(field, mfields.List) and meta.get("choices"):
            widget, choices = "multicheck", meta["choices"].choices()
        elif isinstance(field, mfields.List) and meta.get("nested"):
            widget = "metadata"
        elif isinstance(field, mfields.List):
            widget = "lines"  # one value a line (the variants of a typical service's name)
        elif meta.get("choices"):
            widget, choices = "select", meta["choices"].choices()
        elif isinstance(field, mfields.Boolean):
            widget = "checkbox"
        elif isinstance(field, mfields.Date):
            widget = "date"
        elif isinstance(field, (mfields.Integer, mfields.Float)):
            widget = "number"
        elif meta.get("multiline"):
            widget = "textarea"
        out.append(FormField(name, meta.get("label", name), widget, field.required, choices, meta.get("ref"),
                             meta.get("description")))
    return out


def ref_options(ref: str) -> list[tuple[int, str]] | None:
    model = KINDS[ref].model
    session = context().session
    rows = list(session.scalars(select(model).where(model.deleted_at.is_(None)).order_by(model.id).limit(MAX_OPTIONS + 1)))
    if len(rows) > MAX_OPTIONS:
        return None
    return [(r.id, r.title) for r in rows]


def parse_metadata_lines(text: str) -> list[dict]:
    """«Наименование; тип; да» per line → metadata fields of a document type; the type as the form
    lists it («целое число») or by its code («integer»)."""
    by_label = {t.label.lower(): t.value for t in enums.DataType}
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        given = parts[1] if len(parts) > 1 and parts[1] else "string"
        item = {"name": parts[0], "data_type": by_label.get(given.lower(), given)}
        item["required"] = len(parts) > 2 and parts[2].lower() in ("да", "yes", "true", "1", "обязательное")
        items.append(item)
    return items


def metadata_lines(items: list | None) -> str:
    return "\n".join(f"{i['name']}; {enums.DataType.label_of(i['data_type'])}; {'да' if i.get('required') else 'нет'}"
                     for i in items or [])


def form_to_data(kind: Kind, form, partial_version: bool = True) -> dict:
    """Turn a submitted form into the dict the service validates, exactly like API input."""
    data: dict = {}
    for f in form_fields(kind):
        if f.widget == "checkbox":
            data[f.name] = f.name in form
        elif f.widget == "multicheck":
            data[f.name] = form.getlist(f.name)
        elif f.widget == "metadata":
            data[f.name] = parse_metadata_lines(form.get(f.name, ""))
        elif f.widget == "lines":
            data[f.name] = [line.strip() for line in form.get(f.name, "").splitlines() if line.strip()]
        else:
            value = form.get(f.name, "")
            if value.strip() == "" and f.widget != "text" and f.widget != "textarea":
                value = None
            data[f.name] = value
    if partial_version and form.get("version"):
        data["version"] = form.get("version")
    return data


def show(value, field_name: str | None = None, kind_name: str | None = None, refs: dict | None = None) -> str:
    """A stored value as a Russian reader expects to see it (plain text)."""
    if value is None or value == "" or value == []:
        return "—"
    kind = KINDS.get(kind_name) if kind_name else None
    field = kind.fields().get(field_name) if kind and field_name else None
    meta = field.metadata if field is not None else {}
    if meta.get("choices"):
        enum = meta["choices"]
        if isinstance(value, list):
            return ", ".join(enum.label_of(v) for v in value)
        return enum.label_of(value)
    if kind_name == "links" and field_name in ("source_kind", "target_kind") and value in KINDS:
        return KINDS[value].label_one
    if meta.get("ref") and refs is not None:
        record = refs.get((meta["ref"], value))
        return record.title if record else f"{KINDS[meta['ref']].label_one} (удалена)"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite gives naive values; they are stored in UTC
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(ZoneInfo(current_app.config["CATALOG"].timezone)).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) or (isinstance(value, int) and not (field_name or "").endswith("id")):
        return formatting.number(value) + (" %" if meta.get("unit") == "%" else "")
    if isinstance(value, list) and meta.get("nested"):
        return "; ".join(i.get("name", "") for i in value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def record_title(kind_name: str, record) -> str:
    """The heading of a record's page; a link is named by the records it joins, not by codes."""
    if kind_name != "links":
        return record.title
    from catalog.services.records import titles_for

    ends = titles_for(context(), {(record.source_kind, record.source_id), (record.target_kind, record.target_id)})
    source, target = ends.get((record.source_kind, record.source_id)), ends.get((record.target_kind, record.target_id))
    return (f"«{source.title if source else KINDS[record.source_kind].label_one}» "
            f"{enums.LinkType.label_of(record.link_type)} «{target.title if target else KINDS[record.target_kind].label_one}»")


def record_name(kind_name: str, record_id) -> str:
    """The name of one referenced record, for a page that has only its number."""
    from catalog.services.records import titles_for

    found = titles_for(context(), {(kind_name, record_id)}).get((kind_name, record_id))
    return found.title if found is not None else f"{KINDS[kind_name].label_one} (удалена)"


def _mine(ctx, kind_name: str) -> list[tuple[int, str]]:
    """The agencies an agency editor keeps, or the marts a mart owner answers for: «Мой орган», «Мои витрины»."""
    user = g.get("user")
    if user is None:
        return []
    if kind_name == "agencies" and user.has_role(enums.Role.AGENCY_EDITOR.value):
        ids = user.agency_ids or []
    elif kind_name == "marts" and user.has_role(enums.Role.MART_OWNER.value):
        ids = user.mart_ids or []
    else:
        return []
    from catalog.services.records import titles_for

    found = titles_for(ctx, {(kind_name, i) for i in ids})
    return [(i, found[(kind_name, i)].title) for i in ids if (kind_name, i) in found]


def field_label(kind_name: str, field_name: str) -> str:
    kind = KINDS.get(kind_name)
    field = kind.fields().get(field_name) if kind else None
    if field is None:
        return {"deleted_at": "Удалена", "status_reason": "Причина смены статуса"}.get(field_name, field_name)
    return field.metadata.get("label", field_name)


def refs_for(kind: Kind, items) -> dict:
    """Records referenced by foreign keys of ``items``, loaded in one query per kind."""
    from catalog.services.records import titles_for

    wanted = set()
    for name, field in kind.fields().items():
        target = field.metadata.get("ref")
        if target:
            for item in items:
                value = getattr(item, name, None)
                if value is not None:
                    wanted.add((target, value))
    if kind.name == "links":
        for item in items:
            wanted.add((item.source_kind, item.source_id))
            wanted.add((item.target_kind, item.target_id))
    return titles_for(context(), wanted)


LINK_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def link_href(value) -> str | None:
    """What a value may be as a link's href: an http(s) address or a path on this site; None
    otherwise (``javascript:``, ``data:``, any other scheme, or characters a browser would drop
    before reading the scheme), and the value is then shown as text. Every template that turns a
    value into a link goes through this filter."""
    if not isinstance(value, str) or not value or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None
    scheme = _SCHEME.match(value)
    if scheme:
        return value if scheme.group(1).lower() in LINK_SCHEMES else None
    if value.startswith("/") and not value.startswith(("//", "/\\")) and "\\" not in value:
        return value
    return None


# Records with pages of their own, outside the registry's generic record page.
OWN_PAGES = {"passports": ("passports.view_page", "passport_id"), "projects": ("projects.view_page", "project_id"),
             "requests": ("requests.request_page", "request_id"), "notices": ("duties.notice_page", "notice_id")}


def record_url(kind_name: str, record_id: int) -> str:
    if kind_name in OWN_PAGES:
        endpoint, argument = OWN_PAGES[kind_name]
        return url_for(endpoint, **{argument: record_id})
    return url_for("pages.detail", kind_name=kind_name, record_id=record_id)


def form_rows(prefix: str, fields=None, always_set=()) -> list[dict]:
    """Rows of a table form, its fields named prefix-N-field, values stripped.

    A row is left out when every field but ``always_set`` (selects and checkboxes that always
    send something) is empty."""
    from flask import request

    rows: dict[int, dict] = {}
    for name, value in request.form.items():
        parts = name.split("-", 2)
        # isascii: «step-²-name» passes str.isdigit and then fails int().
        if len(parts) == 3 and parts[0] == prefix and parts[1].isascii() and parts[1].isdigit() \
                and (fields is None or parts[2] in fields):
            rows.setdefault(int(parts[1]), {})[parts[2]] = value.strip()
    return [rows[i] for i in sorted(rows) if any(v for k, v in rows[i].items() if k not in always_set)]


def error_text(error) -> str:
    """An error with the fields it names, for a flashed message."""
    return error.message + "".join(f" {field}: {' '.join(messages)}" for field, messages in error.fields.items())


def init_app(app) -> None:
    app.add_template_filter(link_href, "link_href")

    @app.context_processor
    def _globals():
        ctx = context()
        names = users.PeopleNames(ctx)  # each login read once a page, by the feed and the tables alike
        return {
            "KINDS": KINDS,
            "enums": enums,
            "current_user": g.get("user"),
            "csrf_token": generate_csrf,
            "show": show,
            "field_label": field_label,
            "record_title": record_title,
            "record_name": record_name,
            "error_title": feed.error_title,
            "my_agencies": lambda: _mine(ctx, "agencies"),
            "my_marts": lambda: _mine(ctx, "marts"),
            "kind_label_of": lambda name: KINDS[name].label_one if name in KINDS else name,
            "record_url": record_url,
            # The pages ask the services' rules: only the actions the user may take are shown.
            "may": lambda name, target=None: rules.may(ctx, name, target),
            "record_values": permissions.record_values,
            "metadata_lines": metadata_lines,
            "is_admin": g.get("user") is not None and g.user.has_role(enums.Role.ADMIN.value),
            "may_upload": lambda: rules.may_import(ctx),
            # Every history on pages goes through the one description in words.
            "feed": lambda events: feed.describe(ctx, events, names),
            "person": names,
            # A signature as given (issue 16): name, position, date, and the delegation it rests on.
            "visa": people.describe_visa,
        }
