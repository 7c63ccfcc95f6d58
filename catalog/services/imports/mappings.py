"""The mapping step of table imports (issue 15): which file column goes to which field.

The reader recognises columns by their headers (``catalog.readers.tables``); the user corrects it on
the page (a select per column), in a file for ``catalog import … --mapping mapping.json|yaml`` or as
the API's ``mapping`` parameter. The same JSON in all three::

    {"columns": {"B": "registry_id", "Наименование услуги (функции)": "service", "C": null},
     "values": {"status": "в очереди на исследование"}}

``columns`` keys are column letters or headers as written; values are field names or labels of the
layout, null for «не загружать». ``values`` gives a field one value for every row when no column
gives it. A mapping the user gave is saved when the import is written, keyed by kind, agency and
the header's fingerprint, and applied to that agency's next file with the same header.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from catalog import models
from catalog.errors import InvalidInput
from catalog.formatting import day, to_local
from catalog.readers.tables import ColumnMapping, Layout, Table, normalize
from catalog.services.context import Context

SKIP_WORDS = {"", "не загружать", "нет", "-", "—", "skip", "none", "null"}


def parse_mapping(layout: Layout, data) -> ColumnMapping | None:
    """A mapping as the user wrote it (a dict, or its JSON text), checked against the layout's fields."""
    if data is None or data == "":
        return None
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise InvalidInput(f"Сопоставление столбцов не читается как JSON: {error}.",
                               {"mapping": ["Ожидается JSON: {\"columns\": {\"B\": \"registry_id\"}}."]}) from None
    if not isinstance(data, dict):
        raise InvalidInput("Сопоставление столбцов: ожидается объект с разделами «columns» и «values».",
                           {"mapping": ["Ожидается объект."]})
    if "columns" not in data and "values" not in data:
        data = {"columns": data}  # a plain {column: field} is the columns alone
    columns, values, problems = {}, {}, []
    for key, target in (data.get("columns") or {}).items():
        if target is None or normalize(target) in SKIP_WORDS:
            columns[str(key).strip()] = None
            continue
        name = field_name(layout, target)
        if name is None:
            problems.append(f"столбец «{key}»: нет поля «{target}»")
        else:
            columns[str(key).strip()] = name
    for target, value in (data.get("values") or {}).items():
        name = field_name(layout, target)
        if name is None:
            problems.append(f"значение для всех строк: нет поля «{target}»")
        elif value not in (None, ""):
            values[name] = str(value).strip()
    given = [n for n in columns.values() if n]
    problems += [f"поле «{layout.by_name[n].label}» задано нескольким столбцам"
                 for n in dict.fromkeys(n for n in given if given.count(n) > 1)]
    twice = sorted(set(given) & set(values))
    problems += [f"поле «{layout.by_name[n].label}» задано и столбцом, и значением для всех строк" for n in twice]
    if problems:
        known = ", ".join(f"{f.name} («{f.label}»)" for f in layout.fields)
        raise InvalidInput("Сопоставление столбцов: " + "; ".join(problems) + f". Поля: {known}.",
                           {"mapping": problems})
    return ColumnMapping(columns, values)


def field_name(layout: Layout, text) -> str | None:
    """A field given by its name (``registry_id``) or its label as the report shows it."""
    text = str(text).strip()
    if text in layout.by_name:
        return text
    key = normalize(text)
    for spec in layout.fields:
        if key in spec.wordings():
            return spec.name
    return None


def read_mapping_file(layout: Layout, path: Path) -> ColumnMapping | None:
    """``--mapping FILE``: JSON, or YAML for a file ending in .yaml/.yml."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise InvalidInput(f"Файл сопоставления «{path.name}» не читается как YAML: {error}.",
                               {"mapping": ["Неверный YAML."]}) from None
        return parse_mapping(layout, data)
    return parse_mapping(layout, text)


def find_saved(ctx: Context, kind: str, agency_id: int | None, table: Table) -> ColumnMapping | None:
    """The mapping saved for this agency's files with this header, if any."""
    query = select(models.ImportMapping).where(models.ImportMapping.kind == kind,
                                               models.ImportMapping.fingerprint == table.fingerprint())
    query = query.where(models.ImportMapping.agency_id.is_(None) if agency_id is None
                        else models.ImportMapping.agency_id == agency_id)
    saved = ctx.session.scalars(query.order_by(models.ImportMapping.id.desc()).limit(1)).first()
    if saved is None:
        return None
    mapping = ColumnMapping(dict(saved.mapping.get("columns") or {}), dict(saved.mapping.get("values") or {}),
                            source="saved", saved_on=to_local(saved.saved_at).date())
    return mapping


def note(mapping: ColumnMapping) -> str:
    return f"Применено сопоставление столбцов, сохранённое {day(mapping.saved_on)}."


def save(ctx: Context, kind: str, agency_id: int | None, table: Table, mapping: ColumnMapping) -> None:
    """Remember the user's mapping for this header (a step of an import that was written: its rights
    were asked by run_import)."""
    from catalog.models.base import utcnow

    fingerprint = table.fingerprint()
    query = select(models.ImportMapping).where(models.ImportMapping.kind == kind,
                                               models.ImportMapping.fingerprint == fingerprint)
    query = query.where(models.ImportMapping.agency_id.is_(None) if agency_id is None
                        else models.ImportMapping.agency_id == agency_id)
    saved = ctx.session.scalars(query).first()
    if saved is None:
        saved = models.ImportMapping(kind=kind, agency_id=agency_id, fingerprint=fingerprint)
        ctx.session.add(saved)
    saved.mapping = mapping.to_json()
    saved.saved_by_id = ctx.user.id if ctx.user is not None else None
    saved.saved_at = utcnow()
    ctx.session.flush()
