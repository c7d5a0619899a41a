"""``flask --app wsgi dispatch …``: load, export and import the responsibility list."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from hotline.core.effects import commit
from hotline.core.errors import ApiError
from hotline.core.extensions import db


@click.group("dispatch")
def dispatch_cli() -> None:
    """Manage the responsibility list (确责清单)."""


@dispatch_cli.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo responsibility list unless rules exist."""
    from dispatch.ruleset import load_demo_rules

    count = load_demo_rules(db.session)
    commit(db.session)
    click.echo(f"已载入 {count} 条")


@dispatch_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Write the list to an .xlsx file."""
    from dispatch.io import export_rules_xlsx

    path.write_bytes(export_rules_xlsx(db.session))
    click.echo(str(path))


@dispatch_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import an .xlsx file (each change audited, all or nothing)."""
    from dispatch.io import import_rules_xlsx

    try:
        with path.open("rb") as fh:
            counts = import_rules_xlsx(db.session, fh, None)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    commit(db.session)
    click.echo(json.dumps(counts, ensure_ascii=False))


@dispatch_cli.command("reindex-similar")
@with_appcontext
def reindex_similar_command() -> None:
    """Rebuild the 并单 index over every open ticket (after an upgrade or a bulk load)."""
    from dispatch.similar_index import forget_idf, rebuild

    count = rebuild(db.session)
    commit(db.session)
    forget_idf()
    click.echo(f"已为 {count} 件在办工单建立并单索引")
