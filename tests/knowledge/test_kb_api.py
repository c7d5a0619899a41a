"""The knowledge API and pages through the app (project fixtures), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from tests.conftest import login_form

FUND_BODY = "<p>职工购房、租房可以申请提取住房公积金，需携带身份证和购房合同。</p>"


def make(api, title: str, body: str, *, as_: str = "supervisor1", publish: bool = True, **fields) -> dict:
    """Create an article through the API (and take it through review to published)."""
    response = api.post("/api/v1/kb/articles", as_=as_, json={"title": title, "body": body, **fields})
    assert response.status_code == 201, response.get_json()
    article = response.get_json()
    if publish:
        assert api.post(f"/api/v1/kb/articles/{article['id']}/submit", as_=as_).status_code == 200
        response = api.post(f"/api/v1/kb/articles/{article['id']}/publish", as_="supervisor1")
        assert response.status_code == 200, response.get_json()
        article = response.get_json()
    return article


def put(api, path: str, as_: str, json: dict):
    return api.client.put(path, headers=api._headers(as_), json=json)


def search(api, q: str, as_: str = "agent1") -> list[dict]:
    response = api.get("/api/v1/kb/search", as_=as_, query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


@pytest.fixture
def corpus(api) -> dict[str, dict]:
    return {
        "withdraw": make(api, "住房公积金提取办理指南", FUND_BODY, category="住房保障", tags=["公积金"]),
        "loan": make(api, "住房公积金贷款额度说明", "<p>公积金贷款额度与缴存年限有关。</p>", category="住房保障"),
        "pension": make(api, "养老金提取年龄", "<p>达到退休年龄可以提取个人账户余额。</p>", category="社会保障"),
        "water": make(api, "停水报修指南", "<p>小区突然停水，请拨打供水公司抢修电话。</p>", category="水电气"),
    }


def test_search_ranks_fund_withdrawal_first_with_marks(api, corpus):
    results = search(api, "公积金提取")
    assert results[0]["id"] == corpus["withdraw"]["id"]
    assert "<mark>" in results[0]["snippet"]
    assert all(r["status"] == "published" for r in results)
    assert corpus["water"]["id"] not in [r["id"] for r in results]


def test_search_needs_a_query_and_a_login(api, corpus):
    missing = api.get("/api/v1/kb/search", as_="agent1")  # a missing field is 422 like every other bad field
    assert missing.status_code == 422 and missing.get_json()["error"]["details"] == {"field": "q"}
    assert api.get("/api/v1/kb/search", query_string={"q": "停水"}).status_code == 401


def test_draft_and_expired_articles_never_reach_agents(app, api, corpus):
    from hotline.core.extensions import db
    from knowledge.models import Article

    draft = make(api, "停水应急草稿", "<p>停水草稿内容。</p>", as_="handler1", publish=False)
    withdrawn = make(api, "停水过期通知", "<p>停水过期通知。</p>")
    assert api.post(f"/api/v1/kb/articles/{withdrawn['id']}/expire", as_="supervisor1").status_code == 200
    lapsed = make(api, "停水旧规定", "<p>旧的停水规定。</p>", valid_to="2999-12-31")
    with app.app_context():
        db.session.execute(
            update(Article).where(Article.id == lapsed["id"]).values(valid_to=dt.date.today() - dt.timedelta(days=1))
        )
        db.session.commit()
    ids = [r["id"] for r in search(api, "停水")]
    assert ids == [corpus["water"]["id"]]
    for hidden in (draft, withdrawn):
        assert api.get(f"/api/v1/kb/articles/{hidden['id']}", as_="agent1").status_code == 404
    listed = api.get("/api/v1/kb/articles", as_="agent1", query_string={"status": "draft"}).get_json()["results"]
    assert draft["id"] not in [a["id"] for a in listed]
    suggested = api.get("/api/v1/kb/suggest", as_="agent1", query_string={"text": "停水草稿 过期通知 旧的停水规定"})
    assert {r["id"] for r in suggested.get_json()["results"]} <= {corpus["water"]["id"]}


def test_agent_cannot_publish_supervisor_can(api):
    draft = make(api, "居住证办理指南", "<p>外来人员居住满半年可申领居住证。</p>", as_="agent1", publish=False)
    assert api.post(f"/api/v1/kb/articles/{draft['id']}/submit", as_="agent1").status_code == 200
    refused = api.post(f"/api/v1/kb/articles/{draft['id']}/publish", as_="agent1")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    done = api.post(f"/api/v1/kb/articles/{draft['id']}/publish", as_="supervisor1")
    assert done.status_code == 200 and done.get_json()["status"] == "published"
    assert [r["id"] for r in search(api, "居住证")] == [draft["id"]]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": "<p>正文</p>"}, "missing_field"),
        ({"title": "标题"}, "missing_field"),
        ({"title": "标题", "body": 42}, "invalid_type"),
        ({"title": "x" * 201, "body": "<p>正文</p>"}, "too_long"),
        ({"title": "标题", "body": "<script>alert(1)</script>"}, "invalid_body"),
        ({"title": "标题", "body": "<p>正文</p>", "tags": "公积金"}, "invalid_type"),
        ({"title": "标题", "body": "<p>正文</p>", "valid_to": "2024-13-01"}, "invalid_date"),
        (
            {"title": "标题", "body": "<p>正文</p>", "valid_from": "2024-06-02", "valid_to": "2024-06-01"},
            "invalid_validity",
        ),
        ({"title": "标题", "body": "<p>正文</p>", "unit_id": 999999}, "invalid_unit"),
        ({"title": "标题", "body": "<p>正文</p>", "unit_id": "A1"}, "invalid_type"),
        ({"title": "标题", "body": "<p>正文</p>", "helpful_count": 99}, "invalid_field"),
    ],
)
def test_create_validation_is_422_json(api, payload, code):
    response = api.post("/api/v1/kb/articles", as_="supervisor1", json=payload)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_update_validation_and_malformed_bodies(api):
    art = make(api, "停电怎么办", "<p>停电时先检查空气开关。</p>", publish=False)
    path = f"/api/v1/kb/articles/{art['id']}"
    assert put(api, path, "supervisor1", {"title": ""}).status_code == 422
    assert put(api, path, "supervisor1", {"valid_from": 20240601}).status_code == 422
    assert (
        api.client.put(
            path, headers=api._headers("supervisor1"), data="[1]", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        api.client.post(
            "/api/v1/kb/articles", headers=api._headers("supervisor1"), data="{", content_type="application/json"
        ).status_code
        == 400
    )
    assert api.post("/api/v1/kb/articles/999999/publish", as_="supervisor1").status_code == 404
    assert api.post(f"{path}/bogus", as_="supervisor1").status_code == 404
    ok = put(api, path, "supervisor1", {"title": "停电了怎么办", "tags": ["停电", "断电"]})
    assert ok.status_code == 200 and ok.get_json()["version"] == 2


def test_feedback(app, api, corpus):
    path = f"/api/v1/kb/articles/{corpus['water']['id']}/feedback"
    assert api.post(path, as_="agent1", json={"helpful": True, "query": "停水"}).status_code == 201
    assert api.post(path, as_="agent1", json={"helpful": "yes"}).status_code == 422
    assert api.post(path, as_="agent1", json={}).status_code == 422
    shown = api.get(f"/api/v1/kb/articles/{corpus['water']['id']}", as_="agent1").get_json()
    assert shown["helpful"] == 1 and shown["unhelpful"] == 0
    draft = make(api, "草稿", "<p>草稿</p>", publish=False)
    assert (
        api.post(f"/api/v1/kb/articles/{draft['id']}/feedback", as_="supervisor1", json={"helpful": False}).status_code
        == 409
    )


def test_suggest_endpoint_and_intake_suggestions(api, corpus):
    text = "我在单位缴存了五年住房公积金，现在租房住，想问问能不能把公积金提取出来付房租，需要带什么材料"
    results = api.get("/api/v1/kb/suggest", as_="agent1", query_string={"text": text}).get_json()["results"]
    assert results and results[0]["id"] == corpus["withdraw"]["id"]
    assert api.get("/api/v1/kb/suggest", as_="agent1", query_string={"text": "的了吗"}).get_json()["results"] == []
    response = api.post(
        "/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": text, "caller_phone": "13812345678"}
    )
    articles = response.get_json()["suggestions"]["articles"]
    assert articles[0]["id"] == corpus["withdraw"]["id"]
    assert set(articles[0]) == {"id", "title", "snippet", "score"}


def test_handler_of_another_unit_cannot_edit(app, world, api):
    own = make(api, "A1区道路修补流程", "<p>道路坑洼由区住建局修补。</p>", as_="handler1", publish=False)
    assert own["unit"]["code"] == "A1"
    path = f"/api/v1/kb/articles/{own['id']}"
    # A draft of another unit is not even visible; a published one is visible but not editable.
    assert put(api, path, "handler2", {"title": "改标题"}).status_code == 404
    assert api.post(f"{path}/submit", as_="handler2").status_code == 404
    assert api.post(f"{path}/submit", as_="handler1").status_code == 200
    assert api.post(f"{path}/publish", as_="supervisor1").status_code == 200
    refused = put(api, path, "handler2", {"title": "改标题"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    with app.app_context():
        a1 = world.unit("A1").id
    foreign = api.post("/api/v1/kb/articles", as_="handler2", json={"title": "t", "body": "<p>b</p>", "unit_id": a1})
    assert foreign.status_code == 403
    assert put(api, path, "handler1", {"title": "A1区道路修补办理流程"}).status_code == 200


def test_versions_endpoint(api):
    art = make(api, "燃气报修", "<p>闻到燃气味请开窗。</p>", publish=False)
    put(api, f"/api/v1/kb/articles/{art['id']}", "supervisor1", {"body": "<p>闻到燃气味请立即开窗并拨打抢修电话。</p>"})
    versions = api.get(f"/api/v1/kb/articles/{art['id']}/versions", as_="supervisor1").get_json()["results"]
    assert [v["version"] for v in versions] == [1, 2]
    assert api.get(f"/api/v1/kb/articles/{art['id']}/versions", as_="handler2").status_code == 404


# --- pages ------------------------------------------------------------------------------------------------


def login(client, username: str) -> None:
    response = client.post("/login", data=login_form(username))
    assert response.status_code == 302


def test_pages_require_login_and_role(app, world):
    client = app.test_client()
    assert client.get("/kb").status_code == 302 and "/login" in client.get("/kb").headers["Location"]
    login(client, "agent1")
    page = client.get("/kb")
    assert page.status_code == 403 and "无权访问" in page.get_data(as_text=True)
    login(client, "handler1")
    assert client.get("/kb/review").status_code == 403


def test_editor_create_edit_submit_history_and_review(app, api):
    handler = app.test_client()
    login(handler, "handler1")
    assert handler.get("/kb/new").status_code == 200
    bad = handler.post("/kb/new", data={"title": "", "body": "<p>x</p>"})
    assert bad.status_code == 422 and "标题不能为空" in bad.get_data(as_text=True)
    created = handler.post(
        "/kb/new",
        data={
            "title": "A1区占道经营投诉",
            "body": "<p>占道经营由城管<script>x</script>处理。</p>",
            "tags": "占道，摆摊",
            "category": "城市管理",
            "valid_from": "2024-01-01",
            "valid_to": "",
        },
    )
    assert created.status_code == 302
    edit_url = created.headers["Location"]
    article_id = int(edit_url.rstrip("/").rsplit("/", 1)[1])
    page = handler.get(edit_url).get_data(as_text=True)
    assert "A1区占道经营投诉" in page and "<script>" not in page
    assert (
        handler.post(
            edit_url, data={"title": "A1区占道经营投诉处理", "body": "<p>占道经营由区城管局处理。</p>"}
        ).status_code
        == 302
    )
    history = handler.get(f"/kb/{article_id}/history").get_data(as_text=True)
    assert "v1" in history and "kb-add" in history and "区城管局" in history
    assert handler.post(f"/kb/{article_id}/submit").status_code == 302
    listing = handler.get("/kb").get_data(as_text=True)
    assert "A1区占道经营投诉处理" in listing and "待审核" in listing

    other = app.test_client()
    login(other, "handler2")
    assert other.get(edit_url).status_code == 404
    assert "A1区占道经营投诉处理" not in other.get("/kb").get_data(as_text=True)

    reviewer = app.test_client()
    login(reviewer, "supervisor1")
    queue = reviewer.get("/kb/review").get_data(as_text=True)
    assert "A1区占道经营投诉处理" in queue
    assert reviewer.post(f"/kb/{article_id}/publish").status_code == 302
    assert [r["id"] for r in search(api, "占道经营")] == [article_id]


def test_page_forms_need_csrf(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        client.post("/login", data={"username": "handler1", "password": "demo-12345"})
        assert client.post("/kb/new", data={"title": "t", "body": "<p>b</p>"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- wiring: demo seeder and the expiry job -----------------------------------------------------------------


def test_demo_seeder_is_idempotent(app, world, tmp_path):
    from hotline.core.extensions import db
    from knowledge.models import Article

    (tmp_path / "replies.csv").write_text(
        "id,title,detail,reply\n1,小区停水,小区停水三天了,已联系供水公司抢修\n", encoding="utf-8"
    )
    from hotline.core.wiring import startup_hooks

    seeder = startup_hooks(app).demo_seeders["knowledge"]
    with app.app_context():
        from knowledge.wiring import seed_knowledge

        assert callable(seeder)
        first = seed_knowledge(db.session, tmp_path)
        db.session.commit()
        assert first > 1 and seed_knowledge(db.session, tmp_path) == 0
        reviewer = world.user("supervisor1")
        assert db.session.scalar(select(Article.reviewed_by_id).limit(1)) == reviewer.id


def test_expire_and_remind(app, api):
    from hotline.core.extensions import db
    from knowledge.models import Article
    from knowledge.tasks import expire_and_remind

    art = make(api, "停水通知", "<p>明日停水。</p>", valid_to="2999-12-31")
    with app.app_context():
        db.session.execute(update(Article).where(Article.id == art["id"]).values(valid_to=dt.date(2024, 1, 1)))
        db.session.commit()
        assert expire_and_remind(dt.date(2024, 6, 1))["expired"] == 1
        db.session.remove()
    assert api.get(f"/api/v1/kb/articles/{art['id']}", as_="supervisor1").get_json()["status"] == "expired"
