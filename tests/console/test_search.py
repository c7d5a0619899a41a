"""Search: /api/v1/search and /search over what each role may see, with filters, keyset pages and saved views."""

from __future__ import annotations

import pytest


def _search(api, as_: str = "supervisor1", **params):
    response = api.get("/api/v1/search", as_=as_, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _numbers(body) -> list[str]:
    return [t["number"] for t in body["tickets"]]


@pytest.fixture
def three(api):
    a = api.new_ticket(
        content="东风路 8 号门口井盖缺失，已经有人摔倒了", address="东风路 8 号", caller_phone="13811112222"
    )
    b = api.new_ticket(content="小区路灯坏了一个月，晚上很黑", address="幸福小区 3 栋", caller_phone="13933334444")
    c = api.new_ticket(content="咨询住房公积金提取需要什么材料", caller_phone="13811112222", channel="web")
    api.act(b["number"], "dispatch", "dispatcher1", unit="A1")
    return a, b, c


def test_words_of_the_text_and_the_address_find_the_ticket(api, three):
    a, b, c = three
    assert _numbers(_search(api, q="井盖")) == [a["number"]]
    assert _numbers(_search(api, q="幸福小区")) == [b["number"]]
    assert _numbers(_search(api, q="公积金 材料")) == [c["number"]]
    assert _numbers(_search(api, q="公积金 井盖")) == []
    assert _numbers(_search(api, q=a["number"])) == [a["number"]]


def test_phone_only_for_roles_that_see_callers(api, three):
    a, _, c = three
    assert sorted(_numbers(_search(api, "agent1", q="138 1111 2222"))) == sorted([a["number"], c["number"]])
    refused = api.get("/api/v1/search", as_="dispatcher1", query_string={"q": "13811112222"})
    assert refused.status_code == 403 and "来电号码" in refused.get_json()["error"]["message"]


def test_a_unit_finds_only_its_own_tickets(api, three):
    _, b, _ = three
    assert _numbers(_search(api, "handler1", q="路灯")) == [b["number"]]
    assert _numbers(_search(api, "handler1", q="井盖")) == []
    assert _numbers(_search(api, "handler2", q="路灯")) == []
    assert api.get(f"/api/v1/tickets/{b['number']}", as_="handler2").status_code == 404


def test_filters(api, three):
    a, b, c = three
    assert _numbers(_search(api, state="dispatched")) == [b["number"]]
    assert _numbers(_search(api, unit="A1")) == [b["number"]]
    assert _numbers(_search(api, channel="web")) == [c["number"]]
    assert set(_numbers(_search(api, open="1"))) == {a["number"], b["number"], c["number"]}
    assert _numbers(_search(api, warning="red")) == []
    bad = api.get("/api/v1/search", as_="supervisor1", query_string={"state": "nonsense"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_choice"
    assert api.get("/api/v1/search", as_="supervisor1", query_string={"from": "2026-13-01"}).status_code == 422
    assert api.get("/api/v1/search", as_="supervisor1", query_string={"cursor": "!!"}).status_code == 422


def test_keyset_pages_by_deadline_walk_every_row_once_oldest_first(api):
    made = [api.new_ticket(content=f"第{i}件 路面坑洼需要修补")["number"] for i in range(7)]
    seen, cursor = [], None
    while True:
        body = _search(api, q="坑洼", sort="deadline", limit="3", **({"cursor": cursor} if cursor else {}))
        seen += _numbers(body)
        cursor = body["next"]
        if not cursor:
            break
    assert seen == made  # registered in order: the earliest dispatch deadline first, nothing dropped or repeated
    newest = _search(api, q="坑洼", sort="newest", limit="50")
    assert _numbers(newest) == made[::-1]


def test_saved_views_are_per_user(api, three):
    created = api.post(
        "/api/v1/search/views", as_="supervisor1", json={"name": "超期在办", "params": {"warning": "red", "open": "1"}}
    )
    assert created.status_code == 201
    view = created.get_json()
    assert view["params"] == {"warning": "red", "open": True}
    assert [v["name"] for v in api.get("/api/v1/search/views", as_="supervisor1").get_json()] == ["超期在办"]
    assert api.get("/api/v1/search/views", as_="dispatcher1").get_json() == []
    other = api.client.delete(f"/api/v1/search/views/{view['id']}", headers=api._headers("dispatcher1"))
    assert other.status_code == 404
    mine = api.client.delete(f"/api/v1/search/views/{view['id']}", headers=api._headers("supervisor1"))
    assert mine.status_code == 200


def test_search_page_lists_links_and_offers_bulk_actions_to_managers(login, api, three):
    a, _, _ = three
    html = login("supervisor1").get("/search?q=井盖").get_data(as_text=True)
    assert f'href="/tickets/{a["number"]}"' in html and "批量催办" in html and "批量督办" in html
    handler_html = login("handler1").get("/search?q=路灯").get_data(as_text=True)
    assert "批量催办" not in handler_html and "13933334444" not in handler_html and "139****4444" in handler_html
    empty = login("supervisor1").get("/search?state=nonsense")
    assert empty.status_code == 200 and "状态取值无效" in empty.get_data(as_text=True)


def test_a_word_jieba_cuts_across_is_still_found(api):
    """jieba cuts 路灯不亮 as 路 / 灯不亮 (both dictionary words): a search for 路灯 must still find it."""
    from knowledge.search.tokenize import index_tokens

    text = "幸福小区路灯不亮晚上很黑，老人出门不方便"
    assert "路灯" not in index_tokens(text)  # the segmentation the index used to hold alone
    lamp = api.new_ticket(content=text)
    other = api.new_ticket(content="马路上的井盖松动了")
    assert _numbers(_search(api, q="路灯")) == [lamp["number"]]
    assert _numbers(_search(api, q="幸福小区 路灯")) == [lamp["number"]]
    assert _numbers(_search(api, q="路灯不亮")) == [lamp["number"]]  # the query cut the same way still matches
    assert _numbers(_search(api, q="井盖")) == [other["number"]]
