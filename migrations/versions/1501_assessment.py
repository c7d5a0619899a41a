"""考评: assessment scheme versions and the stored results of closed months.

Revision ID: 1501_assessment
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1501_assessment"
down_revision = "0001_core"
branch_labels = ("assessment",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_schemes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("effective_from", sa.String(7), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_assessment_schemes_created_by_id_users"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_schemes"),
        sa.UniqueConstraint("code", "version", name="uq_assessment_schemes_code_version"),
    )
    op.create_index("ix_assessment_schemes_code", "assessment_schemes", ["code"])
    op.create_table(
        "assessment_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("scheme_code", sa.String(40), nullable=False),
        sa.Column("scheme_id", sa.Integer(),
                  sa.ForeignKey("assessment_schemes.id", name="fk_assessment_results_scheme_id_assessment_schemes"),
                  nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_assessment_results_unit_id_units"),
                  nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("rank_reason", sa.String(200), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_assessment_results_closed_by_id_users"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_results"),
        sa.UniqueConstraint("month", "scheme_code", "unit_id", name="uq_assessment_results_month_scheme_unit"),
    )
    op.create_index("ix_assessment_results_scheme_month", "assessment_results", ["scheme_code", "month"])


def downgrade() -> None:
    op.drop_index("ix_assessment_results_scheme_month", table_name="assessment_results")
    op.drop_table("assessment_results")
    op.drop_index("ix_assessment_schemes_code", table_name="assessment_schemes")
    op.drop_table("assessment_schemes")
