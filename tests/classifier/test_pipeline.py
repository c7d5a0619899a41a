import numpy as np
from sklearn.pipeline import FeatureUnion

from classifier.pipeline import HEAD_CHARS, TextFeatures, _vectorizers
from tests.classifier.conftest import make_rows

TEXTS = [f"{r['title']}\n{r['body']}" for r in make_rows(10, seed=3)]


def test_text_features_equal_sklearn_feature_union() -> None:
    blocks = _vectorizers()
    union = FeatureUnion([(n, v) for n, v, _ in blocks], transformer_weights={n: w for n, _, w in blocks})
    expected = union.fit(TEXTS).transform([*TEXTS, "", "完全没见过的字"]).toarray()
    ours = TextFeatures().fit(TEXTS).transform([*TEXTS, "", "完全没见过的字"]).toarray()
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() < 1e-5
    assert not ours[-2].any()  # an empty text is an all-zero row, not an error


def test_head_block_reads_only_the_opening() -> None:
    features = TextFeatures().fit(TEXTS)
    head_vocab = features.vocabularies_[features.names_.index("head")]
    padded = "公交车站" + "。" * HEAD_CHARS + "学校老师"
    row = features.transform([padded]).toarray()[0]
    offset = sum(len(v) for v in features.vocabularies_[: features.names_.index("head")])
    head_part = row[offset : offset + len(head_vocab)]
    assert head_part[head_vocab["公"]] > 0
    assert "学" not in head_vocab or head_part[head_vocab["学"]] == 0


def test_saved_state_holds_terms_not_dicts() -> None:
    features = TextFeatures().fit(TEXTS)
    state = features.__getstate__()
    assert "vocabularies_" not in state and len(state["terms_"]) == 3
    restored = TextFeatures.__new__(TextFeatures)
    restored.__setstate__(state)
    assert restored.vocabularies_ == features.vocabularies_
    assert (restored.transform(TEXTS) != features.transform(TEXTS)).nnz == 0
