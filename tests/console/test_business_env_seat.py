"""涉企 1号键 → 营商环境专席: such calls pop only on agents whose seat has the ``business_env`` skill."""

from __future__ import annotations

import pytest

from hotline.auth.services import create_user
from hotline.core.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.console.conftest import wait_for

CALL = {"event": "newCall", "from": "13812345678", "to": "12345", "callId": "c-biz-1"}


@pytest.fixture
def seats(app, world, api):
    """agent1 (no skill) and agent_biz (given the business_env skill by the admin, through the API)."""
    with app.app_context():
        create_user(db.session, "agent_biz", DEMO_PASSWORD, "agent", world.unit("A"))
        db.session.commit()
    response = api.client.put(
        "/api/v1/console/agents/agent_biz/skills",
        json={"skills": ["business_env"]},
        headers={"Authorization": f"Bearer {api.token('admin1')}"},
    )
    assert response.status_code == 200 and response.get_json()["skills"] == ["business_env"]
    return api


def _calls(received: list) -> list[dict]:
    return [r["args"][0] for r in received if r["name"] == "call.new"]


@pytest.mark.parametrize("route", [{"digit": "1"}, {"queue": "business_env"}, {"digit": "1", "agent": "agent1"}])
def test_an_enterprise_call_pops_only_on_a_business_env_seat(seats, login, sockets, route):
    plain, biz = sockets(login("agent1")), sockets(login("agent_biz"))
    response = seats.post("/api/v1/cti", as_="admin1", json=CALL | route)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["enterprise"] and body["skill"] == "business_env"
    got = wait_for(biz, lambda r: bool(_calls(r)))
    assert [c["call_id"] for c in _calls(got)] == ["c-biz-1"] and _calls(got)[0]["enterprise"]
    # give a stray delivery time to arrive before concluding the plain seat got nothing
    assert _calls(wait_for(plain, lambda r: bool(_calls(r)), timeout=0.8)) == []


def test_an_ordinary_call_still_pops_on_the_named_agent(seats, login, sockets):
    plain, biz = sockets(login("agent1")), sockets(login("agent_biz"))
    response = seats.post("/api/v1/cti", as_="admin1", json=CALL | {"digit": "2", "agent": "agent1"})
    assert response.status_code == 200 and not response.get_json()["enterprise"]
    assert _calls(wait_for(plain, lambda r: bool(_calls(r))))
    assert _calls(wait_for(biz, lambda r: bool(_calls(r)), timeout=0.8)) == []


def test_seat_skills_are_admin_only_validated_and_audited(app, seats):
    headers = {"Authorization": f"Bearer {seats.token('supervisor1')}"}
    assert (
        seats.client.put(
            "/api/v1/console/agents/agent1/skills", json={"skills": ["business_env"]}, headers=headers
        ).status_code
        == 403
    )
    admin = {"Authorization": f"Bearer {seats.token('admin1')}"}
    bad = seats.client.put("/api/v1/console/agents/agent1/skills", json={"skills": ["cooking"]}, headers=admin)
    assert bad.status_code == 422 and "坐席技能无效" in bad.get_json()["error"]["message"]
    assert (
        seats.client.put("/api/v1/console/agents/handler1/skills", json={"skills": []}, headers=admin).status_code
        == 404
    )
    assert seats.get("/api/v1/console/agents/agent_biz/skills", as_="supervisor1").get_json()["skills"] == [
        "business_env"
    ]
    assert (
        seats.client.put("/api/v1/console/agents/agent_biz/skills", json={"skills": []}, headers=admin).get_json()[
            "skills"
        ]
        == []
    )
    from sqlalchemy import select

    from hotline.console.seats import AgentSkillChange

    with app.app_context():
        changes = [
            (c.before, c.after) for c in db.session.scalars(select(AgentSkillChange).order_by(AgentSkillChange.id))
        ]
    assert changes == [([], ["business_env"]), (["business_env"], [])]
