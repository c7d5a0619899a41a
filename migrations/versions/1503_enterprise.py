"""涉企: enterprises, the tickets' enterprise links (the ledger with 销号), seat skills, 涉企 time-limit rows.

Revision ID: 1503_enterprise
Revises: 1502_escalation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1503_enterprise"
down_revision = "1502_escalation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enterprises"),
        sa.UniqueConstraint("credit_code", name="uq_enterprises_credit_code"),
    )
    op.create_table(
        "ticket_enterprises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(),
                  sa.ForeignKey("tickets.id", ondelete="CASCADE", name="fk_ticket_enterprises_ticket_id_tickets"),
                  nullable=False),
        sa.Column("enterprise_id", sa.Integer(),
                  sa.ForeignKey("enterprises.id", name="fk_ticket_enterprises_enterprise_id_enterprises"),
                  nullable=True),
        sa.Column("contact_name", sa.String(80), nullable=True),
        sa.Column("contact_phone", sa.String(30), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("struck_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("struck_off_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_ticket_enterprises_struck_off_by_id_users"), nullable=True),
        sa.Column("strike_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_enterprises"),
        sa.UniqueConstraint("ticket_id", name="uq_ticket_enterprises_ticket_id"),
    )
    op.create_index("ix_ticket_enterprises_enterprise_id", "ticket_enterprises", ["enterprise_id"])
    op.create_table(
        "agent_skills",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_agent_skills_user_id_users"), nullable=False),
        sa.Column("skill", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agent_skills"),
        sa.UniqueConstraint("user_id", "skill", name="uq_agent_skills_user_skill"),
    )
    op.create_index("ix_agent_skills_user_id", "agent_skills", ["user_id"])
    op.create_table(
        "agent_skill_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_agent_skill_changes_user_id_users"),
                  nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_agent_skill_changes_actor_id_users"),
                  nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agent_skill_changes"),
    )
    op.create_index("ix_agent_skill_changes_user_id", "agent_skill_changes", ["user_id"])
    with op.batch_alter_table("time_limits") as batch:
        batch.add_column(sa.Column("enterprise", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("time_limits") as batch:
        batch.drop_column("enterprise")
    op.drop_index("ix_agent_skill_changes_user_id", table_name="agent_skill_changes")
    op.drop_table("agent_skill_changes")
    op.drop_index("ix_agent_skills_user_id", table_name="agent_skills")
    op.drop_table("agent_skills")
    op.drop_index("ix_ticket_enterprises_enterprise_id", table_name="ticket_enterprises")
    op.drop_table("ticket_enterprises")
    op.drop_table("enterprises")
