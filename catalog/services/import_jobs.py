"""Imports run as background jobs: queued, run by a worker, followed, cancelled.

The queue is huey (https://huey.readthedocs.io): it runs on the embedded default with no other
server (``SqliteHuey``, its own file <instance>/jobs.db, so the queue's writes never wait for the
catalogue's write lock) and on the PostgreSQL deployment (``PostgresHuey`` on psycopg 3, the
catalogue's own database). Its consumer runs as threads inside ``catalog serve`` and alone as
``catalog worker``. What users see of a job (owner, file, kind, status, rows, report, error) is a
row of ``import_jobs`` in the catalogue; the row is written before the import starts and after it
ends, never while the import's transaction is open, so a job never waits on its own lock. While
it runs, the rows done and a cancel request travel through huey's key-value store.

A cancelled job stops at its next batch of ``PROGRESS_EVERY`` rows. An all-or-nothing import (the
rule of ``catalog.services.imports.base``) and a dry run keep their one transaction, which is then rolled back:
nothing of the job is written, not even part of a row (committing batches would break the rule
that a file with a bad row writes nothing). A partial load, whose rows stand alone by definition,
commits whole batches of ``COMMIT_EVERY`` rows and releases the write lock between them, so other
writers on SQLite get in; cancelled, it keeps the whole batches committed before.
"""
from __future__ import annotations

import logging
import secrets
import threading
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from catalog import models
from catalog.errors import CatalogError, NotFound, Unauthorized, Unavailable
from catalog.services import imports
from catalog.services import rules
from catalog.services.context import Context

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
FINISHED = ("done", "refused", "failed", "cancelled")
PROGRESS_EVERY = 100  # rows between progress notes and cancel checks: a job's «batch»
COMMIT_EVERY = 500  # rows per committed batch of a partial load (a multiple of PROGRESS_EVERY)
MAX_ERRORS_KEPT = 1000  # errors kept in a job's report (the error copy has them all)
STATUS_LABELS = {"queued": "в очереди", "running": "выполняется", "done": "выполнено",
                 "refused": "файл отклонён", "failed": "ошибка", "cancelled": "отменено"}
TABLE_KINDS = imports.TABLE_KINDS


# Raised inside an import when its job is cancelled: the import rolls back.
JobCancelled = imports.Cancelled


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def needs_background(settings, path: Path, declared_rows: int) -> bool:
    """A file over CATALOG_IMPORT_BACKGROUND_MB or with more rows than CATALOG_IMPORT_BACKGROUND_ROWS."""
    return Path(path).stat().st_size > settings.import_background_bytes or declared_rows > settings.import_background_rows


# --- the queue ----------------------------------------------------------------------------------


class Queue:
    """The huey instance of one catalogue and the task that runs its import jobs."""

    def __init__(self, settings, sessions):
        self.settings = settings
        self.sessions = sessions
        self.huey = _make_huey(settings)
        self.run_task = self.huey.task(name="catalog.import_job")(self._run)
        self.consumer = None

    def _run(self, job_id: int) -> None:
        run_job(self, job_id)

    def enqueue(self, job_id: int) -> None:
        self.run_task(job_id)

    def note_progress(self, job_id: int, done: int) -> None:
        self.huey.put(f"progress:{job_id}", done)

    def progress(self, job_id: int) -> int | None:
        return self.huey.get(f"progress:{job_id}", peek=True)

    def cancel(self, job_id: int) -> None:
        self.huey.put(f"cancel:{job_id}", True)

    def cancelled(self, job_id: int) -> bool:
        return bool(self.huey.get(f"cancel:{job_id}", peek=True))

    def forget(self, job_id: int) -> None:
        self.huey.delete(f"progress:{job_id}")
        self.huey.delete(f"cancel:{job_id}")

    def start(self, workers: int = 1):
        """Worker threads in this process. Started by hand rather than ``Consumer.start`` so no
        signal handler is installed (waitress and the tests keep their own)."""
        if self.consumer is not None or workers < 1:
            return self.consumer
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                             check_worker_health=False, initial_delay=0.05, backoff=1.3,
                                             max_delay=1.0)
        consumer.scheduler.start()
        for _, worker in consumer.worker_threads:
            worker.start()
        self.consumer = consumer
        return consumer

    def stop(self) -> None:
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            self.consumer = None


