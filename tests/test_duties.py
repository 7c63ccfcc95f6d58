"""The register's duties (issue 16, part B), as the Kemerovo register rules (/work/shared/seeds/002_…) set them:
3.2 the officials who fill and agree the register, 4 п. 3 a replacement reported within three working days,
3.3 changes within 10 working days of arising, 3.1 the agreed register published in Excel, 3.5 correction
notices of the authorised body."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from catalog import models
from catalog.errors import Conflict, Forbidden, InvalidInput
from catalog.services import calendar, duties, history, notices
from catalog.services import records as r
from catalog.services import users as user_service
from catalog.services.context import Context


def as_user(ctx, user) -> Context:
    return Context(session=ctx.session, user=user, settings=ctx.settings)


def entered(ctx, event_id: int, day: date) -> None:
    """The server entered this change on ``day`` (at noon, Moscow): what a change made that day would hold."""
    moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.utc)
    ctx.session.execute(update(models.ChangeEvent).where(models.ChangeEvent.id == event_id).values(occurred_at=moment))
    ctx.session.commit()


def last_event(ctx, kind: str, record_id: int) -> models.ChangeEvent:
    return ctx.session.scalars(select(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == kind, models.ChangeEvent.record_id == record_id)
        .order_by(models.ChangeEvent.id.desc())).first()


# -- 3.3: a change entered later than 10 working days after it arose


def test_a_change_is_late_on_the_11th_working_day_and_not_on_the_10th_across_a_holiday(ctx, seed, client, make_user,
                                                                                      token_for):
    arose = date(2026, 10, 21)  # a Wednesday; 4 November 2026 (a Wednesday) is a holiday in the loaded calendar
    assert not calendar.is_working_day(ctx, date(2026, 11, 4))
    tenth, eleventh = calendar.add_working_days(ctx, arose, 10), calendar.add_working_days(ctx, arose, 11)
    assert (tenth, eleventh) == (date(2026, 11, 5), date(2026, 11, 6))  # without the holiday the 10th were 4 November
    editor = token_for(make_user("editor", ["agency_editor"], [seed.agency.id]))
    # The editor gives the day the change arose through the API (dd.mm.yyyy as typed, or ISO).
    answer = client.patch(f"/api/v1/processes/{seed.process.id}", headers=editor, json={
        "version": seed.process.version, "client": "Граждане с детьми", "change_arose_on": "21.10.2026"})
    assert answer.status_code == 200, answer.get_json()
    on_time = last_event(ctx, "processes", seed.process.id)
    assert on_time.arose_on == arose and on_time.register_agency_id == seed.agency.id
    entered(ctx, on_time.id, tenth)
    second = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "002", "service_id": seed.service.id, "name": "Выдача справки",
        "responsible_id": seed.person.id, "status": "queued_research", "change_arose_on": arose})
    late = last_event(ctx, "processes", second.id)
    entered(ctx, late.id, eleventh)
    found = duties.late_changes(ctx, [seed.agency.id])
    assert [t.event.id for t in found] == [late.id]
    assert duties.timing(ctx, ctx.session.get(models.ChangeEvent, on_time.id)).late is False
    timing = found[0]
    assert (timing.arose_on, timing.due_on, timing.entered_on, timing.late) == (arose, tenth, eleventh, True)
    # The month it was entered in counts it; the authorised body's table shows it per agency.
    assert [t.event.id for t in duties.late_changes(ctx, month=date(2026, 11, 1))] == [late.id]
    assert duties.late_changes(ctx, month=date(2026, 10, 1)) == []
    assert client.get("/api/v1/registers/late-changes?month=2026-11", headers=editor).get_json()["items"][0] == {
        "event_id": late.id, "agency_id": seed.agency.id, "record_kind": "processes", "record_id": second.id,
        "action": "create", "arose_on": "2026-10-21", "entered_on": "2026-11-06", "due_on": "2026-11-05",
        "late": True, "calendar_warning": None}
    # The history keeps both days: the API's event and the process page.
    events = client.get(f"/api/v1/processes/{second.id}/history", headers=editor).get_json()["items"]
    assert events[0]["arose_on"] == "2026-10-21" and events[0]["occurred_at"].startswith("2026-11-06")
    assert "возникло 21.10.2026" in client.get(f"/processes/{second.id}").get_data(as_text=True)
    office = make_user("office", ["process_office"])
    control = duties.control(as_user(ctx, office), date(2026, 11, 1))
    # MINZDRAV keeps no register here (no process, official or notice): not in the table.
    assert {row["agency"].code: row["late_changes"] for row in control} == {"MINSOC": 1}


def test_the_day_a_change_arose_is_never_later_than_today_and_defaults_to_today(ctx, seed, client, make_user, login):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    tomorrow = history.local_today(ctx) + timedelta(days=1)
    page = client.post(f"/processes/{seed.process.id}/edit", data={
        "version": seed.process.version, "name": seed.process.name, "agency_id": seed.agency.id,
        "registry_id": "001", "status": "queued_research", "change_arose_on": tomorrow.strftime("%d.%m.%Y")})
    assert page.status_code == 422
    assert "Изменение не может возникнуть позже, чем его вносят." in page.get_data(as_text=True)
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "client": "Семьи"})
    assert last_event(ctx, "processes", seed.process.id).arose_on == history.local_today(ctx)
    # The form offers the field on processes.
    assert 'name="change_arose_on"' in client.get(f"/processes/{seed.process.id}/edit").get_data(as_text=True)


# -- 3.2 and 4 п. 3: officials, their replacement reported within three working days


def test_a_replacement_entered_after_three_working_days_is_shown_as_reported_late(ctx, seed):
    first = r.create_record(ctx, "people", {"full_name": "Сидорова Анна Павловна", "position": "консультант",
                                            "agency_id": seed.agency.id})
    duties.appoint(ctx, seed.agency.id, "fill", first.id, date(2026, 1, 12))
    with pytest.raises(InvalidInput) as error:
        duties.appoint(ctx, seed.agency.id, "fill", seed.other_person.id)
    assert "сотрудник другого органа" in error.value.fields["person_id"][0]
    since = calendar.add_working_days(ctx, history.local_today(ctx), -4)
    duties.appoint(ctx, seed.agency.id, "fill", seed.person.id, since)  # entered today: the 4th working day
    views = duties.officials(ctx, seed.agency.id)
    now, before = views[0], views[1]
    assert now.official.person_id == seed.person.id and now.official.until is None
    assert before.official.until == since and before.due_on is None  # the first appointment reports nothing
    assert now.due_on == calendar.add_working_days(ctx, since, 3) and now.late is True
    assert duties.vacancies(ctx, [seed.agency.id])[0].duty == "agree"  # nobody agrees the register yet
    duties.vacate(ctx, now.official.id, since)
    vacancy = {v.duty: v for v in duties.vacancies(ctx, [seed.agency.id])}["fill"]
    assert vacancy.since == since and vacancy.overdue is True


# -- 3.1, 3.2: the agreed register is published, to anyone


@pytest.fixture
def agreed(ctx, seed, make_user):
    """MINSOC's register agreed by its agreeing official (the account of that person)."""
    agreeing = r.create_record(ctx, "people", {"full_name": "Смирнов Олег Игоревич", "position": "заместитель министра",
                                               "agency_id": seed.agency.id})
    user = user_service.create_user(ctx, "deputy", "Смирнов Олег Игоревич", "пароль-тест", ["agency_editor"],
                                    [seed.agency.id], [], person_id=agreeing.id)
    duties.appoint(ctx, seed.agency.id, "agree", agreeing.id, date(2026, 1, 12))
    duties.appoint(ctx, seed.agency.id, "fill", seed.person.id, date(2026, 1, 12))
    version = duties.agree(as_user(ctx, user), seed.agency.id)
    return version


