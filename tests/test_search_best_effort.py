"""Search that finds what people mean: words the catalogue lacks, everyday words, questions."""
from __future__ import annotations

import pytest

from catalog import models
from catalog.search import synonyms
from catalog.search.elastic import known_bodies, search_body, synonym_rules
from catalog.search.query import Plan, parse_query, word_groups
from catalog.services import records as r
from catalog.services import search


def titles(result):
    return [hit.title for hit in result.hits]


@pytest.fixture
def services(ctx, seed):
    made = {}
    for name in ("Постановка на учёт и направление детей в детские сады", "Выдача охотничьего билета",
                 "Выплата социального пособия на погребение"):
        made[name] = r.create_record(ctx, "services", {"name": name, "kind": "service", "agency_id": seed.agency.id})
    return made


def test_a_word_the_catalogue_lacks_is_left_out_and_named(ctx, seed, services):
    # Both words must match in a two-word query: «новичку» is in no record.
    result = search.search(ctx, "охотничий билет новичку")
    assert titles(result)[0] == "Выдача охотничьего билета"
    assert result.ignored == ["новичку"]
    assert search.note(result) == "Не найдено слово «новичку»; показаны результаты без него."
    two = search.search(ctx, "выплата на ребенка для дачи на море")
    assert seed.service.name in titles(two)
    assert search.note(two) == "Не найдены слова «дачи», «море»; показаны результаты без них."


def test_words_that_never_meet_find_records_with_most_of_them(ctx, seed, services):
    result = search.search(ctx, "охотничий погребение")
    assert set(titles(result)[:2]) == {"Выдача охотничьего билета", "Выплата социального пособия на погребение"}
    assert result.partial and "показаны записи с частью слов" in search.note(result)


def test_queries_of_unknown_words_still_find_nothing(ctx, seed, services):
    for q in ("погода в сочи", "купить айфон", "фильмы онлайн бесплатно", "qwertyuiop"):
        result = search.search(ctx, q)
        assert result.total == 0 and search.note(result) is None, q


def test_everyday_words_and_questions(ctx, seed, services):
    kindergarten = "Постановка на учёт и направление детей в детские сады"
    for q in ("детсад", "очередь в садик", "куда подать заявление в детский сад", "ДОУ"):
        assert kindergarten in titles(search.search(ctx, q))[:3], q
    assert titles(search.search(ctx, "деньги на похороны"))[0] == "Выплата социального пособия на погребение"
    assert seed.service.name in titles(search.search(ctx, "как получить выплату на ребёнка"))[:2]
    parsed = parse_query("как получить охотничий билет")
    assert [t.word for t in parsed.terms] == ["охотничий", "билет"] and parsed.questions == ["как", "получить"]
    # A question with nothing else is not emptied.
    assert [t.word for t in parse_query("как получить").terms] == ["получить"]


def test_api_and_page_say_what_was_ignored(client, seed, services):
    answer = client.get("/api/v1/search", query_string={"q": "охотничий билет новичку"}).get_json()
    assert answer["items"][0]["title"] == "Выдача охотничьего билета"
    assert answer["ignored"] == ["новичку"] and answer["note"].startswith("Не найдено слово «новичку»")
    html = client.get("/search", query_string={"q": "охотничий билет новичку"}).get_data(as_text=True)
    assert "Не найдено слово «новичку»; показаны результаты без него." in html
    plain = client.get("/api/v1/search", query_string={"q": "охотничий билет"}).get_json()
    assert plain["ignored"] == [] and plain["note"] is None


def test_the_shipped_thesaurus_parses_and_a_bad_line_is_named():
    shipped = synonyms.load()
    assert ["МФЦ", "многофункциональный центр"] in shipped.groups
    assert ("получить", ["выдача", "предоставление", "назначение"]) in shipped.one_way
    assert "куда подать" in shipped.questions and len(shipped.groups) >= 80
    with pytest.raises(ValueError, match="строка 2"):
        synonyms.parse("=\tа\tб\nразвод расторжение брака\n")


