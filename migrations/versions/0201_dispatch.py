"""Dispatch: the responsibility list with its audit, decisions, grid assignments and a change counter.

Revision ID: 0201_dispatch
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0201_dispatch"
down_revision = "0001_core"
branch_labels = ("dispatch",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("area", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("lead_unit", sa.String(40), nullable=False),
        sa.Column("co_units", sa.JSON(), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("grid_first", sa.Boolean(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_dispatch_rules_updated_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_rules"),
    )
    op.create_table(
        "dispatch_rule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_dispatch_rule_changes_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_rule_changes"),
    )
    op.create_index("ix_dispatch_rule_changes_rule_id", "dispatch_rule_changes", ["rule_id"])
    op.create_index("ix_dispatch_rule_changes_created_at", "dispatch_rule_changes", ["created_at"])
    op.create_table(
        "dispatch_counters",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_dispatch_counters"),
    )
    op.create_table(
        "dispatch_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(40), nullable=True),
        sa.Column("model_version", sa.String(80), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], ondelete="CASCADE", name="fk_dispatch_decisions_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_decisions"),
    )
    op.create_index("ix_dispatch_decisions_rule_id", "dispatch_decisions", ["rule_id"])
    op.create_index("ix_dispatch_decisions_ticket_created", "dispatch_decisions", ["ticket_id", "created_at"])
    op.create_table(
        "dispatch_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], ondelete="CASCADE", name="fk_dispatch_assignments_ticket_id_tickets"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_dispatch_assignments_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_assignments"),
    )
    op.create_index("ix_dispatch_assignments_ticket_id", "dispatch_assignments", ["ticket_id"])
    op.create_index("ix_dispatch_assignments_user_id", "dispatch_assignments", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_dispatch_assignments_user_id", table_name="dispatch_assignments")
    op.drop_index("ix_dispatch_assignments_ticket_id", table_name="dispatch_assignments")
    op.drop_table("dispatch_assignments")
    op.drop_index("ix_dispatch_decisions_ticket_created", table_name="dispatch_decisions")
    op.drop_index("ix_dispatch_decisions_rule_id", table_name="dispatch_decisions")
    op.drop_table("dispatch_decisions")
    op.drop_table("dispatch_counters")
    op.drop_index("ix_dispatch_rule_changes_created_at", table_name="dispatch_rule_changes")
    op.drop_index("ix_dispatch_rule_changes_rule_id", table_name="dispatch_rule_changes")
    op.drop_table("dispatch_rule_changes")
    op.drop_table("dispatch_rules")
