"""Wire Open311 GeoReport v2 into the app."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from hotline.core.wiring import register_api
from hotline.open311 import models  # noqa: F401  (registers the table)
from hotline.open311.views import bp


@click.command("open311-key")
@click.option("--name", required=True, help="client name")
@with_appcontext
def open311_key_command(name: str) -> None:
    """Create an Open311 api_key for a client and print it once."""
    from hotline.core.effects import commit
    from hotline.core.extensions import db
    from hotline.open311.services import create_client

    key = create_client(db.session, name)
    commit(db.session)
    click.echo(key)


def init_app(app: Flask) -> None:
    """Register the GeoReport endpoints and the key command."""
    register_api(app, bp)
    from hotline.cli import hotline_cli

    hotline_cli.add_command(open311_key_command)
