"""Lists at a million tickets: the list order, a unit's own tickets, co-units by unit, open tickets by state.

Seen with EXPLAIN ANALYZE on 1,000,000 tickets (50,000 open): a handler's first page was a sequential scan
and a sort of the whole table (1.4 s); the dashboard's counts scanned it too.

Revision ID: 1102_list_indexes
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "1102_list_indexes"
down_revision = "0001_core"
branch_labels = ("lists",)
depends_on = ("0702_exchange", "1502_escalation")  # tickets.upper_platform, tickets.escalation_level

# hotline.tickets.states.OPEN, sorted as hotline.console.services queries it (the predicate must match).
OPEN_STATES = (
    "accepted",
    "callback_due",
    "dispatched",
    "disputed",
    "registered",
    "replied",
    "return_requested",
    "suspended",
)
_OPEN = "state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


def upgrade():
    # The lists' order (上级交办 first, newest first): a page is the first rows of this index that pass the filter.
    op.create_index(
        "ix_tickets_list_order",
        "tickets",
        [sa.text("(upper_platform IS NULL)"), sa.text("created_at DESC"), sa.text("id DESC")],
    )
    # A small scope (a grid, a street office) reads its own tickets instead of walking the list order.
    op.create_index("ix_tickets_handling_unit_created", "tickets", ["handling_unit_id", "created_at"])
    op.create_index("ix_ticket_co_units_unit", "ticket_co_units", ["unit_id"])
    # An inbox (open tickets of a subtree, by deadline) ORs the handling unit (ix_tickets_state_unit) with the
    # lead unit: without this the lead-unit side read every open ticket's row to filter it (144 ms → 45 ms).
    op.create_index(
        "ix_tickets_open_lead", "tickets", ["lead_unit_id"], postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN)
    )
    # The dashboard counts open tickets by state, warning, ladder level and pending approval: 5 % of the table,
    # and on PostgreSQL from the index alone (the rows themselves lie scattered over a year of tickets).
    op.create_index(
        "ix_tickets_open_state",
        "tickets",
        ["state", "warning", "escalation_level"],
        postgresql_where=sa.text(_OPEN),
        postgresql_include=["pending_extension_days", "pending_suspend_reason"],
        sqlite_where=sa.text(_OPEN),
    )


def downgrade():
    op.drop_index("ix_tickets_open_state", table_name="tickets")
    op.drop_index("ix_tickets_open_lead", table_name="tickets")
    op.drop_index("ix_ticket_co_units_unit", table_name="ticket_co_units")
    op.drop_index("ix_tickets_handling_unit_created", table_name="tickets")
    op.drop_index("ix_tickets_list_order", table_name="tickets")
