"""Schema harvesting (issue 20): a system's database read through SQLAlchemy's inspector becomes its
datasets, entities, attributes and relations; a second harvest shows what changed and applies it.

Sources are real: a database on the throwaway PostgreSQL server the tests start (a few dozen tables,
views, comments in Russian, foreign keys) and SQLite files.
"""
from __future__ import annotations

import itertools
import os
import sqlite3

import pytest
from sqlalchemy import create_engine, select, text

from catalog import models
from catalog.errors import Forbidden, InvalidInput
from catalog.services import harvest
from catalog.services import records as r
from tests.conftest import DATABASES

_names = itertools.count()

# The core of a regional social-support system, as its developers commented it.
CORE = """
CREATE SCHEMA soc;
COMMENT ON SCHEMA soc IS 'Меры социальной поддержки';
CREATE TABLE soc.citizens (
    id bigserial PRIMARY KEY,
    full_name varchar(300) NOT NULL,
    snils char(11),
    birth_date date,
    address text
);
COMMENT ON TABLE soc.citizens IS 'Граждане — получатели мер поддержки';
COMMENT ON COLUMN soc.citizens.full_name IS 'Фамилия, имя, отчество';
COMMENT ON COLUMN soc.citizens.snils IS 'СНИЛС';
CREATE TABLE soc.applications (
    id bigserial PRIMARY KEY,
    citizen_id bigint NOT NULL REFERENCES soc.citizens(id),
    filed_on date NOT NULL DEFAULT current_date,
    amount numeric(12, 2),
    approved boolean DEFAULT false,
    status varchar(32) NOT NULL DEFAULT 'new'
);
COMMENT ON TABLE soc.applications IS 'Заявления о назначении выплаты';
COMMENT ON COLUMN soc.applications.amount IS 'Размер выплаты, руб.';
CREATE TABLE soc.payments (
    id bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES soc.applications(id),
    paid_at timestamptz NOT NULL,
    sum numeric(12, 2) NOT NULL
);
COMMENT ON TABLE soc.payments IS 'Выплаты';
CREATE VIEW soc.approved_applications AS SELECT a.id, a.citizen_id, a.amount FROM soc.applications a WHERE a.approved;
COMMENT ON VIEW soc.approved_applications IS 'Одобренные заявления';
"""


def _reference_tables(count: int) -> str:
    """Reference lists the applications point at: «a few dozen tables» with their foreign keys."""
    parts = []
    for n in range(count):
        parts.append(f"CREATE TABLE soc.ref_{n:02d} (code varchar(20) PRIMARY KEY, title text NOT NULL);"
                     f"COMMENT ON TABLE soc.ref_{n:02d} IS 'Справочник № {n + 1}';"
                     f"COMMENT ON COLUMN soc.ref_{n:02d}.title IS 'Наименование';"
                     f"ALTER TABLE soc.applications ADD COLUMN ref_{n:02d}_code varchar(20) "
                     f"REFERENCES soc.ref_{n:02d}(code);")
    return "\n".join(parts)


@pytest.fixture
def pg_source(request):
    if "postgresql" not in DATABASES:
        pytest.skip("PostgreSQL switched off (CATALOG_TEST_DATABASES)")
    server = request.getfixturevalue("pg_server")
    name = f"harvest_src_{os.getpid()}_{next(_names)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    source = create_engine(server.url(name))
    with source.begin() as connection:
        connection.exec_driver_sql(CORE + _reference_tables(30))
    yield source
    source.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def system(ctx):
    agency = r.create_record(ctx, "agencies", {"code": "MINSOC", "name": "Министерство социальной защиты",
                                               "kind": "executive"})
    return r.create_record(ctx, "systems", {"name": "Региональная система социальной защиты", "short_name": "РССЗ",
                                            "legal_kind": "regional", "stage": "operation",
                                            "operator_agency_id": agency.id})


def _live(ctx, model, **where):
    query = select(model).where(model.deleted_at.is_(None))
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(ctx.session.scalars(query))


def _entity(ctx, name):
    return ctx.session.scalar(select(models.Entity).where(models.Entity.source_ref == name))


def _attribute(ctx, entity, code):
    return ctx.session.scalar(select(models.Attribute).where(models.Attribute.entity_id == entity.id,
                                                             models.Attribute.code == code))


