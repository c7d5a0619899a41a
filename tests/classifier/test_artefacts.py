import json
import os
from pathlib import Path

import pytest

from classifier.artefacts import METADATA_FILE, MODEL_FILE, load_model
from classifier.errors import ClassifierDataError
from classifier.predictor import Predictor

TEXTS = ["小区楼下烧烤油烟扰民，晚上噪音很大", "孩子上学学位问题，学校不给报名", "公积金贷款怎么办理"]


def test_round_trip_predicts_identically(real_model, saved_model: Path, models_root: Path) -> None:
    loaded = load_model(saved_model, models_root)
    assert (loaded.pipeline.predict_proba(TEXTS) == real_model.pipeline.predict_proba(TEXTS)).all()
    meta = json.loads((saved_model / METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["labels"] == real_model.labels
    assert meta["version"] == loaded.version
    assert len(meta["model_sha256"]) == 64 and len(meta["data_sha256"]) == 64
    assert "scikit-learn" in meta["libraries"]


def test_relative_dir_resolves_inside_root(saved_model: Path, models_root: Path) -> None:
    assert load_model("v1", models_root).path == saved_model.resolve()


def test_tampered_file_refused(saved_model: Path, models_root: Path) -> None:
    path = saved_model / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ClassifierDataError) as info:
        load_model(saved_model, models_root)
    assert info.value.code == "checksum_mismatch"


def test_path_escape_refused(saved_model: Path, models_root: Path, tmp_path: Path) -> None:
    with pytest.raises(ClassifierDataError) as info:
        load_model("../models/../", models_root)
    assert info.value.code == "path_outside_root"
    with pytest.raises(ClassifierDataError) as info:
        load_model(saved_model, tmp_path / "other-root")
    assert info.value.code == "path_outside_root"


def test_symlink_out_of_root_refused(saved_model: Path, models_root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    saved_model.rename(outside)
    os.symlink(outside, models_root / "linked")
    with pytest.raises(ClassifierDataError) as info:
        load_model("linked", models_root)
    assert info.value.code == "path_outside_root"


def test_predictor_top3_and_rules(saved_model: Path, models_root: Path) -> None:
    predictor = Predictor.load(saved_model, models_root)
    pred = predictor.predict("A市某小区燃气泄漏，闻到很重的煤气味\n请尽快处理")
    assert len(pred.categories) == 3
    confs = [c for _, c in pred.categories]
    assert confs == sorted(confs, reverse=True) and 0 < sum(confs) <= 1.0001
    assert pred.urgency == "urgent" and "燃气" in pred.urgency_reason
    assert pred.model_version == predictor.version
    many = predictor.predict_many(TEXTS)
    assert [p.categories for p in many] == [predictor.predict(t).categories for t in TEXTS]
    assert predictor.predict_many([]) == []
