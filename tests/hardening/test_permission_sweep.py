"""Issue 13.6: walk the URL map; every route refuses an anonymous caller unless it is on the public list, and
every role its guard leaves out; the guards agree with SPEC §3's "who may act" table.

Who may call a route is read from the route itself: ``api_auth`` and ``page_for`` record their roles on the view
(``allowed_roles``), as do the few views that check inline. A new route is probed automatically: it either
records its guard or is added to PUBLIC / SIGNED here, in review; a route that does neither fails
``test_every_route_records_its_guard_or_is_public``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.auth.roles import Role
from hotline.tickets.states import ROLES_FOR_ACTION, Action

SPEC = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"

# Endpoints anyone may call: logging in, the citizen's portal, Open311 (its own api_key for filing), static files,
# the minimal health answer, the OpenAPI document, and the citizen's 回访 link (the link is the credential).
PUBLIC = {
    "auth_pages.home",
    "auth_pages.login",
    "auth_pages.logout",
    "auth_api.create_token",
    "portal.index",
    "portal.submit",
    "portal.track",
    "portal.rate",
    "callback_link.show",  # 智能回访: the unguessable link is the citizen's credential (unknown link: 404)
    "callback_link.answer",
    "attachment_files.public_file",  # a citizen's EXIF-free copy behind a signed, expiring link (bad link: 404)
    "open311.discovery",
    "open311.services_list",
    "open311.service_definition",
    "open311.list_requests",
    "open311.create_request",
    "open311.show_request",
    "open311.show_token",
    "static",
    "favicon",
    "health.health",
    "openapi.openapi_document",
}
# Machines that sign their calls instead of signing in; each refuses an anonymous caller (checked below).
TOKEN_GUARDED = {
    "exchange_api.push_tickets",  # an upper platform's signed push
    "sms_receipts.aliyun_receipts",  # the SMS provider's signed delivery receipts
}
ROLE_USERS = {
    Role.AGENT: "agent1",
    Role.DISPATCHER: "dispatcher1",
    Role.HANDLER: "handler1",
    Role.GRID_WORKER: "grid1",
    Role.SUPERVISOR: "supervisor1",
    Role.ADMIN: "admin1",
}

ADMIN_ONLY = [
    ("POST", "/api/v1/time-limits"),
    ("DELETE", "/api/v1/time-limits/1"),
    ("POST", "/api/v1/classifier/versions/1/promote"),
    ("POST", "/api/v1/dispatch/rules"),
    ("PUT", "/api/v1/dispatch/rules/1"),
    ("POST", "/api/v1/dispatch/rules/1/disable"),
    ("POST", "/api/v1/dispatch/rules/import"),
]
OTHER_ROLES = ("agent1", "dispatcher1", "handler1", "grid1", "supervisor1")


def _url(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = "20990101000001" if arg == "number" else ("json" if arg == "fmt" else "1")
        url = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{arg}>", value, url)
    return url


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def _methods(rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def guards(app) -> dict[str, frozenset[str] | None]:
    """endpoint → the roles its view's guard allows (None: the view records no guard)."""
    return {
        rule.endpoint: getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        for rule in app.url_map.iter_rules()
    }


def test_every_route_records_its_guard_or_is_public(app):
    everyone = {str(r) for r in Role}
    unguarded = sorted(e for e, roles in guards(app).items() if roles is None and e not in PUBLIC | TOKEN_GUARDED)
    assert unguarded == []
    strays = {e: sorted(roles - everyone) for e, roles in guards(app).items() if roles and roles - everyone}
    assert strays == {}
    # the public list names routes that exist and that really do not guard themselves
    assert set(guards(app)) >= PUBLIC | TOKEN_GUARDED
    assert [e for e in PUBLIC | TOKEN_GUARDED if guards(app)[e] is not None] == []


def test_every_route_refuses_an_anonymous_caller(app, world):
    client = app.test_client()
    unguarded = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method, json={} if method != "GET" else None)
            if not _refused(response):
                unguarded.append((method, rule.rule, rule.endpoint, response.status_code))
    assert unguarded == []


