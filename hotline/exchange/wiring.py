"""Wire the exchange with upper platforms into the app: API, page, the lifecycle listener, jobs, CLI."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from hotline.core.scheduler import register_periodic
from hotline.core.wiring import register_api
from hotline.exchange import models  # noqa: F401  (registers the tables)
from hotline.exchange.pages import pages
from hotline.exchange.services import on_state_change
from hotline.exchange.views import bp
from hotline.tickets.lifecycle import bind_state_change_listener


@click.command("exchange-platform")
@click.option("--code", required=True, help="平台编码，如 sd12345")
@click.option("--name", required=True, help="平台名称")
@click.option("--url", "base_url", required=True, help="平台接口地址")
@click.option("--key-id", required=True, help="我方在该平台的密钥编号")
@click.option("--secret", required=True, prompt=True, hide_input=True, help="共享签名密钥")
@click.option("--adapter", default="json-v1", show_default=True)
@with_appcontext
def add_platform_command(code: str, name: str, base_url: str, key_id: str, secret: str, adapter: str) -> None:
    """Register an upper platform to exchange tickets and status with."""
    from hotline.core.effects import commit
    from hotline.core.errors import ApiError
    from hotline.core.extensions import db
    from hotline.exchange.services import add_platform

    try:
        platform = add_platform(db.session, code, name, base_url, key_id, secret, adapter)
    except ApiError as exc:
        raise click.ClickException(f"{exc.message} ({exc.code})") from None
    commit(db.session)
    click.echo(f"已登记上级平台 {platform.code}（{platform.name}）")


def init_app(app: Flask) -> None:
    """Register the exchange's endpoints, page, listener, periodic jobs and command."""
    register_api(app, bp)
    app.register_blueprint(pages)
    bind_state_change_listener(on_state_change)
    register_periodic(app, "hotline.exchange.tasks:pull_all", every_seconds=app.config["HOTLINE_EXCHANGE_PULL_SECONDS"])
    register_periodic(
        app, "hotline.exchange.tasks:deliver_due", every_seconds=app.config["HOTLINE_EXCHANGE_DELIVER_SECONDS"]
    )
    from hotline.cli import hotline_cli

    hotline_cli.add_command(add_platform_command)
