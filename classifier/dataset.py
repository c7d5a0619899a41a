"""Load labelled texts from any UTF-8 CSV file, with clear errors for bad files."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from classifier.errors import ClassifierDataError

SPLIT_COLUMN = "split"


@dataclass(frozen=True)
class Dataset:
    """Texts, labels and (when the file has a `split` column) each row's split name."""

    texts: list[str]
    labels: list[str]
    splits: list[str] | None = None

    def subset(self, split: str) -> tuple[list[str], list[str]]:
        """Return the texts and labels of the rows whose split equals the given name."""
        if self.splits is None:
            raise ValueError("dataset has no split column")
        idx = [i for i, s in enumerate(self.splits) if s == split]
        return [self.texts[i] for i in idx], [self.labels[i] for i in idx]


def _read_text(path: Path) -> str:
    """Read a file as strict UTF-8, accepting and dropping a BOM."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ClassifierDataError("file_not_found", f"找不到数据文件：{path}") from None
    except IsADirectoryError:
        raise ClassifierDataError("file_not_found", f"数据路径是目录而不是文件：{path}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClassifierDataError(
            "not_utf8",
            f"文件不是 UTF-8 编码（第 {exc.start} 字节处无法解码），请另存为 UTF-8 后重试",
        ) from None
    if not text.strip():
        raise ClassifierDataError("empty_file", "数据文件为空")
    return text


def load_dataset(
    path: str | Path,
    text_columns: list[str],
    label_column: str,
    split_column: str | None = SPLIT_COLUMN,
) -> Dataset:
    """Read texts (text columns joined by a newline), labels and optional splits from a CSV."""
    if not text_columns:
        raise ClassifierDataError("missing_column", "至少需要指定一个文本列")
    text = _read_text(Path(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    wanted = [*text_columns, label_column]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise ClassifierDataError(
            "missing_column",
            f"缺少列：{'、'.join(missing)}；文件中的列为：{'、'.join(header) or '（无）'}",
        )
    use_split = split_column is not None and split_column in header
    texts: list[str] = []
    labels: list[str] = []
    splits: list[str] = []
    try:
        for row in reader:
            # Line numbers as a spreadsheet shows them: the header is line 1.
            line = reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # A blank line in the file is not a data row.
            label = (row.get(label_column) or "").strip()
            if not label:
                raise ClassifierDataError("empty_label", f"第 {line} 行的标签列“{label_column}”为空")
            parts = [(row.get(c) or "").strip() for c in text_columns]
            body = "\n".join(p for p in parts if p)
            if not body:
                raise ClassifierDataError("empty_text", f"第 {line} 行的文本列全部为空")
            texts.append(body)
            labels.append(label)
            if use_split:
                splits.append((row.get(split_column) or "").strip().lower())
    except csv.Error as exc:
        raise ClassifierDataError("bad_csv", f"CSV 格式错误：{exc}") from None
    if not texts:
        raise ClassifierDataError("empty_file", "数据文件只有表头，没有数据行")
    return Dataset(texts=texts, labels=labels, splits=splits if use_split else None)


def load_csv(path: str | Path, text_columns: list[str], label_column: str) -> tuple[list[str], list[str]]:
    """Read (texts, labels) from any UTF-8 CSV; raise ClassifierDataError on a bad file."""
    data = load_dataset(path, text_columns, label_column, split_column=None)
    return data.texts, data.labels


def check_trainable(labels: list[str], min_per_class: int = 1) -> None:
    """Raise ClassifierDataError unless the labels hold at least two classes."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if len(counts) < 2:
        only = next(iter(counts), "")
        raise ClassifierDataError("single_class", f"训练数据只有一个类别（{only}），至少需要两个类别")
    small = sorted(k for k, n in counts.items() if n < min_per_class)
    if small:
        raise ClassifierDataError(
            "too_few_samples",
            f"以下类别样本数少于 {min_per_class} 条：{'、'.join(small)}",
        )