def test_every_route_refuses_every_role_its_guard_leaves_out(app, api):
    """Each role, signed in, on every route (API and pages) whose guard does not name it: 403 — the guard
    runs before the view, so nothing is read or changed."""
    allowed_through, probes = [], 0
    for role, username in ROLE_USERS.items():
        headers = {"Authorization": f"Bearer {api.token(username)}"}
        for rule in app.url_map.iter_rules():
            roles = guards(app)[rule.endpoint]
            if roles is None or str(role) in roles:
                continue
            for method in _methods(rule):
                probes += 1
                response = api.client.open(
                    _url(rule), method=method, headers=headers, json={} if method != "GET" else None
                )
                if response.status_code != 403:
                    allowed_through.append((str(role), method, rule.rule, response.status_code))
    assert allowed_through == []
    assert probes > 300  # the sweep really walked the map


def test_admin_only_routes_refuse_every_other_role(api):
    allowed = []
    for username in OTHER_ROLES:
        for method, url in ADMIN_ONLY:
            response = api.client.open(
                url, method=method, json={}, headers={"Authorization": f"Bearer {api.token(username)}"}
            )
            if response.status_code != 403:
                allowed.append((username, method, url, response.status_code))
    assert allowed == []


# --- SPEC §3 "who may act", read from the SPEC itself ------------------------------------------------------

# Actions the code has beyond SPEC §3's table (each an agreed extension, named in hotline/tickets/states.py).
EXTENSIONS = {Action.ESCALATE}


def spec_who_may_act() -> dict[str, set[str]]:
    """Parse SPEC §3's table: action (or ``create``) → roles. ``anyone who may see the ticket`` is every role."""
    text = SPEC.read_text(encoding="utf-8")
    table = text.split("Who may act", 1)[1].split("\n\n", 2)[0]
    who: dict[str, set[str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("actions", "---"):
            continue
        roles = set(re.findall(r"`(\w+)`", cells[1])) or ({str(r) for r in Role} if "anyone" in cells[1] else set())
        names = re.findall(r"`(\w+)`", cells[0]) + (["create"] if cells[0].startswith("create") else [])
        for name in names:
            who[name] = roles
    return who


def test_spec_section_3_table_is_what_the_guards_enforce(app):
    who = spec_who_may_act()
    assert len(who) >= 25 and who["create"] == {"agent"} and who["reopen"] == {"supervisor"}
    # create: the route's own guard
    assert guards(app)["intake_api.create_ticket"] == frozenset(who.pop("create"))
    # every action: the lifecycle's table (the action route lets every role in and refuses per action)
    code = {a.value: {str(r) for r in roles} for a, roles in ROLES_FOR_ACTION.items() if a not in EXTENSIONS}
    assert code == who


@pytest.fixture
def tickets(api) -> dict[str, str]:
    """A registered ticket and one dispatched to handler1's unit."""
    registered = api.new_ticket(content="路灯不亮")["number"]
    dispatched = api.new_ticket(content="垃圾清运不及时")["number"]
    assert api.act(dispatched, "dispatch", as_="dispatcher1", unit="A1").status_code == 200
    return {"registered": registered, "dispatched": dispatched}


def test_every_action_refuses_every_role_spec_3_leaves_out(api, tickets):
    """Over HTTP, per SPEC §3's table: a role may not take an action it does not name — 403 where it can see
    the ticket (404 where it cannot even see it), and the ticket does not change."""
    who = spec_who_may_act()
    wrong = []
    for action in Action:
        allowed = who.get(action.value, {str(r) for r in ROLES_FOR_ACTION[action]})
        for role, username in ROLE_USERS.items():
            if str(role) in allowed:
                continue
            for number in tickets.values():
                before = api.get(f"/api/v1/tickets/{number}", as_=username)
                response = api.act(number, action.value, username, note="越权尝试", reason="越权尝试")
                expected = 403 if before.status_code == 200 else 404
                after = api.get(f"/api/v1/tickets/{number}", as_="admin1").get_json()["ticket"]
                code = (response.get_json() or {}).get("error", {}).get("code")
                if response.status_code != expected or (expected == 403 and code != "forbidden_role"):
                    wrong.append((action.value, str(role), number, response.status_code, code))
                elif after["state"] != ("registered" if number == tickets["registered"] else "dispatched"):
                    wrong.append((action.value, str(role), number, "state changed to", after["state"]))
    assert wrong == []
