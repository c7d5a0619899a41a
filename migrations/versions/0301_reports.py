"""Reports: 万件清理 campaigns and ledger rows, report snapshots, and the indexes the reports need.

Revision ID: 0301_reports
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0301_reports"
down_revision = "0001_core"
branch_labels = ("reports",)
depends_on = None

# Indexes for the report queries (see bench/reports_bench.py for what each one buys).
TICKET_INDEXES = (
    ("ix_tickets_reports_replied_at", ["replied_at"]),
    ("ix_tickets_reports_reply_due", ["reply_due"]),
    ("ix_tickets_reports_closed_at", ["closed_at"]),
    ("ix_tickets_reports_dispatched_at", ["dispatched_at"]),
    ("ix_tickets_reports_address_created", ["address", "created_at"]),
)
EVENT_INDEXES = (("ix_ticket_events_reports_action_created", ["action", "created_at"]),)


def upgrade() -> None:
    op.create_table(
        "report_campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("scope_unit_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_report_campaigns_scope_unit_id_units"), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_report_campaigns_created_by_id_users"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backlog_at_start", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_campaigns"),
    )
    op.create_table(
        "report_ledger_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("report_campaigns.id", ondelete="CASCADE", name="fk_report_ledger_rows_campaign_id_report_campaigns"), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE", name="fk_report_ledger_rows_ticket_id_tickets"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_report_ledger_rows_unit_id_units"), nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("state_at_start", sa.String(20), nullable=False),
        sa.Column("age_days_at_start", sa.Integer(), nullable=False),
        sa.Column("age_bucket", sa.String(10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("struck_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("struck_off_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_report_ledger_rows_struck_off_by_id_users"), nullable=True),
        sa.Column("strike_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_report_ledger_rows"),
        sa.UniqueConstraint("campaign_id", "ticket_id", name="uq_report_ledger_rows_ticket"),
    )
    op.create_index("ix_report_ledger_rows_campaign_unit", "report_ledger_rows", ["campaign_id", "unit_id"])
    op.create_index("ix_report_ledger_rows_ticket_id", "report_ledger_rows", ["ticket_id"])
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_snapshots"),
    )
    op.create_index("ix_report_snapshots_period_start", "report_snapshots", ["period", "period_start"])
    for name, columns in TICKET_INDEXES:
        op.create_index(name, "tickets", columns)
    for name, columns in EVENT_INDEXES:
        op.create_index(name, "ticket_events", columns)


def downgrade() -> None:
    for name, _ in EVENT_INDEXES:
        op.drop_index(name, table_name="ticket_events")
    for name, _ in TICKET_INDEXES:
        op.drop_index(name, table_name="tickets")
    op.drop_index("ix_report_snapshots_period_start", table_name="report_snapshots")
    op.drop_table("report_snapshots")
    op.drop_index("ix_report_ledger_rows_ticket_id", table_name="report_ledger_rows")
    op.drop_index("ix_report_ledger_rows_campaign_unit", table_name="report_ledger_rows")
    op.drop_table("report_ledger_rows")
    op.drop_table("report_campaigns")