def test_a_postgresql_schema_is_harvested_changed_and_harvested_again(ctx, runner, system, pg_source):
    url = pg_source.url.render_as_string(hide_password=False)
    # The dry run shows what would come and writes nothing.
    shown = runner.invoke("harvest", "database", "--system", str(system.id), "--dry-run", "--schema", "soc", url)
    assert shown.exit_code == 0, shown.output
    assert "ничего не записано" in shown.output
    assert "таблиц и представлений — 34" in shown.output
    assert "Добавлено: сущность «soc.citizens»" in shown.output
    ctx.session.expire_all()
    assert _live(ctx, models.Dataset) == []

    done = runner.invoke("harvest", "database", "--system", str(system.id), "--schema", "soc", url)
    assert done.exit_code == 0, done.output
    ctx.session.expire_all()
    dataset, = _live(ctx, models.Dataset)
    assert dataset.name == "РССЗ: схема «soc»" and dataset.owner_agency_id == system.operator_agency_id
    stored_in = _live(ctx, models.Link, link_type="STORED_IN", source_id=dataset.id)
    assert [(link.target_kind, link.target_id) for link in stored_in] == [("systems", system.id)]
    assert len(_live(ctx, models.Entity, dataset_id=dataset.id)) == 34
    citizens = _entity(ctx, "citizens")
    assert citizens.description == "Граждане — получатели мер поддержки" and citizens.entity_kind == "table"
    snils = _attribute(ctx, citizens, "snils")
    assert (snils.description, snils.source_type, snils.data_type, snils.is_required) == \
        ("СНИЛС", "CHAR(11)", "string", False)
    assert _attribute(ctx, citizens, "id").is_key
    applications = _entity(ctx, "applications")
    filed_on = _attribute(ctx, applications, "filed_on")
    assert (filed_on.data_type, filed_on.is_required, filed_on.default_value) == ("date", True, "CURRENT_DATE")
    assert _attribute(ctx, applications, "amount").data_type == "decimal"
    assert _attribute(ctx, applications, "approved").data_type == "boolean"
    assert _attribute(ctx, _entity(ctx, "payments"), "paid_at").data_type == "datetime"
    view = _entity(ctx, "approved_applications")
    assert view.entity_kind == "view" and "WHERE a.approved" in view.definition
    assert view.description == "Одобренные заявления"
    # Foreign keys: applications → citizens and → each of the 30 reference lists, payments → applications.
    relations = _live(ctx, models.Link, link_type="RELATES_TO")
    assert len(relations) == 32
    to_citizens, = [link for link in relations if link.source_id == applications.id and link.target_id == citizens.id]
    assert "applications(citizen_id) → citizens(id)" in to_citizens.description

    # People describe what the developers did not; the source changes meanwhile.
    address = _attribute(ctx, citizens, "address")
    r.update_record(ctx, "attributes", address.id, {"description": "Адрес регистрации по месту жительства",
                                                    "version": address.version})
    r.update_record(ctx, "entities", citizens.id, {"name": "Граждане", "version": citizens.version})
    with pg_source.begin() as connection:
        connection.exec_driver_sql("""
            ALTER TABLE soc.citizens ADD COLUMN phone varchar(20);
            COMMENT ON COLUMN soc.citizens.phone IS 'Телефон';
            ALTER TABLE soc.citizens ALTER COLUMN full_name TYPE varchar(500);
            COMMENT ON COLUMN soc.citizens.snils IS NULL;
            ALTER TABLE soc.applications DROP COLUMN ref_29_code;
            DROP TABLE soc.ref_29;
            DROP VIEW soc.approved_applications;
        """)
    preview = runner.invoke("harvest", "database", "--system", str(system.id), "--dry-run", url)
    assert preview.exit_code == 0, preview.output
    lines = preview.output.splitlines()
    assert "Добавлено: атрибут «soc.citizens.phone»" in lines
    assert "Изменено: атрибут «soc.citizens.full_name»: тип в источнике: VARCHAR(300) → VARCHAR(500)" in lines
    assert "Удалено (нет в источнике): сущность «soc.ref_29»" in lines
    assert "Удалено (нет в источнике): атрибут «soc.applications.ref_29_code»" in lines
    assert "Удалено (нет в источнике): сущность «soc.approved_applications»" in lines
    assert "Удалено (нет в источнике): связь сущностей «soc.applications → soc.ref_29»" in lines
    assert not any("snils" in line or "address" in line for line in lines)  # an empty comment changes nothing
    ctx.session.expire_all()
    assert _attribute(ctx, citizens, "phone") is None  # only shown

    applied = runner.invoke("harvest", "database", "--system", str(system.id), url)
    assert applied.exit_code == 0, applied.output
    ctx.session.expire_all()
    assert _attribute(ctx, citizens, "phone").description == "Телефон"
    assert _attribute(ctx, citizens, "address").description == "Адрес регистрации по месту жительства"
    assert _attribute(ctx, citizens, "snils").description == "СНИЛС"
    assert _entity(ctx, "citizens").name == "Граждане"  # a name typed in the catalogue stays
    gone = _entity(ctx, "ref_29")
    assert gone.is_deleted
    assert [e.action for e in r.record_history(ctx, "entities", gone.id) if e.record_kind == "entities"] == \
        ["delete", "create"]
    assert len(_live(ctx, models.Link, link_type="RELATES_TO")) == 31
    # A third harvest of an unchanged source changes nothing.
    again = runner.invoke("harvest", "database", "--system", str(system.id), url)
    assert "изменений нет" in again.output


