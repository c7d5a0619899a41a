"""Model versions, the active predictor, classifications and corrections, and retraining.

The model predicts the first-level category (its labels are names such as 城乡建设); the app speaks in
category codes (``CX``), mapped through the category tree.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from classifier.artefacts import read_metadata
from classifier.predictor import Prediction, Predictor
from hotline.auth.models import User
from hotline.categories.services import FIRST_LEVEL_CODES
from hotline.classification.models import CategoryCorrection, Classification, ModelVersion
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.core.seams import Seam
from hotline.tickets.models import Ticket

# How long a process trusts its cached idea of the active version before asking the database again,
# so a promotion made by one process reaches the others within this time.
RECHECK_SECONDS = 10.0
NAME_TO_CODE = FIRST_LEVEL_CODES
CODE_TO_NAME = {code: name for name, code in FIRST_LEVEL_CODES.items()}


def register_version(session: Session, models_root: Path, directory: Path, note: str | None = None) -> ModelVersion:
    """Record a model directory (inside ``models_root``) as a candidate version."""
    meta = read_metadata(directory, models_root)
    version = ModelVersion(
        version=meta["version"],
        directory=str(Path(directory).resolve().relative_to(Path(models_root).resolve())),
        metrics=meta.get("scores", {}),
        active=False,
        note=note,
        created_at=clock.now(),
    )
    session.add(version)
    session.flush()
    return version


def active_version(session: Session) -> ModelVersion | None:
    """Return the version in use."""
    return session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))


# Model files kept for versions that are not active (each is ~55 MB): enough to roll back a few retrains.
KEEP_RECENT_MODEL_FILES = 5


def _model_file(models_root: Path, version: ModelVersion) -> Path:
    from classifier.artefacts import MODEL_FILE

    return Path(models_root) / version.directory / MODEL_FILE


def prune_model_files(session: Session, models_root: Path, keep_recent: int = KEEP_RECENT_MODEL_FILES) -> list[str]:
    """Delete the model file of every version but the active one and the ``keep_recent`` newest; return them.

    The version row, its metadata.json and its evaluation stay (what each version scored and which
    classifications it made remain on record); only the large file that could serve predictions goes.
    """
    versions = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc()))
    pruned = []
    for position, version in enumerate(versions):
        if version.active or position < keep_recent:
            continue
        path = _model_file(models_root, version)
        if path.exists():
            path.unlink()
            pruned.append(version.version)
    return pruned


def promote(session: Session, candidate: ModelVersion, *, force: bool = False, models_root: Path | None = None) -> bool:
    """Make ``candidate`` active unless it scores worse (macro-F1 on the fixed test split) than the active one."""
    if models_root is not None and not _model_file(models_root, candidate).exists():
        raise DomainError(409, "model_file_pruned", f"模型 {candidate.version} 的模型文件已清理，不能启用，请重新训练")
    current = active_version(session)
    if current is not None and current.id != candidate.id and not force:
        new, old = candidate.metrics.get("macro_f1"), current.metrics.get("macro_f1")
        if new is None or (old is not None and new < old):
            return False
    session.execute(update(ModelVersion).where(ModelVersion.id != candidate.id).values(active=False))
    candidate.active = True
    candidate.promoted_at = clock.now()
    session.flush()
    return True


class PredictorCache:
    """One loaded predictor per process, reloaded when another version becomes active."""

    def __init__(self, models_root: Path) -> None:
        self.models_root = Path(models_root)
        self._lock = threading.Lock()
        self._predictor: Predictor | None = None
        self._version: str | None = None
        self._checked = 0.0

    def get(self, session: Session) -> Predictor | None:
        """Return the active model's predictor, or None when no model is active."""
        if time.monotonic() - self._checked < RECHECK_SECONDS:
            return self._predictor
        row = active_version(session)
        with self._lock:
            self._checked = time.monotonic()
            if row is None:
                self._predictor, self._version = None, None
            elif row.version != self._version:
                self._predictor = Predictor.load(row.directory, self.models_root)
                self._version = row.version
            return self._predictor

    def forget(self) -> None:
        """Drop the cache so the next call asks the database."""
        with self._lock:
            self._checked = 0.0


# This app's predictor cache (bound by ``hotline.classification.wiring``).
PREDICTOR_CACHE: Seam[PredictorCache] = Seam("predictor_cache")


