"""Wire ticket search in: its API, its page, the index CLI."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from hotline.core.wiring import register_api

search_cli = AppGroup("search", help="工单检索索引")


@search_cli.command("reindex")
@click.option("--rebuild", is_flag=True, help="先清空索引再全部重建（分词规则变化后使用）")
def reindex(rebuild: bool) -> None:
    """Index every ticket not yet in the search index (all of them again with --rebuild)."""
    from sqlalchemy import delete

    from hotline.core.extensions import db
    from hotline.search.index import catch_up
    from hotline.search.models import TicketSearchDoc

    if rebuild:
        db.session.execute(delete(TicketSearchDoc))  # SQLite's trigger empties the FTS table with it
        db.session.commit()
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