def _sqlite_source(path, script):
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.close()
    return f"sqlite:///{path}"


def test_a_sqlite_database_is_harvested_and_a_table_back_is_restored(ctx, system, tmp_path):
    url = _sqlite_source(tmp_path / "reestr.db", """
        CREATE TABLE owners (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, inn VARCHAR(12));
        CREATE TABLE parcels (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners(id),
                              area NUMERIC(10, 2) DEFAULT 0, registered DATE);
        CREATE VIEW big_parcels AS SELECT * FROM parcels WHERE area > 1000;
    """)
    report = harvest.harvest_database(ctx, system.id, url=url)
    assert report.written and report.tables == 3 and report.columns == 11
    dataset, = _live(ctx, models.Dataset)
    assert dataset.name == "РССЗ"  # SQLite has one schema: the dataset is the system's database
    parcels = _entity(ctx, "parcels")
    assert _attribute(ctx, parcels, "area").default_value == "0"
    assert "area > 1000" in _entity(ctx, "big_parcels").definition
    link, = _live(ctx, models.Link, link_type="RELATES_TO")
    assert (link.source_id, link.target_id) == (parcels.id, _entity(ctx, "owners").id)

    connection = sqlite3.connect(tmp_path / "reestr.db")
    connection.executescript("DROP VIEW big_parcels; ALTER TABLE owners ADD COLUMN phone TEXT;")
    connection.close()
    second = harvest.harvest_database(ctx, system.id, url=url)
    assert [d.text for d in second.differences] == [
        "Добавлено: атрибут «owners.phone»",
        "Удалено (нет в источнике): атрибут «big_parcels.id»",
        "Удалено (нет в источнике): атрибут «big_parcels.owner_id»",
        "Удалено (нет в источнике): атрибут «big_parcels.area»",
        "Удалено (нет в источнике): атрибут «big_parcels.registered»",
        "Удалено (нет в источнике): сущность «big_parcels»",
    ]
    connection = sqlite3.connect(tmp_path / "reestr.db")
    connection.executescript("CREATE VIEW big_parcels AS SELECT id, area FROM parcels WHERE area > 5000;")
    connection.close()
    third = harvest.harvest_database(ctx, system.id, url=url)
    assert "Возвращено: сущность «big_parcels»" in [d.text for d in third.differences]
    view = _entity(ctx, "big_parcels")
    assert not view.is_deleted and "area > 5000" in view.definition
    assert [a.code for a in _live(ctx, models.Attribute, entity_id=view.id)] == ["id", "area"]


