"""Pages render in Russian, forms validate like the API, and a user can find, edit and see history."""
import re

import pytest
from bs4 import BeautifulSoup

from catalog.kinds import KINDS


@pytest.fixture
def editor(make_user, seed, login):
    make_user("editor", ["agency_editor"], agency_ids=[seed.agency.id])
    assert login("editor").status_code == 302


def text_of(answer):
    text = BeautifulSoup(answer.get_data(as_text=True), "html.parser").get_text(" ", strip=True)
    return re.sub(r"\s+([:,.])", r"\1", text)


def test_home_shows_counts_by_agency_and_status(client, seed):
    page = text_of(client.get("/"))
    assert "Процессы по органам и статусам реинжиниринга" in page
    assert "в очереди на исследование" in page and "Министерство социальной защиты" in page


def test_every_list_and_record_page_renders(client, seed, ctx, make_user, login):
    from catalog.services import records
    make_user("admin", ["admin"])
    login("admin")
    for name in KINDS:
        listing = client.get(f"/{name}/")
        assert listing.status_code == 200, name
        first = records.list_records(ctx, name, per_page=1).items
        if first:
            assert client.get(f"/{name}/{first[0].id}").status_code == 200, name
            if name != "links":
                assert client.get(f"/{name}/{first[0].id}/edit").status_code == 200, name
        if name != "links":
            assert client.get(f"/{name}/new").status_code == 200, name


def test_no_asset_comes_from_outside(client, seed):
    html = client.get(f"/processes/{seed.process.id}").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url
    assert client.get("/static/style.css").status_code == 200


def test_user_finds_edits_and_sees_history(client, seed, editor):
    found = text_of(client.get("/processes/?q=приём"))
    assert "Приём заявления о назначении выплаты" in found
    form = client.get(f"/processes/{seed.process.id}/edit")
    version = BeautifulSoup(form.get_data(as_text=True), "html.parser").find("input", {"name": "version"})["value"]
    answer = client.post(f"/processes/{seed.process.id}/edit", data={
        "version": version, "agency_id": seed.agency.id, "registry_id": "001", "service_id": seed.service.id,
        "name": "Приём заявления о выплате", "responsible_id": seed.person.id, "status": "researching",
        "channels": ["epgu", "rpgu"], "is_digital": "on",
    }, follow_redirects=True)
    page = text_of(answer)
    assert "Изменения сохранены" in page
    assert "ЕПГУ, РПГУ" in page
    assert "История статусов реинжиниринга" in page and "идет исследование" in page
    assert "Приём заявления о назначении выплаты → Приём заявления о выплате" in page
    assert "Editor" in page  # the person by name (make_user gives «Editor»), not the login


def test_a_record_page_shows_its_newest_changes_and_links_to_the_whole_history(client, seed, ctx):
    from catalog.services import records
    from web.pages.records import FEED_ON_PAGE

    for number in range(FEED_ON_PAGE + 5):
        process = ctx.session.get(type(seed.process), seed.process.id)
        records.update_record(ctx, "processes", seed.process.id, {"version": process.version, "client": f"Заявители {number}"})
    soup = BeautifulSoup(client.get(f"/processes/{seed.process.id}").get_data(as_text=True), "html.parser")
    rows = soup.select("table.history tbody tr")
    assert len(rows) == FEED_ON_PAGE
    assert f"Заявители {FEED_ON_PAGE + 4}" in rows[0].get_text()  # the newest first
    more = soup.find("a", string="Вся история изменений")
    assert more and f"последние {FEED_ON_PAGE}\u00a0изменений" in more.parent.get_text()
    whole = client.get(more["href"])
    page = BeautifulSoup(whole.get_data(as_text=True), "html.parser")
    everything = records.record_history(ctx, "processes", seed.process.id)
    assert len(page.select("table.history tbody tr")) == len(everything) > FEED_ON_PAGE + 5
    assert "Заявители 0" in page.get_text() and "Приём заявления о назначении выплаты" in page.find("h1").get_text()
    assert client.get("/processes/999999/history").status_code == 404


def test_form_errors_are_in_russian_and_name_the_field(client, seed, editor):
    answer = client.post("/processes/new", data={"agency_id": seed.agency.id, "registry_id": "", "name": "",
                                                 "status": "queued_research"})
    assert answer.status_code == 422
    page = text_of(answer)
    assert "Идентификатор процесса: Обязательное поле не заполнено." in page
    assert "Ответственный за процесс: Обязательное поле не заполнено." in page


def test_stale_form_shows_what_changed(client, seed, editor, ctx):
    from catalog.services import records
    records.update_record(ctx, "processes", seed.process.id, {"version": 1, "client": "Многодетные семьи"})
    answer = client.post(f"/processes/{seed.process.id}/edit", data={
        "version": 1, "agency_id": seed.agency.id, "registry_id": "001", "service_id": seed.service.id,
        "name": "Новое имя", "responsible_id": seed.person.id, "status": "queued_research"})
    assert answer.status_code == 409
    page = text_of(answer)
    assert "Многодетные семьи" in page and "изменена другим пользователем" in page
    assert records.get_record(ctx, "processes", seed.process.id).name != "Новое имя"


def test_editor_cannot_edit_another_agencys_record(client, seed, editor):
    answer = client.post(f"/people/{seed.other_person.id}/edit", data={
        "version": 1, "full_name": "Другой", "position": "x", "agency_id": seed.other_agency.id})
    assert answer.status_code == 403
    assert "Недостаточно прав" in text_of(answer)


def test_delete_and_restore_from_the_page(client, seed, editor):
    # The buttons carry the version the page showed, as every change does.
    client.post(f"/processes/{seed.process.id}/delete", data={"version": "1"})
    page = text_of(client.get(f"/processes/{seed.process.id}"))
    assert "Запись удалена" in page
    client.post(f"/processes/{seed.process.id}/restore", data={"version": "2"})
    assert "Запись удалена" not in text_of(client.get(f"/processes/{seed.process.id}"))


def test_link_added_from_the_record_page(client, seed, editor):
    page = client.get(f"/processes/{seed.process.id}/links/new?link_type=CONSUMES&target_kind=datasets")
    assert seed.dataset.name in page.get_data(as_text=True)
    client.post(f"/processes/{seed.process.id}/links/new", data={
        "link_type": "CONSUMES", "target_kind": "datasets", "target_id": seed.dataset.id,
        "transport": "paper", "save": "1"})
    page = text_of(client.get(f"/processes/{seed.process.id}"))
    assert "потребляет данные" in page and "бумага, письмо" in page


def test_anonymous_edit_sends_to_login(client, seed):
    answer = client.get(f"/processes/{seed.process.id}/edit")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_unknown_page_is_a_russian_404(client):
    answer = client.get("/processes/999999")
    assert answer.status_code == 404 and "не найдена" in text_of(answer)
