"""Loading files from the browser («Загрузка»): thin views over ``catalog.services.imports.run_import`` (for machines:
web/api/imports.py, web/api/openlineage.py)."""
from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from catalog import models
from catalog.errors import Forbidden, InvalidInput
from catalog.schemas import INT_MAX
from catalog.services import import_jobs, imports, records, rules, uploads
from web import context
from web.pages.helpers import error_text

bp = Blueprint("imports", __name__, url_prefix="/import")

KINDS = imports.LABELS
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}
XSD_SUFFIXES = {".xsd", ".zip"}  # an SMEV data type: one schema or a zip of them (issue 20)


def _settings():
    return current_app.config["CATALOG"]


def _folder() -> Path:
    return uploads.folder(_settings())


def _queue():
    return import_jobs.queue_for(_settings(), current_app.extensions["catalog"].sessions)


def _agencies(ctx) -> list[models.Agency]:
    query = select(models.Agency).where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name)
    user = ctx.user
    if user is not None and not (set(user.roles or []) & {"admin", "process_office"}):
        query = query.where(models.Agency.id.in_(user.agency_ids or [-1]))
    return list(ctx.session.scalars(query))


def _marts(ctx) -> list[models.DataMart]:
    return list(ctx.session.scalars(select(models.DataMart).where(models.DataMart.deleted_at.is_(None))
                                    .order_by(models.DataMart.name)))


def _form(ctx, error: str | None = None, status: int = 200, values=None):
    limit_mb = _settings().import_max_bytes / 1024 / 1024
    return render_template("imports.html", kinds=KINDS, agencies=_agencies(ctx), error=error,
                           values=values or {}, limit_mb=limit_mb, mart_choices=_marts(ctx)), status


def _forget(token: str, suffix: str) -> None:
    """A refused file is not kept: nothing to apply later."""
    for name in (f"{token}{suffix}", f"{token}.json", f"{token}-errors{suffix}"):
        (_folder() / name).unlink(missing_ok=True)


def arose_on(ctx, raw) -> str | None:
    """«Когда возникли изменения» as given (dd.mm.yyyy or ISO), checked by the records service; kept as ISO."""
    found = records.take_change_arose_on(ctx, raw)
    return found.isoformat() if found else None


def _start(ctx, token: str, meta: dict, dry_run: bool):
    """Run the import of an uploaded file now, or queue it as a job when the file is large:
    the report, or the job."""
    path = _folder() / f"{token}{meta['suffix']}"
    # Kemerovo 3.3: the day the changes in this file arose, for every change it makes (today when not given).
    ctx.change_arose_on = date.fromisoformat(meta["arose_on"]) if meta.get("arose_on") else None
    options = {"dry_run": dry_run, "partial": meta["partial"], "file_name": meta["file_name"],
               "agency": meta.get("agency"), "mapping": meta.get("mapping"),
               "create_references": bool(meta.get("create_references"))}
    if meta["kind"] == "xsd":  # a whole-file import: no rows to count, never a background job
        mart = str(meta.get("mart") or "").strip()
        if mart and not (mart.isdigit() and int(mart) <= INT_MAX):
            raise InvalidInput("Неверный номер витрины.", {"mart": ["Ожидается номер витрины данных."]})
        return imports.run_import(ctx, "xsd", path, dry_run=dry_run, file_name=meta["file_name"],
                                  mart_id=int(mart) if mart else None), None
    rows = imports.declared_rows(ctx, meta["kind"], path, agency=options["agency"], file_name=meta["file_name"],
                                 mapping=options["mapping"])
    if import_jobs.needs_background(_settings(), path, rows):
        return None, import_jobs.create_job(ctx, _queue(), meta["kind"], token, meta["suffix"],
                                            {**options, "change_arose_on": meta.get("arose_on")}, rows)
    return imports.run_import(ctx, meta["kind"], path, **options,
                              errors_to=_folder() / f"{token}-errors{meta['suffix']}"), None


def _run(token: str, meta: dict, dry_run: bool):
    ctx = context()
    try:
        report, job = _start(ctx, token, meta, dry_run)
    except (InvalidInput, Forbidden) as error:  # the file as a whole (no header, past a limit); another agency's
        _forget(token, meta["suffix"])
        return _form(ctx, error.message, error.status, meta)
    if job is not None:
        return redirect(url_for("imports.job_page", job_id=job.id), 303)
    status = 422 if report.refused_whole else 200
    # The list for the process office is downloaded from what this run found.
    meta["unknown"] = report.unknown_references
    _save_meta(token, meta)
    return render_template("import_report.html", report=report, token=token, meta=meta, kinds=KINDS,
                           has_copy=report.error_copy is not None,
                           may_create_references=rules.may(ctx, "imports.create_references")), status


