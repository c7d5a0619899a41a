"""Search API: GET /api/v1/search (keyset pages), saved views per user."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from hotline.auth.api import api_auth
from hotline.core.api_schemas import accepts, query_params
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.search.index import catch_up
from hotline.search.inputs import SavedView, SearchQuery
from hotline.search.services import (
    SearchParams,
    delete_view,
    list_saved_views,
    save_view,
    search_tickets,
)
from hotline.tickets.schemas import ticket_to_dict

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")


def run_search(args: dict):
    """Parse, bring the index up to date, search (shared by the API and the page)."""
    params = SearchParams.from_mapping(args)
    limit = args.get("limit", "")
    size = min(int(limit), 200) if str(limit).isdigit() and int(limit) > 0 else 50
    if params.q:
        catch_up(db.session)
        commit(db.session)
    return params, search_tickets(db.session, g.actor, params, args.get("cursor") or None, size)


@bp.get("/search")
@api_auth()
@query_params(SearchQuery)
def search(args: SearchQuery):
    """Search the tickets the caller may see; ``next`` is the cursor of the following page (null at the end)."""
    params, page = run_search(args.mapping())
    return jsonify(
        {
            "tickets": [ticket_to_dict(t, g.actor) for t in page.tickets],
            "next": page.next_cursor,
            "words": page.words,
            "params": params.to_dict(),
        }
    )


@bp.get("/search/views")
@api_auth()
def saved_views():
    return jsonify([{"id": v.id, "name": v.name, "params": v.params} for v in list_saved_views(db.session, g.actor)])


@bp.post("/search/views")
@api_auth()
@accepts(SavedView)
def create_saved_view(body: SavedView):
    """Save a search under a name (the caller's own)."""
    params = SearchParams.from_mapping(body.params)
    view = save_view(db.session, g.actor, body.name, params)
    result = {"id": view.id, "name": view.name, "params": view.params}
    commit(db.session)
    return jsonify(result), 201


@bp.delete("/search/views/<int:view_id>")
@api_auth()
def remove_saved_view(view_id: int):
    delete_view(db.session, g.actor, view_id)
    commit(db.session)
    return jsonify({"deleted": view_id})
