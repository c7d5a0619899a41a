import json
from pathlib import Path

from classifier.dataset import load_csv
from classifier.evaluate import evaluate, write_evaluation
from classifier.train import holdout_split, train
from tests.classifier.conftest import make_rows, write_csv


def test_small_generated_csv_trains_and_separates_classes(small_csv: Path, tmp_path: Path) -> None:
    texts, labels = load_csv(small_csv, ["title", "body"], "cat")
    model = train(texts, labels)
    assert model.labels == ["交通", "教育", "环境"]
    test_csv = write_csv(tmp_path / "t.csv", make_rows(10, seed=99))
    test_x, test_y = load_csv(test_csv, ["title", "body"], "cat")
    result = evaluate(model.pipeline, test_x, test_y, threshold=0.5)
    assert result["accuracy"] >= 0.9
    assert result["n"] == 30
    assert sum(map(sum, result["confusion_matrix"]["rows_true_cols_pred"])) == 30
    assert sum(b["n"] for b in result["calibration"]) == 30


def test_holdout_is_stratified_and_deterministic(small_csv: Path) -> None:
    texts, labels = load_csv(small_csv, ["title", "body"], "cat")
    first = holdout_split(texts, labels)
    assert first == holdout_split(texts, labels)
    assert sorted(first[3]) == sorted(["交通"] * 4 + ["教育"] * 4 + ["环境"] * 4)


def test_real_subset_scores_and_evaluation_file(real_model, real_subset, tmp_path: Path) -> None:
    result = evaluate(real_model.pipeline, real_subset["test_x"], real_subset["test_y"], threshold=0.8)
    # 560 training rows, 7 classes: far above chance (0.14); the full train split reaches ~0.9.
    assert result["macro_f1"] >= 0.75
    assert set(result["per_class"]) == set(real_subset["test_y"])
    above = result["auto_dispatch"]
    assert 0 < above["share_above"] <= 1
    assert above["accuracy_above"] >= result["accuracy"]  # confident predictions are the better ones
    path = write_evaluation(result, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["macro_f1"] == result["macro_f1"]
