"""智能回访 by link: ``callback_links`` (one per ticket and reply approval) and ``ticket_callbacks.source``.

Existing callbacks are backfilled: those recorded by the portal's system user ``portal`` (the citizen's own
评价) become ``portal`` with no agent; every other one stays ``agent``.

Revision ID: 1402_callback_links
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "1402_callback_links"
down_revision = "0001_core"
branch_labels = ("callbacks",)
depends_on = None

SOURCES = "('agent', 'portal', 'citizen_link')"


def upgrade():
    with op.batch_alter_table("ticket_callbacks") as batch:
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="agent"))
        batch.create_check_constraint(op.f("ck_ticket_callbacks_source"), f"source IN {SOURCES}")
    op.execute(
        "UPDATE ticket_callbacks SET source = 'portal', agent_id = NULL "
        "WHERE agent_id IN (SELECT id FROM users WHERE username = 'portal')"
    )
    op.create_table(
        "callback_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_reason", sa.String(length=30), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_callback_links_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["ticket_callbacks.id"],
            name=op.f("fk_callback_links_callback_id_ticket_callbacks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_callback_links_notification_id_notifications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_callback_links_token_hash")),
    )
    op.create_index(op.f("ix_callback_links_ticket_id"), "callback_links", ["ticket_id"])
    op.create_index("ix_callback_links_open", "callback_links", ["used_at", "expired_at", "wait_until"])


def downgrade():
    op.drop_index("ix_callback_links_open", table_name="callback_links")
    op.drop_index(op.f("ix_callback_links_ticket_id"), table_name="callback_links")
    op.drop_table("callback_links")
    with op.batch_alter_table("ticket_callbacks") as batch:
        batch.drop_constraint("ck_ticket_callbacks_source", type_="check")
        batch.drop_column("source")
