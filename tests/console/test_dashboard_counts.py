"""The dashboard counts open tickets exactly on every refresh and the finished ones at most once a minute."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update


def _finish(app, number: str) -> None:
    # Straight to the table: what is under test is the counting, not the loop that closes a ticket.
    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        db.session.execute(update(Ticket).where(Ticket.number == number).values(state="closed"))
        db.session.commit()
        db.session.remove()


def _states(api) -> dict[str, int]:
    body = api.get("/api/v1/console/summary", as_="dispatcher1").get_json()
    return {s["state"]: s["count"] for s in body["states"]}


def test_finished_totals_are_recounted_once_per_period(app, api, monkeypatch):
    from hotline.console.services import DONE_COUNTS_KEY

    monkeypatch.setitem(app.config, "HOTLINE_DONE_COUNTS_SECONDS", 60)
    app.extensions.pop(DONE_COUNTS_KEY, None)
    first, second = api.new_ticket(), api.new_ticket(content="公交车到站不停")
    _finish(app, first["number"])
    assert _states(api)["closed"] == 1 and _states(api)["registered"] == 1

    _finish(app, second["number"])
    states = _states(api)
    assert states["registered"] == 0  # open states: exact at once
    assert states["closed"] == 1  # finished: the count of this minute

    moment, counts = app.extensions[DONE_COUNTS_KEY]
    app.extensions[DONE_COUNTS_KEY] = (moment - dt.timedelta(seconds=61), counts)  # a minute later
    assert _states(api)["closed"] == 2
    app.extensions.pop(DONE_COUNTS_KEY, None)


def test_the_open_state_index_predicate_is_the_dashboard_query_s():
    # The partial index serves the dashboard only while its predicate names exactly the open states.
    import importlib.util
    from pathlib import Path

    from hotline.tickets.states import OPEN

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "1102_list_indexes.py"
    spec = importlib.util.spec_from_file_location("list_indexes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(sorted(s.value for s in OPEN)) == module.OPEN_STATES
