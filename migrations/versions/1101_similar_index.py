"""The 并单 index: MinHash bands of every open ticket's text.

Revision ID: 1101_similar_index
Revises: 0201_dispatch
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1101_similar_index"
down_revision = "0201_dispatch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similar_bands",
        sa.Column("band", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "ticket_id"),
    )
    op.create_index("ix_similar_bands_ticket", "similar_bands", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_similar_bands_ticket", table_name="similar_bands")
    op.drop_table("similar_bands")
