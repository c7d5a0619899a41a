"""The knowledge base's GIN indexes without a pending list (PostgreSQL).

With GIN's default ``fastupdate`` every new entry waits in an unsorted pending list until a vacuum merges it.
The KB index is rebuilt in bulk (seeding, imports), so right after it the whole index was pending: the planner
then priced the index above a sequential scan, and each suggestion query detoasted every article's tsvector
(13 ms at 2,800 articles, against 0.08 ms through the merged index; seen with EXPLAIN ANALYZE). Articles change
a few times a day, so writing their entries straight into the index costs nothing that matters.

Revision ID: 1103_kb_gin_no_pending
Revises: 1102_list_indexes
"""

from alembic import op

revision = "1103_kb_gin_no_pending"
down_revision = "1102_list_indexes"
branch_labels = None
depends_on = ("0101_knowledge",)

KB_GIN_INDEXES = ("ix_kb_search_docs_title", "ix_kb_search_docs_tsv", "ix_kb_search_docs_grams")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index has no pending list
    for name in KB_GIN_INDEXES:
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")  # what is already pending


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in KB_GIN_INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
