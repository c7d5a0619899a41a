"""Wire the classifier into the app: the API, the CLI, intake suggestions, the preloaded model, the demo model.

``make run`` trains the demo model in a separate process (``flask hotline train-demo-model``) while the
server starts; the server notices the new active version within ``RECHECK_SECONDS``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from classifier.cli import classifier as classifier_cli
from hotline.classification import models  # noqa: F401  (registers the tables)
from hotline.classification.services import PredictorCache, active_version, ensure_demo_model, prediction_to_dict
from hotline.classification.views import bp
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.wiring import register_api
from hotline.intake.suggestions import register_suggester

# The last prediction made in a session: intake's suggestion and dispatch's proposal ask about the same text
# in one request, and one classification (~4 ms) is enough; keyed by model version, so a promotion is seen.
_LAST_PREDICTION = "hotline.classification.last"


def _suggest(session: Session, text: str, address: str | None) -> dict:
    predictor = current_app.extensions["hotline.predictor_cache"].get(session)
    if predictor is None:
        return {}
    key = (predictor.version, text.strip())
    last = session.info.get(_LAST_PREDICTION)
    if last is not None and last[0] == key:
        result = last[1]
    else:
        result = prediction_to_dict(predictor.predict(text))
        session.info[_LAST_PREDICTION] = (key, result)
    return {
        "categories": result["category"],
        "kind": result["kind"],
        "kind_reason": result["kind_reason"],
        "urgency": result["urgency"],
        "urgency_reason": result["urgency_reason"],
        "model_version": result["model_version"],
        "confident": result["confident"],
    }


def _classify(text: str) -> dict | None:
    """The classifier as other packages (dispatch) see it: ``{categories, kind, urgency, model_version, …}``."""
    return _suggest(db.session, text, None) or None


@click.command("train-demo-model")
@with_appcontext
def train_demo_model_command() -> None:
    """Train and activate the demo model from messages.csv unless a model is already active."""
    config = current_app.config
    version = ensure_demo_model(db.session, Path(config["HOTLINE_DATA_DIR"]) / "messages.csv",
                                Path(config["HOTLINE_MODELS_DIR"]))
    commit(db.session)
    click.echo(f"分类模型已启用：{version}")


def init_app(app: Flask) -> None:
    """Register the classifier's API, CLI, suggestion provider, preloader and demo seeder."""
    cache = PredictorCache(Path(app.config["HOTLINE_MODELS_DIR"]))
    app.extensions["hotline.predictor_cache"] = cache
    app.extensions["hotline.classify"] = _classify
    app.extensions["hotline.model_version"] = lambda: getattr(active_version(db.session), "version", None)
    app.extensions.setdefault("hotline.preloaders", {})["classifier"] = lambda: cache.get(db.session)
    register_api(app, bp)
    app.cli.add_command(classifier_cli)
    register_suggester(app, "classification", _suggest)
    from hotline.cli import hotline_cli

    hotline_cli.add_command(train_demo_model_command)