def test_only_the_agreeing_official_agrees_the_register(ctx, seed, make_user):
    editor = make_user("editor", ["agency_editor"], [seed.agency.id])
    with pytest.raises(Forbidden, match="не назначен ответственный за согласование"):
        duties.agree(as_user(ctx, editor), seed.agency.id)
    agreeing = r.create_record(ctx, "people", {"full_name": "Смирнов Олег Игоревич", "position": "заместитель министра",
                                               "agency_id": seed.agency.id})
    duties.appoint(ctx, seed.agency.id, "agree", agreeing.id)
    with pytest.raises(Forbidden, match="Смирнов Олег Игоревич"):
        duties.agree(as_user(ctx, editor), seed.agency.id)
    with pytest.raises(Forbidden):
        duties.agree(ctx, seed.agency.id)  # the server agrees nothing under nobody's name


def test_the_public_page_is_readable_without_login_and_its_excel_loads_back(ctx, seed, agreed, client, runner,
                                                                            tmp_path):
    user_service.set_anonymous_read(ctx, False)
    assert client.get(f"/processes/{seed.process.id}").status_code in (302, 401)  # the rest of the catalogue is closed
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "name": "Черновик после согласования"})
    page = client.get(f"/registers/{seed.agency.id}/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Реестр процессов: Министерство социальной защиты" in text
    assert "Смирнов Олег Игоревич, заместитель министра" in text and "Иванова Мария Петровна" in text
    assert "Приём заявления о назначении выплаты" in text  # the agreed version, not the later draft
    assert "Черновик после согласования" not in text
    assert f"согласована <b>{history.local_today(ctx):%d.%m.%Y}</b>" in text
    assert "Министерство социальной защиты" in client.get("/registers/").get_data(as_text=True)
    download = client.get(f"/registers/{seed.agency.id}/register.xlsx")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert sheet.cell(1, 1).value == "Реестр процессов: Министерство социальной защиты"
    assert "согласовал Смирнов Олег Игоревич" in sheet.cell(2, 1).value
    path = tmp_path / "опубликованный.xlsx"
    path.write_bytes(download.data)
    again = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    # The register's importer reads it: one row, which would bring back the agreed name.
    assert "будет изменено 1, без изменений 0, отклонено 0" in again.output, again.output
    missing = client.get(f"/registers/{seed.other_agency.id}/register.xlsx")
    assert missing.status_code == 404


def test_the_current_register_downloads_for_its_editors_only(ctx, seed, client, make_user, token_for):
    editor = token_for(make_user("editor", ["agency_editor"], [seed.agency.id]))
    stranger = token_for(make_user("stranger", ["agency_editor"], [seed.other_agency.id]))
    reader = token_for(make_user("reader", ["reader"]))
    answer = client.get(f"/api/v1/agencies/{seed.agency.id}/register", headers=editor)
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet.cell(5, 1).value == "001" and sheet.cell(5, 6).value == "Приём заявления о назначении выплаты"
    for who in (stranger, reader):
        refused = client.get(f"/api/v1/agencies/{seed.agency.id}/register", headers=who)
        assert refused.status_code == 403 and "опубликованный — любой" in refused.get_json()["error"]


# -- 3.5: a correction notice through its whole life


def test_a_correction_notice_through_its_whole_life(ctx, seed, client, make_user, token_for, login, runner):
    office = make_user("office", ["process_office"])
    other_office = make_user("office2", ["process_office"], password=None)
    editor = make_user("editor", ["agency_editor"], [seed.agency.id])
    stranger = make_user("stranger", ["agency_editor"], [seed.other_agency.id], password=None)
    body = {"agency_id": seed.agency.id, "reason": "Статус процесса не соответствует приказу министерства № 12",
            "items": [{"process_id": seed.process.id, "fields": ["status", "client"]}]}
    for refused in (editor, stranger, make_user("reader", ["reader"], password=None)):
        answer = client.post("/api/v1/notices", json=body, headers=token_for(refused))
        assert answer.status_code == 403, refused.login
    bad = client.post("/api/v1/notices", json={**body, "items": [{"process_id": seed.process.id, "fields": ["цвет"]}]},
                      headers=token_for(office))
    assert bad.status_code == 422 and "items[1].fields" in bad.get_json()["fields"]
    written = client.post("/api/v1/notices", json=body, headers=token_for(office))
    assert written.status_code == 201, written.get_json()
    notice = written.get_json()
    assert notice["state"] == "open" and notice["due_on"] == calendar.add_working_days(
        ctx, history.local_today(ctx), 10).isoformat()
    # The agency sees it in its inbox source; the stranger cannot answer it.
    assert [i["kind"] for i in notices.inbox_items(ctx, editor)] == ["Уведомление о корректировке"]
    with pytest.raises(Forbidden):
        notices.answer_notice(as_user(ctx, stranger), notice["id"], "не наш")
    with pytest.raises(Forbidden):
        notices.close_notice(as_user(ctx, editor), notice["id"])
    # The agency corrects its register and answers.
    r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "status": "researching"})
    login("editor")
    page = client.get(f"/notices/{notice['id']}").get_data(as_text=True)
    assert "Статус процесса (статус реинжиниринга), Клиент" in page and "Отправить ответ" in page
    client.post(f"/notices/{notice['id']}/answer", data={"text": "Статус исправлен", "version": notice["version"]})
    assert ctx.session.get(models.CorrectionNotice, notice["id"]).state == "answered"
    ctx.session.expire_all()
    # Another officer of the authorised body is not its author: only the author closes or returns it.
    with pytest.raises(Forbidden, match="тот, кто его написал"):
        notices.close_notice(as_user(ctx, other_office), notice["id"])
    assert [i["kind"] for i in notices.inbox_items(ctx, office)] == ["Ответ на уведомление о корректировке"]
    returned = notices.return_notice(as_user(ctx, office), notice["id"], "Клиент не исправлен")
    assert returned.state == "open"
    with pytest.raises(Conflict):
        notices.close_notice(as_user(ctx, office), notice["id"], version=1)
    notices.answer_notice(as_user(ctx, editor), notice["id"], "Клиент исправлен")
    r.update_record(ctx, "processes", seed.process.id, {"client": "Семьи с детьми"})
    closed = client.post(f"/api/v1/notices/{notice['id']}/close", json={"text": "Исправлено"}, headers=token_for(office))
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert [(e["label"], e["actor"]) for e in closed.get_json()["history"]] == [
        ("направлено", "Office"), ("ответ органа", "Editor"), ("возвращено органу", "Office"),
        ("ответ органа", "Editor"), ("закрыто", "Office")]  # people by name, never a login
    with pytest.raises(Conflict):
        notices.answer_notice(as_user(ctx, editor), notice["id"], "ещё")
    shown = runner.invoke("notices", "show", str(notice["id"])).output
    assert "закрыто" in shown and "Клиент не исправлен" in shown
    printed = client.get(f"/notices/{notice['id']}/print").get_data(as_text=True)
    assert "пунктом 3.5" in printed and "Приём заявления о назначении выплаты" in printed
    assert f"/notices/{notice['id']}" in printed


