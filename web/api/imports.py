"""Table imports for machines (registers and reference lists from Excel or CSV) and their background jobs."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import jsonify, request

from catalog.errors import BadParameter
from catalog.services import import_jobs, rules, uploads
from web import context
from web.api.base import Blueprint
from web.pages.imports import KINDS, SUFFIXES, XSD_SUFFIXES, _folder, _forget, _queue, _settings, _start, arose_on

blp = Blueprint("imports_api", __name__, tag="Загрузка")

OBJECT = {"application/json": {"schema": {"type": "object"}}}
UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"}, "agency": {"type": "string", "description": "Орган (для реестра); без него — реестр всех органов по столбцу «Орган (код)»"},
    "dry_run": {"type": "boolean", "description": "Только проверить"},
    "partial": {"type": "boolean", "description": "Загрузить только верные строки"},
    "mart": {"type": "integer", "description": "Витрина, которая предоставляет вид сведений (для xsd)"},
    "mapping": {"type": "string", "description": "Сопоставление столбцов (JSON): {\"columns\": {\"B\": \"registry_id\", "
                "\"C\": null}, \"values\": {\"status\": \"…\"}}; сохраняется и применяется к следующему файлу "
                "органа с теми же заголовками"},
    "arose_on": {"type": "string", "format": "date", "description": "Когда возникли изменения реестра "
                 "(ДД.ММ.ГГГГ или ГГГГ-ММ-ДД; по умолчанию сегодня), правила ведения реестра 3.3"},
    "create_references": {"type": "boolean", "description": "Создать недостающие акты, жизненные ситуации и "
                          "группы (процессный офис)"}}}


@blp.post("/imports/<any(" + ",".join(f'"{k}"' for k in KINDS) + "):kind>")
@blp.body(UPLOAD, "multipart/form-data")
@blp.response(200, description="Отчёт загрузки")
@blp.doc(summary="Загрузить реестр или справочник из Excel или CSV (отчёт; 422 — отказано целиком)", responses={
    "202": {"description": "Большой файл загружается в фоне: Location — адрес задания", "content": OBJECT},
    "422": {"description": "Файл отклонён целиком (отчёт) или неверный параметр", "content": OBJECT}})
def import_api(kind):
    """The table importers for machines: multipart ``file``; ``agency``, ``dry_run``, ``partial``,
    ``mapping`` (JSON), ``create_references`` as form or query parameters. Answers the report as JSON (422 when the file is refused whole), or,
    for a file over the background threshold, 202 with ``Location`` of the job."""
    ctx = context()
    rules.check_import(ctx)
    limit = _settings().import_max_bytes
    if request.content_length and request.content_length > limit:
        raise BadParameter(f"Файл больше допустимого ({limit} байт).", {"file": ["Слишком большой файл."]})
    uploads.before_upload(ctx, request.content_length or 0)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadParameter("Передайте файл в поле «file» (multipart/form-data).", {"file": ["Нет файла."]})
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (XSD_SUFFIXES if kind == "xsd" else SUFFIXES):
        expected = "Ожидается .xsd или .zip." if kind == "xsd" else "Ожидается .xlsx или .csv."
        raise BadParameter(expected, {"file": [f"Неподдерживаемый формат «{suffix}»."]})
    values = request.values
    flag = lambda name: values.get(name, "").lower() in ("1", "true", "yes", "да")  # noqa: E731
    meta = {"kind": kind, "agency": values.get("agency"), "partial": flag("partial"), "file_name": upload.filename,
            "suffix": suffix, "user_id": ctx.user.id, "mart": values.get("mart"),
            "create_references": flag("create_references"), "arose_on": arose_on(ctx, values.get("arose_on"))}
    if values.get("mapping"):
        from catalog.services.imports import layout_of
        from catalog.services.imports.mappings import parse_mapping

        parse_mapping(layout_of(kind), values["mapping"])  # a bad mapping is refused before the file is kept
        meta["mapping"] = json.loads(values["mapping"])
    token = secrets.token_hex(12)
    path = _folder() / f"{token}{suffix}"
    upload.save(path)
    keep = False
    try:
        # The page keeps the error copy for its download; the API answers the errors in the report.
        report, job = _start(ctx, token, meta, flag("dry_run"))
        if job is not None:
            (_folder() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            keep = True
            response = jsonify(import_jobs.job_json(job))
            response.status_code = 202
            response.headers["Location"] = f"/api/v1/imports/jobs/{job.id}"
            return response
    finally:
        if not keep:
            _forget(token, suffix)
    return jsonify(report.to_dict()), 422 if report.refused_whole else 200


@blp.get("/imports/jobs/<int:job_id>")
@blp.response(200, description="Задание")
@blp.doc(summary="Фоновая загрузка: состояние, сколько строк сделано, отчёт по окончании")
def import_job_api(job_id):
    ctx = context()
    return jsonify(import_jobs.job_json(import_jobs.get_job(ctx, job_id), _queue()))


@blp.post("/imports/jobs/<int:job_id>/cancel")
@blp.response(202, description="Отмена принята")
@blp.doc(summary="Отменить фоновую загрузку (ничего не записывается)",
         responses={"200": {"description": "Задание", "content": OBJECT}})
def import_job_cancel_api(job_id):
    """A queued job never starts, a running one stops at its next batch of rows and writes nothing."""
    ctx = context()
    job = import_jobs.cancel_job(ctx, _queue(), job_id)
    return jsonify(import_jobs.job_json(job, _queue())), 202
