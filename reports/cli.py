"""``flask --app wsgi reports …``: generate summaries, run the hot-spot demo on the message-board data."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("reports")
def reports_cli() -> None:
    """Reports: summaries and hot spots."""


@reports_cli.command("summary")
@click.option("--period", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True)
@with_appcontext
def summary_command(period: str) -> None:
    """Generate and store the daily or weekly summary (what the scheduled job does)."""
    from reports.tasks import generate_summary

    snapshot_id = generate_summary(period)
    click.echo(
        json.dumps({"snapshot": snapshot_id, "period": period, "xlsx": f"/api/v1/reports/snapshots/{snapshot_id}.xlsx"})
    )


@reports_cli.command("hotspot-demo")
@click.option("--data", "data_path", default=None, help="CSV (default: shared/data/hotspot_messages.csv)")
@click.option("--top", default=10, show_default=True)
@with_appcontext
def hotspot_demo_command(data_path: str | None, top: int) -> None:
    """Print the 类案 clusters of the real message-board data as JSON lines."""
    from reports.hotspots import hotspots_from_csv

    path = data_path or str(Path(current_app.config["HOTLINE_DATA_DIR"]) / "hotspot_messages.csv")
    result = hotspots_from_csv(path, top=top)
    for cluster in result["clusters"]:
        click.echo(json.dumps({k: cluster[k] for k in ("label", "size", "upvotes", "titles")}, ensure_ascii=False))
