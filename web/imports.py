"""Loading files from the browser («Загрузка») and OpenLineage events from pipelines: thin views over ``importers``."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, send_file
from sqlalchemy import select

from catalog import models
from catalog.errors import InvalidInput, Unauthorized
from web import context
from web.api import json_blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
api_bp = json_blueprint("openlineage_api", __name__)

KINDS = {
    "register": "Реестр процессов органа (Excel)",
    "typical": "Типовой перечень процессов и группы (Excel или CSV)",
    "systems": "Информационные системы (Excel или CSV)",
    "marts": "Витрины данных (Excel или CSV)",
    "datasets": "Наборы данных с сущностями и атрибутами (Excel или CSV)",
}
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}


def _folder() -> Path:
    folder = Path(current_app.config["CATALOG"].instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _importer(ctx, meta: dict, path: Path, dry_run: bool):
    from importers.records import IMPORTERS
    from importers.register import RegisterImporter

    options = {"dry_run": dry_run, "partial": meta["partial"], "file_name": meta["file_name"]}
    if meta["kind"] == "register":
        return RegisterImporter(ctx, path, meta["agency"] or "", **options)
    return IMPORTERS[meta["kind"]](ctx, path, **options)


def _agencies(ctx) -> list[models.Agency]:
    query = select(models.Agency).where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name)
    user = ctx.user
    if user is not None and not (set(user.roles or []) & {"admin", "process_office"}):
        query = query.where(models.Agency.id.in_(user.agency_ids or [-1]))
    return list(ctx.session.scalars(query))


def _form(ctx, error: str | None = None, status: int = 200, values=None):
    limit_mb = current_app.config["CATALOG"].import_max_bytes / 1024 / 1024
    return render_template("imports.html", kinds=KINDS, agencies=_agencies(ctx), error=error,
                           values=values or {}, limit_mb=limit_mb), status


def _run(token: str, meta: dict, dry_run: bool):
    ctx = context()
    path = _folder() / f"{token}{meta['suffix']}"
    try:
        importer = _importer(ctx, meta, path, dry_run)
        report = importer.run()
    except InvalidInput as error:  # the file as a whole (no header row, not a table, past a limit)
        path.unlink(missing_ok=True)  # nothing to apply later: a refused file is not kept
        (_folder() / f"{token}.json").unlink(missing_ok=True)
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


@bp.route("/", methods=["GET", "POST"])
def upload_page():
    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Войдите в систему, чтобы загружать файлы.")
    if request.method == "GET":
        return _form(ctx)
    limit = current_app.config["CATALOG"].import_max_bytes
    if request.content_length and request.content_length > limit:
        return _form(ctx, f"Файл больше допустимого: не более {limit / 1024 / 1024:.0f} МБ "
                          "(CATALOG_IMPORT_MAX_MB). Большие файлы загружайте командой «catalog import».", 413)
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
    meta = _meta(token)
    meta["partial"] = bool(request.form.get("partial")) or meta["partial"]
    return _run(token, meta, dry_run=False)


@bp.get("/<token>/errors")
def errors_file(token):
    meta = _meta(token)
    path = _folder() / f"{token}-errors{meta['suffix']}"
    if not path.exists():
        abort(404)
    name = Path(meta["file_name"]).stem + "-ошибки" + meta["suffix"]
    return send_file(path, as_attachment=True, download_name=name)


# --- OpenLineage ---------------------------------------------------------------------


@api_bp.post("/lineage")
def lineage_events():
    """OpenLineage HTTP transport: one event (or a list) per request; 201 with what it did."""
    from importers import openlineage

    ctx = context()
    openlineage.require_writer(ctx)  # who is asking, before the body is read
    limit = current_app.config["CATALOG"].import_max_bytes
    if request.content_length and request.content_length > limit:
        raise InvalidInput(f"Тело запроса больше допустимого ({limit} байт).")
    data = None
    if request.is_json:
        try:
            data = openlineage.loads(request.get_data(as_text=True), "Тело запроса")
        except ValueError:
            data = None
    if data is None:
        from catalog.errors import BadParameter

        raise BadParameter("Тело запроса должно быть событием OpenLineage в JSON (Content-Type: application/json).",
                           {"$": ["не JSON"]})
    results = openlineage.ingest(ctx, data)
    return jsonify(items=results), 201


@api_bp.post("/imports/<any(register,typical,systems,marts,datasets):kind>")
def import_api(kind):
    """The table importers for machines: multipart ``file``; ``agency``, ``dry_run``, ``partial`` as
    form or query parameters. Answers the report as JSON (422 when the file is refused whole)."""
    from catalog.errors import BadParameter

    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Нужен токен API пользователя, которому разрешено вносить изменения.")
    limit = current_app.config["CATALOG"].import_max_bytes
    if request.content_length and request.content_length > limit:
        raise BadParameter(f"Файл больше допустимого ({limit} байт).", {"file": ["Слишком большой файл."]})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadParameter("Передайте файл в поле «file» (multipart/form-data).", {"file": ["Нет файла."]})
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadParameter("Ожидается .xlsx или .csv.", {"file": [f"Неподдерживаемый формат «{suffix}»."]})
    values = request.values
    flag = lambda name: values.get(name, "").lower() in ("1", "true", "yes", "да")  # noqa: E731
    meta = {"kind": kind, "agency": values.get("agency"), "partial": flag("partial"), "file_name": upload.filename,
            "suffix": suffix}
    if kind == "register" and not meta["agency"]:
        raise BadParameter("Укажите орган.", {"agency": ["Обязательный параметр для реестра процессов."]})
    token = secrets.token_hex(12)
    path = _folder() / f"{token}{suffix}"
    upload.save(path)
    try:
        report = _importer(ctx, meta, path, flag("dry_run")).run()
    finally:
        path.unlink(missing_ok=True)
    return jsonify(report.to_dict()), 422 if report.refused_whole else 200


@api_bp.get("/processes/<int:process_id>/runs")
def process_runs(process_id):
    from importers import openlineage

    return jsonify(items=[openlineage.run_json(r) for r in openlineage.runs_of(context(), process_id)])


def init_app(app) -> None:
    @app.context_processor
    def _runs():
        def process_runs_of(process_id: int):
            from importers import openlineage

            return openlineage.runs_of(context(), process_id, limit=50)

        return {"openlineage_runs": process_runs_of}
