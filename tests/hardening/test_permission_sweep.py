"""Issue 13.6: walk the URL map; every route refuses an anonymous caller unless it is on the public list, and
the admin-only routes (SPEC §1: responsibility list, time limits, model promotion) refuse every other role.

A new route is probed automatically: it either guards itself or is added to PUBLIC here, in review.
"""

from __future__ import annotations

# Endpoints anyone may call: logging in, the citizen's portal, Open311 (its own api_key for filing), static files,
# the minimal health answer, the OpenAPI document, and the switchboard's CTI push (its own X-CTI-Token).
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
TOKEN_GUARDED = {"console_api.cti_event"}  # refuses without X-CTI-Token, checked below

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
        url = url.replace(f"<int:{arg}>", value).replace(f"<{arg}>", value).replace(f"<path:{arg}>", value)
    return url


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def test_every_route_refuses_an_anonymous_caller(app, world):
    client = app.test_client()
    unguarded = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule), method=method, json={} if method != "GET" else None)
            if not _refused(response):
                unguarded.append((method, rule.rule, rule.endpoint, response.status_code))
    assert unguarded == []


def test_the_public_list_names_only_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC | TOKEN_GUARDED


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
