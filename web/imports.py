"""Loading files from the browser («Загрузка»): thin views over ``importers`` (for machines:
web/api/imports.py, web/api/openlineage.py)."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from catalog import models
from catalog.errors import Forbidden, InvalidInput, Unauthorized
from catalog.services import import_jobs, uploads
from web import context

bp = Blueprint("imports", __name__, url_prefix="/import")

KINDS = {
    "register": "Реестр процессов органа (Excel)",
    "typical": "Типовой перечень процессов и группы (Excel или CSV)",
    "systems": "Информационные системы (Excel или CSV)",
    "marts": "Витрины данных (Excel или CSV)",
    "datasets": "Наборы данных с сущностями и атрибутами (Excel или CSV)",
}
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}


def _settings():
    return current_app.config["CATALOG"]


def _folder() -> Path:
    return uploads.folder(_settings())


def _queue():
    return import_jobs.queue_for(_settings(), current_app.extensions["catalog_sessions"])


def _agencies(ctx) -> list[models.Agency]:
    query = select(models.Agency).where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name)
    user = ctx.user
    if user is not None and not (set(user.roles or []) & {"admin", "process_office"}):
        query = query.where(models.Agency.id.in_(user.agency_ids or [-1]))
    return list(ctx.session.scalars(query))


def _form(ctx, error: str | None = None, status: int = 200, values=None):
    limit_mb = _settings().import_max_bytes / 1024 / 1024
    return render_template("imports.html", kinds=KINDS, agencies=_agencies(ctx), error=error,
                           values=values or {}, limit_mb=limit_mb), status


def _forget(token: str, suffix: str) -> None:
    """A refused file is not kept: nothing to apply later."""
    for name in (f"{token}{suffix}", f"{token}.json", f"{token}-errors{suffix}"):
        (_folder() / name).unlink(missing_ok=True)


def _prepare(ctx, token: str, meta: dict, dry_run: bool):
    """The importer, the file opened (limits, header row) and whether it runs as a job."""
    path = _folder() / f"{token}{meta['suffix']}"
    options = {"dry_run": dry_run, "partial": meta["partial"], "file_name": meta["file_name"],
               "agency": meta.get("agency")}
    importer = import_jobs.make_importer(ctx, meta["kind"], path, options)
    table = importer.open_table()
    try:
        rows = table.estimate_rows()
    finally:
        table.close()
    return importer, options, import_jobs.needs_background(_settings(), path, rows), rows


def _run(token: str, meta: dict, dry_run: bool):
    ctx = context()
    try:
        importer, options, background, rows = _prepare(ctx, token, meta, dry_run)
        if background:
            job = import_jobs.create_job(ctx, _queue(), meta["kind"], token, meta["suffix"], options, rows)
            return redirect(url_for("imports.job_page", job_id=job.id), 303)
        report = importer.run()
    except (InvalidInput, Forbidden) as error:  # the file as a whole (no header, past a limit); another agency's
        _forget(token, meta["suffix"])
        return _form(ctx, error.message, error.status, meta)
    has_copy = False
    if report.errors and importer.table is not None:
        importer.error_copy(_folder() / f"{token}-errors{meta['suffix']}")
        has_copy = True
    status = 422 if report.refused_whole else 200
    return render_template("import_report.html", report=report, token=token, meta=meta, kinds=KINDS,
                           has_copy=has_copy), status


def _meta(token: str) -> dict:
    if not token.isalnum():
        abort(404)
    path = _folder() / f"{token}.json"
    if not path.exists():
        abort(404)
    meta = json.loads(path.read_text(encoding="utf-8"))
    if g.get("user") is None or meta["user_id"] != g.user.id:
        abort(404)
    return meta


def _uploader(ctx):
    if ctx.user is None:
        raise Unauthorized("Войдите в систему, чтобы загружать файлы.")
    uploads.require_uploader(ctx)


@bp.route("/", methods=["GET", "POST"])
def upload_page():
    ctx = context()
    _uploader(ctx)
    if request.method == "GET":
        return _form(ctx)
    limit = _settings().import_max_bytes
    if request.content_length and request.content_length > limit:
        return _form(ctx, f"Файл больше допустимого: не более {limit / 1024 / 1024:.0f} МБ "
                          "(CATALOG_IMPORT_MAX_MB). Большие файлы загружайте командой «catalog import».", 413)
    try:  # before the body is read: old files removed, the user's quota
        uploads.before_upload(ctx, request.content_length or 0)
    except uploads.QuotaExceeded as error:
        return _form(ctx, error.message, error.status)
    values = {"kind": request.form.get("kind"), "agency": request.form.get("agency") or None,
              "partial": bool(request.form.get("partial"))}
    upload = request.files.get("file")
    if values["kind"] not in KINDS:
        return _form(ctx, "Выберите, что загружается.", 422, values)
    if upload is None or not upload.filename:
        return _form(ctx, "Выберите файл.", 422, values)
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        return _form(ctx, f"Файл «{upload.filename}»: ожидается таблица Excel (.xlsx) или CSV (.csv).", 422, values)
    if values["kind"] == "register" and not values["agency"]:
        return _form(ctx, "Выберите орган, чей реестр загружается.", 422, values)
    token = secrets.token_hex(12)
    target = _folder() / f"{token}{suffix}"
    upload.save(target)
    if target.stat().st_size > limit:
        target.unlink()
        return _form(ctx, f"Файл больше допустимого: не более {limit / 1024 / 1024:.0f} МБ.", 413, values)
    meta = {**values, "user_id": ctx.user.id, "file_name": upload.filename, "suffix": suffix}
    (_folder() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return _run(token, meta, dry_run=request.form.get("action") != "import")


@bp.post("/<token>/apply")
def apply_page(token):
    ctx = context()
    _uploader(ctx)
    meta = _meta(token)
    if not (_folder() / f"{token}{meta['suffix']}").exists():
        abort(404)
    meta["partial"] = bool(request.form.get("partial")) or meta["partial"]
    return _run(token, meta, dry_run=False)


@bp.get("/<token>/errors")
def errors_file(token):
    meta = _meta(token)
    path = _folder() / f"{token}-errors{meta['suffix']}"
    if not path.exists():
        abort(404)
    name = Path(meta["file_name"]).stem + "-ошибки" + meta["suffix"]
    from web.security import as_download

    return as_download(send_file(path, as_attachment=True, download_name=name), name)


@bp.get("/jobs/<int:job_id>")
def job_page(job_id):
    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Войдите в систему.")
    job = import_jobs.get_job(ctx, job_id)
    return render_template("import_job.html", job=import_jobs.job_json(job, _queue()),
                           file_token=job.options.get("file_token"), kinds=KINDS,
                           active=job.status in import_jobs.ACTIVE)


@bp.post("/jobs/<int:job_id>/cancel")
def job_cancel_page(job_id):
    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Войдите в систему.")
    import_jobs.cancel_job(ctx, _queue(), job_id)
    return redirect(url_for("imports.job_page", job_id=job_id), 303)


def init_app(app) -> None:
    @app.context_processor
    def _runs():
        def process_runs_of(process_id: int):
            from importers import openlineage

            return openlineage.runs_of(context(), process_id, limit=50)

        return {"openlineage_runs": process_runs_of}