def test_elasticsearch_uses_the_same_thesaurus_and_plan():
    rules = synonym_rules()
    assert "мфц, многофункциональный центр" in rules
    assert "получить => получить, выдача, предоставление, назначение" in rules
    parsed = parse_query("охотничий билет новичку")
    strict = search_body(parsed, {}, 1, 20)["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]
    assert strict["query"] == "охотничий билет новичку" and strict["minimum_should_match"] == "2"
    groups = word_groups(parsed)
    relaxed = search_body(parsed, {}, 1, 20, Plan(frozenset({len(groups) - 1})))
    words = relaxed["query"]["bool"]["must"][0]["bool"]["should"][0]["multi_match"]
    assert words["query"] == "охотничий билет" and words["operator"] == "and"
    assert len(known_bodies(groups)) == 2 * len(groups)
    # The kinds people look for first, as the embedded index orders them.
    weights = {f["filter"]["term"]["kind"]: f["weight"]
               for f in relaxed["rescore"]["query"]["rescore_query"]["function_score"]["functions"]}
    assert weights["attributes"] < weights["processes"] < 1 and "services" not in weights


def test_agencies_by_any_of_their_names_and_their_records_first(ctx, seed):
    from catalog.search.documents import agency_aliases

    farming = r.create_record(ctx, "agencies", {"code": "MINSELHOZ", "kind": "executive", "short_name": "Минсельхоз",
                                                "name": "Министерство сельского хозяйства и продовольствия Приволжской области"})
    transport = r.create_record(ctx, "agencies", {"code": "MINTRANS", "kind": "executive", "short_name": "Минтранс",
                                                  "name": "Министерство транспорта и автомобильных дорог Приволжской области"})
    crops = r.create_record(ctx, "services", {"name": "Предоставление субсидий на поддержку растениеводства",
                                              "kind": "service", "agency_id": farming.id})
    r.create_record(ctx, "services", {"name": "Предоставление субсидий перевозчикам на обновление автобусов",
                                      "kind": "service", "agency_id": transport.id})
    assert {"минсх", "минсельхоз", "минсхп"} <= set(agency_aliases(farming.name, farming.short_name))
    for q in ("минсх", "минсельхоз", "Минсельхозе"):
        first = search.search(ctx, q).hits[0]
        assert (first.kind, first.record_id) == ("agencies", farming.id), q
    for q in ("минтран", "минтранса"):
        first = search.search(ctx, q).hits[0]
        assert (first.kind, first.record_id) == ("agencies", transport.id), q
    # A query naming an agency puts its records first.
    assert titles(search.search(ctx, "минсх субсидии", {"kind": "services"}))[0] == crops.name
    assert titles(search.search(ctx, "субсидии минтранса", {"kind": "services"}))[0].endswith("автобусов")


def test_a_system_and_a_mart_are_found_by_what_their_data_holds(ctx, seed):
    system = r.create_record(ctx, "systems", {"name": "Региональная ГИС «Занятость населения»", "short_name": "ГИС Занятость",
                                              "legal_kind": "regional", "stage": "operation"})
    dataset = r.create_record(ctx, "datasets", {"name": "Банк вакансий", "owner_agency_id": seed.agency.id})
    entity = r.create_record(ctx, "entities", {"name": "Вакансия", "dataset_id": dataset.id})
    r.create_record(ctx, "attributes", {"name": "Требуемая квалификация", "entity_id": entity.id, "data_type": "string"})
    r.create_record(ctx, "links", {"link_type": "STORED_IN", "source_kind": "datasets", "source_id": dataset.id,
                                   "target_kind": "systems", "target_id": system.id})
    r.create_record(ctx, "links", {"link_type": "EXPOSES", "source_kind": "marts", "source_id": seed.mart.id,
                                   "target_kind": "datasets", "target_id": dataset.id})
    for q in ("система для учёта вакансий", "в какой системе хранится требуемая квалификация"):
        assert titles(search.search(ctx, q))[0] == system.name, q
    assert titles(search.search(ctx, "витрина с квалификацией"))[0] == seed.mart.name


def test_an_index_written_by_an_earlier_version_is_built_again(ctx, seed):
    import tantivy

    from catalog.search import open_search

    root = ctx.search.index.root
    old = root / "index-old"
    old.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("uid", stored=True)
    tantivy.Index(builder.build(), path=str(old))
    (old / "position").write_text("0")
    (root / "CURRENT").write_text("index-old")
    ctx.search = open_search(ctx.settings, ctx.search.sessions)
    assert seed.service.name in titles(search.search(ctx, "выплата на ребёнка"))
    assert not old.exists()


def test_queries_that_found_nothing_or_little_are_counted_for_the_process_office(client, ctx, seed, services, runner,
                                                                                 make_user, token_for, login):
    from catalog import models

    for q in ("развод", "Развод", "охотничий билет новичку", "выплата на ребенка"):
        client.get("/search", query_string={"q": q})
    client.get("/api/v1/search", query_string={"q": "развод"})
    client.get("/api/v1/search", query_string={"q": "развод", "page": 2})  # paging is not a new miss
    assert ctx.session.query(models.SearchMiss).count() == 0  # counts wait to be written together
    search.flush_misses()
    rows = {m.query: m for m in ctx.session.query(models.SearchMiss)}
    assert rows["развод"].empty_count == 3 and rows["развод"].few_count == 0
    assert rows["охотничий билет новичку"].few_count == 1 and rows["охотничий билет новичку"].ignored == "новичку"
    assert set(rows) == {"развод", "охотничий билет новичку", "выплата на ребенка"}  # one hit is «little»
    assert not any(hasattr(m, "user_id") or hasattr(m, "actor_name") for m in rows.values())
    office = make_user("office", ["process_office"])
    client.get("/search", query_string={"q": "развод"})  # the report writes what waits first
    report = client.get("/api/v1/search/misses", headers=token_for(office)).get_json()["items"]
    assert report[0]["query"] == "развод" and report[0]["empty"] == 4
    reader = make_user("reader", ["reader"])
    refused = client.get("/api/v1/search/misses", headers=token_for(reader))
    assert refused.status_code == 403 and "Недостаточно прав" in refused.get_json()["error"]
    assert "«развод»: ничего — 4, мало — 0" in runner.invoke("search", "misses").output
    login("office")
    page = client.get("/search/misses").get_data(as_text=True)
    assert "Ненайденные запросы" in page and ">развод</a>" in page and "новичку" in page


@pytest.fixture
def demo(ctx, demo_region):
    return ctx


def test_passports_projects_and_requests_are_found_and_one_name_shows_once(demo, client):
    result = search.search(demo, "целевое состояние прикрепления к поликлинике")
    assert result.hits[0].kind == "passports" and result.hits[0].title.startswith("Паспорт TO-BE")
    stages = {v.value: v.label for v in result.facets["stage"]}
    assert stages["passports:draft"] == "паспорт процесса: черновик"
    drafts = search.search(demo, "паспорт прикрепление к поликлинике", {"stage": "passports:draft"})
    assert drafts.total == 4 and {h.kind for h in drafts.hits} == {"passports"}
    request = search.search(demo, "заявка на новую систему проактивных выплат").hits[0]
    assert (request.kind, request.title) == ("requests", "Заявка на создание системы «Региональная платформа проактивных выплат»")
    project = search.search(demo, "оптимизация многодетные").hits[0]
    assert project.kind == "projects" and project.kind_label == "проект оптимизации"
    # Projects by their stage (Leningrad 4.1), as passports by state and requests by status.
    from collections import Counter

    from sqlalchemy import select

    from catalog import models
    from catalog.enums import ProjectStage
    from catalog.services.projects import current_stage

    by_stage = Counter(current_stage(p) for p in demo.session.scalars(
        select(models.OptimizationProject).where(models.OptimizationProject.deleted_at.is_(None))))
    facet = {v.value: (v.label, v.count) for v in search.search(demo, "проект оптимизации", {"kind": "projects"}).facets["stage"]}
    assert facet == {f"projects:{stage}": (f"проект оптимизации: {ProjectStage.label_of(stage)}", count)
                     for stage, count in by_stage.items()}
    stage, count = by_stage.most_common(1)[0]
    only = search.search(demo, "", {"stage": f"projects:{stage}"})
    assert only.total == count and {h.kind for h in only.hits} == {"projects"}
    html = client.get("/search", query_string={"q": "заявка на новую систему проактивных выплат"}).get_data(as_text=True)
    assert f'href="/requests/{request.record_id}"' in html and "заявка на систему" in html
    bad = client.get("/api/v1/search", query_string={"q": "паспорт", "stage": "planets"})
    assert bad.status_code == 422 and "planets" in bad.get_json()["fields"]["stage"][0]
    # One name shows once, with how many records share it (one demo load for both: it takes seconds).
    hits = search.search(demo, "регистрация и рассмотрение обращений граждан", {"kind": "processes"}).hits
    assert [h.title for h in hits].count("Регистрация и рассмотрение обращений граждан") == 1
    assert hits[0].title == "Регистрация и рассмотрение обращений граждан" and hits[0].same_name == 15
    html = client.get("/search", query_string={"q": "регистрация и рассмотрение обращений граждан"}).get_data(as_text=True)
    assert "и ещё 15 с тем же названием" in html


def test_suggestions_know_synonyms_agencies_and_typos_and_group_one_name(client, ctx, seed):
    portal = r.create_record(ctx, "systems", {"name": "Федеральная государственная информационная система «Единый портал "
                                                      "государственных и муниципальных услуг (функций)»",
                                              "short_name": "ЕПГУ", "legal_kind": "federal", "stage": "operation"})
    farming = r.create_record(ctx, "agencies", {"code": "MINSELHOZ", "kind": "executive", "short_name": "Минсельхоз",
                                                "name": "Министерство сельского хозяйства и продовольствия Приволжской области"})
    farmer = r.create_record(ctx, "people", {"full_name": "Сидоров Иван Павлович", "position": "специалист",
                                             "agency_id": farming.id})
    # The responsible person is of the owning agency (the register's rule).
    for agency, person in ((seed.agency, seed.person), (seed.other_agency, seed.other_person), (farming, farmer)):
        r.create_record(ctx, "processes", {"agency_id": agency.id, "registry_id": f"9{agency.id}", "service_id": seed.service.id,
                                           "name": "Регистрация и рассмотрение обращений граждан",
                                           "responsible_id": person.id, "status": "queued_research"})
    assert search.suggest(ctx, "госусл")[0].title == portal.name  # the thesaurus: госуслуги = ЕПГУ
    assert search.suggest(ctx, "минсх")[0].title == farming.name  # an agency's short name
    # A typo in an earlier word, the last one a prefix; one name once, with its count and agencies.
    grouped = search.suggest(ctx, "регистрацыя и рассм")
    assert [s.title for s in grouped].count("Регистрация и рассмотрение обращений граждан") == 1
    first = grouped[0]
    assert first.count == 3 and first.kind_label == "процесс" and len(first.agencies) == 3
    item = client.get("/api/v1/search/suggest", query_string={"q": "регистрацыя и рассм"}).get_json()["items"][0]
    assert item["count"] == 3 and item["kind_label"] == "процесс"
    assert "Министерство здравоохранения" in item["agencies"]


def test_the_process_office_extends_the_thesaurus_with_history(client, ctx, seed, make_user, login):
    inspection = r.create_record(ctx, "agencies", {"code": "GATI", "kind": "executive",
                                                   "name": "Государственная административно-техническая инспекция"})
    # Its initials are one of its names already; the jargon of another region is not.
    assert titles(search.search(ctx, "ГАТИ"))[0] == inspection.name
    assert search.search(ctx, "ОАТИ").total == 0
    make_user("office", ["process_office"], password="пароль-тест")
    make_user("reader", ["reader"], password="пароль-тест")
    login("reader")
    refused = client.post("/search/thesaurus", data={"marker": "=", "phrases": "ОАТИ\nадминистративно-техническая инспекция"})
    assert refused.status_code == 403
    client.post("/logout")
    login("office")
    bad = client.post("/search/thesaurus", data={"marker": "=", "phrases": "ОАТИ"}, follow_redirects=True)
    assert "Нужны хотя бы две фразы" in bad.get_data(as_text=True)
    client.post("/search/thesaurus", data={"marker": "=", "phrases": "ОАТИ\nадминистративно-техническая инспекция",
                                           "note": "так говорят в районах"})
    assert titles(search.search(ctx, "ОАТИ"))[0] == inspection.name
    assert titles(search.search(ctx, "оати"))[0] == inspection.name
    entry = ctx.session.query(models.ThesaurusEntry).one()
    client.post(f"/search/thesaurus/{entry.id}/remove")
    assert search.search(ctx, "ОАТИ").total == 0
    page = client.get("/search/thesaurus").get_data(as_text=True)
    assert "ОАТИ; административно-техническая инспекция" in page and page.count("Office, ") == 2  # added, removed
    items = client.get("/api/v1/search/thesaurus").get_json()["items"]
    assert items[0]["removed_by"] == "Office" and items[0]["phrases"][0] == "ОАТИ"


def test_correction_notices_are_found_by_reason_and_agency_with_their_state_as_stage(ctx, seed, client, make_user):
    """Issue 18: correction notices (Kemerovo register rules 3.5) are search documents; the index follows
    their life through the outbox: written «notices:open», answered «notices:answered»."""
    from catalog.services import notices
    from catalog.services.context import Context

    office = make_user("office", ["process_office"])
    editor = make_user("editor", ["agency_editor"], [seed.agency.id])
    notice = notices.write_notice(Context(session=ctx.session, user=office, settings=ctx.settings), {
        "agency_id": seed.agency.id, "reason": "Не указан регулирующий акт процесса",
        "items": [{"process_id": seed.process.id, "fields": ["acts"]}]})
    search.catch_up(ctx)
    found = search.search(ctx, "регулирующий акт не указан", {"kind": "notices"})
    assert [(h.kind, h.record_id) for h in found.hits] == [("notices", notice.id)]
    assert found.hits[0].title == f"Уведомление о корректировке № {notice.id}: Министерство социальной защиты"
    assert found.hits[0].kind_label == "уведомление о корректировке"
    stages = {v.value: v.label for v in found.facets["stage"]}
    assert stages == {"notices:open": "уведомление о корректировке: ждёт ответа органа"}
    by_agency = search.search(ctx, "уведомление министерство социальной защиты", {"stage": "notices:open"})
    assert [h.record_id for h in by_agency.hits] == [notice.id]
    html = client.get("/search", query_string={"q": "регулирующий акт не указан"}).get_data(as_text=True)
    assert f'href="/notices/{notice.id}"' in html
    # The agency answers: the index hears it, and the notice is no longer among the open ones.
    notices.answer_notice(Context(session=ctx.session, user=editor, settings=ctx.settings), notice.id,
                          "Акт указан в реестре")
    search.catch_up(ctx)
    assert search.search(ctx, "регулирующий акт не указан", {"stage": "notices:open"}).total == 0
    answered = search.search(ctx, "регулирующий акт не указан", {"stage": "notices:answered"})
    assert [h.record_id for h in answered.hits] == [notice.id]


def test_two_web_processes_counting_one_query_add_up(ctx):
    """Each web process keeps its own waiting counts and writes them when due. A process that read
    the table before another wrote the same new query used to fail on the new row (or overwrite a
    row's count with its own sum) and lose its counts; both now add up."""
    from datetime import datetime, timezone

    from sqlalchemy import event

    from catalog.db import make_engine, make_session_factory

    engines = [make_engine(ctx.settings.database_url) for _ in range(2)]
    first, second = (make_session_factory(engine) for engine in engines)
    now = datetime.now(timezone.utc)
    interleaved = []

    @event.listens_for(engines[0], "after_cursor_execute")
    def the_other_writes_meanwhile(conn, cursor, statement, *args):
        # The old write read the rows first; the other process commits between its read and write.
        if statement.lstrip().upper().startswith("SELECT") and "search_misses" in statement and not interleaved:
            interleaved.append(True)
            search.flush_misses(second)

    try:
        for factory, counts in ((first, [3, 1]), (second, [2, 0])):
            search._pending[factory] = {"развод": [*counts, 0, None, now], "прописка": [1, 0, 0, None, now]}
        search.flush_misses(first)
        search.flush_misses(second)  # whatever the interleaving did not write yet
        rows = {m.query: m for m in ctx.session.query(models.SearchMiss)}
        assert (rows["развод"].empty_count, rows["развод"].few_count) == (5, 1)
        assert rows["прописка"].empty_count == 2
        # A later count adds to the stored one.
        search._pending[first] = {"развод": [1, 0, 0, None, now]}
        search.flush_misses(first)
        ctx.session.expire_all()
        assert ctx.session.query(models.SearchMiss).filter_by(query="развод").one().empty_count == 6
    finally:
        for engine in engines:
            engine.dispose()
