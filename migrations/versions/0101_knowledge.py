"""Knowledge base: articles, versions, attachments, feedback, synonyms and the search index.

Revision ID: 0101_knowledge
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hotline.core.db_types import UTCDateTime

revision = "0101_knowledge"
down_revision = "0001_core"
branch_labels = ("knowledge",)
depends_on = None

# Seeded once here; afterwards the table is edited by people, not by code.
# Words callers use for the same thing, as heard on the line. Groups must not share a word (groups
# sharing one are merged when loaded).
SEED_SYNONYMS = [
    ("医保", "医疗保险,基本医疗保险,医保卡"),
    ("公积金", "住房公积金"),
    ("居住证", "暂住证"),
    ("社保", "社会保险,社会保障"),
    ("社保卡", "社会保障卡"),
    ("低保", "最低生活保障,低保户"),
    ("噪音", "噪声,太吵,吵闹"),
    ("违建", "违章建筑,违法建筑,乱搭乱建,私搭乱建,加建"),
    ("拖欠工资", "欠薪,不发工资,工资拖欠,讨薪,克扣工资,欠工资"),
    ("房产证", "不动产权证,房本,产权证"),
    ("停水", "断水,没水"),
    ("停电", "断电,没电"),
    ("燃气", "天然气,煤气"),
    ("漏气", "泄漏"),
    ("公租房", "公共租赁住房,廉租房"),
    ("落户", "户口迁入,迁户口,上户口,入户"),
    ("养老金", "退休金,养老保险金"),
    ("失业金", "失业保险金"),
    ("出租车", "的士,出租"),
    ("网约车", "滴滴,专车"),
    ("占道经营", "摆摊,流动摊贩,小贩"),
    ("离职", "辞职,跳槽"),
    ("就医", "看病"),
    ("异地", "外地,外省"),
    ("补办", "补换,补领"),
    ("新生儿", "刚出生,宝宝"),
    ("入学", "上学,一年级,小升初"),
    ("浑浊", "发黄,变黄"),
]


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(80), nullable=False, server_default=""),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("helpful_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("unhelpful_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'expired')", name="status"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name="validity",
        ),
    )
    op.create_index("ix_kb_articles_category", "kb_articles", ["category"])
    op.create_index("ix_kb_articles_unit_id", "kb_articles", ["unit_id"])
    op.create_index("ix_kb_articles_valid_to", "kb_articles", ["valid_to"])
    op.create_index("ix_kb_articles_status", "kb_articles", ["status"])

    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("kb_articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(80), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("edited_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),
    )
    op.create_index("ix_kb_article_versions_article_id", "kb_article_versions", ["article_id"])

    op.create_table(
        "kb_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("kb_articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("size >= 0", name="size"),
    )
    op.create_index("ix_kb_attachments_article_id", "kb_attachments", ["article_id"])

    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("kb_articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_kb_feedback_article_id", "kb_feedback", ["article_id"])
    op.create_index("ix_kb_feedback_user_id", "kb_feedback", ["user_id"])

    synonyms = op.create_table(
        "kb_synonyms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("term", sa.String(40), nullable=False),
        sa.Column("synonyms", sa.Text(), nullable=False),
        sa.UniqueConstraint("term", name="uq_kb_synonyms_term"),
    )
    op.bulk_insert(synonyms, [{"term": t, "synonyms": s} for t, s in SEED_SYNONYMS])

    op.create_table(
        "kb_search_terms",
        sa.Column("term", sa.String(100), primary_key=True),
        sa.Column("df", sa.Integer(), nullable=False, server_default="0"),
    )

    if op.get_bind().dialect.name == "postgresql":
        # Pre-segmented jieba tokens written as tsvector literals (queries cast tsquery literals the same
        # way), so the lexemes are exactly our tokens. ``title`` alone lets one-word queries rank titles first.
        op.create_table(
            "kb_search_docs",
            sa.Column(
                "article_id",
                sa.Integer(),
                sa.ForeignKey("kb_articles.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("title", postgresql.TSVECTOR(), nullable=False),
            sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
            sa.Column("grams", postgresql.TSVECTOR(), nullable=False),
        )
        op.create_index("ix_kb_search_docs_title", "kb_search_docs", ["title"], postgresql_using="gin")
        op.create_index("ix_kb_search_docs_tsv", "kb_search_docs", ["tsv"], postgresql_using="gin")
        op.create_index(
            "ix_kb_search_docs_grams",
            "kb_search_docs",
            ["grams"],
            postgresql_using="gin",
        )
    else:
        # unicode61 over space-joined jieba tokens: trigram would silently miss 2-character words.
        op.execute("CREATE VIRTUAL TABLE kb_search_fts USING fts5(title, body, grams, tokenize = 'unicode61')")
        # A virtual table cannot reference kb_articles: deleting an article (or emptying the table)
        # must still take its index entry with it, as ON DELETE CASCADE does on PostgreSQL.
        op.execute(
            "CREATE TRIGGER kb_articles_unindex AFTER DELETE ON kb_articles "
            "BEGIN DELETE FROM kb_search_fts WHERE rowid = old.id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("kb_search_docs")
    else:
        op.execute("DROP TRIGGER IF EXISTS kb_articles_unindex")
        op.execute("DROP TABLE IF EXISTS kb_search_fts")
    op.drop_table("kb_search_terms")
    op.drop_table("kb_synonyms")
    op.drop_table("kb_feedback")
    op.drop_table("kb_attachments")
    op.drop_table("kb_article_versions")
    op.drop_table("kb_articles")
