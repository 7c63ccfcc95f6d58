"""Administration pages: users, their roles and scopes, API tokens, anonymous reading."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from catalog.enums import OfficialLevel, Role
from catalog.errors import InvalidInput
from catalog.services import permissions, rules, users
from web import context
from web.pages.helpers import ref_options

bp = Blueprint("users", __name__, url_prefix="/admin")


def _ids(name: str) -> list[int]:
    from web.inputs import form_int

    return [form_int(v) for v in request.form.getlist(name) if form_int(v) is not None]


def _person_fields() -> dict:
    """The account's person: one chosen from the catalogue, or a new one typed on the form (issue 16)."""
    from web.inputs import form_int

    if (request.form.get("new_person_name") or "").strip():
        return {"new_person": {"full_name": request.form.get("new_person_name", "").strip(),
                               "position": request.form.get("new_person_position", "").strip(),
                               "level": request.form.get("new_person_level") or None,
                               "agency_id": form_int(request.form.get("new_person_agency_id"))}}
    return {"person_id": form_int(request.form.get("person_id"))}


def _page(user=None, errors=None, message=None, issued=None, status=200):
    ctx = context()
    return render_template(
        "users.html",
        users=users.list_users(ctx),
        edited=user,
        tokens=users.list_tokens(ctx, user.id) if user else [],
        roles=list(Role),
        agencies=ref_options("agencies") or [],
        marts=ref_options("marts") or [],
        people_options=ref_options("people"),
        levels=list(OfficialLevel),
        errors=errors or {},
        message=message,
        issued=issued,
        anonymous_read=permissions.anonymous_read_enabled(ctx),
    ), status


@bp.get("/users")
def users_page():
    return _page()


@bp.post("/users")
def create_user_page():
    try:
        user = users.create_user(
            context(), request.form.get("login", ""), request.form.get("full_name", ""),
            request.form.get("password") or None, request.form.getlist("roles"),
            _ids("agency_ids"), _ids("mart_ids"), **_person_fields(),
        )
    except InvalidInput as error:
        return _page(errors=error.fields, message=error.message, status=422)
    flash(f"Пользователь «{user.login}» создан.")
    return redirect(url_for("users.user_page", user_id=user.id))


@bp.get("/users/<int:user_id>")
def user_page(user_id):
    ctx = context()
    rules.check(ctx, "users.update")  # the form to change a user: refused when opened, not on save
    return _page(users.get_user(ctx, user_id))


@bp.post("/users/<int:user_id>")
def update_user_page(user_id):
    ctx = context()
    try:
        users.update_user(
            ctx, user_id, full_name=request.form.get("full_name"), roles=request.form.getlist("roles"),
            agency_ids=_ids("agency_ids"), mart_ids=_ids("mart_ids"), is_active="is_active" in request.form,
            password=request.form.get("password") or None, unlink_person="person_id" in request.form,
            **_person_fields(),
        )
    except InvalidInput as error:
        ctx.session.rollback()
        return _page(users.get_user(ctx, user_id), error.fields, error.message, status=422)
    flash("Пользователь изменён.")
    return redirect(url_for("users.user_page", user_id=user_id))


@bp.post("/users/<int:user_id>/tokens")
def create_token_page(user_id):
    ctx = context()
    try:
        issued = users.create_token(ctx, user_id, request.form.get("name", ""))
    except InvalidInput as error:
        return _page(users.get_user(ctx, user_id), error.fields, error.message, status=422)
    return _page(users.get_user(ctx, user_id), issued=issued)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token_page(token_id):
    ctx = context()
    token = users.revoke_token(ctx, token_id)
    flash(f"Токен «{token.name}» отозван.")
    return redirect(url_for("users.user_page", user_id=token.user_id))


@bp.post("/settings")
def settings_page():
    users.set_anonymous_read(context(), request.form.get("anonymous_read") == "on")
    flash("Настройки сохранены.")
    return redirect(url_for("users.users_page"))

