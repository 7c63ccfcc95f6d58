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
    """Write every table: a line naming its columns, its rows, a line with the row count."""
    counts = {}
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "version": FORMAT_VERSION}) + "\n")
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            out.write(json.dumps({"t": table.name, "columns": [c.name for c in table.columns]}) + "\n")
            count = 0
            result = session.execute(select(table).order_by(*table.primary_key.columns)).yield_per(BATCH)
            for row in result:
                out.write(json.dumps({"r": [_encode(v) for v in row]}, ensure_ascii=False) + "\n")
                count += 1
            counts[table.name] = count
            out.write(json.dumps({"t": table.name, "end": count}) + "\n")
            if progress:
                progress(table.name, count)
    return counts


# Reference data the migrations load (the official production calendars): a new catalogue has it,
# and a restore replaces it with the dump's copy.
MIGRATION_DATA = {"calendar_days"}
# Figures derived from the rest (catalog.services.kept): a view of the empty catalogue may have built
# them, a dump from before 0023 lacks them; the dump's copy replaces them, or the first view builds them.
from catalog.models.kept import KEPT_TABLES  # noqa: E402

# Tables the database itself keeps from the others (migration 0024's triggers fill ``graph_edges`` as
# the records and links are inserted): never dumped, and the rows of a dump that has them are skipped.
DERIVED_TABLES = {"graph_edges"}
# Rows that live about a minute (SPARQL's admission): never dumped, skipped in a dump that has them
# (or lacks them: one from before migration 0027), and no reason to call a catalogue not empty.
from catalog.models.linked import TRANSIENT_TABLES  # noqa: E402

SKIPPED_TABLES = DERIVED_TABLES | set(TRANSIENT_TABLES)


def _is_empty(session) -> bool:
    return all(
        not session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
        if table.name not in MIGRATION_DATA and table.name not in KEPT_TABLES and table.name not in TRANSIENT_TABLES
    )


class _TableLoader:
    """Inserts one table's rows in batches as they are read, so memory stays flat."""

    def __init__(self, session, table, names: list[str]):
        self.session, self.table, self.names = session, table, names
        self.decoders = [_decoder(table.c[name]) for name in names]
        # A row may point to a later row of its own table (an agency's parent):
        # insert such references empty and set them once the table is in.
        self.self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        self.deferred: list[dict] = []
        self.batch: list[dict] = []
        self.count = 0

    def add(self, values: list) -> None:
        row = {n: d(v) for n, d, v in zip(self.names, self.decoders, values, strict=True)}
        if self.self_refs:
            self.deferred.append(row)
            row = {**row, **{name: None for name in self.self_refs}}
        self.batch.append(row)
        self.count += 1
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch and self.table.name not in SKIPPED_TABLES:
            self.session.execute(insert(self.table), self.batch)
        self.batch = []

    def finish(self, expected: int) -> int:
        self.flush()
        if self.count != expected:
            raise InvalidInput(f"Таблица {self.table.name}: ожидалось {expected} строк, прочитано {self.count}.")
        pk = list(self.table.primary_key.columns)[0]
        for name in self.self_refs:
            for row in self.deferred:
                if row.get(name) is not None:
                    self.session.execute(update(self.table).where(pk == row[pk.name]).values({name: row[name]}))
        return self.count


def restore(session, path: Path, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load a dump into an empty, migrated catalogue, in one transaction."""
    if not _is_empty(session):
        raise InvalidInput("Каталог не пуст: восстановление возможно только в пустую базу (catalog init на новой базе).")
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    for name in (*MIGRATION_DATA, *KEPT_TABLES):
        session.execute(tables[name].delete())
    counts: dict[str, int] = {}
    loader: _TableLoader | None = None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline() or "{}")
            if header.get("format") != FORMAT:
                raise InvalidInput(f"Файл {path} не является выгрузкой каталога.")
            for line_no, line in enumerate(source, start=2):
                item = json.loads(line)
                if "r" in item and loader is not None:
                    loader.add(item["r"])
                    continue
                table = tables.get(item.get("t"))
                if table is None:
                    raise InvalidInput(f"Строка {line_no}: неизвестная таблица «{item.get('t')}».")
                if "columns" in item:
                    loader = _TableLoader(session, table, item["columns"])
                elif "end" in item and loader is not None and loader.table is table:
                    counts[table.name] = loader.finish(item["end"])
                    loader = None
                    if progress:
                        progress(table.name, counts[table.name])
                else:
                    raise InvalidInput(f"Строка {line_no}: нарушен порядок выгрузки.")
        optional = set(KEPT_TABLES) | SKIPPED_TABLES
        if set(counts) | optional != set(tables):
            raise InvalidInput(f"Файл {path} обрывается: нет таблиц "
                               f"{', '.join(sorted(set(tables) - set(counts) - optional))}.")
    except (OSError, EOFError, json.JSONDecodeError, KeyError, ValueError, TypeError) as error:
        session.rollback()
        raise InvalidInput(f"Файл {path} повреждён или не читается: {error}") from None
    except Exception:
        session.rollback()
        raise
    _reset_sequences(session)
    session.commit()
    return counts


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
