"""POST /api/v1/console/fill: roles, bad input, the response shape with spans, the bound gazetteer."""

from __future__ import annotations

TEXT = (
    "话务员：您好，请讲。\n来电人：我叫李秀英，住在A1区东风社区，家门口的路灯坏了已经一个月了，"
    "晚上很黑。电话幺五九 八七六五 四三二一，希望尽快修好。"
)


def test_agent_gets_the_filled_form(api):
    response = api.post("/api/v1/console/fill", as_="agent1", json={"text": TEXT})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    for key in (
        "caller_name",
        "salutation",
        "phones",
        "address",
        "times",
        "title",
        "summary",
        "kind",
        "urgency",
        "spans",
    ):
        assert key in body
    assert body["caller_name"] == "李秀英"
    assert [p["number"] for p in body["phones"]] == ["15987654321"]
    assert body["address"]["district"] == "A1" and body["address"]["community"] == "A1-01-01"
    assert body["times"][0]["value"] == "P1M"
    assert 0 < len(body["title"]) <= 30 and 0 < len(body["summary"]) <= 80
    for span in body["spans"].values():
        assert TEXT[span["start"] : span["end"]] == span["text"]


def test_spans_count_leading_whitespace(api):
    text = "   \n" + TEXT
    body = api.post("/api/v1/console/fill", as_="agent1", json={"text": text}).get_json()
    span = body["phones"][0]["span"]
    assert text[span["start"] : span["end"]] == span["text"]


def test_login_and_role_required(api):
    assert api.post("/api/v1/console/fill", json={"text": TEXT}).status_code == 401
    assert api.post("/api/v1/console/fill", as_="handler1", json={"text": TEXT}).status_code == 403


def test_bad_input_is_a_chinese_4xx(api):
    cases = [({}, 422), ({"text": ""}, 422), ({"text": 5}, 422), ({"text": "字" * 20001}, 422)]
    for body, status in cases:
        response = api.post("/api/v1/console/fill", as_="agent1", json=body)
        assert response.status_code == status, body
        error = response.get_json()["error"]
        assert error["code"] and any("\u4e00" <= c <= "\u9fff" for c in error["message"])
    raw = api.client.post(
        "/api/v1/console/fill",
        data="text",
        headers={"Authorization": f"Bearer {api.token('agent1')}", "Content-Type": "text/plain"},
    )
    assert raw.status_code == 415
