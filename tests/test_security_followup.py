"""Issue 12 follow-up: variants of the findings that the first fixes did not reach, found by attacking
the merged catalogue again through its pages (redirects of other forms, integers in form fields,
stored files that break the pages drawn from them)."""
from __future__ import annotations

import pytest


@pytest.fixture
def pages(app):
    """Pages as a browser sees them: an unexpected exception is a 500, not a test traceback."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


# -- finding 9: every form's `next`, not only the login's, stays on this site


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/%09/evil.example", "/\r\n/evil.example"])
def test_delete_and_restore_go_back_only_to_this_site(pages, client, seed, make_user, login, target):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    deleted = client.post(f"/processes/{seed.process.id}/delete", data={"next": target, "version": 1})
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == f"/processes/{seed.process.id}"
    restored = client.post(f"/processes/{seed.process.id}/restore", data={"next": target, "version": 2})
    assert restored.status_code == 302
    assert restored.headers["Location"] == f"/processes/{seed.process.id}"
    # A path on this site is still followed.
    again = client.post(f"/processes/{seed.process.id}/delete", data={"next": "/processes/?deleted=1", "version": 3})
    assert again.headers["Location"] == "/processes/?deleted=1"


# -- finding 14: integers in the fields and query parameters of pages, not only of the API


def test_a_request_form_with_a_superscript_digit_answers_in_russian(pages, client, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    answer = client.post("/requests/new", data={"title": "Заявка", "processes": ["²", "99999999999999999999"]})
    assert answer.status_code == 422, answer.status_code
    assert "Заявка" in answer.get_data(as_text=True)


def test_admin_user_form_ignores_ids_that_are_not_integers(pages, client, seed, make_user, login):
    make_user("chief", ["admin"])
    login("chief")
    for value in ("²", "99999999999999999999"):
        answer = client.post("/admin/users", data={
            "login": f"editor{len(value)}", "full_name": "Редактор", "password": "пароль-длинный-1",
            "roles": "agency_editor", "agency_ids": [str(seed.agency.id), value]})
        assert answer.status_code in (200, 302, 422), (value, answer.status_code)


def test_project_form_version_that_is_not_an_integer_is_not_a_500(pages, client, seed, make_user, login):
    make_user("office", ["process_office"])
    login("office")
    answer = client.post("/projects/1/delete", data={"version": "²"})
    assert answer.status_code in (404, 422), answer.status_code


@pytest.mark.parametrize("query, status", [("?rows=²", 422), ("?rows=200000", 200)])
def test_passport_form_empty_rows_are_bounded(pages, client, seed, make_user, login, query, status):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    created = client.post(f"/processes/{seed.process.id}/passports", data={"variant": "to_be"})
    edit = created.headers["Location"]
    answer = client.get(edit + query)
    assert answer.status_code == status
    assert len(answer.data) < 5_000_000  # 200 000 empty rows were 518 MB and 39 s


@pytest.mark.parametrize("agency", ["99999999999999999999", "²"])
def test_names_page_with_an_agency_out_of_range_answers_422(pages, client, seed, agency):
    answer = client.get(f"/names?agency={agency}")
    assert answer.status_code == 422
    assert "agency" in answer.get_data(as_text=True)


# -- finding 1's other side: a hostile diagram never breaks the passport page drawn from it


@pytest.mark.parametrize("bad", ['x="abc"', 'x="1e999"', 'x="nan"'])
def test_a_diagram_with_bad_coordinates_still_shows_its_passport(pages, client, seed, make_user, login, bad):
    import io

    from tests.test_security_web import BPMN

    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    uploaded = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                           data={"variant": "as_is", "file": (io.BytesIO(BPMN.replace(b'x="10"', bad.encode())), "a.bpmn")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    page = client.get(uploaded.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "inf" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]


# -- finding 4's variant: a BPMN upload checks who asks before it parses the file


def test_a_bpmn_from_someone_who_may_not_edit_the_process_is_not_parsed(app, client, seed, make_user, token_for):
    outsider = make_user("health", ["agency_editor"], agency_ids=[seed.other_agency.id])
    reader = make_user("reader", ["reader"])
    broken = b"<?xml version='1.0'?><definitions><process"  # a parse error if it were read
    for user in (outsider, reader):
        answer = client.post(f"/api/v1/processes/{seed.process.id}/passports/bpmn?variant=as_is", data=broken,
                             headers={**token_for(user), "Content-Type": "application/xml"})
        assert answer.status_code == 403, (user.login, answer.status_code, answer.get_json())
    editor = make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    answer = client.post(f"/api/v1/processes/{seed.process.id}/passports/bpmn?variant=as_is", data=broken,
                         headers={**token_for(editor), "Content-Type": "application/xml"})
    assert answer.status_code == 422


def test_the_bpmn_page_refuses_a_reader_before_reading_the_file(client, seed, make_user, login):
    import io

    make_user("reader", ["reader"])
    login("reader")
    answer = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                         data={"variant": "as_is", "file": (io.BytesIO(b"<definitions><process"), "a.bpmn")},
                         content_type="multipart/form-data", follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "корректным XML" not in text  # the file was never read
    assert "Приём заявления" in text or answer.status_code in (401, 403)


# -- finding 14: a list page's filter text is bounded like the search box's, not a 500 from SQLite


@pytest.mark.parametrize("path", ["/processes/", "/api/v1/processes"])
def test_a_list_filter_longer_than_the_search_limit_answers_422(pages, client, seed, path):
    answer = client.get(path, query_string={"q": "а" * 60_000})
    assert answer.status_code == 422
    assert "q" in answer.get_data(as_text=True) and "Слишком длинный запрос" in answer.get_data(as_text=True)
    assert client.get(path, query_string={"q": "выплат"}).status_code == 200


# -- finding 8/12's variant: another agency's register is refused before it is queued or stored


def test_another_agencys_register_is_refused_before_a_job_is_queued(app, client, seed, make_user, login, tmp_path):
    import io

    from catalog.services import import_jobs, uploads
    from tests.test_import_jobs import register_rows
    from tests.test_import_register import make_register

    settings = app.config["CATALOG"]
    settings.import_background_rows = 50  # this file would go to the queue
    try:
        make_user("health", ["agency_editor"], agency_ids=[seed.other_agency.id])
        login("health")
        path = make_register(tmp_path / "реестр.xlsx", register_rows(120))
        answer = client.post("/api/v1/imports/register", content_type="multipart/form-data",
                             data={"agency": "MINSOC", "file": (io.BytesIO(path.read_bytes()), path.name)})
        assert answer.status_code == 403, (answer.status_code, answer.get_json())
        page = client.post("/import/", content_type="multipart/form-data",
                           data={"kind": "register", "agency": "MINSOC", "action": "import",
                                 "file": (io.BytesIO(path.read_bytes()), path.name)})
        assert page.status_code == 403, page.status_code
        assert not [p for p in uploads.folder(settings).iterdir()]  # nothing kept against the quota
    finally:
        import_jobs.forget_queue(settings)


# -- finding 14: the public RDF export reads its agency as a number or a code, never a 500


@pytest.mark.parametrize("agency", ["²", "99999999999999999999"])
def test_the_rdf_export_with_an_agency_that_is_no_number_answers_422(pages, seed, agency):
    answer = pages.test_client().get("/api/v1/export.rdf", query_string={"agency": agency})  # anonymous
    assert answer.status_code == 422
    assert "agency" in answer.get_json()["fields"]


# -- finding 14: row numbers and ids in the costs what-if (public) and in table forms


@pytest.fixture
def costed(ctx, seed):
    from catalog.services import passports

    passport = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, passport.id, {"version": passport.version, "instances_per_year": 10, "steps": [
        {"key": "s1", "name": "Приём заявления", "duration_minutes": 5, "times_per_year": 1}]})
    ctx.session.commit()
    return seed.process.id


@pytest.mark.parametrize("change", [
    {"steps": {"²": {"duration_minutes": 5}}},
    {"steps": {"1": {"position_id": "²"}}},
    {"steps": {"1": {"position_id": "abc"}}},
    {"steps": {"1": {"position_id": None}}},
    {"positions": {"²": {"monthly_pay": 1}}},
])
def test_a_what_if_with_a_row_or_id_that_is_no_number_answers_422(pages, costed, change):
    anonymous = pages.test_client()
    answer = anonymous.post(f"/api/v1/processes/{costed}/costs/what-if", json={"as_is": change})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["fields"]
    section, rows = next(iter(change.items()))
    index, fields = next(iter(rows.items()))
    form = {f"as_is-{section}-{index}-{name}": str(value) for name, value in fields.items()} if section == "steps" else {}
    if form:
        page = anonymous.post(f"/processes/{costed}/costs", data=form)
        assert page.status_code == 422, page.status_code


def test_a_passport_form_row_numbered_with_a_superscript_is_ignored(pages, client, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    created = client.post(f"/processes/{seed.process.id}/passports", data={"variant": "to_be"})
    answer = client.post(created.headers["Location"], data={"version": "1", "step-²-name": "Шаг", "step-0-name": "Приём"})
    assert answer.status_code in (302, 422), answer.status_code
