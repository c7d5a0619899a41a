"""``flask --app wsgi hotline …``: operator commands (users, demo data, the warning sweep)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from hotline.core.effects import commit
from hotline.core.extensions import db


@click.group("hotline")
def hotline_cli() -> None:
    """Operate hotline12345."""


@hotline_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True, help="单位编码")
@click.option("--name", "display_name", default=None)
@click.password_option()
@with_appcontext
def create_user_command(username: str, role: str, unit_code: str, display_name: str | None, password: str) -> None:
    """Create a user (real deployments create every account this way)."""
    from hotline.auth.policy import auth_policy
    from hotline.auth.services import create_user
    from hotline.core.errors import ApiError
    from hotline.units.services import get_unit_by_code

    try:
        user = create_user(db.session, username, password, role, get_unit_by_code(db.session, unit_code), display_name,
                           policy=auth_policy())
    except ApiError as exc:
        raise click.ClickException(f"{exc.message} ({exc.code})") from None
    commit(db.session)
    click.echo(f"已创建用户 {user.username}（{user.role}）")


@hotline_cli.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo city (units, users, list, knowledge base, model) unless already there."""
    from hotline.demo import seed_demo

    summary = seed_demo(db.session)
    commit(db.session)
    click.echo(json.dumps(summary, ensure_ascii=False))


@hotline_cli.command("sweep-warnings")
@with_appcontext
def sweep_warnings_command() -> None:
    """Recompute yellow/red warnings now."""
    from hotline.tickets.tasks import recompute_warnings

    click.echo(json.dumps(recompute_warnings()))
