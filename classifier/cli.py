"""The `classifier` command group: train and evaluate from any UTF-8 CSV (plain click, no Flask)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from classifier.errors import ClassifierDataError


def _fail(exc: ClassifierDataError) -> None:
    """Print the Chinese message and the code on stderr and exit non-zero, without a traceback."""
    click.echo(f"错误：{exc.message}（{exc.code}）", err=True)
    sys.exit(2)


@click.group(name="classifier", help="工单分类模型：训练与评估。")
def classifier() -> None:
    """Train and evaluate the ticket category classifier."""


@classifier.command("train")
@click.option("--data", "data", required=True, type=click.Path(path_type=Path), help="UTF-8 CSV 文件")
@click.option("--text-column", "text_columns", required=True, multiple=True, help="文本列，可重复")
@click.option("--label-column", required=True, help="标签列")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="模型输出目录")
def train_command(data: Path, text_columns: tuple[str, ...], label_column: str, out: Path) -> None:
    """Train a model; test on split==test if the CSV has a split column, else on a stratified 20%."""
    # Imported here so `--help` stays fast: sklearn and jieba take a second to import.
    from classifier.artefacts import save_model
    from classifier.dataset import load_dataset
    from classifier.evaluate import evaluate, write_evaluation
    from classifier.train import holdout_split, train

    try:
        dataset = load_dataset(data, list(text_columns), label_column)
        if dataset.splits is not None and "train" in dataset.splits and "test" in dataset.splits:
            train_x, train_y = dataset.subset("train")
            test_x, test_y = dataset.subset("test")
            held_out = "split == test"
        else:
            train_x, test_x, train_y, test_y = holdout_split(dataset.texts, dataset.labels)
            held_out = "stratified 20% holdout (random_state fixed)"
        model = train(train_x, train_y)
        result = evaluate(model.pipeline, test_x, test_y, model.threshold)
    except ClassifierDataError as exc:
        _fail(exc)
        return
    result["evaluated_on"] = held_out
    scores = {"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "n": result["n"], "on": held_out}
    directory = save_model(model, out, scores=scores)
    write_evaluation(result, directory)
    line = {**scores, "n_train": model.n_train, "train_seconds": model.train_seconds, "model_dir": str(directory)}
    click.echo(json.dumps(line, ensure_ascii=False))


@classifier.command("evaluate")
@click.option("--model", "model_dir", required=True, type=click.Path(path_type=Path), help="模型目录")
@click.option("--data", "data", required=True, type=click.Path(path_type=Path), help="UTF-8 CSV 文件")
@click.option("--text-column", "text_columns", required=True, multiple=True, help="文本列，可重复")
@click.option("--label-column", required=True, help="标签列")
@click.option(
    "--models-root",
    type=click.Path(path_type=Path),
    default=None,
    help="只允许从此目录加载模型（默认：模型目录的上一级）",
)
def evaluate_command(
    model_dir: Path, data: Path, text_columns: tuple[str, ...], label_column: str, models_root: Path | None
) -> None:
    """Evaluate a saved model on every row of a CSV; print one JSON line {accuracy, macro_f1, n}."""
    from classifier.artefacts import load_model
    from classifier.dataset import load_csv
    from classifier.evaluate import evaluate

    # The operator names the directory on the command line, so its parent is the trust root by default;
    # the web app passes its own configured root instead.
    root = models_root if models_root is not None else model_dir.resolve().parent
    try:
        loaded = load_model(model_dir.resolve(), root)
        texts, labels = load_csv(data, list(text_columns), label_column)
    except ClassifierDataError as exc:
        _fail(exc)
        return
    result = evaluate(loaded.pipeline, texts, labels, float(loaded.metadata.get("threshold", 0.8)))
    click.echo(json.dumps({"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "n": result["n"]}))


if __name__ == "__main__":
    classifier()
