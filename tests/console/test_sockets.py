"""Socket auth and rooms: a browser hears only what its user may see."""

from __future__ import annotations

from tests.console.conftest import wait_for


def _numbers(received: list) -> set[str]:
    return {args[0]["number"] for r in received if r["name"].startswith("ticket.") for args in [r["args"]]}


def test_anonymous_connect_is_refused(app, world, sockets):
    sio = sockets(app.test_client())
    assert not sio.is_connected()


def test_logged_in_user_connects(login, sockets):
    sio = sockets(login("handler1"))
    assert sio.is_connected()


def test_handler_of_another_unit_hears_nothing_about_a_ticket_at_a1(api, login, sockets):
    handler1 = sockets(login("handler1"))
    handler2 = sockets(login("handler2"))
    dispatcher = sockets(login("dispatcher1"))
    agent = sockets(login("agent1"))
    ticket = api.new_ticket()
    response = api.act(ticket["number"], "dispatch", "dispatcher1", unit="A1")
    assert response.status_code == 200, response.get_json()

    seen_by_1 = wait_for(handler1, lambda r: ticket["number"] in _numbers(r))
    assert ticket["number"] in _numbers(seen_by_1)
    assert any(r["name"] == "ticket.updated" and r["args"][0]["state"] == "dispatched" for r in seen_by_1)
    assert ticket["number"] in _numbers(wait_for(dispatcher, lambda r: ticket["number"] in _numbers(r)))
    assert ticket["number"] in _numbers(wait_for(agent, lambda r: ticket["number"] in _numbers(r)))
    # give any stray delivery time to arrive before concluding handler2 got nothing
    assert wait_for(handler2, lambda r: bool(r), timeout=0.8) == []


def test_payload_is_not_sensitive(api, login, sockets):
    handler1 = sockets(login("handler1"))
    ticket = api.new_ticket(caller_name="张三", caller_phone="13900001111")
    api.act(ticket["number"], "dispatch", "dispatcher1", unit="A1")
    received = wait_for(handler1, lambda r: bool(r))
    payload = received[0]["args"][0]
    assert "caller_phone" not in payload and "content" not in payload
    assert "13900001111" not in str(payload) and "张三" not in str(payload)
