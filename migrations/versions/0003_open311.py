"""Open311 client keys.

Revision ID: 0003_open311
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_open311"
down_revision = "0001_core"
branch_labels = ("open311",)
depends_on = None


def upgrade():
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("name", name=op.f("uq_open311_clients_name")),
        sa.UniqueConstraint("key_sha256", name=op.f("uq_open311_clients_key_sha256")),
    )


def downgrade():
    op.drop_table("open311_clients")
