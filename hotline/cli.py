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
        user = create_user(
            db.session,
            username,
            password,
            role,
            get_unit_by_code(db.session, unit_code),
            display_name,
            policy=auth_policy(),
        )
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


@hotline_cli.command("generate-history")
@click.option("--tickets", "count", type=click.IntRange(1), required=True, help="how many tickets in all")
@click.option("--open", "open_count", type=click.IntRange(0), required=True, help="how many of them still open")
@click.option("--days", type=click.IntRange(1), default=365, show_default=True, help="over how many days")
@click.option("--seed", type=int, default=12345, show_default=True)
@click.option("--if-empty", is_flag=True, help="do nothing when tickets exist (for `make run`)")
@with_appcontext
def generate_history_command(count: int, open_count: int, days: int, seed: int, if_empty: bool) -> None:
    """Fill the database with a city's history (bulk COPY on PostgreSQL): every state, events, callbacks."""
    from pathlib import Path

    from flask import current_app
    from sqlalchemy import select

    from dispatch.similar_index import forget_idf
    from hotline.history.services import generate_history
    from hotline.tickets.models import Ticket

    if open_count > count:
        raise click.BadParameter("在办数不能超过总数", param_hint="--open")
    if if_empty and db.session.scalar(select(Ticket.id).limit(1)) is not None:
        click.echo("已有工单，未生成历史数据")
        return
    try:
        summary = generate_history(
            db.session,
            Path(current_app.config["HOTLINE_DATA_DIR"]),
            tickets=count,
            open_count=open_count,
            days=days,
            seed=seed,
            preset=current_app.config["HOTLINE_TIME_LIMIT_PRESET"],
            echo=click.echo,
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    commit(db.session)
    forget_idf()
    click.echo(
        f"已生成 {summary.tickets:,} 件工单（在办 {summary.open:,}），{summary.events:,} 条流转记录，"
        f"{summary.callbacks:,} 次回访，用时 {summary.seconds} 秒"
    )
