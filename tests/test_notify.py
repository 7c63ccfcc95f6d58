"""E-mail (issue 16): notifications and the daily digest reach a real SMTP server on loopback (aiosmtpd), in
Russian, once each; a user's action succeeds while the SMTP server is down, its message stays queued and
goes on the next ``catalog notify run``."""
from __future__ import annotations

import email
import email.policy
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlalchemy import select

from catalog import formatting, models
from catalog.services import calendar, entry_dates, notify, projects, users


class Inbox:
    """What the SMTP server received."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def start_smtp(smtp_port):
    started = []

    def start() -> Inbox:
        received = Inbox()
        controller = Controller(received, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        started.append(controller)
        return received

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def mail_on(app, smtp_port, monkeypatch):
    settings = app.config["CATALOG"]
    url = f"smtp://127.0.0.1:{smtp_port}"
    monkeypatch.setattr(settings, "smtp_url", url)
    monkeypatch.setattr(settings, "mail_retry_seconds", 0)  # the next run retries at once
    # The CLI reads the environment.
    monkeypatch.setenv("CATALOG_SMTP_URL", url)
    monkeypatch.setenv("CATALOG_MAIL_RETRY_SECONDS", "0")
    return settings


@pytest.fixture
def today(ctx):
    return entry_dates.local_day(ctx.settings)


@pytest.fixture
def office(ctx):
    user = users.create_user(ctx, "office", "Сидорова Анна Андреевна", "пароль-тест", ["process_office"], [], [])
    notify.save_preferences(ctx, user.id, {"email": "sidorova@example.ru", "new_item": True, "due_tomorrow": True,
                                           "overdue": True, "digest": True})
    return user


def _apply(ctx, seed, submitted):
    return projects.create_project(ctx, {"process_id": seed.process.id, "ground": "application",
                                         "initiated_on": submitted.isoformat()})


def test_notifications_and_the_digest_reach_the_smtp_server_in_russian(ctx, seed, office, mail_on, start_smtp, today):
    received = start_smtp()
    project = _apply(ctx, seed, today)
    due = calendar.add_working_days(ctx, today, projects.APPLICATION_ANSWER_DAYS)
    result = notify.run(ctx)
    assert result["sent"] == 2 and result["retry"] == result["failed"] == 0
    by_subject = {m["Subject"]: m for m in received.messages}
    new = by_subject["Каталог: 1\xa0новая задача"]
    assert new["To"] == "sidorova@example.ru"
    body = new.get_content()
    assert body.startswith("Здравствуйте, Сидорова Анна Андреевна!")
    assert f"Заявка на оптимизацию: ответить: {project.title}" in body
    left = calendar.working_days_between(ctx, today, due)
    assert f"до {formatting.day(due)}, через {formatting.counted(left, 'рабочий день')}" in body
    assert f"http://localhost:8000/projects/{project.id}#application" in body
    digest = by_subject[f"Каталог: сводка на {formatting.day(today)} — 1\xa0задача"]
    assert "Во входящих 1\xa0задача:" in digest.get_content()
    # Each event is told once: a second run sends nothing.
    assert notify.run(ctx)["sent"] == 0 and len(received.messages) == 2


def test_an_item_due_tomorrow_and_an_overdue_one_are_told(ctx, seed, office, mail_on, start_smtp, today):
    received = start_smtp()
    work = calendar.load(ctx)
    # Received three working days before the next working day: the answer is due tomorrow.
    tomorrow = work.add_working_days(today, 1)
    _apply(ctx, seed, work.add_working_days(tomorrow, -projects.APPLICATION_ANSWER_DAYS))
    notify.save_preferences(ctx, office.id, {"email": "sidorova@example.ru", "due_tomorrow": True, "overdue": True})
    notify.run(ctx)
    assert [m["Subject"] for m in received.messages] == ["Каталог: завтра срок — 1\xa0задача"]
    assert f"до {formatting.day(tomorrow)}, через 1\xa0рабочий день" in received.messages[0].get_content()


def test_nothing_is_queued_for_a_person_who_chose_nothing_or_when_mail_is_off(ctx, seed, office, today):
    _apply(ctx, seed, today)
    assert notify.run(ctx) == {"queued": 0, "sent": 0, "retry": 0, "failed": 0}  # CATALOG_SMTP_URL unset
    assert ctx.session.scalars(select(models.EmailMessage)).all() == []


def test_an_action_succeeds_while_the_smtp_server_is_down_and_its_message_goes_on_the_next_run(
        app, client, ctx, seed, office, mail_on, start_smtp, runner, make_user, token_for, today):
    editor = make_user("editor", ["agency_editor"], agency_ids=[seed.agency.id])
    notify.save_preferences(ctx, office.id, {"email": "sidorova@example.ru", "new_item": True})
    # Nothing listens on the port: the SMTP server is down.
    answer = client.post("/api/v1/projects", headers=token_for(editor), json={
        "process_id": seed.process.id, "ground": "application", "initiated_on": today.isoformat()})
    assert answer.status_code == 201
    ctx.session.expire_all()
    [queued] = ctx.session.scalars(select(models.EmailMessage)).all()
    assert queued.status == "queued" and queued.recipient == "sidorova@example.ru" and queued.attempts == 0
    assert "новая задача" in queued.subject

    down = runner.invoke("notify", "run")
    assert down.exit_code == 0 and "повторим позже: 1\xa0письмо" in down.output
    ctx.session.expire_all()
    queued = ctx.session.get(models.EmailMessage, queued.id)
    assert queued.status == "queued" and queued.attempts == 1 and "Connection" in queued.last_error

    received = start_smtp()
    up = runner.invoke("notify", "run")
    assert "отправлено: 1\xa0письмо" in up.output
    assert [m["Subject"] for m in received.messages] == [queued.subject]
    ctx.session.expire_all()
    sent = ctx.session.get(models.EmailMessage, queued.id)
    assert sent.status == "sent" and sent.attempts == 2 and sent.sent_at is not None and sent.last_error is None


def test_a_message_that_keeps_failing_is_given_up_and_recorded(ctx, seed, office, mail_on, today):
    _apply(ctx, seed, today)
    notify.collect(ctx)
    for _ in range(notify.MAX_ATTEMPTS):
        notify.send_due(ctx, now=entry_dates.now() + timedelta(days=1))
    messages = ctx.session.scalars(select(models.EmailMessage)).all()
    assert [(m.status, m.attempts) for m in messages] == [("failed", notify.MAX_ATTEMPTS)]


def test_preview_prints_what_the_person_would_get(ctx, seed, office, runner, today):
    project = _apply(ctx, seed, today)
    shown = runner.invoke("notify", "preview", "office").output
    assert "Получатель: Сидорова Анна Андреевна <sidorova@example.ru>" in shown
    assert "отправка выключена" in shown and project.title in shown
    assert re.search(r"сводка на \d\d\.\d\d\.\d{4}", shown)
    missing = runner.invoke("notify", "preview", "nobody")
    assert missing.exit_code == 1 and "Пользователь «nobody» не найден." in missing.output


def test_each_person_chooses_their_e_mails_on_the_profile_page(client, ctx, seed, make_user, login):
    user = make_user("editor", ["agency_editor"], agency_ids=[seed.agency.id])
    login("editor")
    page = BeautifulSoup(client.get("/profile").data, "html.parser")
    assert page.select_one("input[name=email]") is not None and page.select("input[type=checkbox]")
    refused = client.post("/profile", data={"email": "не адрес", "new_item": "on"})
    assert refused.status_code == 422 and "Неверный адрес электронной почты." in refused.data.decode()
    assert client.post("/profile", data={"email": "orlova@example.ru", "overdue": "on"}).status_code == 302
    ctx.session.expire_all()
    prefs = notify.preferences(ctx, ctx.session.get(models.User, user.id))
    assert (prefs.email, prefs.new_item, prefs.overdue, prefs.digest) == ("orlova@example.ru", False, True, False)