def test_the_authorised_body_sees_unanswered_notices_per_agency_and_exports_them(ctx, seed, client, make_user, login):
    office = make_user("office", ["process_office"])
    make_user("reader", ["reader"], password="пароль-тест")
    notices.write_notice(as_user(ctx, office), {"agency_id": seed.agency.id, "reason": "Нет регулирующего акта",
                                                "items": [{"process_id": seed.process.id, "fields": ["acts"]}]})
    login("reader")
    assert client.get("/registers/control").status_code == 403
    client.post("/logout")
    login("office")
    month = history.local_today(ctx).strftime("%Y-%m")
    page = client.get(f"/registers/control?month={month}").get_data(as_text=True)
    assert "Министерство социальной защиты" in page and "Контроль ведения реестров" in page
    csv_file = client.get(f"/registers/control?month={month}&format=csv")
    lines = csv_file.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Орган;Изменений внесено позже 10 рабочих дней;Уведомлений без ответа")
    assert lines[1].startswith("Министерство социальной защиты;0;1;0;")
    book = load_workbook(io.BytesIO(client.get(f"/registers/control?month={month}&format=xlsx").data)).active
    assert [c.value for c in book[2]][:3] == ["Министерство социальной защиты", 0, 1]


def test_a_deletion_says_when_it_arose_through_the_api(ctx, seed, client, make_user, token_for):
    editor = token_for(make_user("editor", ["agency_editor"], [seed.agency.id]))
    arose = calendar.add_working_days(ctx, history.local_today(ctx), -11)
    answer = client.delete(f"/api/v1/processes/{seed.process.id}?version={seed.process.version}"
                           f"&change_arose_on={arose.isoformat()}", headers=editor)
    assert answer.status_code == 200, answer.get_json()
    event = last_event(ctx, "processes", seed.process.id)
    assert event.action == "delete" and event.arose_on == arose
    assert [t.event.id for t in duties.late_changes(ctx, [seed.agency.id])] == [event.id]
    bad = client.delete(f"/api/v1/processes/{seed.process.id}?change_arose_on=вчера", headers=editor)
    assert bad.status_code == 422 and "change_arose_on" in bad.get_json()["fields"]


