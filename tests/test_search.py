"""Search in Russian: morphology, typos, synonyms, facets, suggestions, and the index kept in step."""
from __future__ import annotations

import re

import pytest

from catalog.services import records as r
from catalog.services import search


def titles(result):
    return [hit.title for hit in result.hits]


@pytest.fixture
def licences(ctx, seed):
    """A few more records: a licensing process with a system and data, a service named by an abbreviation."""
    system = r.create_record(ctx, "systems", {"name": "Региональная система лицензирования", "short_name": "РСЛ",
                                              "legal_kind": "regional", "stage": "operation"})
    service = r.create_record(ctx, "services", {"name": "Лицензирование розничной продажи алкогольной продукции",
                                                "kind": "service", "agency_id": seed.other_agency.id})
    process = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "007", "service_id": service.id,
        "name": "Выдача лицензии на розничную продажу алкоголя", "responsible_id": seed.other_person.id,
        "status": "reengineered", "is_digital": True})
    r.create_record(ctx, "links", {"link_type": "AUTOMATED_BY", "source_kind": "processes", "source_id": process.id,
                                   "target_kind": "systems", "target_id": system.id})
    mfc = r.create_record(ctx, "services", {"name": "Приём документов в многофункциональном центре",
                                            "kind": "service", "agency_id": seed.agency.id})
    return {"system": system, "service": service, "process": process, "mfc": mfc}


def test_finds_inflected_and_derived_forms(ctx, licences):
    for q in ("лицензия", "лицензии", "лицензий", "лицензирование", "выдать лицензию"):
        assert "Выдача лицензии на розничную продажу алкоголя" in titles(search.search(ctx, q)), q


def test_typos_yo_and_abbreviations(ctx, seed, licences):
    assert "Выдача лицензии на розничную продажу алкоголя" in titles(search.search(ctx, "лицинзии алкаголя"))
    # «ё» and «е» are the same letter to the search.
    assert seed.service.name in titles(search.search(ctx, "выплата на ребенка"))
    assert seed.service.name in titles(search.search(ctx, "выплата на ребёнка"))
    # An abbreviation finds the full name, and the other way round.
    assert licences["mfc"].name in titles(search.search(ctx, "МФЦ"))
    assert licences["mfc"].name in titles(search.search(ctx, "мфц приём документов"))


def test_exact_name_comes_first_and_context_finds_records(ctx, seed, licences):
    first = search.search(ctx, "Региональная система лицензирования").hits[0]
    assert (first.kind, first.record_id) == ("systems", licences["system"].id)
    # A process is found by the system that automates it and by its agency.
    assert licences["process"].name in titles(search.search(ctx, "РСЛ", {"kind": "processes"}))
    assert licences["process"].name in titles(search.search(ctx, "здравоохранения алкоголь"))


def test_facets_filters_and_highlights(ctx, seed, licences):
    result = search.search(ctx, "лицензирование")
    kinds = {v.value: v.count for v in result.facets["kind"]}
    assert kinds["processes"] == 1 and kinds["services"] == 1 and kinds["systems"] == 1
    only = search.search(ctx, "лицензирование", {"kind": "processes", "digital": "1"})
    assert titles(only) == ["Выдача лицензии на розничную продажу алкоголя"]
    # A selected facet still counts its other values, so the user can switch.
    by_kind = search.search(ctx, "лицензирование", {"kind": "processes"})
    assert {v.value: v.selected for v in by_kind.facets["kind"]} == {"processes": True, "services": False, "systems": False}
    assert [v.label for v in only.facets["agency"]] == ["Министерство здравоохранения"]
    hit = only.hits[0]
    assert hit.highlights["title"] == "Выдача <mark>лицензии</mark> на розничную продажу алкоголя"
    assert search.search(ctx, "лицензирование", {"status": "reengineered", "system": str(licences["system"].id)}).total == 1
    assert search.search(ctx, "лицензирование", {"agency": str(seed.agency.id), "kind": "processes"}).total == 0


