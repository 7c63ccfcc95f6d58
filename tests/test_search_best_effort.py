"""Search that finds what people mean: words the catalogue lacks, everyday words, questions."""
from __future__ import annotations

import pytest

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
