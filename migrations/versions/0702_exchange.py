"""Exchange with upper platforms: platforms, the exchange log, attachment references, push nonces; tickets
get the 上级交办 channel, the assigning platform and its deadline.

Revision ID: 0702_exchange
Revises: 0701_auth
"""

import sqlalchemy as sa
from alembic import op

revision = "0702_exchange"
down_revision = "0701_auth"
branch_labels = None
depends_on = None

OLD_CHANNELS = "('phone', 'web', 'app', 'wechat', 'mailbox', 'message_board', 'transfer_110', 'api')"
NEW_CHANNELS = "('phone', 'web', 'app', 'wechat', 'mailbox', 'message_board', 'transfer_110', 'api', 'upper')"


def _channels(allowed: str) -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("channel", type_="check")  # named ck_tickets_channel by the convention
        batch_op.create_check_constraint("channel", f"channel IN {allowed}")


def upgrade():
    op.create_table(
        "exchange_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("adapter", sa.String(length=40), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("pull_cursor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_platforms")),
        sa.UniqueConstraint("code", name=op.f("uq_exchange_platforms_code")),
    )
    op.create_table(
        "exchange_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("ack", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_exchange_messages_direction")),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'acked', 'dead', 'received')", name=op.f("ck_exchange_messages_status")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["exchange_platforms.id"], name=op.f("fk_exchange_messages_platform_id_exchange_platforms")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_exchange_messages_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_messages")),
        sa.UniqueConstraint("platform_id", "direction", "external_id", "kind", "seq", name="uq_exchange_messages_key"),
    )
    op.create_index("ix_exchange_messages_due", "exchange_messages", ["status", "next_try_at"])
    op.create_index(op.f("ix_exchange_messages_platform_id"), "exchange_messages", ["platform_id"])
    op.create_index(op.f("ix_exchange_messages_ticket_id"), "exchange_messages", ["ticket_id"])
    op.create_table(
        "exchange_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_exchange_attachments_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_attachments")),
    )
    op.create_index(op.f("ix_exchange_attachments_ticket_id"), "exchange_attachments", ["ticket_id"])
    op.create_table(
        "exchange_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["exchange_platforms.id"], name=op.f("fk_exchange_nonces_platform_id_exchange_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_nonces")),
        sa.UniqueConstraint("platform_id", "nonce", name="uq_exchange_nonces_platform_id"),
    )
    op.create_index(op.f("ix_exchange_nonces_seen_at"), "exchange_nonces", ["seen_at"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upper_platform", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("upper_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_upper_platform"), ["upper_platform"], unique=False)
    _channels(NEW_CHANNELS)


def downgrade():
    op.execute("DELETE FROM exchange_attachments")
    _channels_guard = "UPDATE tickets SET channel = 'api' WHERE channel = 'upper'"
    op.execute(_channels_guard)  # keep the tickets; they read as 接口 once the channel is gone
    _channels(OLD_CHANNELS)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_upper_platform"))
        batch_op.drop_column("upper_due")
        batch_op.drop_column("upper_platform")
    op.drop_table("exchange_nonces")
    op.drop_table("exchange_attachments")
    op.drop_table("exchange_messages")
    op.drop_table("exchange_platforms")
