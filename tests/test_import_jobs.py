"""Large imports run as background jobs with a real huey consumer in this process: 202 and the job's
address, progress, the report, cancellation that writes nothing, the job page (finding 7)."""
from __future__ import annotations

import io
import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from catalog import models
from catalog.services import import_jobs
from tests.test_import_register import PERSON, make_register


@pytest.fixture
def queue(app):
    settings = app.config["CATALOG"]
    settings.import_background_rows = 50  # small files go to the queue, so the tests stay fast
    queue = import_jobs.queue_for(settings, app.extensions["catalog"].sessions)
    yield queue
    import_jobs.forget_queue(settings)


def register_rows(count: int) -> list[list[str]]:
    # From 10001: «00001» would be the seed's «001» (identifiers compare as numbers, issue 15).
    return [[f"{n + 10000:05d}", f"Процесс {n}", "Назначение ежемесячной выплаты на ребёнка", "", PERSON,
             "идёт исследование", "", "", "цифровой", "ЕПГУ"] for n in range(1, count + 1)]


@pytest.fixture
def editor(seed, make_user, login):
    """Logged in with the browser's session: a token's ``last_used_at`` write would wait on the
    import's write lock on SQLite (finding 6, fixed on its own branch)."""
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    return {}


def send(client, headers, path, **params):
    return client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                       data={"agency": "MINSOC", **params, "file": (io.BytesIO(path.read_bytes()), path.name)})


