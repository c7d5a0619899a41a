"""Wire the classifier into the app: the API, the CLI, the intake classifier, the preloaded model, the demo model.

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
from hotline.classification.services import (
    PREDICTOR_CACHE,
    PredictorCache,
    active_version,
    ensure_demo_model,
    prediction_to_dict,
)
from hotline.classification.views import bp
from hotline.core.effects import commit
from hotline.core.extensions import db
from hotline.core.wiring import register_api, register_preloader
from hotline.intake.seams import Prediction


class IntakeClassifier:
    """The active model as intake (``hotline.intake.seams.Classifier``) and dispatch ask it."""

    def __init__(self, cache: PredictorCache) -> None:
        self.cache = cache

    def predict(self, session: Session, text: str) -> Prediction | None:
        """Return the intake shape of the active model's prediction, or None when no model is active."""
        predictor = self.cache.get(session)
        if predictor is None:
            return None
        result = prediction_to_dict(predictor.predict(text))
        return {
            "categories": result["category"],
            "kind": result["kind"],
            "kind_reason": result["kind_reason"],
            "urgency": result["urgency"],
            "urgency_reason": result["urgency_reason"],
            "model_version": result["model_version"],
            "confident": result["confident"],
        }

    def classify_text(self, text: str) -> Prediction | None:
        """Dispatch's view (``dispatch.services.CLASSIFY``): the prediction for ``text`` in this request's session."""
        return self.predict(db.session, text)

    def model_version(self) -> str | None:
        """Return the active version (for ``/api/v1/health``)."""
        return getattr(active_version(db.session), "version", None)


@click.command("train-demo-model")
@with_appcontext
def train_demo_model_command() -> None:
    """Train and activate the demo model from messages.csv unless a model is already active."""
    config = current_app.config
    version = ensure_demo_model(
        db.session, Path(config["HOTLINE_DATA_DIR"]) / "messages.csv", Path(config["HOTLINE_MODELS_DIR"])
    )
    commit(db.session)
    click.echo(f"分类模型已启用：{version}")


def init_app(app: Flask) -> IntakeClassifier:
    """Register the classifier's API, CLI, preloader; return the classifier the factory binds into the seams."""
    cache = PredictorCache(Path(app.config["HOTLINE_MODELS_DIR"]))
    PREDICTOR_CACHE.bind(app, cache)
    register_preloader(app, "classifier", lambda: cache.get(db.session) and None)
    register_api(app, bp)
    app.cli.add_command(classifier_cli)
    from hotline.cli import hotline_cli

    hotline_cli.add_command(train_demo_model_command)
    return IntakeClassifier(cache)
