"""Personal data (issue 20; 152-FZ «О персональных данных»): harvested and imported attributes get a
suggested category from their names and descriptions, the owner accepts or rejects it, and the report
shows by agency and system where personal data is stored, exposed and re-entered by hand."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import models
from catalog.services import harvest, imports, personal_data
from catalog.services import records as r

DATA = Path(__file__).parent / "data" / "xsd"


@pytest.mark.parametrize("name, code, description, expected", [
    ("ФИО", None, None, "general"),  # art. 3 p. 1: any information about a person
    ("full_name", None, None, "general"),
    ("snils", None, "СНИЛС", "general"),
    ("ДатаРождения", None, None, "general"),
    ("Серия и номер паспорта", None, None, "general"),
    ("Телефон", None, None, "general"),
    ("Диагноз", None, None, "special"),  # art. 10 p. 1: health
    ("Группа инвалидности", None, None, "special"),
    ("Сведения о судимости", None, None, "special"),  # art. 10 p. 3
    ("Фото", None, None, "biometric"),  # art. 11 p. 1
    ("Отпечатки пальцев", None, None, "biometric"),
    ("name", None, None, None),  # a table's or an organisation's name as often as a person's
    ("НаимЗАГС", None, "Полное наименование органа ЗАГС", None),
    ("amount", None, "Размер выплаты, руб.", None),
])
def test_names_and_descriptions_suggest_a_category(name, code, description, expected):
    assert personal_data.suggest(name, code, description) == expected


@pytest.fixture
def catalogue(ctx, tmp_path):
    agency = r.create_record(ctx, "agencies", {"code": "MINSOC", "name": "Министерство социальной защиты",
                                               "short_name": "Минсоцзащиты", "kind": "executive"})
    system = r.create_record(ctx, "systems", {"name": "Региональная система социальной защиты", "short_name": "РССЗ",
                                              "legal_kind": "regional", "stage": "operation",
                                              "operator_agency_id": agency.id})
    source = tmp_path / "rssz.db"
    connection = sqlite3.connect(source)
    connection.executescript("""
        CREATE TABLE citizens (id INTEGER PRIMARY KEY, full_name VARCHAR(300) NOT NULL, snils CHAR(11),
                               birth_date DATE, diagnosis TEXT, amount NUMERIC(12, 2));
    """)
    connection.close()
    harvest.harvest_database(ctx, system.id, url=f"sqlite:///{source}")
    dataset = ctx.session.scalar(select(models.Dataset).where(models.Dataset.source_ref == f"db:{system.id}:main"))
    mart = r.create_record(ctx, "marts", {"name": "Витрина мер социальной поддержки", "kind": "smev4",
                                          "owner_agency_id": agency.id})
    r.create_record(ctx, "links", {"link_type": "EXPOSES", "source_kind": "marts", "source_id": mart.id,
                                   "target_kind": "datasets", "target_id": dataset.id})
    person = r.create_record(ctx, "people", {"full_name": "Иванова Мария Петровна", "position": "начальник отдела",
                                             "agency_id": agency.id})
    service = r.create_record(ctx, "services", {"name": "Выплата на ребёнка", "kind": "service", "agency_id": agency.id})
    process = r.create_record(ctx, "processes", {"agency_id": agency.id, "registry_id": "001", "service_id": service.id,
                                                 "name": "Приём заявления", "responsible_id": person.id,
                                                 "status": "queued_research"})
    r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes", "source_id": process.id,
                                   "target_kind": "datasets", "target_id": dataset.id, "transport": "manual"})
    return agency, system, dataset


def _attribute(ctx, code):
    return ctx.session.scalar(select(models.Attribute).where(models.Attribute.code == code,
                                                             models.Attribute.deleted_at.is_(None)))


def test_harvested_attributes_get_suggestions_the_owner_decides(ctx, client, catalogue, make_user, token_for, login):
    agency, system, dataset = catalogue
    assert {code: _attribute(ctx, code).pd_suggestion for code in ("full_name", "snils", "birth_date", "diagnosis",
                                                                   "amount", "id")} == \
        {"full_name": "general", "snils": "general", "birth_date": "general", "diagnosis": "special",
         "amount": None, "id": None}
    found = personal_data.report(ctx)
    row, = found.rows
    assert (row.agency, row.system, row.suggested, row.total) == ("Минсоцзащиты", "РССЗ", 4, 0)
    assert row.marts == {"Витрина мер социальной поддержки"} and row.by_hand == {"Приём заявления"}
    assert [a.code for a, _ in found.pending] == ["full_name", "snils", "birth_date", "diagnosis"]

    # The architect accepts through the API (with the version read), the agency's editor rejects on the page.
    architect = token_for(make_user("architect", ["architect"], password=None))
    snils = _attribute(ctx, "snils")
    answer = client.post(f"/api/v1/personal-data/attributes/{snils.id}/accept", json={"version": snils.version},
                         headers=architect)
    assert answer.status_code == 200, answer.json
    assert answer.json["pd_category"] == "general" and answer.json["label"] == "общие"
    stale = client.post(f"/api/v1/personal-data/attributes/{snils.id}/accept", json={"version": snils.version},
                        headers=architect)
    assert stale.status_code == 409
    unversioned = client.post(f"/api/v1/personal-data/attributes/{snils.id}/reject", json={}, headers=architect)
    assert unversioned.status_code == 422 and "version" in unversioned.json["fields"]
    other = r.create_record(ctx, "agencies", {"code": "MINZDRAV", "name": "Министерство здравоохранения",
                                              "kind": "executive"})
    stranger = token_for(make_user("stranger", ["agency_editor"], agency_ids=[other.id], password=None))
    diagnosis = _attribute(ctx, "diagnosis")
    refused = client.post(f"/api/v1/personal-data/attributes/{diagnosis.id}/accept",
                          json={"version": diagnosis.version}, headers=stranger)
    assert refused.status_code == 403

    make_user("editor", ["agency_editor"], agency_ids=[agency.id])
    login("editor")
    page = client.get("/reports/personal-data").get_data(as_text=True)
    assert "Минсоцзащиты" in page and "Приём заявления" in page and page.count("Не персональные") == 3
    birth = _attribute(ctx, "birth_date")
    done = client.post(f"/reports/personal-data/{birth.id}/reject", data={"version": str(birth.version)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Атрибут «birth_date»: не персональные данные." in done
    ctx.session.expire_all()
    assert _attribute(ctx, "birth_date").pd_category == "none"
    history = [e for e in r.record_history(ctx, "attributes", birth.id) if e.action == "update"]
    assert history[0].changes["pd_category"] == {"before": None, "after": "none"}
    row, = personal_data.report(ctx).rows
    assert (row.categories["general"], row.suggested) == (1, 2)
    api = client.get("/api/v1/personal-data/report").json
    assert api["rows"][0]["categories"] == {"biometric": 0, "special": 0, "general": 1}


def test_imported_data_types_are_suggested_too_and_the_cli_decides(ctx, runner):
    imports.run_import(ctx, "xsd", DATA / "iemk-eln" / "smev-iemk-eln-service.xsd")
    ctx.session.expire_all()
    snils = ctx.session.scalar(select(models.Attribute).where(models.Attribute.code == "Snils"))
    assert snils.pd_suggestion == "general"
    listed = runner.invoke("personal-data", "report")
    assert f"№ {snils.id}" in listed.output and "обладатель не указан\tсистема не указана" in listed.output
    decided = runner.invoke("personal-data", "decide", str(snils.id), "accept")
    assert decided.exit_code == 0 and "общие" in decided.output


def test_the_rdf_export_marks_personal_data(ctx, catalogue):
    from catalog.linked import vocab
    from catalog.linked.export import record_graph

    snils = _attribute(ctx, "snils")
    personal_data.decide(ctx, snils.id, True)
    graph = record_graph(ctx, "attributes", snils.id)
    assert set(graph.objects(None, vocab.PDC.personalDataCategory)) == {vocab.concept("personal-data", "general")}
    undecided = record_graph(ctx, "attributes", _attribute(ctx, "diagnosis").id)  # a suggestion is not a mark
    assert list(undecided.objects(None, vocab.PDC.personalDataCategory)) == []


def test_the_inbox_source_lists_what_the_user_may_decide(ctx, catalogue, make_user):
    agency, system, dataset = catalogue
    editor = make_user("editor", ["agency_editor"], agency_ids=[agency.id], password=None)
    item, = personal_data.inbox_items(ctx, editor)
    assert item == {"kind": "Предложена категория персональных данных",
                    "title": "РССЗ: без решения — 4\u00a0атрибута", "url": "/reports/personal-data",
                    "due": None, "overdue": False, "agency_id": agency.id}
    other = r.create_record(ctx, "agencies", {"code": "MINZDRAV", "name": "Министерство здравоохранения",
                                              "kind": "executive"})
    stranger = make_user("stranger", ["agency_editor"], agency_ids=[other.id], password=None)
    assert personal_data.inbox_items(ctx, stranger) == []
