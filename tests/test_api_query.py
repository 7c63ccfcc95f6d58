"""Query parameters are read the same way on every list route (web/api/base.py): a wrong number, date,
flag or an unknown name is a 422 that names the parameter, in Russian, in the API's error shape."""
import pytest


@pytest.mark.parametrize("url, parameter, message", [
    ("/api/v1/processes?page=abc", "page", "Ожидается целое число."),
    ("/api/v1/processes?page=0", "page", "Допустимо не меньше 1."),
    ("/api/v1/processes?per_page=100000", "per_page", "Допустимо от 1 до 500."),
    ("/api/v1/processes?include_deleted=может", "include_deleted", "Ожидается «да» или «нет»."),
    ("/api/v1/processes?colour=red", "colour", "Такого параметра нет."),
    ("/api/v1/search?page=1001", "page", "Допустимо от 1 до 1000."),
    ("/api/v1/search?colour=red", "colour", "Такого параметра нет."),
    ("/api/v1/requests?agency=x", "agency", "Ожидается целое число."),
    ("/api/v1/projects?sort=name", "sort", "Такого параметра нет."),
    ("/api/v1/dashboard?agency=0", "agency", "Допустимо не меньше 1."),
    ("/api/v1/calendar/working-days?from=вчера&days=3", "from", "Ожидается дата в формате ГГГГ-ММ-ДД."),
    ("/api/v1/calendar/working-days?days=3", "from", "Обязательный параметр (ГГГГ-ММ-ДД)."),
    ("/api/v1/calendar?year=1800", "year", "Год от 1900 до 2200."),
    ("/api/v1/names/matches?limit=-1", "limit", "Допустимо от 1 до 5000."),
    ("/api/v1/reports/duplicated-systems?include_federal=2", "include_federal", "Ожидается «да» или «нет»."),
    ("/api/v1/export.rdf?colour=red", "colour", "Такого параметра нет."),
    # Routes that take no parameters refuse unknown ones too.
    ("/api/v1/reports/hand-typed?colour=red", "colour", "Такого параметра нет."),
    ("/api/v1/positions?page=2", "page", "Такого параметра нет."),
])
def test_a_bad_query_parameter_is_named_in_russian(client, url, parameter, message):
    answer = client.get(url)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"error", "fields"}
    assert body["fields"] == {parameter: [message]}
    assert body["error"] in ("Неверный параметр запроса.", "Неизвестный параметр запроса.")


def test_unknown_parameters_are_all_named(client):
    body = client.get("/api/v1/processes?colour=red&size=xl").get_json()
    assert body == {"error": "Неизвестный параметр запроса.",
                    "fields": {"colour": ["Такого параметра нет."], "size": ["Такого параметра нет."]}}


def test_flags_dates_and_empty_values_are_read_as_before(client, seed):
    # «да», «1», «true» are yes; an empty value is no value (a form left blank), not an error.
    for word in ("да", "1", "TRUE", "yes"):
        assert client.get(f"/api/v1/processes?include_deleted={word}").status_code == 200, word
    answer = client.get("/api/v1/processes?page=&per_page=&q=&status=")
    assert answer.status_code == 200 and answer.get_json()["page"] == 1
    assert answer.get_json()["per_page"] == 50  # CATALOG_PAGE_SIZE
    assert client.get("/api/v1/calendar/working-days?from=2025-10-31&days=3").status_code == 200


def test_the_document_lists_the_parameters_the_routes_read(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    names = {p["name"]: p for p in paths["/processes"]["get"]["parameters"]}
    assert {"page", "per_page", "q", "include_deleted", "deleted", "status", "agency_id"} <= set(names)
    assert names["include_deleted"]["schema"]["type"] == "boolean"
    assert names["page"]["schema"]["minimum"] == 1
    working = {p["name"]: p for p in paths["/calendar/working-days"]["get"]["parameters"]}
    assert working["from"]["required"] is True and working["from"]["schema"]["format"] == "date"
