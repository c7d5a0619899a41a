"""The job outbox (effects written in the action's transaction) and claimed periods of periodic jobs.

Revision ID: 0951_outbox
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op


revision = "0951_outbox"
down_revision = "0001_core"
branch_labels = ("outbox",)
depends_on = None


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_done_at"), "outbox", ["done_at"])
    # The sweep and the health figure look only at rows not done yet: keep that lookup small.
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["created_at"],
        postgresql_where=sa.text("done_at IS NULL"),
        sqlite_where=sa.text("done_at IS NULL"),
    )
    op.create_table(
        "periodic_runs",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "period", name=op.f("pk_periodic_runs")),
    )
    op.create_index(op.f("ix_periodic_runs_ran_at"), "periodic_runs", ["ran_at"])


def downgrade():
    op.drop_index(op.f("ix_periodic_runs_ran_at"), table_name="periodic_runs")
    op.drop_table("periodic_runs")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index(op.f("ix_outbox_done_at"), table_name="outbox")
    op.drop_table("outbox")
