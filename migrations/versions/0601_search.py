"""Ticket search: the jieba token index (FTS5 on SQLite, GIN tsvector on PostgreSQL), saved views, admin audit.

Revision ID: 0601_search
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0601_search"
down_revision = "0001_core"
branch_labels = ("search",)
depends_on = None


def upgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "ticket_search_docs",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR() if pg else sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_search_docs_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_search_docs")),
    )
    if pg:
        op.create_index("ix_ticket_search_docs_tsv", "ticket_search_docs", ["tsv"], postgresql_using="gin")
    else:
        # unicode61 over space-joined jieba tokens (as the knowledge index); the docs table is its content,
        # and triggers keep the two in step (deleting a ticket or emptying the table unindexes it).
        op.execute("CREATE VIRTUAL TABLE ticket_search_fts USING fts5(tokens, content='ticket_search_docs', "
                   "content_rowid='ticket_id', tokenize='unicode61')")
        op.execute("CREATE TRIGGER ticket_search_docs_ai AFTER INSERT ON ticket_search_docs BEGIN "
                   "INSERT INTO ticket_search_fts(rowid, tokens) VALUES (new.ticket_id, new.tokens); END")
        op.execute("CREATE TRIGGER ticket_search_docs_ad AFTER DELETE ON ticket_search_docs BEGIN "
                   "INSERT INTO ticket_search_fts(ticket_search_fts, rowid, tokens) "
                   "VALUES ('delete', old.ticket_id, old.tokens); END")
    op.create_table(
        "ticket_saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ticket_saved_views_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_saved_views")),
        sa.UniqueConstraint("user_id", "name", name="uq_ticket_saved_views_user_name"),
    )
    op.create_index(op.f("ix_ticket_saved_views_user_id"), "ticket_saved_views", ["user_id"])
    op.create_table(
        "admin_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_key", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_admin_changes_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_changes")),
    )
    op.create_index("ix_admin_changes_entity", "admin_changes", ["entity", "entity_key"])
    op.create_index(op.f("ix_admin_changes_created_at"), "admin_changes", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_admin_changes_created_at"), table_name="admin_changes")
    op.drop_index("ix_admin_changes_entity", table_name="admin_changes")
    op.drop_table("admin_changes")
    op.drop_index(op.f("ix_ticket_saved_views_user_id"), table_name="ticket_saved_views")
    op.drop_table("ticket_saved_views")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_search_docs_ad")
        op.execute("DROP TRIGGER IF EXISTS ticket_search_docs_ai")
        op.execute("DROP TABLE IF EXISTS ticket_search_fts")
    else:
        op.drop_index("ix_ticket_search_docs_tsv", table_name="ticket_search_docs")
    op.drop_table("ticket_search_docs")
