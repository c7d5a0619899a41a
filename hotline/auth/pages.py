"""Login and role checks for server-rendered pages (the API uses ``hotline.auth.api.api_auth``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, redirect, render_template, url_for

from hotline.auth.api import CHANGE_PASSWORD, ENROL_SECOND_FACTOR, current_user, resolve_caller
from hotline.auth.roles import LANDING_PAGES, Role

# Where a session that still owes something is sent, whatever page it asked for.
SETTLE_PAGES = {ENROL_SECOND_FACTOR: "account_pages.security", CHANGE_PASSWORD: "account_pages.password"}


def page_for(*roles: Role | str) -> Callable:
    """Require a logged-in user with one of ``roles`` (sets ``g.me``): strangers go to /login, others get 403.

    A session that has not passed the second factor its role needs (or whose password expired) reaches no
    page but the one that settles that.
    """
    allowed = {str(r) for r in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                caller = resolve_caller()
                if caller is not None and caller.restriction in SETTLE_PAGES:
                    return redirect(url_for(SETTLE_PAGES[caller.restriction]))
                return redirect(url_for("auth_pages.login"))
            if user.role not in allowed:
                return render_template("403.html", me=user, home=LANDING_PAGES[user.role_enum]), 403
            g.me = user
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]  # read by the permission sweep
        return wrapper

    return decorator
