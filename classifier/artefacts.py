"""Save and load self-describing model directories: skops model file + metadata.json, checksummed."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from classifier.errors import ClassifierDataError
from classifier.train import TrainedModel

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 1

# skops refuses to build any type not in its own safe set or in this list. Ours: the feature transformer and
# the NB-SVM of classifier.pipeline, its two text functions that models saved before TextFeatures hold, and
# sklearn's private calibration helpers (sigmoid: models saved before the temperature-scaled vote), and the
# Bunch (a dict with attribute access, no behaviour of its own) in which VotingClassifier keeps its members. Kept explicit (never "trust whatever the file asks for") so a crafted file
# cannot make us import anything else.
TRUSTED_TYPES: list[str] = [
    "classifier.pipeline.NBLinearSVC",
    "classifier.pipeline.TextFeatures",
    "classifier.pipeline.char_preprocessor",
    "classifier.pipeline.word_analyzer",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.utils._bunch.Bunch",
]
_LIBRARIES = ("scikit-learn", "jieba", "skops", "numpy", "scipy")


@dataclass(frozen=True)
class LoadedModel:
    """A pipeline read back from disk with its metadata."""

    pipeline: Pipeline
    metadata: dict[str, Any]
    path: Path

    @property
    def version(self) -> str:
        """Return the artefact's version id."""
        return str(self.metadata["version"])


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def code_version() -> str:
    """Return the git commit of this code, or "unknown" outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries a pickle-free model still depends on."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def save_model(model: TrainedModel, out_dir: str | Path, scores: dict[str, Any] | None = None) -> Path:
    """Write model.skops and metadata.json into out_dir and return the directory."""
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    blob = sio.dumps(model.pipeline)
    file_sha = sha256_bytes(blob)
    created = datetime.now(UTC)
    # Time first so versions sort chronologically; the hash part tells two same-second models apart.
    version = f"{created:%Y%m%dT%H%M%SZ}-{file_sha[:8]}"
    (directory / MODEL_FILE).write_bytes(blob)
    meta = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "created_at": created.isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "model_sha256": file_sha,
        "data_sha256": model.data_sha256,
        "n_train": model.n_train,
        "train_seconds": model.train_seconds,
        "code_version": code_version(),
        "libraries": library_versions(),
        "labels": model.labels,
        "threshold": model.threshold,
        "params": model.params,
        "scores": scores or {},
        "trusted_types": TRUSTED_TYPES,
    }
    (directory / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return directory


def resolve_inside(model_dir: str | Path, models_root: str | Path) -> Path:
    """Resolve model_dir (relative to models_root if relative); refuse anything outside the root."""
    root = Path(models_root).resolve(strict=False)
    candidate = Path(model_dir)
    if not candidate.is_absolute():
        candidate = root / candidate
    # resolve() follows every symlink, so a link pointing out of the root ends up outside and is refused.
    resolved = candidate.resolve(strict=False)
    if resolved == root or not resolved.is_relative_to(root):
        raise ClassifierDataError("path_outside_root", f"模型目录必须位于模型根目录 {root} 之内：{model_dir}")
    if not resolved.is_dir():
        raise ClassifierDataError("model_not_found", f"找不到模型目录：{model_dir}")
    return resolved


def _inside_file(directory: Path, name: str) -> Path:
    """Return directory/name if it is a regular file that resolves inside directory."""
    path = directory / name
    resolved = path.resolve(strict=False)
    if resolved.parent != directory:
        raise ClassifierDataError("path_outside_root", f"模型文件指向模型目录之外：{path}")
    if not resolved.is_file():
        raise ClassifierDataError("model_not_found", f"模型目录缺少文件：{name}")
    return resolved


def read_metadata(model_dir: str | Path, models_root: str | Path) -> dict[str, Any]:
    """Read metadata.json of a model directory inside the models root."""
    directory = resolve_inside(model_dir, models_root)
    try:
        return json.loads(_inside_file(directory, METADATA_FILE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ClassifierDataError("bad_metadata", f"模型元数据无法解析：{directory / METADATA_FILE}") from None


def load_model(model_dir: str | Path, models_root: str | Path) -> LoadedModel:
    """Load a model directory from inside models_root after verifying the file checksum."""
    directory = resolve_inside(model_dir, models_root)
    meta = read_metadata(directory, models_root)
    if meta.get("model_file") != MODEL_FILE or not isinstance(meta.get("model_sha256"), str):
        raise ClassifierDataError("bad_metadata", "模型元数据缺少模型文件名或校验和")
    blob = _inside_file(directory, MODEL_FILE).read_bytes()
    # The checksum is checked on the very bytes that get deserialised, before skops sees them.
    if sha256_bytes(blob) != meta["model_sha256"]:
        raise ClassifierDataError("checksum_mismatch", "模型文件校验和不符，文件可能被篡改，拒绝加载")
    try:
        pipeline = sio.loads(blob, trusted=TRUSTED_TYPES)
    except Exception as exc:  # skops raises several types for untrusted or malformed content.
        raise ClassifierDataError("untrusted_model", f"模型文件包含不受信任的类型或已损坏：{exc}") from None
    return LoadedModel(pipeline=pipeline, metadata=meta, path=directory)