def test_a_fragment_shows_the_text_not_the_identifiers(ctx, seed):
    """A result's fragment reads as text: identifiers are found but never lead it («T_LIC_ISSUE Выдача…»)."""
    r.create_record(ctx, "typical-processes", {
        "code": "T_LIC_ISSUE", "name": "Выдача разрешения",
        "description": "Выдача лицензии заявителю по результатам проверки его соответствия требованиям"})
    r.create_record(ctx, "systems", {"name": "Система учёта лицензий", "code": "SYS_LIC_42",
                                     "fgis_ki_number": "ФГИС-КИ 00042", "legal_kind": "regional",
                                     "stage": "operation", "description": "Ведение реестра выданных лицензий"})
    for q in ("лицензии заявителю", "реестр лицензий"):
        hit = search.search(ctx, q).hits[0]
        assert "<mark>" in hit.highlights["text"], q
        assert "T_LIC" not in hit.highlights["text"] and "SYS_LIC" not in hit.highlights["text"], q
        assert "00042" not in hit.highlights["text"], q
    # The identifiers themselves still find their records.
    assert titles(search.search(ctx, "T_LIC_ISSUE"))[:1] == ["Выдача разрешения"]
    assert titles(search.search(ctx, "SYS_LIC_42"))[:1] == ["Система учёта лицензий"]


def test_the_index_follows_every_write(ctx, seed, licences):
    process = licences["process"]
    r.update_record(ctx, "agencies", seed.other_agency.id, {"name": "Министерство торговли", "version": seed.other_agency.version})
    assert process.name in titles(search.search(ctx, "министерство торговли", {"kind": "processes"}))
    r.delete_record(ctx, "processes", process.id)
    assert process.name not in titles(search.search(ctx, "лицензия"))
    r.restore_record(ctx, "processes", process.id)
    assert process.name in titles(search.search(ctx, "лицензия"))
    link = r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes", "source_id": process.id,
                                          "target_kind": "datasets", "target_id": seed.dataset.id})
    assert process.name in titles(search.search(ctx, "получателях выплат", {"kind": "processes"}))
    r.delete_record(ctx, "links", link.id)
    assert process.name not in titles(search.search(ctx, "получателях выплат", {"kind": "processes"}))
    assert ctx.search.check().clean


def test_dataset_found_by_its_entities_and_attributes(ctx, seed):
    entity = r.create_record(ctx, "entities", {"name": "Получатель", "dataset_id": seed.dataset.id})
    r.create_record(ctx, "attributes", {"name": "СНИЛС получателя", "entity_id": entity.id, "data_type": "string"})
    assert seed.dataset.name in titles(search.search(ctx, "снилс", {"kind": "datasets"}))
    r.update_record(ctx, "entities", entity.id, {"name": "Заявитель", "version": entity.version})
    assert seed.dataset.name in titles(search.search(ctx, "заявитель", {"kind": "datasets"}))


def test_suggestions_complete_the_word_being_typed(ctx, seed, licences):
    found = [s.title for s in search.suggest(ctx, "выдача лиц")]
    assert found == ["Выдача лицензии на розничную продажу алкоголя"]
    assert "Приём документов в многофункциональном центре" in [s.title for s in search.suggest(ctx, "Приём док")]
    assert search.suggest(ctx, "   ") == []
    # A typo in the word being typed still suggests.
    assert "Лицензирование розничной продажи алкогольной продукции" in [s.title for s in search.suggest(ctx, "лицинзир")]


def test_sync_is_idempotent_and_check_names_drift(ctx, seed, licences):
    projection = ctx.search
    search.catch_up(ctx)
    before = search.search(ctx, "").total
    projection.index.apply([], [], 0)  # forget the position: the whole outbox again
    assert projection.sync() > 0
    assert search.search(ctx, "").total == before
    uid = f"processes:{licences['process'].id}"
    projection.index.apply([], [uid], projection.index.position())
    drift = projection.check()
    assert drift.missing == {uid} and not drift.extra
    assert projection.reindex() == before
    assert projection.check().clean


