"""Login (pages) and tokens (API)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, session, url_for

from hotline.auth.api import api_auth, current_user
from hotline.auth.roles import LANDING_PAGES
from hotline.auth.services import authenticate, issue_token
from hotline.auth.throttle import BLOCKED_MESSAGE, login_throttle
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.core.validation import get_str, json_body

api = Blueprint("auth_api", __name__, url_prefix="/api/v1")
pages = Blueprint("auth_pages", __name__)


@api.post("/auth/token")
def create_token():
    body = json_body(request)
    username = get_str(body, "username", required=True, max_length=80) or ""
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise ApiError(422, "missing_field", "缺少必填字段：password", field="password")
    address = request.remote_addr or "?"
    if login_throttle().blocked(username, address):
        raise ApiError(429, "too_many_attempts", BLOCKED_MESSAGE)
    user = authenticate(db.session, username, password)
    if user is None:
        login_throttle().failed(username, address)
        raise ApiError(401, "invalid_credentials", "用户名或密码错误")
    token = issue_token(db.session, user, current_app.config["HOTLINE_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": token, "user": user.to_dict()})


@api.get("/me")
@api_auth()
def me():
    return jsonify(g.actor.to_dict())


@pages.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None)
    username, address = request.form.get("username", "")[:80], request.remote_addr or "?"
    if login_throttle().blocked(username, address):
        return render_template("login.html", error=BLOCKED_MESSAGE), 429
    user = authenticate(db.session, username, request.form.get("password", ""))
    if user is None:
        login_throttle().failed(username, address)
        return render_template("login.html", error="用户名或密码错误"), 401
    session.clear()
    session["user_id"] = user.id
    return redirect(LANDING_PAGES[user.role_enum])


@pages.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth_pages.login"))


@pages.get("/")
def home():
    user = current_user()
    if user is None:
        return redirect(url_for("auth_pages.login"))
    return redirect(LANDING_PAGES[user.role_enum])
