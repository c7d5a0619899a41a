"""Generated history is consistent: states vs events (the lifecycle table), callbacks vs states, numbering."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from hotline.tickets.states import OPEN, TABLE, Action, State

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
NOT_TRANSITIONS = {"register", "notify"}  # written by intake, not actions of the table


@pytest.fixture
def history(app, world):
    from hotline.core.extensions import db
    from hotline.history.services import generate_history

    with app.app_context():
        summary = generate_history(db.session, DATA, tickets=600, open_count=150, days=60, seed=7)
        db.session.commit()
        db.session.remove()
    return summary


def test_states_follow_the_lifecycle_table_event_by_event(app, history):
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket, TicketEvent

    with app.app_context():
        tickets = {t.id: t for t in db.session.scalars(select(Ticket))}
        trails = defaultdict(list)
        for event in db.session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
            trails[event.ticket_id].append(event)
        assert len(tickets) == 600 == history.tickets
        assert sum(State(t.state) in OPEN for t in tickets.values()) == 150
        assert {State(t.state) for t in tickets.values()} >= {
            State.REGISTERED,
            State.DISPATCHED,
            State.ACCEPTED,
            State.CALLBACK_DUE,
            State.CLOSED,
        }
        for tid, trail in trails.items():
            ticket = tickets[tid]
            assert trail[0].action == "register" and trail[0].to_state == "registered"
            assert trail[-1].to_state == ticket.state, (ticket.number, [e.action for e in trail])
            for before, event in pairwise(trail):
                assert event.from_state == before.to_state, (ticket.number, event.action)
                assert event.created_at >= before.created_at
                if event.action in NOT_TRANSITIONS:
                    continue
                row = TABLE[(State(event.from_state), Action(event.action))]
                assert State(event.to_state) in {row.target, *row.also}, (ticket.number, event.action)
            if ticket.state == "merged":
                assert ticket.merged_into_id is not None
            if State(ticket.state) in {State.DISPATCHED, State.ACCEPTED, State.REPLIED, State.CALLBACK_DUE}:
                assert ticket.lead_unit_id is not None and ticket.dispatched_at is not None
                assert ticket.accept_due is not None
            if ticket.state == "accepted":
                assert ticket.accepted_at is not None and ticket.reply_due is not None
        db.session.remove()


def test_callbacks_match_states_and_satisfaction(app, history):
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket, TicketCallback

    with app.app_context():
        by_ticket = defaultdict(list)
        for cb in db.session.scalars(select(TicketCallback).order_by(TicketCallback.id)):
            by_ticket[cb.ticket_id].append(cb)
        assert by_ticket
        for ticket in db.session.scalars(select(Ticket)):
            calls = by_ticket.get(ticket.id, [])
            reached = [c for c in calls if not c.unreachable]
            if ticket.state in ("registered", "dispatched", "accepted", "replied") and not ticket.rework_count:
                assert not calls, ticket.number
            if ticket.state == "disputed" or (ticket.state == "closed" and ticket.reply_approved_at):
                assert reached and reached[-1].satisfaction == ticket.satisfaction, ticket.number
                assert ticket.contacted is True
            for call in calls:
                assert call.unit_id == ticket.lead_unit_id
        db.session.remove()


def test_new_intake_after_history_gets_a_fresh_number_and_reports_have_rows(api, app, history):
    ticket = api.new_ticket()
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Ticket.number == ticket["number"])) == 1
        db.session.remove()
    rates = api.get("/api/v1/reports/rates", as_="supervisor1").get_json()["rows"]
    assert any(row["valid_callbacks"] for row in rates)


def test_the_command_refuses_more_open_than_tickets(app, world):
    result = CliRunner().invoke(
        app.cli, ["hotline", "generate-history", "--tickets", "5", "--open", "9"], catch_exceptions=False
    )
    assert result.exit_code != 0 and "在办数不能超过总数" in result.output


def test_a_word_of_the_generated_history_is_found_by_the_first_search(api, app, history):
    """The demo's history is searchable at once: every ticket mentioning 路灯 is a hit of the first search.

    The history writer used to leave the search index empty, so the first searches of a fresh demo indexed 300
    tickets each and found next to nothing.
    """
    from hotline.core.extensions import db
    from hotline.search.models import TicketSearchDoc
    from hotline.tickets.models import Ticket

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TicketSearchDoc)) == history.tickets
        word = "路灯"
        mentions = {
            n
            for n, title, content, address in db.session.execute(
                select(Ticket.number, Ticket.title, Ticket.content, Ticket.address)
            )
            if word in f"{title} {content} {address or ''}"
        }
    assert len(mentions) >= 3, "the history's texts should mention the word"
    assert len(mentions) < 100  # one page holds them all
    response = api.get("/api/v1/search", as_="supervisor1", query_string={"q": word, "limit": 100})
    assert response.status_code == 200, response.get_json()
    found = {t["number"] for t in response.get_json()["tickets"]}
    assert found == mentions  # every mention, wherever jieba cut the sentence


def test_warned_open_tickets_leave_their_units_a_reminder(app, history):
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.deadlines import worst_deadline
    from hotline.tickets.models import Ticket, TicketReminder

    with app.app_context():
        warned = {
            t.id: t
            for t in db.session.scalars(
                select(Ticket).where(
                    Ticket.state.in_([s.value for s in OPEN]),
                    Ticket.warning != "none",
                    Ticket.handling_unit_id.is_not(None),
                )
            )
        }
        reminders = db.session.scalars(select(TicketReminder)).all()
        assert len(reminders) >= len(warned) * 0.9 > 10  # the generator's own warning rule differs a little
        for r in reminders:
            ticket = warned[r.ticket_id]
            level, cause = worst_deadline(ticket, clock.now())
            assert (r.unit_id, r.level, r.read_at) == (ticket.handling_unit_id, ticket.warning, None)
            assert (r.stage, r.due_at) == (cause.stage, cause.due_at) and level == r.level
        db.session.remove()