def _make_huey(settings):
    from huey import PostgresHuey, SqliteHuey

    url = settings.database_url
    if url.startswith("sqlite"):
        from catalog.db import private_sqlite_file

        queue_file = str(Path(settings.instance_path) / "jobs.db")
        private_sqlite_file(queue_file)  # job options name users' files: owner-only like the catalogue
        return SqliteHuey("catalog", filename=queue_file, results=False)
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        import psycopg

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            return PostgresHuey("catalog", dsn=dsn, results=False)
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
            # Two servers starting at once both ran huey's CREATE TABLE IF NOT EXISTS; the other won, so
            # the tables are there now and a second try finds them.
            return PostgresHuey("catalog", dsn=dsn, results=False)
    raise ValueError(f"Фоновые загрузки: база «{url.split(':', 1)[0]}» не поддерживается (SQLite или PostgreSQL).")


_queues: dict[tuple[str, str], Queue] = {}
_queues_lock = threading.Lock()


def queue_for(settings, sessions) -> Queue:
    """The queue of a catalogue (one per database and instance folder in a process)."""
    key = (settings.database_url, str(settings.instance_path))
    with _queues_lock:
        if key not in _queues:
            _queues[key] = Queue(settings, sessions)
        return _queues[key]


def forget_queue(settings) -> None:
    with _queues_lock:
        queue = _queues.pop((settings.database_url, str(settings.instance_path)), None)
    if queue is not None:
        queue.stop()


# --- jobs ---------------------------------------------------------------------------------------


def active_tokens(ctx: Context) -> set[str]:
    """Upload tokens a queued or running job still reads."""
    rows = ctx.session.scalars(select(models.ImportJob.options).where(models.ImportJob.status.in_(ACTIVE)))
    return {options.get("file_token") for options in rows if options}


@rules.operation("imports.register")
def create_job(ctx: Context, queue: Queue, kind: str, file_token: str, suffix: str, options: dict,
               rows_total: int) -> models.ImportJob:
    rules.check(ctx, "imports.register")
    job = models.ImportJob(user_id=ctx.user.id, actor_name=ctx.user.login, kind=kind,
                           file_name=options.get("file_name") or f"{file_token}{suffix}",
                           token=secrets.token_hex(12),
                           options={**options, "file_token": file_token, "suffix": suffix},
                           status="queued", rows_done=0, rows_total=rows_total, has_error_copy=False)
    ctx.session.add(job)
    try:
        ctx.session.commit()
    except OperationalError:  # SQLite: another import holds the write lock past the busy timeout
        ctx.session.rollback()
        raise Unavailable("Каталог сейчас записывает другую загрузку: повторите через минуту.") from None
    queue.enqueue(job.id)
    return job


def get_job(ctx: Context, job_id: int) -> models.ImportJob:
    """A job as its owner (or an administrator) sees it; anyone else gets 404, nobody logged in 401."""
    if ctx.user is None and not ctx.is_system:
        raise Unauthorized("Войдите в систему или передайте токен API: задание загрузки видит тот, кто его начал.")
    job = ctx.session.get(models.ImportJob, job_id)
    if job is None or ctx.user is None or (job.user_id != ctx.user.id and not ctx.user.has_role("admin")):
        raise NotFound(f"Задания загрузки № {job_id} нет.")
    return job


@rules.operation("imports.cancel")
def cancel_job(ctx: Context, queue: Queue, job_id: int) -> models.ImportJob:
    """Ask a job to stop: a queued one never starts, a running one stops at its next batch."""
    job = get_job(ctx, job_id)
    rules.check(ctx, "imports.cancel", job)
    if job.status in ACTIVE:
        queue.cancel(job.id)
    return job


def job_json(job: models.ImportJob, queue: Queue | None = None) -> dict:
    done = job.rows_done
    if job.status == "running" and queue is not None:
        done = queue.progress(job.id) or done
    cancelling = job.status in ACTIVE and queue is not None and queue.cancelled(job.id)
    return {"id": job.id, "kind": job.kind, "file": job.file_name, "user": job.actor_name, "status": job.status,
            "status_label": "отменяется" if cancelling else STATUS_LABELS.get(job.status, job.status),
            "cancel_requested": cancelling, "dry_run": bool(job.options.get("dry_run")),
            "rows_done": done, "rows_total": job.rows_total, "report": job.report, "error": job.error,
            "has_error_copy": job.has_error_copy,
            "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
            "finished_at": _iso(job.finished_at)}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def _finish(session, job: models.ImportJob, status: str, **values) -> None:
    job.status = status
    job.finished_at = utcnow()
    for key, value in values.items():
        setattr(job, key, value)
    session.commit()


