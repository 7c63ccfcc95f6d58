"""The inbox (issue 16): a person's page of what waits for them, the office's overview per agency with its
export, and the profile page where each person chooses their e-mails (for machines: web/api/inbox.py)."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for

from catalog import models
from catalog.errors import InvalidInput, Unauthorized
from catalog.services import inbox, notify, rules
from catalog.services.context import Context
from web import context
from web.inputs import int_arg
from web.pages.helpers import error_text

bp = Blueprint("inbox", __name__)
log = logging.getLogger(__name__)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@bp.get("/inbox")
def inbox_page():
    ctx = context()
    items = inbox.inbox(ctx)
    return render_template("inbox.html", items=items, overdue=sum(i["overdue"] for i in items),
                           may_overview=rules.may(ctx, "inbox.overview"))


def _overview():
    ctx = context()
    agency_id = int_arg("agency_id", None)
    return ctx, agency_id, inbox.overview(ctx, agency_id)


@bp.get("/inbox/agencies")
def overview_page():
    ctx, agency_id, rows = _overview()
    agencies = ctx.session.query(models.Agency.id, models.Agency.name).filter(models.Agency.deleted_at.is_(None)) \
        .order_by(models.Agency.name).all()
    return render_template("inbox_agencies.html", rows=rows, groups=inbox.by_agency(rows), agencies=agencies,
                           agency_id=agency_id)


@bp.get("/inbox/agencies.<any(csv,xlsx):fmt>")
def overview_export(fmt):
    ctx, _agency_id, rows = _overview()
    base = ctx.settings.base_iri
    if fmt == "csv":
        return Response(inbox.export_csv(rows, base), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=inbox-agencies.csv"})
    return Response(inbox.export_xlsx(rows, base),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=inbox-agencies.xlsx"})


@bp.route("/profile", methods=["GET", "POST"])
def profile_page():
    ctx = context()
    if ctx.user is None:
        raise Unauthorized("Нужен вход: профиль есть у каждого пользователя, войдите в систему.")
    errors, prefs = {}, notify.preferences(ctx, ctx.user)
    if request.method == "POST":
        data = {"email": request.form.get("email"),
                **{name: request.form.get(name) == "on" for name in ("new_item", "due_tomorrow", "overdue", "digest")}}
        try:
            notify.save_preferences(ctx, ctx.user.id, data)
        except InvalidInput as error:
            ctx.session.rollback()
            errors = error.fields or {"_": [error_text(error)]}
            prefs = models.NotificationPreference(user_id=ctx.user.id, **data)
        else:
            flash("Настройки уведомлений сохранены.")
            return redirect(url_for("inbox.profile_page"))
    return render_template("profile.html", prefs=prefs, errors=errors, mail_on=notify.enabled(ctx),
                           labels=notify.LABELS), (422 if errors else 200)


def init_app(app) -> None:
    @app.context_processor
    def _inbox_count():
        def count() -> int:
            # Once per request: the header asks on every page.
            if "inbox_count" not in g:
                try:
                    g.inbox_count = inbox.count(context()) if g.get("user") is not None else 0
                except Exception:  # the header must never break a page
                    log.exception("inbox count failed")
                    g.inbox_count = 0
            return g.inbox_count
        return {"inbox_count": count}

    @app.after_request
    def _queue_notifications(response):
        """After a change that succeeded, queue the e-mails it causes (never sent here, never failing it)."""
        settings = app.config["CATALOG"]
        if request.method in WRITES and response.status_code < 400 and settings.smtp_url:
            runtime = current_app.extensions["catalog"]
            request_session = g.get("db")
            if request_session is not None:
                request_session.close()  # the answer is built; a read it holds must not lock SQLite's writer out
            session = runtime.sessions()
            try:
                notify.collect(Context(session=session, is_system=True, system_actor="уведомления", settings=settings))
            except Exception:  # the user's change is committed; `catalog notify run` catches up later
                session.rollback()
                log.exception("queueing notifications failed")
            finally:
                session.close()
        return response
