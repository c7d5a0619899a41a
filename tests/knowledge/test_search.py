"""The search contract, identical on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.search import search_articles, suggest_articles
from knowledge.services import (
    create_article,
    expire_article,
    record_feedback,
    set_synonyms,
    update_article,
)

TODAY = dt.date(2024, 6, 1)


def make(session, title, body, **kw):
    kw.setdefault("status", "published")
    return create_article(session, actor=None, title=title, body=f"<p>{body}</p>", **kw)


@pytest.fixture
def kb_corpus(kb_session, kb_units):
    """Publish a small corpus that distinguishes the ranking cases."""
    water, fund = kb_units["water"].id, kb_units["fund"].id
    arts = {
        "fund_withdraw": make(
            kb_session,
            "住房公积金提取办理指南",
            "职工购房、租房可以申请提取住房公积金，需携带身份证。",
            category="住房保障",
            unit_id=fund,
        ),
        "fund_loan": make(
            kb_session, "公积金贷款额度说明", "公积金贷款额度与缴存年限有关。", category="住房保障", unit_id=fund
        ),
        "withdraw_other": make(kb_session, "养老金提取年龄", "达到退休年龄可以提取个人账户余额。", category="社会保障"),
        "water_cut": make(
            kb_session, "停水报修指南", "小区突然停水，请拨打供水公司抢修电话。", category="水电气", unit_id=water
        ),
        "power": make(kb_session, "停电怎么办", "停电时先检查空气开关。", category="水电气"),
        "medical": make(
            kb_session, "医疗保险住院结算", "参保人住院时持社保卡直接结算医疗保险费用。", category="社会保障"
        ),
        "draft": make(kb_session, "停水应急草稿", "停水草稿内容。", status="draft"),
        "expired_date": make(kb_session, "停水旧规定", "旧的停水规定。", valid_to=dt.date(2024, 5, 1)),
        "expired_status": make(kb_session, "停水过期通知", "停水过期通知。", status="expired"),
        "noise": make(kb_session, "噪声污染投诉", "夜间施工噪声可以向生态环境部门投诉。", category="环境保护"),
    }
    return arts


def titles(hits):
    return [h.title for h in hits]


def test_compound_query_ranks_exact_topic_first_with_marks(kb_session, kb_corpus):
    hits = search_articles(kb_session, "公积金提取", today=TODAY)
    assert hits[0].title == "住房公积金提取办理指南"
    assert "<mark>" in hits[0].snippet
    assert "提取" in hits[0].snippet and "<mark>提取</mark>" in hits[0].snippet
    # Articles matching one of the words only come after the one matching both.
    assert {"公积金贷款额度说明", "养老金提取年龄"} <= set(titles(hits[1:]))
    assert hits[0].score > 0 and hits[0].status == "published" and hits[0].category == "住房保障"
    assert hits[0].unit == "市住房公积金管理中心"


def test_two_character_query_works(kb_session, kb_corpus):
    hits = search_articles(kb_session, "停水", today=TODAY)
    assert titles(hits)[0] == "停水报修指南"
    assert "<mark>停水</mark>" in hits[0].snippet


def test_snippet_is_escaped_outside_marks(kb_session, kb_corpus):
    make(kb_session, "停水通知", "停水 &lt;b&gt;期间&lt;/b&gt; 请 储水 &amp; 节约")
    hit = next(h for h in search_articles(kb_session, "停水", today=TODAY) if h.title == "停水通知")
    assert "&lt;b&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_synonyms_expand_and_are_editable(kb_session, kb_corpus, kb_users):
    # 医保 appears in no article; the seeded synonym 医疗保险 finds it.
    assert titles(search_articles(kb_session, "医保", today=TODAY)) == ["医疗保险住院结算"]
    assert "<mark>医疗保险</mark>" in search_articles(kb_session, "医保", today=TODAY)[0].snippet
    assert search_articles(kb_session, "结账", today=TODAY) == []
    set_synonyms(kb_session, "结账", ["结算"], actor=kb_users["admin"])
    assert titles(search_articles(kb_session, "结账", today=TODAY)) == ["医疗保险住院结算"]


def test_drafts_and_expired_never_returned(kb_session, kb_corpus, kb_users):
    expire_article(kb_session, kb_corpus["water_cut"].id, actor=kb_users["supervisor"])
    found = titles(search_articles(kb_session, "停水", today=TODAY, limit=50))
    assert not {"停水报修指南", "停水应急草稿", "停水旧规定", "停水过期通知"} & set(found)
    # The same article before its valid_to is still served.
    assert "停水旧规定" in titles(search_articles(kb_session, "停水", today=dt.date(2024, 4, 1)))
    # Editors may ask for drafts explicitly.
    assert titles(search_articles(kb_session, "停水", statuses=("draft",), today=TODAY)) == ["停水应急草稿"]


def test_filters_category_and_unit(kb_session, kb_corpus, kb_units):
    by_cat = search_articles(kb_session, "提取", category="社会保障", today=TODAY)
    assert titles(by_cat) == ["养老金提取年龄"]
    by_unit = search_articles(kb_session, "提取", unit_id=kb_units["fund"].id, today=TODAY)
    assert titles(by_unit) == ["住房公积金提取办理指南"]
    assert search_articles(kb_session, "提取", unit_id=kb_units["water"].id, today=TODAY) == []


def test_typo_falls_back(kb_session, kb_corpus):
    # 体取 is a typo of 提取: the words-OR stage still finds the 公积金 articles.
    assert titles(search_articles(kb_session, "公积金体取", today=TODAY))[0].startswith(("住房公积金", "公积金"))
    # An unknown two-character word shares a bigram with nothing word-level: the bigram stage answers.
    assert "噪声污染投诉" in titles(search_articles(kb_session, "噪声污", today=TODAY))


def test_index_follows_edits(kb_session, kb_corpus, kb_users):
    art = kb_corpus["power"]
    update_article(kb_session, art.id, actor=kb_users["admin"], title="断电处理办法", body="<p>断电时检查开关。</p>")
    # An edit of a published article returns it to draft: gone for agents, found by editors under the new words.
    assert "断电处理办法" not in titles(search_articles(kb_session, "断电", today=TODAY))
    assert titles(search_articles(kb_session, "开关", statuses=("draft",), today=TODAY)) == ["断电处理办法"]
    assert "停电怎么办" not in titles(search_articles(kb_session, "停电", statuses=("draft", "published"), today=TODAY))


def test_feedback_changes_ranking_within_bounds(kb_session, kb_users):
    # Two equally relevant articles: the tie goes to the lower id until agents vote.
    a = make(kb_session, "供水服务指引甲", "停水请拨打供水抢修电话。")
    b = make(kb_session, "供水服务指引乙", "停水请拨打供水抢修电话。")
    assert titles(search_articles(kb_session, "供水抢修", today=TODAY))[:2] == [a.title, b.title]
    for _ in range(3):
        record_feedback(kb_session, b.id, actor=kb_users["agent"], helpful=True, query="供水抢修")
    assert titles(search_articles(kb_session, "供水抢修", today=TODAY))[:2] == [b.title, a.title]
    record_feedback(kb_session, b.id, actor=kb_users["agent"], helpful=False)
    assert (b.helpful_count, b.unhelpful_count) == (3, 1)


def test_feedback_cannot_beat_much_better_match(kb_session, kb_users):
    strong = make(kb_session, "燃气泄漏处理", "燃气泄漏时关闭燃气阀门，燃气公司抢修。")
    weak = make(kb_session, "厨房安全常识", "做饭注意安全，如有燃气异味请开窗。")
    for _ in range(50):
        record_feedback(kb_session, weak.id, actor=kb_users["agent"], helpful=True)
    assert titles(search_articles(kb_session, "燃气泄漏", today=TODAY))[0] == strong.title


def test_suggest_from_ticket_text(kb_session, kb_corpus):
    text = (
        "来电人反映所在小区从今天早上开始突然停水，一直没有来水，家里老人孩子用水困难，希望供水公司尽快抢修恢复供水。"
    )
    hits = suggest_articles(kb_session, text, limit=3, today=TODAY)
    assert hits[0].title == "停水报修指南"
    assert all(h.status == "published" for h in hits)


def test_one_word_query_ranks_title_matches_first(kb_session):
    body_only = make(kb_session, "供水服务说明", "停水停水停水时请储水，停水通知见公告。")
    in_title = make(kb_session, "停水通知", "请留意公告。")
    assert titles(search_articles(kb_session, "停水", today=TODAY))[:2] == [in_title.title, body_only.title]


def test_curated_article_outranks_case_reply_with_the_same_text(kb_session):
    from knowledge.search.engine import CASE_REPLY_CATEGORY

    reply = make(kb_session, "燃气报修说明", "燃气泄漏请关闭阀门并报修。", category=CASE_REPLY_CATEGORY)
    guide = make(kb_session, "燃气报修说明", "燃气泄漏请关闭阀门并报修。", category="水电气")
    assert reply.id < guide.id
    assert titles(search_articles(kb_session, "燃气报修", today=TODAY))[:2] == [guide.title, reply.title]
    hits = search_articles(kb_session, "燃气报修", today=TODAY)
    assert [h.id for h in hits[:2]] == [guide.id, reply.id]


def test_partial_title_match_competes_with_all_word_body_matches(kb_session):
    # A caller's sentence: the guide's title carries its telling words, long replies hold every word.
    guide = make(kb_session, "拖欠工资维权", "劳动者可向劳动保障监察机构投诉。")
    for i in range(12):
        make(kb_session, f"某工地情况说明{i}", "包工头拖欠农民工工资，怎么办，已协调处理。", category="政民互动答复")
    assert guide.id in [h.id for h in search_articles(kb_session, "包工头拖欠工资怎么办", today=TODAY)[:3]]


def test_validity_defaults_to_the_project_clock(kb_session, kb_corpus, monkeypatch):
    from hotline.core import clock

    # 2024-04-30 16:30 UTC is already 1 May in Asia/Shanghai: the day the 停水旧规定 is last valid.
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2024, 4, 30, 16, 30, tzinfo=dt.UTC))
    assert "停水旧规定" in titles(search_articles(kb_session, "停水"))
    # 1 May 16:30 UTC is 2 May in the centre, even where the server's own date still says 1 May.
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2024, 5, 1, 16, 30, tzinfo=dt.UTC))
    assert "停水旧规定" not in titles(search_articles(kb_session, "停水"))
    assert "停水旧规定" not in titles(suggest_articles(kb_session, "小区停水了，旧规定怎么说"))


def test_the_word_typed_outranks_its_synonym(kb_session):
    # 暂住证 is the rarer word here: without the synonym discount its bm25 would put it first.
    typed = make(kb_session, "居住证办理须知", "持本人身份证到派出所办理。")
    synonym = make(kb_session, "暂住证办理须知", "持本人身份证到派出所办理。")
    for i in range(4):
        make(kb_session, f"居住证签注{i}", "居住证每年签注一次。", category="政民互动答复")
    hits = search_articles(kb_session, "居住证办理", today=TODAY)
    assert [h.id for h in hits[:2]] == [typed.id, synonym.id]


def test_spoken_question_words_are_not_searched(kb_session):
    from knowledge.search.engine import split_query

    assert split_query("请问公积金提取需要多久", {}) == ["公积金提取"]
    guide = make(kb_session, "公积金提取办理时限", "材料齐全的，3个工作日内到账。")
    make(kb_session, "多久能办好", "请问需要多久，能不能快一点。", category="政民互动答复")
    assert [h.id for h in search_articles(kb_session, "公积金提取能不能快点，要多久", today=TODAY)][:1] == [guide.id]


def test_a_synonym_holding_the_word_typed_is_not_searched_again():
    from knowledge.search.engine import _tokens, _word_node

    # 住房公积金 is indexed with 公积金 among its sub-words: searching it too would only double-count.
    assert "住房公积金" not in _tokens(_word_node("公积金", {"公积金": frozenset({"公积金", "住房公积金"})}))
    # The other way round the synonym widens the search.
    assert "公积金" in _tokens(_word_node("住房公积金", {"住房公积金": frozenset({"公积金", "住房公积金"})}))


class _Reviewer:
    role = "admin"
    id = None
    username = "admin1"


def test_a_suggestion_reads_an_article_once_and_afresh_after_an_edit(kb_session):
    from sqlalchemy import event

    from knowledge.search import engine
    from knowledge.services import publish_article, submit_article

    fetched: list[str] = []

    def seen(_conn, _cursor, statement, *_rest) -> None:
        if "FROM kb_articles WHERE id IN" in statement:
            fetched.append(statement)

    engine._texts.clear()
    event.listen(kb_session.bind.engine, "before_cursor_execute", seen)
    try:
        article = make(kb_session, "停水报修指南", "小区停水请拨打供水热线报修。")
        text = "小区今天早上突然停水，一直没有来水，希望尽快报修"
        assert titles(suggest_articles(kb_session, text, today=TODAY)) == ["停水报修指南"]
        assert titles(suggest_articles(kb_session, text, today=TODAY)) == ["停水报修指南"]
        assert len(fetched) == 1  # the second suggestion shows the article without reading it again

        update_article(kb_session, article.id, actor=_Reviewer(), title="停水抢修指南")
        submit_article(kb_session, article.id, actor=_Reviewer())
        publish_article(kb_session, article.id, actor=_Reviewer(), today=TODAY)
        assert titles(suggest_articles(kb_session, text, today=TODAY)) == ["停水抢修指南"]  # the edit, at once
        assert len(fetched) == 2
    finally:
        event.remove(kb_session.bind.engine, "before_cursor_execute", seen)