def test_the_correction_notice_prints_as_a_pdf_with_its_number_author_agency_and_fields(ctx, seed, client, make_user, login):
    """Kemerovo register rules 3.5: the authorised body's notice names the processes, the fields and the reason."""
    from pypdf import PdfReader

    author = make_user("petrova", ["process_office"], level="head_of_unit", person_agency="office",
                       position="начальник отдела контроля реестров")
    notice = notices.write_notice(as_user(ctx, author), {
        "agency_id": seed.agency.id, "reason": "Не указан регулирующий акт процесса",
        "items": [{"process_id": seed.process.id, "fields": ["acts"]}]})
    login("petrova")
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert f"/documents/notice/{notice.id}.pdf" in page
    answer = client.get(f"/documents/notice/{notice.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF-")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(answer.data)).pages)
    written = history.local_today(ctx).strftime("%d.%m.%Y")
    assert f"Уведомление № {notice.id}" in text and f"от {written}" in text
    assert "Petrova, начальник отдела контроля реестров" in text and "petrova" not in text
    assert "Министерство социальной защиты" in text and seed.process.name in text
    assert "Не указан регулирующий акт процесса" in text and notices.field_labels()["acts"] in text
    assert f"http://localhost:8000/notices/{notice.id}" in text and ctx.settings.region_name in text


def test_the_control_page_names_its_month_in_words(client, make_user, login):
    make_user("office", ["process_office"])
    login("office")
    page = client.get("/registers/control?month=2026-02").get_data(as_text=True)
    assert "Контроль ведения реестров за февраль 2026" in page and "02.2026" not in page
