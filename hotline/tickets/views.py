"""Ticket API (SPEC §5): thin — parse, authorise, call one service, serialise."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from hotline.auth.api import api_auth
from hotline.auth.roles import Role
from hotline.core.api_schemas import accepts, query_params, returns
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.tickets.inputs import ActionBody, TicketListQuery
from hotline.tickets.lifecycle import perform_action
from hotline.tickets.outputs import TicketAnswer, TicketEvents, TicketPage
from hotline.tickets.schemas import event_to_dict, ticket_to_dict
from hotline.tickets.services import (
    PAGE_SIZE,
    after_cursor,
    decode_cursor,
    encode_cursor,
    get_visible_ticket,
    list_events,
    list_loading,
    ticket_query,
)
from hotline.tickets.whistleblower import found_by_text
from hotline.units.services import get_unit_by_code

bp = Blueprint("tickets_api", __name__, url_prefix="/api/v1/tickets")


@bp.get("")
@returns(TicketPage)
@api_auth()
@query_params(TicketListQuery)
def list_tickets(args: TicketListQuery):
    """List what the caller may see, newest first: ``after=<next>`` pages by key (fast at any depth);
    ``page=N`` (SPEC §5) still pages by offset."""
    page = args.page or 1
    after = decode_cursor(args.after)
    query = ticket_query(
        g.actor,
        state=args.state,
        unit=get_unit_by_code(db.session, args.unit) if args.unit else None,
        warning=args.warning,
        q=args.q,
    )
    query = query.options(*list_loading(g.actor)).limit(PAGE_SIZE + 1)
    query = query.where(after_cursor(after)) if after is not None else query.offset((page - 1) * PAGE_SIZE)
    rows = db.session.scalars(query).all()
    shown = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    cursor = encode_cursor(shown[-1]) if more else None  # paging stays on the rows read
    if args.q:  # no 举报 is found through the words its reader may not see
        shown = [t for t in shown if found_by_text(t, g.actor, args.q)]
    return jsonify(
        {
            "tickets": [ticket_to_dict(t, g.actor) for t in shown],
            "page": page if after is None else None,
            "has_more": more,
            "next": cursor,
        }
    )


@bp.get("/<number>")
@returns(TicketAnswer)
@api_auth()
def show_ticket(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)})


@bp.get("/<number>/events")
@returns(TicketEvents)
@api_auth()
def ticket_events(number: str):
    ticket = get_visible_ticket(db.session, number, g.actor)
    return jsonify(
        {
            "number": ticket.number,
            "events": [event_to_dict(e, ticket, g.actor) for e in list_events(db.session, ticket)],
        }
    )


@bp.post("/<number>/<action>")
@returns(TicketAnswer)
@api_auth(*Role)
@accepts(ActionBody, required=False)
def act_on_ticket(number: str, action: str, body: ActionBody):
    """Carry out one action of SPEC §3 on the ticket (403 for a role that may not, 409 from a wrong state)."""
    params = body.params()
    ticket = get_visible_ticket(db.session, number, g.actor)
    perform_action(db.session, ticket, action, g.actor, params, preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"])
    commit(db.session)
    return jsonify({"ticket": ticket_to_dict(ticket, g.actor)})
