"""Pages of the register's duties (Kemerovo register rules 3, 4 п. 3) over catalog.services.duties and
catalog.services.notices (their JSON API: web/api/duties.py).

- /registers/ and /registers/<agency>/: the published registers, readable by anyone, signed in or not,
  whatever «чтение без входа» says about the rest of the catalogue (3.1: the register is published);
- /agencies/<agency>/duties: the agency's officials, its agreed versions, late changes, notices, downloads;
- /notices/…: correction notices (3.5), with a print view;
- /registers/control: the authorised body's table per agency for a month, in Excel or CSV too.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from catalog import models
from catalog.errors import CatalogError, InvalidInput
from catalog.formatting import parse_date
from catalog.enums import Visa
from catalog.services import documents, duties, notices, people as people_service, permissions, rules
from web import context
from web.inputs import form_int, form_version
from web.pages.helpers import error_text

bp = Blueprint("duties", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, name: str, mimetype: str = XLSX) -> Response:
    from urllib.parse import quote

    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"register.xlsx\"; filename*=UTF-8''{quote(name)}"})


# -- public: the published registers


@bp.get("/registers/")
def published_page():
    return render_template("registers_published.html", rows=duties.published_agencies(context()))


@bp.get("/registers/<int:agency_id>/")
def public_page(agency_id):
    ctx = context()
    agency = ctx.get(models.Agency, agency_id, f"Органа № {agency_id} нет в каталоге.")
    version = duties.published(ctx, agency.id)
    return render_template("register_public.html", agency=agency, version=version,
                           versions=duties.versions(ctx, agency.id), fields=notices.field_labels(),
                           agreed_on=duties.entered_on(ctx, version.agreed_at) if version else None,
                           officials=[v for v in duties.officials(ctx, agency.id) if v.official.until is None])


@bp.get("/registers/<int:agency_id>/register.xlsx")
def public_xlsx(agency_id):
    ctx = context()
    number = form_int(request.args.get("version", "")) if request.args.get("version") else None
    version = duties.get_published(ctx, agency_id, number)
    return _download(duties.version_xlsx(ctx, version),
                     f"Реестр процессов — {version.agency.short_name or version.agency.name} — версия {version.number}.xlsx")


# -- the agency's duties


@bp.get("/agencies/<int:agency_id>/duties")
def agency_page(agency_id):
    ctx = context()
    permissions.require_read(ctx)
    agency = ctx.get(models.Agency, agency_id, f"Органа № {agency_id} нет в каталоге.")
    late = duties.late_changes(ctx, [agency.id], limit=200)
    people = list(ctx.session.scalars(select(models.Person).where(
        models.Person.agency_id == agency.id, models.Person.deleted_at.is_(None)).order_by(models.Person.full_name)))
    return render_template("register_agency.html", agency=agency, officials=duties.officials(ctx, agency.id),
                           vacancies=duties.vacancies(ctx, [agency.id]), versions=duties.versions(ctx, agency.id),
                           late=late, labels=duties.record_labels(ctx, late), people=people,
                           duty_labels=duties.DUTIES, notices=notices.list_notices(ctx, agency.id),
                           may_download=rules.may(ctx, "register.download", agency.id),
                           may_appoint=rules.may(ctx, "register.appoint", agency.id),
                           may_agree=rules.may(ctx, "register.agree", agency.id),
                           may_write=rules.may(ctx, "notices.write"), agree_refusal=rules.refusal(ctx, "register.agree", agency.id),
                           **_signatures(ctx, agency))


# The visas an agency's head gives in the agency (the office's visas are delegated inside the office).
AGENCY_VISAS = (Visa.ROADMAP_APPROVE.value, Visa.PASSPORT_APPROVE.value)


def _signatures(ctx, agency) -> dict:
    """Who signs for the agency, its delegations in force and past, and whether the user may record them."""
    found = people_service.signatories(ctx, agency.id)
    current, past = people_service.delegations_split(ctx, agency.id)
    head = found["head"]
    return {"signers": found, "delegations_now": current, "delegations_past": past,
            "visa_choices": [(v, Visa.label_of(v)) for v in AGENCY_VISAS],
            "may_delegate": head is not None and rules.may(ctx, "people.delegate", head),
            "may_designate": rules.may(ctx, "people.designate", agency), "visa_label": Visa.label_of}


@bp.post("/agencies/<int:agency_id>/delegations")
def delegate(agency_id):
    """The head records a delegation to an official of the agency (whom, which visa, from/until, the order)."""
    ctx = context()
    ctx.get(models.Agency, agency_id, f"Органа № {agency_id} нет в каталоге.")
    head = people_service.head_of(ctx, agency_id)
    try:
        found = people_service.delegate(ctx, {
            "from_person_id": head.id if head else None, "to_person_id": form_int(request.form.get("to_person_id", "")),
            "visa": request.form.get("visa"), "valid_from": request.form.get("valid_from"),
            "valid_until": request.form.get("valid_until"), "basis": request.form.get("basis")})
        flash(f"Поручение записано: {found.to_person.full_name} — {Visa.label_of(found.visa)} "
              f"с {found.valid_from:%d.%m.%Y}" + (f" по {found.valid_until:%d.%m.%Y}" if found.valid_until else "") + ".")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("duties.agency_page", agency_id=agency_id) + "#signatures")


@bp.post("/delegations/<int:delegation_id>/end")
def end_delegation(delegation_id):
    ctx = context()
    found = ctx.get(models.Delegation, delegation_id, f"Поручения № {delegation_id} нет.")
    people_service.end_delegation(ctx, delegation_id)
    flash(f"Поручение № {found.id} прекращено: {found.to_person.full_name} больше не подписывает по нему.")
    return redirect(url_for("duties.agency_page", agency_id=found.from_person.agency_id) + "#signatures")


@bp.post("/agencies/<int:agency_id>/passport-approver")
def designate(agency_id):
    ctx = context()
    try:
        found = people_service.designate(ctx, agency_id, form_int(request.form.get("person_id", "")))
        flash(f"Паспорта процессов органа утверждает {found.person.full_name}, {found.person.position}.")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("duties.agency_page", agency_id=agency_id) + "#signatures")


@bp.get("/agencies/<int:agency_id>/register.xlsx")
def current_xlsx(agency_id):
    ctx = context()
    agency = ctx.get(models.Agency, agency_id, f"Органа № {agency_id} нет в каталоге.")
    return _download(duties.current_xlsx(ctx, agency.id), f"Реестр процессов — {agency.short_name or agency.name}.xlsx")


@bp.post("/agencies/<int:agency_id>/duties/appoint")
def appoint(agency_id):
    ctx = context()
    try:
        row = duties.appoint(ctx, agency_id, request.form.get("duty"), form_int(request.form.get("person_id", "")),
                             request.form.get("since"), request.form.get("note"))
        flash(f"{row.person.full_name}: {duties.DUTIES[row.duty].lower()} с {row.since:%d.%m.%Y}.")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("duties.agency_page", agency_id=agency_id))


@bp.post("/duties/<int:official_id>/vacate")
def vacate(official_id):
    ctx = context()
    row = ctx.get(models.RegisterOfficial, official_id, f"Назначения № {official_id} нет.")
    try:
        duties.vacate(ctx, official_id, request.form.get("until"))
        flash(f"{row.person.full_name} больше не исполняет обязанность; назначьте замену за 3 рабочих дня.")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("duties.agency_page", agency_id=row.agency_id))


@bp.post("/agencies/<int:agency_id>/duties/agree")
def agree(agency_id):
    ctx = context()
    try:
        version = duties.agree(ctx, agency_id)
        flash(f"Реестр согласован и опубликован: версия {version.number}, процессов {version.process_count}.")
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    return redirect(url_for("duties.agency_page", agency_id=agency_id))


# -- correction notices


@bp.get("/notices/")
def notices_page():
    ctx = context()
    agency_id = form_int(request.args.get("agency_id", "")) if request.args.get("agency_id") else None
    return render_template("notices.html", notices=notices.list_notices(ctx, agency_id),
                           may_write=rules.may(ctx, "notices.write"))


@bp.route("/notices/new", methods=["GET", "POST"])
def new_notice():
    ctx = context()
    rules.check(ctx, "notices.write")
    agency_id = form_int(request.values.get("agency_id", "")) if request.values.get("agency_id") else None
    agencies = list(ctx.session.scalars(select(models.Agency).where(models.Agency.deleted_at.is_(None))
                                        .order_by(models.Agency.name)))
    processes = []
    if agency_id is not None:
        processes = list(ctx.session.scalars(select(models.Process).where(
            models.Process.agency_id == agency_id, models.Process.deleted_at.is_(None))
            .order_by(models.Process.registry_id).limit(2000)))
    if request.method == "POST" and request.form.get("send"):
        items = []
        for process in processes:
            chosen = request.form.getlist(f"fields-{process.id}")
            if chosen:
                items.append({"process_id": process.id, "fields": chosen})
        try:
            notice = notices.write_notice(ctx, {"agency_id": agency_id, "reason": request.form.get("reason"),
                                                "items": items})
            flash(f"Уведомление № {notice.id} направлено; срок ответа — {notice.due_on:%d.%m.%Y}.")
            return redirect(url_for("duties.notice_page", notice_id=notice.id))
        except InvalidInput as error:
            ctx.session.rollback()
            flash(error_text(error))
    return render_template("notice_form.html", agencies=agencies, agency_id=agency_id, processes=processes,
                           fields=notices.field_labels(), reason=request.form.get("reason", ""))


@bp.get("/notices/<int:notice_id>")
def notice_page(notice_id):
    ctx = context()
    permissions.require_read(ctx)
    view = notices.get_notice(ctx, notice_id)
    return render_template("notice.html", view=view, notice=view.notice, actions=notices.ACTIONS,
                           may_answer=rules.may(ctx, "notices.answer", view.notice),
                           may_close=rules.may(ctx, "notices.close", view.notice))


@bp.get("/notices/<int:notice_id>/print")
def notice_print(notice_id):
    ctx = context()
    permissions.require_read(ctx)
    view = notices.get_notice(ctx, notice_id)
    return render_template("notice_print.html", view=view, notice=view.notice,
                           region=documents.region_name(ctx), address=request.url_root.rstrip("/")
                           + url_for("duties.notice_page", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/<any(answer, return, close):step>")
def notice_step(notice_id, step):
    ctx = context()
    action = {"answer": notices.answer_notice, "return": notices.return_notice, "close": notices.close_notice}[step]
    try:
        action(ctx, notice_id, request.form.get("text", ""), form_version())
        flash({"answer": "Ответ отправлен автору уведомления.", "return": "Уведомление возвращено органу.",
               "close": "Уведомление закрыто."}[step])
    except InvalidInput as error:
        ctx.session.rollback()
        flash(error_text(error))
    except CatalogError as error:
        if error.status in (401, 403):
            raise
        ctx.session.rollback()
        flash(error.message)
    return redirect(url_for("duties.notice_page", notice_id=notice_id))


# -- the authorised body's control page


def _month() -> date:
    from catalog.services.history import local_today

    raw = request.args.get("month")
    if not raw:
        return local_today(context())
    try:
        return parse_date(f"{raw}-01")
    except ValueError:
        abort(404)


@bp.get("/registers/control")
def control_page():
    ctx = context()
    month = _month()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        header, rows = duties.control_rows(ctx, month)
        name = f"Контроль реестров {month:%m.%Y}.{fmt}"
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, delimiter=";")
            writer.writerow(header)
            writer.writerows(rows)
            # With a byte order mark: Excel opens UTF-8 CSV in Cyrillic only so.
            return _download(("\ufeff" + out.getvalue()).encode("utf-8"), name, "text/csv; charset=utf-8")
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Контроль реестров"
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return _download(out.getvalue(), name)
    rows = duties.control(ctx, month)
    # What the month asks of the authorised body first (3.3, 3.5), then duties nobody holds (3.2).
    rows.sort(key=lambda r: (-(r["late_changes"] + r["unanswered_notices"]), -len(r["vacant"]), r["agency"].name))
    return render_template("register_control.html", rows=rows, month=month)


def init_app(app) -> None:
    @app.context_processor
    def _duties_globals():
        def may_control():
            return rules.may(context(), "register.control")
        return {"may_control_registers": may_control}
