"""Which tickets came in through Open311 (their text was written for a public system).

Revision ID: 0901_open311_requests
Revises: 0003_open311
"""

import sqlalchemy as sa
from alembic import op

revision = "0901_open311_requests"
down_revision = "0003_open311"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "open311_requests",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_open311_requests_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["open311_clients.id"],
                                name=op.f("fk_open311_requests_client_id_open311_clients")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_open311_requests")),
    )


def downgrade():
    op.drop_table("open311_requests")
