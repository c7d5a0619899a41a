"""SMS deliveries: one per outbox notification, with attempts, provider ids and the receipt.

Revision ID: 0502_sms
Revises: 0501_attachments
"""

import sqlalchemy as sa
from alembic import op

revision = "0502_sms"
down_revision = "0501_attachments"
branch_labels = None
depends_on = None

STATUSES = ("queued", "rate_limited", "sent", "delivered", "undelivered", "failed")


def upgrade():
    op.create_table(
        "sms_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("template_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("biz_id", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("receipt_code", sa.String(length=40), nullable=True),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name=op.f("ck_sms_deliveries_status")),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_sms_deliveries_notification_id_notifications"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_deliveries")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_sms_deliveries_notification_id")),
    )
    op.create_index("ix_sms_deliveries_due", "sms_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_sms_deliveries_biz_id"), "sms_deliveries", ["biz_id"])


def downgrade():
    op.drop_index(op.f("ix_sms_deliveries_biz_id"), table_name="sms_deliveries")
    op.drop_index("ix_sms_deliveries_due", table_name="sms_deliveries")
    op.drop_table("sms_deliveries")
