"""Who is asking: a web session (login form) or an API token (``Authorization: Bearer``)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from catalog import models
from catalog.services import users
from web import context, db_session

bp = Blueprint("auth", __name__)


def init_app(app) -> None:
    @app.before_request
    def _load_user():
        g.user = None
        g.token_auth = False
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            g.token_auth = True
            g.user = users.user_for_token(context(), header[len("Bearer "):].strip())
            g.bad_token = g.user is None
            return
        user_id = session.get("user_id")
        if user_id is not None:
            user = db_session().get(models.User, user_id)
            g.user = user if user is not None and user.is_active else None


def _safe_next(target: str | None) -> str:
    # Only local paths: never send a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = users.authenticate(context(), request.form.get("login", ""), request.form.get("password", ""))
        if user is None:
            error = "Неверный логин или пароль."
        else:
            session.clear()
            session["user_id"] = user.id
            flash(f"Вы вошли как {user.full_name}.")
            return redirect(_safe_next(request.form.get("next")))
    return render_template("login.html", error=error, next=request.values.get("next", "")), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    flash("Вы вышли из системы.")
    return redirect(url_for("pages.home"))
