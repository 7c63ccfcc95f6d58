"""Issue 12, findings 1, 6, 9 and 13: stored files never run as pages, every answer carries
headers that forbid inline script and framing, a login goes back only to this site, sessions end
when the user logs out, changes the password or is deactivated, logins are throttled, files are
owner-only, and a token's use never waits on the write lock."""
from __future__ import annotations

import io
import os

import pytest
from bs4 import BeautifulSoup

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
             xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
             xmlns:html="http://www.w3.org/1999/xhtml" id="d1" targetNamespace="http://example.org/x">
  <html:script>fetch('/admin/users/1').then(function (r) { document.title = 'pwned'; });</html:script>
  <process id="p1" isExecutable="false">
    <startEvent id="s1" name="Начало"/>
    <task id="t1" name="&lt;script&gt;alert(1)&lt;/script&gt;"/>
    <sequenceFlow id="f1" sourceRef="s1" targetRef="t1"/>
  </process>
  <bpmndi:BPMNDiagram id="di1"><bpmndi:BPMNPlane id="pl1" bpmnElement="p1">
    <bpmndi:BPMNShape id="sh1" bpmnElement="s1"><dc:Bounds x="10" y="10" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="sh2" bpmnElement="t1"><dc:Bounds x="100" y="0" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>
""".encode()

PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _csp(answer) -> dict[str, str]:
    policy = answer.headers.get("Content-Security-Policy", "")
    return {part.strip().split(" ", 1)[0]: part.strip() for part in policy.split(";") if part.strip()}


# -- finding 1: the uploaded diagram is a download, never a page on this origin


def test_a_script_in_an_uploaded_bpmn_never_runs_on_the_site(app, client, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    uploaded = client.post(f"/processes/{seed.process.id}/passports/bpmn",
                           data={"variant": "as_is", "file": (io.BytesIO(BPMN), 'evil".bpmn\r\nX-Bad: 1')},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    passport_path = uploaded.headers["Location"]
    passport_id = int(passport_path.rstrip("/").rsplit("/", 1)[1])
    client.post("/logout")

    anonymous = app.test_client()
    diagram = anonymous.get(f"/api/v1/passports/{passport_id}/diagram")
    assert diagram.status_code == 200 and b"html:script" in diagram.data  # the file as uploaded, for download
    disposition = diagram.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "X-Bad" not in diagram.headers
    assert diagram.headers["X-Content-Type-Options"] == "nosniff"
    csp = _csp(diagram)
    assert "sandbox" in csp and csp["default-src"] == "default-src 'none'"

    page = anonymous.get(passport_path)
    html = page.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("svg", class_="bpmn") is not None  # drawn by the app from the parsed layout
    assert "fetch('/admin/users/1')" not in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html  # the task's name is shown as text
    scripts = [s.get("src") for s in soup.find_all("script")]
    assert all(src and src.startswith("/static/") for src in scripts), scripts
    link = soup.find("a", href=f"/api/v1/passports/{passport_id}/diagram")
    assert link.has_attr("download") and "скачать" in link.get_text()


def test_error_copies_of_imports_are_downloads(app, client, seed, make_user, login):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    csv = "Наименование процесса;Ответственный\n;никто\n".encode("utf-8")
    report = client.post("/import/", data={"kind": "register", "agency": seed.agency.code,
                                           "file": (io.BytesIO(csv), "реестр.csv")}, content_type="multipart/form-data")
    links = [a["href"] for a in BeautifulSoup(report.get_data(as_text=True), "html.parser").find_all("a", href=True)
             if a["href"].endswith("/errors")]
    assert links, report.get_data(as_text=True)[:2000]
    copy = client.get(links[0])
    assert copy.status_code == 200
    assert copy.headers["Content-Disposition"].startswith("attachment;")
    assert copy.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in _csp(copy)


# -- every page and API answer: a policy without inline script, no framing, no sniffing


@pytest.mark.parametrize("path", ["/", "/login", "/processes", "/api/v1/processes", "/static/style.css",
                                  "/no-such-page", "/api/v1/no-such"])
def test_every_answer_carries_the_security_headers(client, seed, path):
    answer = client.get(path)
    for name, value in PAGE_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)
    csp = _csp(answer)
    assert csp["script-src"] == "script-src 'self'" and "unsafe-inline" not in answer.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'" and csp["object-src"] == "object-src 'none'"
    assert csp["default-src"] == "default-src 'self'" and csp["base-uri"] == "base-uri 'self'"
    assert csp["form-action"] == "form-action 'self'"


def test_pages_have_no_inline_script_or_style(client, seed, make_user, login):
    """What the policy would block: event handler attributes, inline <script> code, style attributes."""
    make_user("root", ["admin"])
    login("root")
    app = client.application
    # Every page without parameters, and the pages of one record.
    paths = sorted({rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments
                    and not rule.rule.startswith(("/api/", "/static", "/logout"))})
    paths += [f"/processes/{seed.process.id}", f"/processes/{seed.process.id}/links/new",
              f"/lineage/processes/{seed.process.id}", "/search?q=выплата", f"/processes/{seed.process.id}/passports"]
    checked = 0
    for path in paths:
        answer = client.get(path)
        if answer.status_code != 200 or not answer.mimetype == "text/html":
            continue
        checked += 1
        soup = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (path, str(tag)[:200])
            assert "style" not in tag.attrs, (path, str(tag)[:200])
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/json", (path, str(script)[:200])
        assert not soup.find_all("style"), path
    assert checked >= 15, checked


def test_the_session_cookie_is_secure_when_the_setting_says_so(database_url, tmp_path, make_user, seed, monkeypatch):
    from web import create_app

    make_user("anna", ["reader"])
    for value, secure in (("on", True), (None, False)):
        if value:
            monkeypatch.setenv("CATALOG_SECURE_COOKIES", value)
        else:
            monkeypatch.delenv("CATALOG_SECURE_COOKIES", raising=False)
        app = create_app(database_url=database_url, instance_path=tmp_path / "instance", secret_key="s")
        app.config.update(WTF_CSRF_ENABLED=False)
        try:
            answer = app.test_client().post("/login", data={"login": "anna", "password": "пароль-тест"})
            cookie = answer.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure, cookie
        finally:
            app.extensions["catalog"].close()


# -- finding 9: after login, only a path on this site


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\t/evil.example", "/%0d%0aSet-Cookie:%20x=1",
                                    "/\r\nLocation: https://evil.example", "\\\\evil.example", "/\\evil",
                                    "https://evil", "//evil.example/", "/%2F/evil.example", "/%252F%252Fevil.example",
                                    "/%5cevil.example", "javascript:alert(1)", "http:/evil.example", " //evil.example"])
def test_login_never_redirects_to_another_site(client, make_user, target):
    make_user("anna", ["reader"])
    answer = client.post("/login", data={"login": "anna", "password": "пароль-тест", "next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/", target


def test_login_goes_back_to_a_page_of_this_site(client, make_user):
    make_user("anna", ["reader"])
    answer = client.post("/login", data={"login": "anna", "password": "пароль-тест", "next": "/processes?q=a%20b"})
    assert answer.headers["Location"] == "/processes?q=a%20b"


# -- finding 13: sessions end everywhere; logins are throttled and take the same time


def _second_client(app, login_name):
    other = app.test_client()
    other.post("/login", data={"login": login_name, "password": "пароль-тест"})
    return other


def _logged_in(client) -> bool:
    return "Выйти" in client.get("/").get_data(as_text=True)


def test_logout_ends_every_session_of_the_user(app, client, make_user, login):
    make_user("anna", ["reader"])
    login("anna")
    other = _second_client(app, "anna")
    assert _logged_in(client) and _logged_in(other)
    client.post("/logout")
    assert not _logged_in(client) and not _logged_in(other)


def test_a_new_password_and_deactivation_end_every_session(app, client, ctx, make_user, login):
    from catalog.services import users

    anna = make_user("anna", ["reader"])
    login("anna")
    other = _second_client(app, "anna")
    users.update_user(ctx, anna.id, password="новый-пароль-1")
    assert not _logged_in(client) and not _logged_in(other)

    client.post("/login", data={"login": "anna", "password": "новый-пароль-1"})
    assert _logged_in(client)
    users.update_user(ctx, anna.id, is_active=False)
    assert not _logged_in(client)
    users.update_user(ctx, anna.id, is_active=True)
    assert not _logged_in(client)  # coming back does not revive the old cookie


def test_a_copied_cookie_stops_working_after_logout(app, client, make_user, login):
    make_user("anna", ["reader"])
    login("anna")
    cookie = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert not _logged_in(thief)


def test_minutes_agree_with_the_number():
    from catalog.services.users import minutes_text

    assert [minutes_text(n) for n in (1, 2, 4, 5, 11, 12, 14, 15, 21, 22, 25, 101, 111)] == [
        "1 минуту", "2 минуты", "4 минуты", "5 минут", "11 минут", "12 минут", "14 минут", "15 минут",
        "21 минуту", "22 минуты", "25 минут", "101 минуту", "111 минут"]


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, make_user):
    make_user("anna", ["reader"])
    for _ in range(5):
        assert client.post("/login", data={"login": "anna", "password": "не тот"}).status_code == 401
    refused = client.post("/login", data={"login": "anna", "password": "пароль-тест"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 14 * 60
    assert "Слишком много неудачных попыток входа. Попробуйте через 15 минут." in text
    assert not _logged_in(client)


def test_an_address_trying_many_logins_is_locked(client, make_user):
    make_user("anna", ["reader"])
    for n in range(5):
        client.post("/login", data={"login": f"guess{n}", "password": "x"})
    refused = client.post("/login", data={"login": "anna", "password": "пароль-тест"})
    assert refused.status_code == 429 and "Слишком много неудачных попыток" in refused.get_data(as_text=True)
    other_address = client.post("/login", data={"login": "anna", "password": "пароль-тест"},
                                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other_address.status_code == 302


def test_the_lock_is_kept_in_the_store_for_every_server(app, database_url, tmp_path, make_user):
    """A second app on the same database (another server process) refuses the same account."""
    from web import create_app

    make_user("anna", ["reader"])
    client = app.test_client()
    for _ in range(5):
        client.post("/login", data={"login": "anna", "password": "не тот"})
    second = create_app(database_url=database_url, instance_path=tmp_path / "other", secret_key="s")
    second.config.update(WTF_CSRF_ENABLED=False)
    try:
        answer = second.test_client().post("/login", data={"login": "anna", "password": "пароль-тест"},
                                           environ_base={"REMOTE_ADDR": "10.0.0.8"})
        assert answer.status_code == 429
    finally:
        second.extensions["catalog"].close()


def test_the_lock_ends_after_the_period(client, ctx, make_user):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from catalog import models

    make_user("anna", ["reader"])
    for _ in range(5):
        client.post("/login", data={"login": "anna", "password": "не тот"})
    ctx.session.execute(update(models.LoginFailure).values(
        failed_at=datetime.now(timezone.utc) - timedelta(minutes=14, seconds=30)))
    ctx.session.commit()
    almost = client.post("/login", data={"login": "anna", "password": "пароль-тест"})
    assert almost.status_code == 429 and "через 1 минуту" in almost.get_data(as_text=True)
    ctx.session.execute(update(models.LoginFailure).values(
        failed_at=datetime.now(timezone.utc) - timedelta(minutes=16)))
    ctx.session.commit()
    assert client.post("/login", data={"login": "anna", "password": "пароль-тест"}).status_code == 302


def test_unknown_and_known_logins_both_check_a_password_hash(client, make_user, monkeypatch):
    """An unknown login costs a hash check as a known one does, so timing tells nothing."""
    from catalog.services import users

    checked = []
    real = users.check_password_hash

    def counting(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    anna = make_user("anna", ["reader"])
    for name in ("anna", "nobody-here", "anna"):
        checked.clear()
        client.post("/login", data={"login": name, "password": "не тот"}, environ_base={"REMOTE_ADDR": name})
        assert len(checked) == 1, name
    method = anna.password_hash.split("$", 1)[0]
    client.post("/login", data={"login": "nobody", "password": "x"}, environ_base={"REMOTE_ADDR": "1.1.1.1"})
    assert checked[-1] == method  # the same hash method, so the same cost


# -- finding 13: files of the instance are the owner's alone


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_catalog_init_creates_owner_only_files(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from catalog.cli import main

    instance = tmp_path / "fresh"
    monkeypatch.setenv("CATALOG_INSTANCE", str(instance))
    monkeypatch.delenv("CATALOG_DATABASE_URL", raising=False)
    monkeypatch.delenv("CATALOG_SECRET_KEY", raising=False)
    old = os.umask(0o022)  # a usual umask: files would be world-readable
    try:
        result = CliRunner().invoke(main, ["init"], catch_exceptions=False)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert _mode(instance) == 0o700
    assert _mode(instance / "catalog.db") == 0o600
    assert _mode(instance / "secret_key") == 0o600
    for extra in ("catalog.db-wal", "catalog.db-shm"):
        if (instance / extra).exists():
            assert _mode(instance / extra) & 0o077 == 0, extra


def test_a_new_instance_of_the_app_is_owner_only(tmp_path, monkeypatch):

    from web import create_app

    instance = tmp_path / "new-instance"
    monkeypatch.delenv("CATALOG_DATABASE_URL", raising=False)
    monkeypatch.delenv("CATALOG_SECRET_KEY", raising=False)
    old = os.umask(0o022)
    try:
        app = create_app(instance_path=instance)
    finally:
        os.umask(old)
    try:
        assert _mode(instance) == 0o700
        assert _mode(instance / "catalog.db") == 0o600
        assert _mode(instance / "secret_key") == 0o600
    finally:
        app.extensions["catalog"].close()


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    from catalog.db import make_engine

    path = tmp_path / "old.db"
    path.touch()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


# -- finding 6: a token's use never waits on the write lock


def _last_used(app, token_id):
    from sqlalchemy import text

    with app.extensions["catalog"].engine.connect() as connection:
        return connection.execute(text("SELECT last_used_at FROM api_tokens WHERE id = :id"), {"id": token_id}).scalar()


def _wait_for(condition, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_token_request_answers_while_another_writer_holds_the_lock(app, client, ctx, make_user, seed, database_url):
    import sqlite3
    import threading
    import time

    from catalog.services import users

    anna = make_user("anna", ["reader"])
    issued = users.create_token(ctx, anna.id, "тест")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    ctx.session.close()
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # what a long import holds
    release = threading.Timer(20, lambda: holder.execute("ROLLBACK"))  # the bound, should the test stop early
    release.start()
    try:
        started = time.monotonic()
        answer = client.get("/api/v1/processes", headers=headers)
        elapsed = time.monotonic() - started
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert elapsed < 3, elapsed  # not the 10 s busy timeout, not «database is locked»
        assert _last_used(app, issued.token.id) is None  # not written while the lock is held
    finally:
        release.cancel()
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
    assert _wait_for(lambda: _last_used(app, issued.token.id)) is not None  # written once the lock is free


def test_a_token_last_use_is_written_at_most_once_a_minute(app, client, ctx, make_user, seed):
    from catalog.services import users

    anna = make_user("anna", ["reader"])
    issued = users.create_token(ctx, anna.id, "тест")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/processes", headers=headers).status_code == 200
    first = _wait_for(lambda: _last_used(app, issued.token.id))
    assert first is not None
    for _ in range(3):
        assert client.get("/api/v1/processes", headers=headers).status_code == 200
    import time

    time.sleep(0.7)  # more than the writer's pause: a second write would have landed
    assert _last_used(app, issued.token.id) == first


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_sqlite_connection_is_in_wal_mode_with_a_busy_timeout(app):
    engine = app.extensions["catalog"].engine
    connections = [engine.connect() for _ in range(3)]  # three pool connections, each opened anew
    try:
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    finally:
        for connection in connections:
            connection.close()


def test_behind_a_trusted_proxy_failures_count_per_client(database_url, tmp_path, make_user):
    """Without it every visitor would share the proxy's address, and five typos lock out everyone."""
    from web import create_app

    make_user("anna", ["reader"])
    app = create_app(database_url=database_url, instance_path=tmp_path / "proxied", secret_key="s", trusted_proxies=1)
    app.config.update(WTF_CSRF_ENABLED=False)
    try:
        client = app.test_client()
        for n in range(5):
            client.post("/login", data={"login": f"guess{n}", "password": "x"},
                        headers={"X-Forwarded-For": "203.0.113.5"})
        refused = client.post("/login", data={"login": "anna", "password": "пароль-тест"},
                              headers={"X-Forwarded-For": "203.0.113.5"})
        assert refused.status_code == 429
        other = client.post("/login", data={"login": "anna", "password": "пароль-тест"},
                            headers={"X-Forwarded-For": "198.51.100.9"})
        assert other.status_code == 302
    finally:
        app.extensions["catalog"].close()


def test_the_job_queue_and_the_upload_folder_are_owner_only(tmp_path):
    from catalog.config import load_settings
    from catalog.services import import_jobs, uploads

    settings = load_settings(instance_path=tmp_path / "instance", secret_key="test-secret")
    old = os.umask(0o022)
    try:
        import_jobs._make_huey(settings)
        folder = uploads.folder(settings)
    finally:
        os.umask(old)
    assert _mode(settings.instance_path / "jobs.db") == 0o600
    assert _mode(folder) == 0o700
