from pathlib import Path

import pytest

from classifier.dataset import load_csv, load_dataset
from classifier.errors import ClassifierDataError
from classifier.train import train


def _codes(path: Path, text_columns: list[str], label: str) -> str:
    with pytest.raises(ClassifierDataError) as info:
        load_csv(path, text_columns, label)
    assert info.value.message  # a Chinese message for the operator
    return info.value.code


def test_bom_csv_joins_text_columns(small_csv: Path) -> None:
    texts, labels = load_csv(small_csv, ["title", "body"], "cat")
    assert len(texts) == len(labels) == 60
    assert set(labels) == {"交通", "教育", "环境"}
    assert "\n" in texts[0]  # title and body joined


def test_split_column_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("t,l,split\n甲,a,train\n乙,b,TEST\n", encoding="utf-8")
    data = load_dataset(path, ["t"], "l")
    assert data.splits == ["train", "test"]
    assert data.subset("test") == (["乙"], ["b"])


def test_missing_column(small_csv: Path) -> None:
    assert _codes(small_csv, ["nope"], "cat") == "missing_column"


def test_empty_label(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("t,l\n文本一,a\n文本二,\n", encoding="utf-8")
    with pytest.raises(ClassifierDataError) as info:
        load_csv(path, ["t"], "l")
    assert info.value.code == "empty_label"
    assert "第 3 行" in info.value.message


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("t,l\n停水了,城乡建设\n".encode("gbk"))
    assert _codes(path, ["t"], "l") == "not_utf8"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    assert _codes(path, ["t"], "l") == "empty_file"


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("t,l\n", encoding="utf-8")
    assert _codes(path, ["t"], "l") == "empty_file"


def test_missing_file(tmp_path: Path) -> None:
    assert _codes(tmp_path / "none.csv", ["t"], "l") == "file_not_found"


def test_single_class_refused_by_train() -> None:
    with pytest.raises(ClassifierDataError) as info:
        train(["停水", "停电", "停气", "漏水"], ["城乡建设"] * 4)
    assert info.value.code == "single_class"
