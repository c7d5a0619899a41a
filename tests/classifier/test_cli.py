import json
from pathlib import Path

from click.testing import CliRunner

from classifier.cli import classifier


def test_train_then_evaluate_prints_one_json_line(small_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "models" / "m1"
    args = ["--data", str(small_csv), "--text-column", "title", "--text-column", "body", "--label-column", "cat"]
    trained = runner.invoke(classifier, ["train", *args, "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    line = json.loads(trained.stdout.strip())
    assert line["n"] == 12 and line["macro_f1"] > 0.8
    assert (out / "model.skops").is_file() and (out / "evaluation.json").is_file()

    evaluated = runner.invoke(classifier, ["evaluate", "--model", str(out), *args])
    assert evaluated.exit_code == 0, evaluated.output
    lines = evaluated.stdout.strip().splitlines()
    assert len(lines) == 1
    scores = json.loads(lines[0])
    assert set(scores) == {"accuracy", "macro_f1", "n"}
    assert scores["n"] == 60 and scores["accuracy"] > 0.9


def test_bad_file_exits_non_zero_with_chinese_message(tmp_path: Path) -> None:
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("t,l\n停水了,城乡建设\n".encode("gbk"))
    result = CliRunner().invoke(
        classifier,
        ["train", "--data", str(bad), "--text-column", "t", "--label-column", "l", "--out", str(tmp_path / "m")],
    )
    assert result.exit_code != 0
    assert "not_utf8" in result.stderr and "UTF-8" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()
