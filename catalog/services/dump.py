"""Dump the whole catalogue to one file and restore it, losslessly.

The dump is gzipped JSON lines: a header, then one line per row, table by table
in dependency order, every column as stored (ids, versions, timestamps), so a
restore gives back the same records, links, status transitions, history,
users and tokens.
"""
from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import Date, DateTime, func, insert, select, text, update

from catalog.errors import InvalidInput
from catalog.models import Base

FORMAT = "catalog-dump"
FORMAT_VERSION = 1
BATCH = 1000


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _decoder(column) -> Callable:
    if isinstance(column.type, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def dump(session, path: Path, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    counts = {}
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "version": FORMAT_VERSION}) + "\n")
        for table in Base.metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            count = 0
            result = session.execute(select(table).order_by(*table.primary_key.columns)).yield_per(BATCH)
            for row in result:
                out.write(json.dumps({"t": table.name, "r": [_encode(v) for v in row]}, ensure_ascii=False) + "\n")
                count += 1
            counts[table.name] = count
            out.write(json.dumps({"t": table.name, "columns": columns, "end": count}) + "\n")
            if progress:
                progress(table.name, count)
    return counts


def _is_empty(session) -> bool:
    return all(
        not session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
    )


def restore(session, path: Path, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load a dump into an empty, migrated catalogue, in one transaction."""
    if not _is_empty(session):
        raise InvalidInput("Каталог не пуст: восстановление возможно только в пустую базу (catalog init на новой базе).")
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    counts: dict[str, int] = {}
    pending: dict[str, list] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline() or "{}")
            if header.get("format") != FORMAT:
                raise InvalidInput(f"Файл {path} не является выгрузкой каталога.")
            for line_no, line in enumerate(source, start=2):
                item = json.loads(line)
                table = tables.get(item.get("t"))
                if table is None:
                    raise InvalidInput(f"Строка {line_no}: неизвестная таблица «{item.get('t')}».")
                if "end" in item:
                    rows = pending.pop(table.name, [])
                    if len(rows) != item["end"]:
                        raise InvalidInput(f"Таблица {table.name}: ожидалось {item['end']} строк, прочитано {len(rows)}.")
                    names = item["columns"]
                    decoders = [_decoder(table.c[name]) for name in names]
                    _insert(session, table, [{n: d(v) for n, d, v in zip(names, decoders, r, strict=True)} for r in rows])
                    counts[table.name] = len(rows)
                    if progress:
                        progress(table.name, len(rows))
                else:
                    pending.setdefault(table.name, []).append(item["r"])
    except (OSError, EOFError, json.JSONDecodeError, KeyError, ValueError, TypeError) as error:
        session.rollback()
        raise InvalidInput(f"Файл {path} повреждён или не читается: {error}") from None
    except Exception:
        session.rollback()
        raise
    _reset_sequences(session)
    session.commit()
    return counts


def _insert(session, table, rows: list[dict]) -> None:
    # A row may point to a later row of its own table (an agency's parent):
    # insert with such references empty, then set them.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    first = [{**row, **{name: None for name in self_refs}} for row in rows] if self_refs else rows
    for start in range(0, len(first), BATCH):
        session.execute(insert(table), first[start:start + BATCH])
    pk = list(table.primary_key.columns)[0]
    for name in self_refs:
        for row in rows:
            if row.get(name) is not None:
                session.execute(update(table).where(pk == row[pk.name]).values({name: row[name]}))


def _reset_sequences(session) -> None:
    """PostgreSQL sequences must continue after the restored ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and str(pk[0].type).startswith("INTEGER"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            )
