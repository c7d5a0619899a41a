"""The escalation ladder: rules per preset, their audit, the steps taken, and the ticket's latest level.

Revision ID: 1502_escalation
Revises: 1501_assessment
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1502_escalation"
down_revision = "1501_assessment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("preset", sa.String(30), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("after_amount", sa.Float(), nullable=False),
        sa.Column("after_unit", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("target", sa.String(30), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_escalation_rules_created_by_id_users"),
                  nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_rules"),
        sa.UniqueConstraint("preset", "code", name="uq_escalation_rules_preset_code"),
    )
    op.create_index("ix_escalation_rules_preset", "escalation_rules", ["preset"])
    op.create_table(
        "escalation_rule_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("preset", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_escalation_rule_changes_actor_id_users"),
                  nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_rule_changes"),
    )
    op.create_table(
        "ticket_escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(),
                  sa.ForeignKey("tickets.id", ondelete="CASCADE", name="fk_ticket_escalations_ticket_id_tickets"),
                  nullable=False),
        sa.Column("rule_code", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_ticket_escalations_unit_id_units"),
                  nullable=True),
        sa.Column("lead_unit_id", sa.Integer(),
                  sa.ForeignKey("units.id", name="fk_ticket_escalations_lead_unit_id_units"), nullable=True),
        sa.Column("notified_unit_id", sa.Integer(),
                  sa.ForeignKey("units.id", name="fk_ticket_escalations_notified_unit_id_units"), nullable=True),
        sa.Column("target", sa.String(30), nullable=False),
        sa.Column("event_id", sa.Integer(),
                  sa.ForeignKey("ticket_events.id", name="fk_ticket_escalations_event_id_ticket_events"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_escalations"),
        sa.UniqueConstraint("ticket_id", "rule_code", "due_at", name="uq_ticket_escalations_once"),
    )
    op.create_index("ix_ticket_escalations_ticket_id", "ticket_escalations", ["ticket_id"])
    op.create_index("ix_ticket_escalations_unit_id", "ticket_escalations", ["unit_id"])
    op.create_index("ix_ticket_escalations_created_at", "ticket_escalations", ["created_at"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("escalation_level", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("escalation_level")
    op.drop_index("ix_ticket_escalations_created_at", table_name="ticket_escalations")
    op.drop_index("ix_ticket_escalations_unit_id", table_name="ticket_escalations")
    op.drop_index("ix_ticket_escalations_ticket_id", table_name="ticket_escalations")
    op.drop_table("ticket_escalations")
    op.drop_table("escalation_rule_changes")
    op.drop_index("ix_escalation_rules_preset", table_name="escalation_rules")
    op.drop_table("escalation_rules")
