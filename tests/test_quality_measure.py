"""A mart's quality measured from its database (issue 20): figures computed by hand on a small source
(a SQLite file and a database on the throwaway PostgreSQL), limits on a 1,000,000-row table, nothing
written to the source, the chart on the mart's page, the inbox item below the threshold, the API and CLI.
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from catalog import models
from catalog.errors import Forbidden
from catalog.services import measurement
from catalog.services import records as r
from catalog.services.context import Context
from tests.conftest import DATABASES

_names = itertools.count()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)

# Six recipients. By hand: full_name filled 5 of 6 (an empty string is not filled), snils 5 of 6.
# Checked (filled) values and the wrong ones: snils 5, wrong 2 (…596, «123»; 08765430300 weighs 202,
# 202 mod 101 = 0 → control 00, valid); inn 4, wrong 2; ogrn 3, wrong 1; kpp 2, wrong 1.
ROWS = [
    # full_name, snils, inn, ogrn, kpp, updated_at
    ("Иванова Мария Петровна", "11223344595", "7707083893", "1027700132195", "773601001", "2026-11-28 09:00:00"),
    ("Петров Пётр Ильич", "112-233-445 95", "500100732259", "304500116000157", None, "2026-11-27 09:00:00"),
    ("Сидоров Иван", "11223344596", "7707083894", "1027700132196", "77360100", "2026-11-20 09:00:00"),
    ("", "123", "500100732258", None, None, "2026-11-01 09:00:00"),
    ("Кузнецова Анна", "08765430300", None, None, None, None),
    ("Смирнов Олег", None, None, None, None, "2026-10-01 09:00:00"),
]


SCHEMA = ("CREATE TABLE recipients (id INTEGER PRIMARY KEY, full_name VARCHAR(300), snils VARCHAR(20), "
          "inn VARCHAR(12), ogrn VARCHAR(15), kpp VARCHAR(9), updated_at TIMESTAMP)")


def _sqlite_source(path) -> str:
    with sqlite3.connect(path) as connection:
        connection.execute(SCHEMA)
        connection.executemany("INSERT INTO recipients (full_name, snils, inn, ogrn, kpp, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    return f"sqlite:///{path}"


def _pg_source(request) -> str:
    server = request.getfixturevalue("pg_server")
    name = f"quality_src_{os.getpid()}_{next(_names)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(server.url(name))
    with engine.begin() as connection:
        connection.execute(text(SCHEMA.replace("INTEGER PRIMARY KEY", "serial PRIMARY KEY")))
        for row in ROWS:
            connection.execute(text("INSERT INTO recipients (full_name, snils, inn, ogrn, kpp, updated_at) "
                                    "VALUES (:a, :b, :c, :d, :e, CAST(:f AS timestamp))"),
                               dict(zip("abcdef", row)))
    engine.dispose()
    return server.url(name)


def _declare(ctx, seed, source_name: str, *, threshold=90.0, period=7):
    """The mart declares its table, mandatory attributes, checks, dating column, period and threshold."""
    dataset = r.create_record(ctx, "datasets", {"name": "АИС «Соцзащита»", "owner_agency_id": seed.agency.id,
                                                "source_ref": "db:1:main"})
    entity = r.create_record(ctx, "entities", {"name": "recipients", "dataset_id": dataset.id, "source_ref": "recipients"})
    for code, required, check in (("full_name", True, None), ("snils", True, "snils"), ("inn", False, "inn"),
                                  ("ogrn", False, "ogrn"), ("kpp", False, "kpp"), ("updated_at", False, None)):
        r.create_record(ctx, "attributes", {"entity_id": entity.id, "code": code, "name": code, "data_type": "string",
                                            "is_required": required, "value_check": check})
    return r.update_record(ctx, "marts", seed.mart.id, {
        "quality_source": source_name, "quality_entity_id": entity.id, "fresh_column": "updated_at",
        "update_period_days": period, "quality_threshold": threshold, "completeness": 95, "accuracy": 99,
        "timeliness": 100, "version": seed.mart.version})


def test_checksums_of_russian_identifiers():
    # Valid numbers published as examples (Sberbank's ИНН 7707083893 and ОГРН 1027700132195), a digit changed each.
    assert measurement.snils_valid("112-233-445 95") and not measurement.snils_valid("11223344596")
    assert measurement.inn_valid("7707083893") and not measurement.inn_valid("7707083894")
    assert measurement.inn_valid("500100732259") and not measurement.inn_valid("500100732258")
    assert measurement.ogrn_valid("1027700132195") and not measurement.ogrn_valid("1027700132196")
    assert measurement.ogrn_valid("304500116000157") and not measurement.ogrn_valid("304500116000158")
    assert measurement.kpp_valid("773601001") and measurement.kpp_valid("7736AB001")
    assert not measurement.kpp_valid("77360100") and not measurement.inn_valid("77070838")
    # СНИЛС: a weighted sum above 101 counts by its remainder (202 → 0 → «00»); 100 and 101 give «00» too.
    assert measurement.snils_valid("08765430300") and not measurement.snils_valid("08765430302")
    assert measurement.snils_valid("92000000300") and not measurement.snils_valid("92000000310")  # 81 + 16 + 3 = 100
    assert measurement.snils_valid("10000000918")  # 9 + 9 = 18 → «18»


@pytest.mark.parametrize("source_kind", ["sqlite", "postgresql"])
def test_figures_computed_by_hand(ctx, seed, tmp_path, request, source_kind):
    if source_kind not in DATABASES:
        pytest.skip("PostgreSQL not in CATALOG_TEST_DATABASES")
    url = _sqlite_source(tmp_path / "src.db") if source_kind == "sqlite" else _pg_source(request)
    ctx.settings.harvest_sources = {"soc": url}
    mart = _declare(ctx, seed, "soc")
    before = (tmp_path / "src.db").read_bytes() if source_kind == "sqlite" else None
    found = measurement.measure(ctx, mart.id, now=NOW)
    # Completeness: full_name 5 filled of 6 (an empty string is not filled), snils 5 of 6 → 10 / 12.
    assert found.rows_read == 6 and not found.limited
    assert found.completeness == pytest.approx(100 * 10 / 12)
    # Accuracy: 14 checked values, 6 wrong (see ROWS) → 8 / 14.
    assert found.details["invalid"] == {"snils": 2, "inn": 2, "ogrn": 1, "kpp": 1}
    assert found.details["checked"] == {"snils": 5, "inn": 4, "ogrn": 3, "kpp": 2}
    assert found.accuracy == pytest.approx(100 * 8 / 14)
    # Timeliness: the newest record 28.11.2026 09:00, measured 30.11.2026 12:00 — within a week: 100 %.
    assert found.newest_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 28, 9, tzinfo=timezone.utc)
    assert found.timeliness == 100.0
    # A day's period: 2 days 3 hours old → 24 / 51 of it.
    ctx.session.get(models.DataMart, mart.id).update_period_days = 1
    late = measurement.measure(ctx, mart.id, now=NOW)
    assert late.timeliness == pytest.approx(100 * 24 / 51)
    assert len(measurement.measurements(ctx, mart.id)) == 2
    if before is not None:
        assert (tmp_path / "src.db").read_bytes() == before  # nothing written to the source
    else:
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM recipients")).scalar() == 6
        engine.dispose()


def test_a_million_rows_stay_within_the_row_and_time_limits(tmp_path):
    path = tmp_path / "big.db"
    started = time.monotonic()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, inn TEXT, updated_at TEXT)")
        connection.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
                           "INSERT INTO big SELECT i, CASE i % 2 WHEN 0 THEN '7707083893' ELSE '7707083894' END, "
                           "datetime('2026-01-01', '+' || (i % 300) || ' days') FROM n")
    assert time.monotonic() - started < 5
    before = path.stat().st_mtime_ns, path.stat().st_size
    url = f"sqlite:///{path}"
    checks = {"inn": measurement.checker("inn")}
    by_rows = measurement.profile(url, "big", required=["inn"], checks=checks, fresh_column="updated_at",
                                  row_limit=50_000, time_limit=30)
    assert by_rows.rows == 50_000 and by_rows.limited
    assert by_rows.invalid["inn"] == 25_000 and by_rows.filled["inn"] == 50_000
    assert by_rows.newest == datetime(2026, 10, 27, tzinfo=timezone.utc)  # MAX over the whole table
    slow = {"inn": measurement.checker("pattern", r"(\d)+\d{9}")}
    by_time = measurement.profile(url, "big", required=["inn"], checks=slow, row_limit=10_000_000, time_limit=0.3)
    assert by_time.limited and 0 < by_time.rows < 1_000_000 and by_time.seconds < 1.5
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before
    assert not (tmp_path / "big.db-journal").exists() and not (tmp_path / "big.db-wal").exists()


@pytest.fixture
def measured(app, ctx, seed, tmp_path):
    url = _sqlite_source(tmp_path / "page-src.db")
    app.config["CATALOG"].harvest_sources = {"soc": url}
    ctx.settings.harvest_sources = {"soc": url}
    return _declare(ctx, seed, "soc", threshold=90.0)


def test_only_the_owner_and_the_architect_measure(ctx, seed, measured, make_user):
    owner = make_user("owner", ["mart_owner"], mart_ids=[measured.id])
    other = make_user("other", ["mart_owner"], mart_ids=[])
    architect = make_user("architect", ["architect"])
    assert measurement.measure(Context(session=ctx.session, user=owner, settings=ctx.settings), measured.id).rows_read == 6
    assert measurement.measure(Context(session=ctx.session, user=architect, settings=ctx.settings),
                               measured.id).measured_by == "Architect"
    with pytest.raises(Forbidden) as refused:
        measurement.measure(Context(session=ctx.session, user=other, settings=ctx.settings), measured.id)
    assert "владелец и архитектор" in refused.value.message


def test_the_page_draws_the_series_and_the_owner_measures_now(client, ctx, measured, make_user, login):
    base = datetime.now(timezone.utc) - timedelta(days=30)
    for day in range(30):
        ctx.session.add(models.QualityMeasurement(
            mart_id=measured.id, measured_at=base + timedelta(days=day), completeness=80 + day / 2, accuracy=90,
            timeliness=100, rows_read=6, measured_by="сервер", details={}))
    ctx.session.commit()
    make_user("owner", ["mart_owner"], mart_ids=[measured.id])
    login("owner")
    page = client.get(f"/marts/{measured.id}").get_data(as_text=True)
    assert "<svg" in page and page.count('class="measured ') == 3 and 'class="declared"' in page
    assert 'class="threshold"' in page and "Измерить сейчас" in page and "<script" not in page.split("<svg")[1].split("</svg>")[0]
    assert "Заявлено" in page and "95 %" in page
    answer = client.post(f"/marts/{measured.id}/quality/measure", follow_redirects=True).get_data(as_text=True).replace("\xa0", " ")
    assert "Качество измерено: прочитано 6 строк" in answer
    assert "Ниже порога: полнота 83,3 % при пороге 90 %" in answer


def test_below_the_threshold_waits_in_the_owners_and_the_offices_inbox(ctx, measured, make_user):
    from catalog.services import inbox

    owner = make_user("owner", ["mart_owner"], mart_ids=[measured.id])
    office = make_user("office", ["process_office"])
    reader = make_user("reader", ["reader"])
    measurement.measure(ctx, measured.id, now=NOW)
    for user in (owner, office):
        items = [i for i in inbox.items_for(Context(session=ctx.session, user=user, settings=ctx.settings), user)
                 if i["kind"] == "Измеренное качество витрины ниже порога"] if hasattr(inbox, "items_for") else \
            measurement.inbox_items(ctx, user)
        assert len(items) == 1 and "полнота 83,3 % при пороге 90 %" in items[0]["title"]
        assert items[0]["url"] == f"/marts/{measured.id}#measured-quality"
    assert measurement.inbox_items(ctx, reader) == []
    # Raised above: nothing waits.
    ctx.session.get(models.DataMart, measured.id).quality_threshold = 50
    assert measurement.inbox_items(ctx, owner) == []


def test_the_api_and_the_cli(client, ctx, measured, make_user, token_for, runner, app):
    owner = token_for(make_user("owner", ["mart_owner"], mart_ids=[measured.id], password=None))
    reader = token_for(make_user("reader", ["reader"], password=None))
    path = f"/api/v1/marts/{measured.id}/quality"
    assert client.post(f"{path}/measure", headers=reader).status_code == 403
    done = client.post(f"{path}/measure", headers=owner)
    assert done.status_code == 200 and done.json["measured"]["rows_read"] == 6
    assert done.json["declared"]["completeness"] == 95 and done.json["below_threshold"]
    series = client.get(path, headers=reader).json
    assert len(series["items"]) == 1 and series["items"][0]["completeness"] == pytest.approx(100 * 10 / 12)
    os.environ["CATALOG_HARVEST_SOURCES"] = f"soc={app.config['CATALOG'].harvest_sources['soc']}"
    try:
        out = runner.invoke("quality", "measure", str(measured.id))
        assert out.exit_code == 0 and "полнота 83,3 %" in out.output and "Ниже порога" in out.output
        run = runner.invoke("quality", "run")
        assert run.exit_code == 0 and "Измерено: 1 витрина; ниже порога: 1 витрина." in run.output.replace("\xa0", " ")
    finally:
        del os.environ["CATALOG_HARVEST_SOURCES"]


def test_a_mart_without_its_own_source_is_measured_from_its_host_systems(ctx, seed, tmp_path):
    url = _sqlite_source(tmp_path / "host.db")
    ctx.settings.harvest_sources = {"ASP": url}
    mart = _declare(ctx, seed, None)
    assert measurement.run(ctx) == []  # no source of its own, no host system: nothing to measure
    system = r.create_record(ctx, "systems", {"code": "ASP", "name": "АИС «Адресная социальная помощь»",
                                              "legal_kind": "regional", "stage": "operation",
                                              "operator_agency_id": seed.agency.id})
    r.update_record(ctx, "marts", mart.id, {"host_system_id": system.id, "version": mart.version})
    [(measured_mart, found, error)] = measurement.run(ctx)
    assert error is None and found.source == "ASP" and found.rows_read == 6


@pytest.mark.parametrize("hour", [1, 5])
def test_the_demo_measurements_end_before_now_at_any_hour(ctx, monkeypatch, hour):
    """The demo's nightly series (03:00 UTC) never ends in the future: a mart owner who measures before 03:00
    sees the measurement just taken as the newest (the journey failed between 00:00 and 03:00 UTC)."""
    from catalog.demo import quality as demo_quality

    moment = datetime.now(timezone.utc).replace(hour=hour, minute=30, second=0, microsecond=0)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    agency = r.create_record(ctx, "agencies", {"code": "MINCIFRA", "name": "Министерство цифрового развития", "kind": "executive"})
    r.create_record(ctx, "marts", {"code": "MART-Q", "name": "Витрина для проверки", "kind": "smev4", "owner_agency_id": agency.id})
    monkeypatch.setattr(demo_quality, "datetime", Clock)
    assert demo_quality.load_measurements(ctx, "MART-Q") == 30
    newest = max(m.measured_at for m in ctx.session.query(models.QualityMeasurement))
    newest = newest if newest.tzinfo else newest.replace(tzinfo=timezone.utc)
    assert moment - timedelta(days=1) < newest <= moment
