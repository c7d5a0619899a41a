import numpy as np
from scipy.sparse import diags
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from classifier.pipeline import HEAD_CHARS, SEED, NBLinearSVC, TextFeatures, _vectorizers
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


def _toy_matrix() -> tuple[np.ndarray, np.ndarray]:
    features = TextFeatures().fit(TEXTS)
    rows = make_rows(10, seed=3)
    return features.transform(TEXTS), np.array([r["cat"] for r in rows])


def test_nbsvm_is_one_linear_model_over_the_unscaled_features() -> None:
    x, y = _toy_matrix()
    model = NBLinearSVC(C=2.0, alpha=0.2, class_weight="balanced").fit(x, y)
    assert model.coef_.shape == (3, x.shape[1]) and list(model.classes_) == sorted(set(y))
    # Class k's binary SVM was fitted on x * r_k; its scores there equal the folded coef_ on plain x.
    k = 1
    positive = y == model.classes_[k]
    p = 0.2 + np.asarray(x[positive].sum(axis=0)).ravel()
    q = 0.2 + np.asarray(x[~positive].sum(axis=0)).ravel()
    r = (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)
    svc = LinearSVC(C=2.0, class_weight="balanced", max_iter=5000, random_state=SEED).fit(x @ diags(r), positive)
    assert np.allclose(model.decision_function(x)[:, k], svc.decision_function(x @ diags(r)), atol=1e-4)
    assert (model.predict(x) == y).mean() > 0.9


def test_nbsvm_two_classes_follow_sklearn_convention() -> None:
    x, y = _toy_matrix()
    keep = y != y[0]
    model = NBLinearSVC().fit(x[keep], y[keep])
    scores = model.decision_function(x[keep])
    assert scores.shape == (int(keep.sum()),) and model.coef_.shape[0] == 1
    assert list(model.predict(x[keep])) == list(model.classes_[(scores > 0).astype(int)])


def test_temperature_calibration_keeps_each_members_argmax(real_model, real_subset) -> None:
    features, vote = real_model.pipeline.named_steps["features"], real_model.pipeline.named_steps["model"]
    x = features.transform(real_subset["test_x"])
    for calibrated in vote.estimators_:
        scores = calibrated.calibrated_classifiers_[0].estimator.decision_function(x)
        assert (calibrated.predict_proba(x).argmax(axis=1) == scores.argmax(axis=1)).all()
    proba = real_model.pipeline.predict_proba(real_subset["test_x"])
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
