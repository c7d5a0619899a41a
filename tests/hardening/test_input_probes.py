"""Issue 18.2: NUL, control characters and ids/pages beyond their column's range, on every route: never a 5xx.

Walks the app's URL map, so a route added later is probed too.
"""

from __future__ import annotations

BIG = 2**63 + 7  # past every integer column (and past 64 bits for psycopg)
JUST_PAST = 2**31  # past an INTEGER id
NUL = "\u0000"
FIELDS = (
    "channel",
    "content",
    "title",
    "caller_name",
    "caller_phone",
    "address",
    "kind",
    "urgency",
    "category",
    "external_id",
    "note",
    "reason",
    "unit",
    "grid",
    "result",
    "public_answer",
    "username",
    "password",
    "text",
    "q",
    "name",
    "code",
    "body",
    "event",
    "from",
    "to",
    "callId",
    "agent",
    "pattern",
    "status",
    "question",
)


def _urls(app, value_for_int: int, value_for_str: str) -> list[tuple[str, str]]:
    out = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {}
        for arg in rule.arguments:
            converter = rule._converters[arg]
            values[arg] = value_for_int if converter.__class__.__name__.endswith("IntConverter") else value_for_str
        try:
            url = adapter.build(rule.endpoint, values, force_external=False)
        except Exception:  # a converter that refuses the value cannot be reached with it either
            url = rule.rule
            for arg, value in values.items():
                url = url.replace(f"<{arg}>", str(value)).replace(f"<int:{arg}>", str(value))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


def _probe(api, who, method: str, url: str, **kwargs):
    headers = {"Authorization": f"Bearer {api.token(who)}"} if who else {}
    return api.client.open(url, method=method, headers=headers, **kwargs)


# Retraining the classifier takes minutes of CPU and reads no input: not a probe target.
SLOW = ("/api/v1/classifier/retrain",)


def test_no_route_answers_5xx_to_nul_big_ids_or_control_characters(app, api):
    api.new_ticket()
    who = "admin1"
    failures = []
    for method, url in _urls(app, BIG, "x" + NUL + "y"):
        if url in SLOW:
            continue
        probes = [
            {"query_string": {"page": str(BIG), "q": NUL, "limit": str(BIG), "state": NUL, "unit": NUL}},
        ]
        if method != "GET":
            probes += [
                {"json": {name: BIG for name in FIELDS} | {"days": BIG, "id": BIG, "version": BIG, "limit": BIG}},
                {"data": {name: "表单\x00文本\x1b" for name in FIELDS}},
            ]
        for probe in probes:
            response = _probe(api, who, method, url, **probe)
            if response.status_code >= 500:
                failures.append((method, url, probe, response.status_code, response.get_data(as_text=True)[:200]))
    assert failures == []


def test_nul_in_json_is_a_clear_422(api):
    response = api.post("/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "路灯坏了\u0000一个月"})
    assert response.status_code == 422
    assert (
        response.get_json()["error"]["code"] == "control_character"
        and "content" in response.get_json()["error"]["message"]
    )
    nested = api.post(
        "/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": "路灯坏了", "co_units": ["A\u0001"]}
    )
    assert nested.status_code == 422
    assert api.get("/api/v1/tickets?q=%00", as_="agent1").status_code == 422


def test_pasted_control_characters_in_a_form_are_stripped(app, world):
    from hotline.console.portal import limiter

    with app.test_request_context():
        limiter().reset()
    form = {"content": "我家门口的下水道\x0b堵塞三天了\x00", "caller_phone": "13911112222"}
    response = app.test_client().post("/portal/submit", data=form)
    assert response.status_code == 201
    from sqlalchemy import select

    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        assert db.session.scalar(select(Ticket.content)) == "我家门口的下水道堵塞三天了"


def test_ids_and_pages_beyond_their_range(api):
    assert api.get(f"/api/v1/kb/articles/{BIG}", as_="admin1").status_code == 404
    assert api.get(f"/api/v1/kb/articles/{JUST_PAST}/versions", as_="admin1").status_code == 404
    page = api.get("/api/v1/tickets?page=9223372036854775807", as_="admin1")
    assert page.status_code == 422 and page.get_json()["error"]["code"] == "out_of_range"
    assert api.get("/api/v1/tickets?page=2", as_="admin1").status_code == 200


def test_exports_store_what_openpyxl_cannot(api):
    from io import BytesIO

    from openpyxl import load_workbook

    from hotline.core.extensions import db
    from hotline.tickets.models import Ticket

    number = api.new_ticket(title="路灯坏了")["number"]
    api.act(number, "dispatch", "dispatcher1", unit="A1")
    with api.client.application.app_context():
        ticket = db.session.query(Ticket).filter_by(number=number).one()
        ticket.title = "标题\x01含控制字符"  # what an older import or another system may have stored
        ticket.content = '=HYPERLINK("http://evil.example","点我")'
        db.session.commit()
    response = api.get("/api/v1/reports/backlog?format=xlsx", as_="supervisor1")
    assert response.status_code == 200
    cells = [c for row in load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True) for c in row]
    assert not any(isinstance(c, str) and "\x01" in c for c in cells)