def test_a_harvest_never_writes_to_its_source(ctx, system, tmp_path):
    missing = tmp_path / "nowhere.db"
    with pytest.raises(InvalidInput) as refused:
        harvest.harvest_database(ctx, system.id, url=f"sqlite:///{missing}")
    assert "не найден" in refused.value.message and not missing.exists()
    url = _sqlite_source(tmp_path / "src.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    before = (tmp_path / "src.db").read_bytes()
    harvest.harvest_database(ctx, system.id, url=url)
    assert (tmp_path / "src.db").read_bytes() == before
    with pytest.raises(InvalidInput) as bad:
        harvest.harvest_database(ctx, system.id, url="это не адрес")
    assert bad.value.fields["url"]


def test_only_named_sources_by_name_and_only_who_keeps_the_system(ctx, system, tmp_path, make_user):
    url = _sqlite_source(tmp_path / "named.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    ctx.settings.harvest_sources = {"reestr": url}
    with pytest.raises(InvalidInput) as unknown:
        harvest.harvest_database(ctx, system.id, source="где-то")
    assert "reestr" in unknown.value.fields["source"][0]
    from catalog.services.context import Context

    other = r.create_record(ctx, "agencies", {"code": "MINZDRAV", "name": "Министерство здравоохранения",
                                              "kind": "executive"})
    stranger = make_user("stranger", ["agency_editor"], agency_ids=[other.id])
    as_stranger = Context(session=ctx.session, user=stranger, settings=ctx.settings)
    with pytest.raises(Forbidden) as refused:
        harvest.harvest_database(as_stranger, system.id, source="reestr")
    assert "архитектор" in refused.value.message
    architect = make_user("architect", ["architect"])
    report = harvest.harvest_database(Context(session=ctx.session, user=architect, settings=ctx.settings),
                                      system.id, source="reestr")
    assert report.written and "источник «reestr»" in report.summary
    # The connection string is kept nowhere in the catalogue.
    for event in ctx.session.scalars(select(models.ChangeEvent)):
        assert url not in str(event.changes)


@pytest.fixture
def named(app, tmp_path):
    url = _sqlite_source(tmp_path / "named-source.db", """
        CREATE TABLE owners (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL);
        CREATE TABLE parcels (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id));
    """)
    app.config["CATALOG"].harvest_sources = {"reestr": url}
    return url


def test_the_api_harvests_only_named_sources(client, ctx, system, named, make_user, token_for):
    architect = token_for(make_user("architect", ["architect"], password=None))
    reader = token_for(make_user("reader", ["reader"], password=None))
    sources = client.get("/api/v1/harvest/sources", headers=reader)
    assert sources.json == {"items": ["reestr"]} and named not in sources.get_data(as_text=True)
    path = f"/api/v1/harvest/systems/{system.id}"
    assert client.post(path, json={"source": "reestr"}, headers=reader).status_code == 403
    typed = client.post(path, json={"source": "reestr", "url": "postgresql://elsewhere/db"}, headers=architect)
    assert typed.status_code == 422 and "url" in typed.json["fields"]
    preview = client.post(path, json={"source": "reestr", "dry_run": True}, headers=architect)
    assert preview.status_code == 200, preview.json
    assert preview.json["counts"]["added"] == 8 and not preview.json["written"]
    assert client.get(path, headers=reader).json == {"items": []}
    done = client.post(path, json={"source": "reestr"}, headers=architect)
    assert done.json["written"] and "Добавлено: связь сущностей «parcels → owners»" in \
        [d["text"] for d in done.json["differences"]]
    listed = client.get(path, headers=reader).json["items"]
    assert [d["name"] for d in listed] == ["РССЗ"]
    unknown = client.post(path, json={"source": "нет-такого"}, headers=architect)
    assert unknown.status_code == 422 and "reestr" in unknown.json["fields"]["source"][0]


def test_the_page_shows_the_changes_then_applies_them(client, ctx, system, named, make_user, login):
    make_user("architect", ["architect"])
    login("architect")
    page = client.get(f"/systems/{system.id}/harvest")
    assert page.status_code == 200 and "reestr" in page.get_data(as_text=True) and named not in page.get_data(as_text=True)
    preview = client.post(f"/systems/{system.id}/harvest", data={"source": "reestr"}).get_data(as_text=True)
    assert "Что изменится" in preview and "Применить изменения" in preview and "parcels.owner_id" in preview
    assert client.get(f"/api/v1/harvest/systems/{system.id}").json == {"items": []}
    applied = client.post(f"/systems/{system.id}/harvest", data={"source": "reestr", "apply": "1"}).get_data(as_text=True)
    assert "Что изменено" in applied and "Прочитанные наборы данных" in applied
    assert "Применить изменения" not in applied
    assert client.get(f"/systems/{system.id}").get_data(as_text=True).count("Схема базы данных") == 1
