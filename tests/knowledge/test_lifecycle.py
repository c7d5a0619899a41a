"""Lifecycle, versions, sanitising, reminders, import/export and the migration's downgrade."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from knowledge.errors import KnowledgeError
from knowledge.io import export_excel, import_articles, read_csv, read_excel, read_markdown
from knowledge.sanitize import sanitize_html
from knowledge.search import search_articles
from knowledge.search.tokenize import html_to_text
from knowledge.services import (
    add_attachment,
    create_article,
    diff_article_versions,
    list_articles_needing_review,
    list_versions,
    publish_article,
    submit_article,
    update_article,
)
from tests.knowledge.conftest import run_migration

TODAY = dt.date(2024, 6, 1)


def draft(session, actor, **kw):
    return create_article(session, actor=actor, title=kw.pop("title", "停水报修"), body="<p>拨打供水热线。</p>", **kw)


def test_agent_cannot_publish_reviewer_can(kb_session, kb_users):
    art = draft(kb_session, kb_users["agent"])
    submit_article(kb_session, art.id, actor=kb_users["agent"])
    for role in ("agent", "handler", "dispatcher"):
        with pytest.raises(KnowledgeError) as err:
            publish_article(kb_session, art.id, actor=kb_users[role], today=TODAY)
        assert err.value.status == 403
    assert art.status == "in_review"
    publish_article(kb_session, art.id, actor=kb_users["supervisor"], today=TODAY)
    assert art.status == "published" and art.reviewed_by_id == kb_users["supervisor"].id
    assert [h.id for h in search_articles(kb_session, "停水", today=TODAY)] == [art.id]
    with pytest.raises(KnowledgeError) as err:
        publish_article(kb_session, art.id, actor=kb_users["admin"], today=TODAY)
    assert err.value.code == "invalid_transition"


def test_agent_cannot_create_published_and_handler_only_own_unit(kb_session, kb_users, kb_units):
    with pytest.raises(KnowledgeError):
        draft(kb_session, kb_users["agent"], status="published")
    own = draft(kb_session, kb_users["handler"])
    assert own.unit_id == kb_units["water"].id
    with pytest.raises(KnowledgeError):
        draft(kb_session, kb_users["handler"], unit_id=kb_units["fund"].id)
    other = draft(kb_session, kb_users["admin"], unit_id=kb_units["fund"].id)
    with pytest.raises(KnowledgeError):
        update_article(kb_session, other.id, actor=kb_users["handler"], title="改")
    update_article(kb_session, own.id, actor=kb_users["handler"], title="停水报修（修订）")
    submit_article(kb_session, own.id, actor=kb_users["handler"])
    assert own.status == "in_review"


def test_versions_and_diff(kb_session, kb_users):
    art = draft(kb_session, kb_users["admin"], status="published")
    update_article(kb_session, art.id, actor=kb_users["admin"], body="<p>拨打供水热线。</p><p>夜间拨打12345。</p>")
    update_article(kb_session, art.id, actor=kb_users["admin"], title="停水报修指南")
    assert [v.version for v in list_versions(kb_session, art.id)] == [1, 2, 3]
    assert art.status == "draft"  # an edited article needs review again
    diff = diff_article_versions(kb_session, art.id, 1, 3)
    assert "-标题：停水报修" in diff and "+标题：停水报修指南" in diff and "+夜间拨打12345。" in diff
    assert " 拨打供水热线。" in diff
    with pytest.raises(KnowledgeError):
        diff_article_versions(kb_session, art.id, 1, 9)


def test_body_is_sanitised(kb_session, kb_users):
    art = create_article(
        kb_session,
        actor=kb_users["admin"],
        title="测试",
        body='<p onclick="x()">正文<script>alert("x")</script><a href="javascript:evil()">链接</a><strong>重点</strong></p>',
    )
    assert "<script" not in art.body and "alert" not in art.body
    assert "onclick" not in art.body and "javascript" not in art.body
    assert "<strong>重点</strong>" in art.body
    assert sanitize_html("<style>p{}</style><iframe src=x></iframe>安全") == "安全"
    with pytest.raises(KnowledgeError):
        create_article(kb_session, actor=kb_users["admin"], title="空", body="<script>only()</script>")


def test_attachment_metadata(kb_session, kb_users):
    art = draft(kb_session, kb_users["admin"])
    att = add_attachment(
        kb_session,
        art.id,
        actor=kb_users["admin"],
        filename="指南.pdf",
        size=1024,
        sha256="A" * 64,
        content_type="application/pdf",
    )
    assert att.sha256 == "a" * 64
    with pytest.raises(KnowledgeError):
        add_attachment(kb_session, art.id, actor=kb_users["admin"], filename="x", size=1, sha256="zz", content_type="")


def test_reminder_list(kb_session, kb_users):
    def at(days_ago):
        return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(8), dt.UTC)

    soon = draft(
        kb_session, kb_users["admin"], title="快到期", status="published", valid_to=TODAY + dt.timedelta(days=10)
    )
    later = draft(
        kb_session, kb_users["admin"], title="远未到期", status="published", valid_to=TODAY + dt.timedelta(days=90)
    )
    stale = draft(kb_session, kb_users["admin"], title="久未审核", status="published")
    fresh = draft(kb_session, kb_users["admin"], title="刚审核", status="published")
    a_draft = draft(kb_session, kb_users["admin"], title="草稿", valid_to=TODAY + dt.timedelta(days=5))
    for art in (soon, later, fresh):
        art.reviewed_at = at(10)
    stale.reviewed_at = at(200)
    kb_session.flush()
    reminders = {r.article_id: r for r in list_articles_needing_review(kb_session, TODAY)}
    assert reminders[soon.id].reason == "expiring"
    assert reminders[stale.id].reason == "unreviewed"
    assert later.id not in reminders and fresh.id not in reminders and a_draft.id not in reminders


def test_import_csv_markdown_excel_round_trip(kb_session, kb_users):
    csv_text = "标题,正文,分类,标签,依据,失效日期\n燃气报修,闻到异味先关阀门,水电气,燃气,供气条例,2030-01-01\n"
    md = "# 路灯报修\n拨打12345反映路段。\n\n# 噪音投诉\n夜间施工可投诉。\n"
    created = import_articles(
        kb_session, read_csv(csv_text.encode("utf-8-sig")) + read_markdown(md), actor=kb_users["admin"]
    )
    assert [a.title for a in created] == ["燃气报修", "路灯报修", "噪音投诉"]
    assert all(a.status == "draft" for a in created)
    assert created[0].valid_to == dt.date(2030, 1, 1) and created[0].tags == ["燃气"]
    data = export_excel(kb_session, statuses=("draft",))
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("title", "body")
    again = read_excel(data)
    by_title = {r["title"]: r for r in again}
    assert html_to_text(created[0].body) == by_title["燃气报修"]["body"]
    assert by_title["燃气报修"]["valid_to"] == "2030-01-01" and by_title["路灯报修"]["body"] == "拨打12345反映路段。"
    with pytest.raises(KnowledgeError) as err:
        import_articles(kb_session, [{"title": "", "body": "x"}], actor=kb_users["admin"])
    assert "第1条" in err.value.message


def test_migration_downgrade_then_upgrade(kb_engine):
    # pysqlite runs DDL outside transactions, so the test restores the schema by upgrading again.
    with kb_engine.begin() as conn:
        run_migration(conn, "downgrade")
        names = set(sa.inspect(conn).get_table_names())
        assert not {n for n in names if n.startswith("kb_")}
        assert {"units", "users"} <= names
    with kb_engine.begin() as conn:
        run_migration(conn, "upgrade")
        assert conn.execute(sa.text("SELECT count(*) FROM kb_synonyms")).scalar() >= 5
    assert "kb_articles" in sa.inspect(kb_engine).get_table_names()
