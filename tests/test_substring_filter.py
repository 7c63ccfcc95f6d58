"""The list filter «?q=» (a substring of a name, code or identifier) reads a trigram index on both engines."""
from __future__ import annotations

import json
import re

from sqlalchemy import select, text

from catalog import models
from catalog.services import records as r


def _names(page) -> list[str]:
    return sorted(item.name for item in page.items)


def _processes(ctx, seed, names: list[str]) -> None:
    for number, name in enumerate(names, start=100):
        r.create_record(ctx, "processes", {"agency_id": seed.agency.id, "registry_id": f"P_{number}", "name": name,
                                           "service_id": seed.service.id, "responsible_id": seed.person.id, "status": "queued_research"})


def test_substrings_found_whatever_the_case_and_the_letter_yo(ctx, seed):
    _processes(ctx, seed, ["Выдача ЛИЦЕНЗИИ на перевозки", "Учёт многодетных семей", "Приём документов от граждан"])
    assert _names(r.list_records(ctx, "processes", q="лицензии")) == ["Выдача ЛИЦЕНЗИИ на перевозки"]
    assert _names(r.list_records(ctx, "processes", q="УЧЕТ МНОГО")) == ["Учёт многодетных семей"]
    assert _names(r.list_records(ctx, "processes", q="прием док")) == ["Приём документов от граждан"]
    # Two letters: no trigram to look up, the same answer by a scan.
    assert _names(r.list_records(ctx, "processes", q="гр")) == ["Приём документов от граждан"]
    # An identifier, and LIKE's own signs taken as typed: «P_1» is not «P1» nor «PX1».
    assert r.list_records(ctx, "processes", q="p_10").total == 3
    assert r.list_records(ctx, "processes", q="%").total == 0


def test_the_index_follows_renames_and_deletions(ctx, seed):
    _processes(ctx, seed, ["Выдача разрешений на строительство"])
    process = r.list_records(ctx, "processes", q="строительство").items[0]
    r.update_record(ctx, "processes", process.id, {"name": "Выдача разрешений на ввод объекта"})
    assert r.list_records(ctx, "processes", q="строительство").total == 0
    assert _names(r.list_records(ctx, "processes", q="ввод объекта")) == ["Выдача разрешений на ввод объекта"]
    r.delete_record(ctx, "processes", process.id)
    assert r.list_records(ctx, "processes", q="ввод объекта").total == 0
    assert r.list_records(ctx, "processes", q="ввод объекта", only_deleted=True).total == 1


def _sql(ctx, query) -> str:
    return str(query.compile(dialect=ctx.session.bind.dialect, compile_kwargs={"literal_binds": True}))


def test_the_filter_reads_the_index_not_the_table(ctx, seed, database_url):
    _processes(ctx, seed, [f"Процесс номер {i}" for i in range(300)] + ["Выдача лицензии"])
    query = select(models.Process.id).where(r.substring_filter(ctx, models.Process, "лиценз"))
    if database_url.startswith("sqlite"):
        plan = " | ".join(row[-1] for row in ctx.session.execute(text("EXPLAIN QUERY PLAN " + _sql(ctx, query))))
        assert "processes_text VIRTUAL TABLE INDEX" in plan and not re.search(r"SCAN processes\b(?!_)", plan), plan
    else:
        # A few hundred rows are cheaper scanned; with scans priced out, the plan shows whether the
        # index's expression is the filter's (a bound «ё» would not be).
        ctx.session.execute(text("SET LOCAL enable_seqscan = off"))
        row = ctx.session.execute(text("EXPLAIN (FORMAT JSON) " + _sql(ctx, query))).scalar()
        plan = json.dumps(row if isinstance(row, list) else json.loads(row), ensure_ascii=False)
        assert "ix_processes_name_trgm" in plan and '"Seq Scan"' not in plan, plan[:3000]
    assert len(ctx.session.scalars(query).all()) == 1


def _migration():
    import importlib.util

    from catalog.db import MIGRATIONS
    spec = importlib.util.spec_from_file_location("m0021", MIGRATIONS / "versions" / "0021_substring_indexes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_filtered_table_has_its_index(ctx, database_url):
    """A migration that rebuilds a table (SQLite's batch mode) drops its triggers: this test notices."""
    tables = r.substring_indexed()
    assert tables == {t: list(c) for t, c in _migration().COLUMNS.items()}
    if database_url.startswith("sqlite"):
        triggers = set(ctx.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        for table in tables:
            assert {f"{table}_text_{event}" for event in ("insert", "update", "delete")} <= triggers, table
    else:
        indexes = set(ctx.session.scalars(text("SELECT indexname FROM pg_indexes")))
        for table, columns in tables.items():
            assert {f"ix_{table}_{c}_trgm" for c in columns} <= indexes, table
