"""Tickets: the extractive summary (≤ 80 characters) computed at intake and shown in every list.

Revision ID: 1601_ticket_summary
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "1601_ticket_summary"
down_revision = "0001_core"
branch_labels = ("assistant",)
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("summary", sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("summary")
