"""Wire ticket search in: its API, its page, the index CLI."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from hotline.core.wiring import register_api

search_cli = AppGroup("search", help="工单检索索引")


@search_cli.command("reindex")
def reindex() -> None:
    """Index every ticket not yet in the search index."""
    from hotline.core.extensions import db
    from hotline.search.index import catch_up

    total = 0
    while done := catch_up(db.session, 2000):
        db.session.commit()
        total += done
    click.echo(f"indexed {total} tickets")


def init_app(app: Flask) -> None:
    """Register the search API, the /search page and ``flask search reindex``."""
    import hotline.search.models  # noqa: F401  (tables on the metadata)
    from hotline.search import pages, views

    register_api(app, views.bp)
    app.register_blueprint(pages.bp)
    app.cli.add_command(search_cli)