def _save_meta(token: str, meta: dict) -> None:
    (_folder() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


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


@bp.route("/", methods=["GET", "POST"])
def upload_page():
    ctx = context()
    rules.check_import(ctx)
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
              "partial": bool(request.form.get("partial")), "mart": request.form.get("mart") or None,
              "create_references": bool(request.form.get("create_references")),
              "arose_on": request.form.get("arose_on") or None}
    try:
        values["arose_on"] = arose_on(ctx, values["arose_on"])
    except InvalidInput as error:
        return _form(ctx, error_text(error), 422, values)
    upload = request.files.get("file")
    if values["kind"] not in KINDS:
        return _form(ctx, "Выберите, что загружается.", 422, values)
    if upload is None or not upload.filename:
        return _form(ctx, "Выберите файл.", 422, values)
    suffix = Path(upload.filename).suffix.lower()
    if values["kind"] == "xsd" and suffix not in XSD_SUFFIXES:
        return _form(ctx, f"Файл «{upload.filename}»: ожидается схема XSD (.xsd) или архив схем (.zip).", 422, values)
    if values["kind"] != "xsd" and suffix not in SUFFIXES:
        return _form(ctx, f"Файл «{upload.filename}»: ожидается таблица Excel (.xlsx) или CSV (.csv).", 422, values)
    token = secrets.token_hex(12)
    target = _folder() / f"{token}{suffix}"
    upload.save(target)
    if target.stat().st_size > limit:
        target.unlink()
        return _form(ctx, f"Файл больше допустимого: не более {limit / 1024 / 1024:.0f} МБ.", 413, values)
    meta = {**values, "user_id": ctx.user.id, "file_name": upload.filename, "suffix": suffix}
    _save_meta(token, meta)
    return _run(token, meta, dry_run=request.form.get("action") != "import")


@bp.get("/register.xlsx")
def register_download():
    """The agency's register as the upload reads it, to change in Excel and load back."""
    import io
    import tempfile

    from catalog.services.imports.register import export_register, find_agency

    ctx = context()
    rules.check_import(ctx)
    code = request.args.get("agency") or ""
    agency = find_agency(ctx, code)  # an unknown code is refused, naming it
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "register.xlsx"
        export_register(ctx, target, agency.code)
        data = io.BytesIO(target.read_bytes())
    from web.security import as_download

    name = f"Реестр процессов {agency.short_name or agency.code}.xlsx"
    return as_download(send_file(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 as_attachment=True, download_name=name), name)


@bp.post("/<token>/apply")
def apply_page(token):
    ctx = context()
    rules.check_import(ctx)
    meta = _meta(token)
    if not (_folder() / f"{token}{meta['suffix']}").exists():
        abort(404)
    meta["partial"] = bool(request.form.get("partial")) or meta["partial"]
    # One confirmation: the box ticked under the list of what the catalogue lacks.
    meta["create_references"] = bool(request.form.get("create_references")) or meta.get("create_references", False)
    return _run(token, meta, dry_run=False)


@bp.post("/<token>/mapping")
def mapping_page(token):
    """The user's correction of the columns: a select per file column (a field or «не загружать») and
    a value for all rows where no column gives a field; checked again at once (nothing written)."""
    ctx = context()
    rules.check_import(ctx)
    meta = _meta(token)
    if not (_folder() / f"{token}{meta['suffix']}").exists():
        abort(404)
    columns = {key[4:]: (value or None) for key, value in request.form.items() if key.startswith("col-")}
    values = {key[6:]: value.strip() for key, value in request.form.items()
              if key.startswith("value-") and value.strip()}
    from catalog.services.imports.mappings import parse_mapping

    try:
        parse_mapping(imports.layout_of(meta["kind"]), {"columns": columns, "values": values})
    except InvalidInput as error:
        return _form(ctx, error.message, error.status, meta)
    meta["mapping"] = {"columns": columns, "values": values}
    _save_meta(token, meta)
    return _run(token, meta, dry_run=True)


@bp.get("/<token>/references.xlsx")
def references_file(token):
    """What the register names and the catalogue lacks, for the agency editor to send to the process office."""
    import io
    import tempfile

    from catalog.services.imports.references import write_list

    meta = _meta(token)
    if not meta.get("unknown"):
        abort(404)
    agency = ctx_agency_name(meta)
    with tempfile.TemporaryDirectory() as folder:
        target = write_list(meta["unknown"], Path(folder) / "list.xlsx", agency, meta["file_name"])
        data = io.BytesIO(target.read_bytes())
    from web.security import as_download

    name = Path(meta["file_name"]).stem + "-нет в каталоге.xlsx"
    return as_download(send_file(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 as_attachment=True, download_name=name), name)


def ctx_agency_name(meta: dict) -> str:
    from catalog.services.imports.register import find_agency

    return find_agency(context(), meta["agency"]).name if meta.get("agency") else ""


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
    job = import_jobs.get_job(ctx, job_id)
    return render_template("import_job.html", job=import_jobs.job_json(job, _queue()),
                           file_token=job.options.get("file_token"), kinds=KINDS,
                           active=job.status in import_jobs.ACTIVE)


@bp.post("/jobs/<int:job_id>/cancel")
def job_cancel_page(job_id):
    ctx = context()
    import_jobs.cancel_job(ctx, _queue(), job_id)
    return redirect(url_for("imports.job_page", job_id=job_id), 303)


def init_app(app) -> None:
    @app.context_processor
    def _runs():
        def process_runs_of(process_id: int):
            from catalog.services.imports import openlineage

            return openlineage.runs_of(context(), process_id, limit=50)

        return {"openlineage_runs": process_runs_of}
