"""Categories: the three-level tree (三级分类) with dotted codes.

Revision ID: 0002_categories
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_categories"
down_revision = "0001_core"
branch_labels = ("categories",)
depends_on = None


def upgrade():
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("path_name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_index(op.f("ix_categories_name"), "categories", ["name"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_categories_name"), table_name="categories")
    op.drop_table("categories")