def run_job(queue: Queue, job_id: int) -> None:
    """The worker's side: run the import of a job under its owner's rights and record the outcome."""
    from catalog.services import uploads

    settings = queue.settings
    session = queue.sessions()  # the job's row: short transactions before and after the import
    try:
        job = session.get(models.ImportJob, job_id)
        if job is None or job.status != "queued":
            return
        if queue.cancelled(job_id):
            _finish(session, job, "cancelled")
            return
        job.status, job.started_at = "running", utcnow()
        session.commit()
        work = queue.sessions()  # the import's own transaction
        try:
            user = work.get(models.User, job.user_id)
            if user is None or not user.is_active:
                _finish(session, job, "failed", error="Пользователь, загрузивший файл, отключён.")
                return
            ctx = Context(session=work, user=user, settings=settings)
            options = {**job.options, "file_name": job.file_name}
            if options.get("change_arose_on"):  # Kemerovo 3.3: the uploader's «когда возникли изменения»
                ctx.change_arose_on = date.fromisoformat(options["change_arose_on"])
            path = uploads.folder(settings) / f"{options['file_token']}{options['suffix']}"
            done = 0

            def progress(count: int) -> None:
                nonlocal done
                done += count
                if done % PROGRESS_EVERY == 0:
                    queue.note_progress(job_id, done)
                    if queue.cancelled(job_id):
                        raise JobCancelled()

            try:
                report = imports.run_import(
                    ctx, job.kind, path, agency=options.get("agency"), partial=bool(options.get("partial")),
                    dry_run=bool(options.get("dry_run")), file_name=options.get("file_name"),
                    mapping=options.get("mapping"), create_references=bool(options.get("create_references")),
                    errors_to=uploads.folder(settings) / f"{options['file_token']}-errors{options['suffix']}",
                    progress=progress, commit_every=COMMIT_EVERY)
            except JobCancelled as cancelled:
                kept = cancelled.kept_rows
                _finish(session, job, "cancelled", rows_done=done,
                        error=(f"Отменено после {done} строк; записаны первые {kept} строк целыми пакетами "
                               f"по {COMMIT_EVERY} (частичная загрузка)." if kept else None))
                return
            except CatalogError as error:  # the file as a whole: past a limit, no header row
                _finish(session, job, "failed", rows_done=done, error=error.message)
                return
            has_copy = report.error_copy is not None
            body = report.to_dict()
            body["errors_total"] = len(body["errors"])
            body["errors"] = body["errors"][:MAX_ERRORS_KEPT]
            body["notes"] = list(report.notes)
            _finish(session, job, "refused" if report.refused_whole else "done", rows_done=done, report=body,
                    has_error_copy=has_copy)
        finally:
            work.close()
    except Exception as error:  # noqa: BLE001 - a job must end with a status its owner can read
        log.exception("import job %s failed", job_id)
        session.rollback()
        job = session.get(models.ImportJob, job_id)
        if job is not None and job.status in ACTIVE:
            _finish(session, job, "failed", error=f"Загрузка прервана внутренней ошибкой: {error.__class__.__name__}.")
    finally:
        queue.forget(job_id)
        session.close()


def housekeeping(queue: Queue, stop: threading.Event, interval: float = 600.0) -> None:
    """Remove old upload files now and every ``interval`` seconds until ``stop`` is set (worker and serve loops)."""
    from catalog.services import uploads

    while True:
        session = queue.sessions()
        try:
            uploads.cleanup(queue.settings, keep=active_tokens(Context(session=session, settings=queue.settings)))
        except Exception:  # noqa: BLE001 - a failed sweep is tried again at the next interval
            log.exception("cleanup of old import files failed")
        finally:
            session.close()
        if stop.wait(interval):
            return


def start_housekeeping(queue: Queue, interval: float = 600.0) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=housekeeping, args=(queue, stop, interval), name="import-cleanup", daemon=True).start()
    return stop