def prediction_to_dict(prediction: Prediction) -> dict:
    """Return the API shape of a prediction (SPEC §5 ``/api/v1/classify``)."""
    return {
        "category": [
            {"code": NAME_TO_CODE.get(name, name), "name": name, "confidence": confidence}
            for name, confidence in prediction.categories
        ],
        "kind": prediction.kind,
        "kind_reason": prediction.kind_reason,
        "urgency": prediction.urgency,
        "urgency_reason": prediction.urgency_reason,
        "model_version": prediction.model_version,
        "confident": prediction.above_threshold,
    }


def record_classification(session: Session, ticket: Ticket, result: dict) -> Classification:
    """Store what the model said about a ticket, with the version that said it."""
    row = Classification(
        ticket_id=ticket.id,
        model_version=result["model_version"],
        categories=result["category"],
        kind=result["kind"],
        urgency=result["urgency"],
        created_at=clock.now(),
    )
    session.add(row)
    return row


def record_correction(
    session: Session, ticket: Ticket, chosen: str, actor: User | None, suggested: str | None, model_version: str | None
) -> CategoryCorrection | None:
    """Store that a person chose another first-level category than the model's top suggestion."""
    chosen_top, suggested_top = chosen.split(".")[0], (suggested or "").split(".")[0]
    if not chosen_top or chosen_top == suggested_top:
        return None
    row = CategoryCorrection(
        ticket_id=ticket.id,
        suggested=suggested,
        chosen=chosen,
        model_version=model_version,
        user_id=actor.id if actor else None,
        text=f"{ticket.title}\n{ticket.content}"[:20000],
        created_at=clock.now(),
    )
    session.add(row)
    return row


def corrections_as_training_rows(session: Session) -> list[tuple[str, str]]:
    """Return ``(text, first-level name)`` for every correction whose category the model can learn."""
    rows = session.scalars(select(CategoryCorrection).order_by(CategoryCorrection.id))
    out = []
    for row in rows:
        name = CODE_TO_NAME.get(row.chosen.split(".")[0])
        if name:
            out.append((row.text, name))
    return out


@dataclass
class RetrainResult:
    version: str
    macro_f1: float
    previous_macro_f1: float | None
    promoted: bool
    corrections: int


def retrain(session: Session, data_csv: Path, models_root: Path, *, now: dt.datetime | None = None) -> RetrainResult:
    """Train on the base data plus corrections, evaluate on the fixed test split, promote only if not worse."""
    from classifier.artefacts import save_model
    from classifier.dataset import load_dataset
    from classifier.demo import LABEL_COLUMN, TEXT_COLUMNS
    from classifier.evaluate import evaluate, write_evaluation
    from classifier.train import train

    data = load_dataset(data_csv, TEXT_COLUMNS, LABEL_COLUMN)
    train_x, train_y = data.subset("train")
    test_x, test_y = data.subset("test")
    extra = corrections_as_training_rows(session)
    model = train(train_x + [t for t, _ in extra], train_y + [label for _, label in extra])
    result = evaluate(model.pipeline, test_x, test_y, model.threshold)
    scores = {
        "accuracy": result["accuracy"],
        "macro_f1": result["macro_f1"],
        "n": result["n"],
        "on": "split == test",
        "corrections": len(extra),
    }
    stamp = (now or clock.now()).strftime("%Y%m%dT%H%M%S%f")
    directory = save_model(model, Path(models_root) / f"retrain-{stamp}", scores=scores)
    write_evaluation(result, directory)
    candidate = register_version(session, models_root, directory, note=f"重训练：基础数据 + {len(extra)} 条人工纠正")
    previous = active_version(session)
    previous_f1 = previous.metrics.get("macro_f1") if previous else None
    promoted = promote(session, candidate, models_root=models_root)
    prune_model_files(session, models_root)
    return RetrainResult(candidate.version, scores["macro_f1"], previous_f1, promoted, len(extra))


def ensure_demo_model(session: Session, data_csv: Path, models_root: Path) -> str:
    """Train and activate the demo model when no version is active; return the active version."""
    current = active_version(session)
    if current is not None:
        return current.version
    from classifier.demo import train_demo_model

    if not data_csv.exists():
        raise DomainError(422, "missing_training_data", f"找不到训练数据：{data_csv}")
    directory = train_demo_model(data_csv, Path(models_root) / f"demo-{clock.now():%Y%m%dT%H%M%S}")
    version = register_version(
        session, models_root, directory, note="演示模型：以 messages.csv 的训练集训练，测试集评估"
    )
    promote(session, version, force=True, models_root=models_root)
    return version.version
