"""Staff sign-in a centre accepts: TOTP second factor and recovery codes, server-side sessions, revocable
named API tokens, password age, and an append-only trail of account changes.

Revision ID: 0701_auth
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0701_auth"
down_revision = "0001_core"
branch_labels = ("auth",)
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    # Existing passwords start their age now rather than all expiring on the day of the upgrade.
    op.execute(sa.text("UPDATE users SET password_changed_at = CURRENT_TIMESTAMP"))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=80), nullable=False, server_default="登录令牌"))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "auth_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_recovery_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_auth_recovery_codes_code_sha256")),
    )
    op.create_index(op.f("ix_auth_recovery_codes_user_id"), "auth_recovery_codes", ["user_id"])

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sid_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("second_factor_done", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("sid_sha256", name=op.f("uq_auth_sessions_sid_sha256")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"])

    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_auth_events_actor_id_users")),
        sa.ForeignKeyConstraint(["target_id"], ["users.id"], name=op.f("fk_auth_events_target_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    op.create_index(op.f("ix_auth_events_action"), "auth_events", ["action"])
    op.create_index(op.f("ix_auth_events_actor_id"), "auth_events", ["actor_id"])
    op.create_index(op.f("ix_auth_events_target_id"), "auth_events", ["target_id"])
    op.create_index(op.f("ix_auth_events_created_at"), "auth_events", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION auth_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'auth_events is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER auth_events_append_only BEFORE UPDATE OR DELETE ON auth_events "
            "FOR EACH ROW EXECUTE FUNCTION auth_events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER auth_events_append_only BEFORE UPDATE ON auth_events "
            "BEGIN SELECT RAISE(ABORT, 'auth_events is append-only'); END"
        )


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP TRIGGER IF EXISTS auth_events_append_only" + (" ON auth_events" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS auth_events_append_only()")
    op.drop_table("auth_events")
    op.drop_table("auth_sessions")
    op.drop_table("auth_recovery_codes")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("name")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("password_changed_at")