def test_reindex_keeps_the_old_index_answering(ctx, seed, licences):
    projection = ctx.search
    search.catch_up(ctx)
    seen_during = []

    def batches():
        for batch in projection._prepared(None):
            seen_during.append(search.search(ctx, "лицензия").total)
            yield batch

    projection.index.rebuild(batches(), projection.newest_event(ctx.session))
    assert seen_during and all(total >= 3 for total in seen_during)
    assert search.search(ctx, "лицензия").total >= 3


def test_api_search_and_bad_input(client, seed, licences):
    answer = client.get("/api/v1/search", query_string={"q": "лицензии", "kind": "processes"}).get_json()
    assert answer["total"] == 1 and answer["items"][0]["title"].startswith("Выдача лицензии")
    assert [f["label"] for f in answer["facets"]["kind"] if f["selected"]] == ["Процессы"]
    for query in ('"', "((лицензия", "лицензия AND OR -", "*", ":", "+++"):
        assert client.get("/api/v1/search", query_string={"q": query}).status_code == 200, query
    bad = client.get("/api/v1/search", query_string={"q": "x" * 600})
    assert bad.status_code == 422 and "q" in bad.get_json()["fields"]
    bad = client.get("/api/v1/search", query_string={"q": "а", "colour": "red"})
    assert bad.status_code == 422 and "colour" in bad.get_json()["fields"]
    bad = client.get("/api/v1/search", query_string={"kind": "planets"})
    assert bad.status_code == 422 and "planets" in bad.get_json()["fields"]["kind"][0]
    bad = client.get("/api/v1/search", query_string={"agency": "первое"})
    assert bad.status_code == 422 and "agency" in bad.get_json()["fields"]
    suggest = client.get("/api/v1/search/suggest", query_string={"q": "выдача лиц"}).get_json()
    assert suggest["items"][0]["kind"] == "processes"


