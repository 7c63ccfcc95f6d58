"""Who is asking: a web session (login form) or an API token (``Authorization: Bearer``)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from catalog import models
from catalog.errors import TooManyRequests
from catalog.services import users
from web import context, db_session
from web.security import safe_next

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
            if users.session_is_current(user, session.get("session_version")):
                g.user = user
            else:
                # Logged out elsewhere, a new password, deactivated: this cookie is over.
                session.clear()


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("pages.home"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = users.log_in(context(), request.form.get("login", ""), request.form.get("password", ""),
                                request.remote_addr or "")
        except TooManyRequests as refused:
            return render_template("login.html", error=refused.message, next=request.values.get("next", ""),
                                   demo=_demo()), 429, {
                "Retry-After": str(refused.extra.get("retry_after", 60))}
        if user is None:
            error, status = "Неверный логин или пароль.", 401
        else:
            session.clear()
            session["user_id"] = user.id
            session["session_version"] = user.session_version or 0
            flash(f"Вы вошли как {user.full_name}.")
            return redirect(_safe_next(request.form.get("next")))
    return render_template("login.html", error=error, next=request.values.get("next", ""), demo=_demo()), status


def _demo():
    """The demo's logins, when the demo region is loaded (its password is the documented one)."""
    from catalog.demo.loader import DEMO_PASSWORD, demo_accounts

    accounts = demo_accounts(context())
    return {"accounts": accounts, "password": DEMO_PASSWORD} if accounts else None


@bp.route("/logout", methods=["POST"])
def logout():
    if g.get("user") is not None and not g.get("token_auth"):
        users.logout(context(), g.user)
    session.clear()
    flash("Вы вышли из системы.")
    return redirect(url_for("pages.home"))