def wait_for(client, headers, location, until=import_jobs.FINISHED, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(location, headers=headers).get_json()
        if body["status"] in until or (until == "progress" and body["rows_done"] > 0):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job still {body['status']} after {seconds} s")


def processes(ctx) -> int:
    ctx.session.rollback()
    return ctx.session.scalar(select(func.count(models.Process.id)))


def test_a_large_upload_answers_202_and_the_worker_imports_it(client, ctx, editor, queue, tmp_path):
    queue.start(1)
    path = make_register(tmp_path / "реестр.xlsx", register_rows(120))
    response = send(client, editor, path)
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location == f"/api/v1/imports/jobs/{response.get_json()['id']}"
    assert response.get_json()["status"] == "queued" and response.get_json()["rows_total"] == 120
    body = wait_for(client, editor, location)
    assert body["status"] == "done", body
    assert body["rows_done"] == 120 and body["report"]["created"] == 120 and body["report"]["written"]
    assert body["finished_at"].endswith("+00:00")
    assert processes(ctx) == 121



def test_another_user_cannot_see_or_cancel_a_job(app, client, ctx, editor, queue, make_user, token_for, seed,
                                                 tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", register_rows(60))
    location = send(client, editor, path, dry_run="1").headers["Location"]
    assert app.test_client().get(location).status_code == 401
    other = token_for(make_user("other", ["agency_editor"], [seed.agency.id]))
    assert client.get(location, headers=other).status_code == 404
    assert client.post(location + "/cancel", headers=other).status_code == 404


def test_a_cancelled_running_job_stops_at_its_next_batch_and_writes_nothing(client, ctx, editor, queue, tmp_path):
    queue.start(1)
    path = make_register(tmp_path / "реестр.xlsx", register_rows(1500))
    location = send(client, editor, path).headers["Location"]
    running = wait_for(client, editor, location, until="progress")
    assert running["status"] == "running" and 0 < running["rows_done"] < 1500
    cancel = client.post(location + "/cancel", headers=editor)
    assert cancel.status_code == 202 and cancel.get_json()["status_label"] == "отменяется"
    body = wait_for(client, editor, location)
    assert body["status"] == "cancelled" and body["rows_done"] < 1500
    assert processes(ctx) == 1  # the seed's only: the import's transaction was rolled back


def test_a_queued_job_cancelled_before_a_worker_takes_it_never_runs(client, ctx, editor, queue, tmp_path):
    path = make_register(tmp_path / "реестр.xlsx", register_rows(60))
    location = send(client, editor, path).headers["Location"]
    assert client.post(location + "/cancel", headers=editor).status_code == 202
    queue.start(1)
    body = wait_for(client, editor, location)
    assert body["status"] == "cancelled" and body["rows_done"] == 0
    assert processes(ctx) == 1


def test_the_upload_page_shows_the_job_with_progress_and_a_cancel_button(client, ctx, seed, make_user, login, queue,
                                                                          tmp_path):
    make_user("office", ["process_office"])
    login("office")
    path = make_register(tmp_path / "реестр.xlsx", register_rows(80))
    response = client.post("/import/", content_type="multipart/form-data",
                           data={"kind": "register", "agency": "MINSOC", "action": "check",
                                 "file": (io.BytesIO(path.read_bytes()), path.name)})
    assert response.status_code == 303 and "/import/jobs/" in response.headers["Location"]
    page = BeautifulSoup(client.get(response.headers["Location"]).get_data(as_text=True), "html.parser")
    assert "в очереди" in page.get_text() and page.find("button", string="Отменить")
    assert page.find(attrs={"data-refresh": True}) is not None
    assert all(script.get("src") for script in page.find_all("script"))  # no inline script (CSP)
    queue.start(1)
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    wait_for(client, {}, f"/api/v1/imports/jobs/{job_id}")
    page = BeautifulSoup(client.get(response.headers["Location"]).get_data(as_text=True), "html.parser")
    text = page.get_text()
    assert "выполнено" in text and "будет создано 80" in text and not page.find(attrs={"data-refresh": True})
    assert page.find("button", string="Загрузить этот файл")  # the dry run's file can now be applied
    assert processes(ctx) == 1


def test_a_partial_load_commits_whole_batches_and_a_cancel_keeps_only_those(client, ctx, editor, queue, tmp_path):
    queue.start(1)
    path = make_register(tmp_path / "реестр.xlsx", register_rows(1500))
    location = send(client, editor, path, partial="1").headers["Location"]
    wait_for(client, editor, location, until="progress")
    deadline = time.monotonic() + 30
    while processes(ctx) < 1 + import_jobs.COMMIT_EVERY and time.monotonic() < deadline:
        time.sleep(0.05)  # a batch is visible to readers while the job goes on
    assert client.post(location + "/cancel", headers=editor).status_code == 202
    body = wait_for(client, editor, location)
    written = processes(ctx) - 1
    assert body["status"] == "cancelled" and written and written % import_jobs.COMMIT_EVERY == 0
    assert f"записаны первые {written} строк" in body["error"]


def test_catalog_worker_runs_jobs_alone_and_removes_old_files(app, client, ctx, editor, queue, database_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    settings = app.config["CATALOG"]
    folder = settings.instance_path / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0ld0ld.csv").write_text("x")
    os.utime(folder / "0ld0ld.csv", (time.time() - 48 * 3600,) * 2)
    path = make_register(tmp_path / "реестр.xlsx", register_rows(60))
    location = send(client, editor, path).headers["Location"]  # queued: no worker in this process
    # PYTHONFAULTHANDLER: a worker that does not stop is aborted with its threads' tracebacks on stderr.
    env = {**os.environ, "CATALOG_INSTANCE": str(settings.instance_path), "CATALOG_SECRET_KEY": "test-secret",
           "PYTHONFAULTHANDLER": "1"}
    # Started with SIGINT ignored, as a test runner's or a shell's background process is: Ctrl+C still stops it.
    worker = subprocess.Popen([sys.executable, "-c", "from catalog.cli import main; main()", "--database-url",
                               database_url, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        body = wait_for(client, editor, location, seconds=30)
        assert body["status"] == "done" and body["report"]["created"] == 60
        assert not (folder / "0ld0ld.csv").exists()
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=45)  # Ctrl+C lets a running job finish first
        except subprocess.TimeoutExpired:
            worker.send_signal(signal.SIGABRT)
            worker.wait()
    assert worker.returncode == 0, worker.stderr.read().decode()[-6000:]


def test_a_job_refused_past_a_limit_while_reading_says_which_and_where(app, client, ctx, editor, queue, tmp_path):
    queue.start(1)
    app.config["CATALOG"].import_max_rows = 100
    path = tmp_path / "системы.csv"
    path.write_text("\n".join(["Наименование ИС;Вид системы;Стадия"] +
                              [f"Система {n};региональная гис;в эксплуатации" for n in range(150)]), encoding="utf-8")
    response = client.post("/api/v1/imports/systems", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(path.read_bytes()), path.name)})
    assert response.status_code == 202
    body = wait_for(client, editor, response.headers["Location"])
    assert body["status"] == "failed"
    assert body["error"].startswith("Файл «системы.csv», строка 102: строк данных больше допустимого (не более 100")
    ctx.session.rollback()
    assert not ctx.session.scalar(select(func.count(models.InformationSystem.id)))


def test_a_background_job_keeps_when_the_changes_arose(client, ctx, editor, queue, tmp_path):
    """Kemerovo register rules 3.3: the day the upload's changes arose reaches the job's every change."""
    from datetime import date

    queue.start(1)
    path = make_register(tmp_path / "реестр.xlsx", register_rows(60))
    response = send(client, editor, path, arose_on="02.11.2026")
    assert response.status_code == 202, response.get_json()
    assert wait_for(client, editor, response.headers["Location"])["status"] == "done"
    ctx.session.rollback()
    loaded = select(models.Process.id).where(models.Process.registry_id.like("1%"))
    arose = set(ctx.session.scalars(select(models.ChangeEvent.arose_on).where(
        models.ChangeEvent.record_kind == "processes", models.ChangeEvent.record_id.in_(loaded))))
    assert arose == {date(2026, 11, 2)}


def test_servers_starting_at_once_on_one_postgresql_all_get_the_queue(database_url, tmp_path):
    """Two servers started together on one PostgreSQL both create huey's tables (CREATE TABLE IF NOT
    EXISTS is not safe between sessions): the loser failed to boot with a duplicate «huey_kv» type."""
    import threading

    from catalog.config import load_settings

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's queue is a file of each instance")
    settings = load_settings(database_url=database_url, instance_path=tmp_path / "instance", secret_key="x")
    start, failures, made = threading.Barrier(6), [], []

    def boot():
        start.wait()
        try:
            made.append(import_jobs._make_huey(settings))
        except Exception as error:  # noqa: BLE001 — what a server's boot would die of
            failures.append(repr(error))

    threads = [threading.Thread(target=boot) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures and len(made) == 6
    made[0].put("probe", 1)
    assert made[-1].get("probe") == 1