def test_search_page_with_facets(client, seed, licences):
    page = client.get("/search", query_string={"q": "лицензирование"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Найдено: 3" in html and "<mark>Лицензирование</mark>" in html
    assert "Вид записи" in html and "Процессы" in html
    assert "/static/search.js" in html and "http" not in html.split("search.js")[0].split("<script")[-1]
    filtered = client.get("/search", query_string={"q": "лицензирование", "kind": "systems"}).get_data(as_text=True)
    assert "Найдено: 1" in filtered and "Региональная система лицензирования" in filtered
    bad = client.get("/search", query_string={"q": "я" * 600})
    assert bad.status_code == 422 and "Слишком длинный запрос" in bad.get_data(as_text=True)


def test_search_follows_writes_through_the_api(client, seed, make_user, token_for):
    headers = token_for(make_user("office", ["process_office"]))
    created = client.post("/api/v1/services", json={"name": "Выдача охотничьего билета", "kind": "service"}, headers=headers)
    assert created.status_code == 201
    assert client.get("/api/v1/search", query_string={"q": "охотничий билет"}).get_json()["total"] == 1
    client.delete(f"/api/v1/services/{created.get_json()['id']}?version=1", headers=headers)
    assert client.get("/api/v1/search", query_string={"q": "охотничий билет"}).get_json()["total"] == 0


def test_cli_search(runner, seed, licences):
    out = runner.invoke("search", "лицензии", "--kind", "processes").output
    assert "Найдено: 1" in out and "Выдача лицензии" in out
    assert "Индекс совпадает с хранилищем" in runner.invoke("search", "check").output
    rebuilt = runner.invoke("search", "reindex").output
    assert "В индексе" in rebuilt
    assert not re.search(r"^\s+[a-z_]+:", rebuilt, re.M), rebuilt
    bad = runner.invoke("search", "лицензии", "--kind", "planets")
    assert bad.exit_code != 0 and "planets" in bad.output


def test_reindex_progress_names_the_documents_of_processes_in_russian(capsys):
    from catalog.cli import progress

    for kind in ("passports", "projects", "requests", "notices", "processes"):
        progress(kind, 1007)
    printed = capsys.readouterr().err
    assert "Паспорта процессов: 1\xa0007" in printed and "Уведомления о корректировке реестра: 1\xa0007" in printed
    assert not re.search(r"[a-z]", printed), printed


def test_a_lost_index_is_built_again_at_the_next_search(ctx, seed, licences, monkeypatch):
    import shutil

    from catalog.search import open_search

    search.catch_up(ctx)
    shutil.rmtree(ctx.search.index.root)
    monkeypatch.setattr(search, "REBUILD_OVER", 5)
    ctx.search = open_search(ctx.settings, ctx.search.sessions)
    assert "Выдача лицензии на розничную продажу алкоголя" in titles(search.search(ctx, "лицензия"))
    assert ctx.search.check().clean


def test_reindex_in_worker_processes_gives_the_same_index(ctx, seed, licences, monkeypatch):
    from catalog.search import projection as projection_module

    search.catch_up(ctx)
    expected = search.search(ctx, "лицензия").total
    monkeypatch.setattr(projection_module, "PARALLEL_OVER", 1)
    monkeypatch.setattr(projection_module.os, "cpu_count", lambda: 2)
    assert ctx.search.reindex() == search.search(ctx, "").total
    assert search.search(ctx, "лицензия").total == expected
    assert ctx.search.check().clean


def test_a_word_naming_a_kind_asks_for_records_of_that_kind(ctx, seed, licences):
    """«система», «витрина», «набор данных», «где хранятся» name the kind of record wanted: the records of
    the kind answer, not every record whose neighbour's name says «система» (issue 18: they made a query
    match tens of thousands of records)."""
    for q in ("система лицензирования", "в какой системе лицензирование"):
        result = search.search(ctx, q)
        assert titles(result)[0] == "Региональная система лицензирования", q
        # The process the system automates bears «система» only in its neighbour's name: it has one word
        # of the query, and follows the one record that has both.
        assert search.note(result) == ("Записей со всеми словами запроса — 1; "
                                       "после них показаны записи с частью слов."), q
    # The word in a record's own name still counts, whatever its kind.
    assert "Региональная система лицензирования" in titles(search.search(ctx, "система", {"kind": "systems"}))


def test_names_from_the_store_follow_every_write(ctx, seed, licences):
    """The facets' and hits' names read from the store are kept between searches only while nothing is
    written: a renamed agency, a new status show at the next search."""
    process = licences["process"]

    def shown():
        result = search.search(ctx, "лицензия", {"kind": "processes"})
        hit = next(h for h in result.hits if h.record_id == process.id)
        return [v.label for v in result.facets["agency"]], hit.agency, hit.status_label

    assert shown() == (["Министерство здравоохранения"], "Министерство здравоохранения", "прошел реинжиниринг")
    assert shown() == (["Министерство здравоохранения"], "Министерство здравоохранения", "прошел реинжиниринг")
    agency = seed.other_agency
    r.update_record(ctx, "agencies", agency.id, {"name": "Министерство торговли", "version": agency.version})
    assert shown()[:2] == (["Министерство торговли"], "Министерство торговли")
    r.update_record(ctx, "processes", process.id, {"status": "sent_certification", "version": process.version})
    assert shown()[2] == "отправлен на сертификацию"


def test_a_word_no_record_bears_is_the_one_that_may_be_missing(ctx, seed, licences):
    """Of four words one may be missing: when no record bears one of them («через»), the other three are
    all required — the process has them, and it is the one record with every word that counts."""
    result = search.search(ctx, "выдача лицензии через алкоголь")
    assert titles(result)[0] == licences["process"].name and not result.ignored
    assert search.note(result) == "Записей со всеми словами запроса — 1; после них показаны записи с частью слов."
