"""The /search page: the same search as the API, server-rendered, with saved views and bulk 催办/督办."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from hotline.auth.pages import page_for
from hotline.auth.roles import ROLE_NAMES, SEES_CALLER, Role
from hotline.core.errors import ApiError
from hotline.core.extensions import db
from hotline.search.services import SORTS, SearchParams, list_saved_views
from hotline.search.views import run_search
from hotline.tickets.models import CHANNEL_NAMES, KIND_NAMES
from hotline.tickets.schemas import caller_view
from hotline.tickets.states import STATE_NAMES, State, allowed_actions
from hotline.tickets.warnings import WARNING_NAMES
from hotline.tickets.whistleblower import ticket_text

bp = Blueprint("search_pages", __name__)
BULK_ACTIONS = {"urge": "催办", "supervise": "督办"}


@bp.get("/search")
@page_for(*Role)
def search_page():
    """Show the search form, one page of results and the user's saved views."""
    args = request.args.to_dict()
    error, page, params = None, None, SearchParams()
    try:
        params, page = run_search(args)
    except ApiError as exc:
        error = exc.message
    role = g.me.role_enum
    may = {a.value for a in allowed_actions(State.ACCEPTED, role)}  # urge/supervise are allowed in every open state
    bulk = {a: n for a, n in BULK_ACTIONS.items() if a in may}
    return render_template(
        "search.html",
        me=g.me,
        role_name=ROLE_NAMES[role],
        params=params,
        page=page,
        error=error,
        states={s.value: n for s, n in STATE_NAMES.items()},
        channels=CHANNEL_NAMES,
        kinds=KIND_NAMES,
        warnings=WARNING_NAMES,
        sorts=SORTS,
        views=list_saved_views(db.session, g.me),
        bulk=bulk,
        caller=lambda t: caller_view(t, g.me),
        text=lambda t: ticket_text(t, g.me),
        sees_phone=role in SEES_CALLER,
        next_args=(params.to_dict() | {"cursor": page.next_cursor}) if page and page.next_cursor else None,
    )
