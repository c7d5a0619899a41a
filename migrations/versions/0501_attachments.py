"""Attachments on tickets and their content-addressed blobs.

Revision ID: 0501_attachments
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0501_attachments"
down_revision = "0001_core"
branch_labels = ("attachments",)
depends_on = None

STAGES = ("intake", "on_site", "before", "after", "reply")
KINDS = ("image", "video", "pdf", "office")
SOURCES = ("staff", "citizen")
DERIVED = ("pending", "ready", "none", "failed")


def upgrade():
    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blobs")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("derived", sa.String(length=10), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=True),
        sa.Column("web_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"stage IN {STAGES!r}", name=op.f("ck_attachments_stage")),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name=op.f("ck_attachments_kind")),
        sa.CheckConstraint(f"source IN {SOURCES!r}", name=op.f("ck_attachments_source")),
        sa.CheckConstraint(f"derived IN {DERIVED!r}", name=op.f("ck_attachments_derived")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_attachments_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sha256"], ["attachment_blobs.sha256"], name=op.f("fk_attachments_sha256_attachment_blobs")),
        sa.ForeignKeyConstraint(["thumb_sha256"], ["attachment_blobs.sha256"],
                                name=op.f("fk_attachments_thumb_sha256_attachment_blobs")),
        sa.ForeignKeyConstraint(["web_sha256"], ["attachment_blobs.sha256"],
                                name=op.f("fk_attachments_web_sha256_attachment_blobs")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("ticket_id", "sha256", name=op.f("uq_attachments_ticket_sha256")),
    )
    op.create_index("ix_attachments_ticket", "attachments", ["ticket_id", "id"])


def downgrade():
    op.drop_index("ix_attachments_ticket", table_name="attachments")
    op.drop_table("attachments")
    op.drop_table("attachment_blobs")
