"""The scikit-learn pipeline: word + character TF-IDF features and a calibrated linear model."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from classifier.tokenize import normalize_text, tokenize

SEED = 20200101

# jieba is the slow step (~0.25 M chars/s); the topic is stated in the title and the opening sentences,
# so only this many characters are segmented. It keeps batch throughput above 1,000 msgs/s on one core and
# bounds single-message latency for the few 10,000-character letters. (CV on train: no loss vs. full text.)
WORD_MAX_CHARS = 400
# Character n-grams are cheap, but a bound keeps the p99 latency flat for outliers.
CHAR_MAX_CHARS = 3000

# Model selection, 5-fold StratifiedGroupKFold (groups = dup_group) on split == train ONLY, macro-F1:
#   char 1-2 TF-IDF + LinearSVC (the plain baseline)                 0.9121 ± 0.0065
#   word 1-2 (first 400 chars) + char 1-2, LinearSVC C=1             0.9143 ± 0.0078   <- chosen
#   word 1-2 (all chars)       + char 1-2, LinearSVC C=1             0.9151 ± 0.0065   (slower, p99)
#   word 1-2 (first 400 chars) + char 1-2, LinearSVC C=0.5           0.9102 ± 0.0080
#   word 1-2 (first 400 chars) + char 1-2, SGD modified_huber         0.9050 ± 0.0092
#   word 1   (first 400 chars) + char 1-2, LinearSVC C=1             0.9129 ± 0.0077
#   word 1   (first 400 chars) + char 1-3, LinearSVC C=1             0.9109 ± 0.0097
#   word 1   (first 400 chars) + char 2-4, LinearSVC C=1             0.9045 ± 0.0087
# Full-text segmentation gains 0.0008 (inside one std) but breaks the throughput/latency budget.
# CV_RESULTS is copied into metadata.json so every artefact says why it looks the way it does.
CV_RESULTS: dict[str, float] = {
    "baseline_char12_linearsvc": 0.9121,
    "word12_400_char12_linearsvc": 0.9143,
    "word12_all_char12_linearsvc": 0.9151,
    "word12_400_char12_linearsvc_c05": 0.9102,
    "word12_400_char12_sgd_modified_huber": 0.9050,
    "word1_400_char12_linearsvc": 0.9129,
    "word1_400_char13_linearsvc": 0.9109,
    "word1_400_char24_linearsvc": 0.9045,
}
CHOSEN = "word12_char12_linearsvc_sigmoid"


def word_analyzer(text: str) -> list[str]:
    """Return jieba unigrams and adjacent-word bigrams of the text's opening."""
    words = tokenize(normalize_text(text)[:WORD_MAX_CHARS])
    # Bigrams are built here because sklearn ignores ngram_range when the analyzer is a callable.
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def char_preprocessor(text: str) -> str:
    """Normalise whitespace, lowercase and bound the text for character n-grams."""
    return normalize_text(text)[:CHAR_MAX_CHARS].lower()


def build_features() -> FeatureUnion:
    """Build the union of word-level and character-level TF-IDF features."""
    # sublinear_tf: long letters repeat their complaint; log-scaling stops repetition dominating.
    word = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, dtype=np.float32)
    char = TfidfVectorizer(
        analyzer="char",
        preprocessor=char_preprocessor,
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=np.float32,
    )
    return FeatureUnion([("word", word), ("char", char)])


def build_pipeline() -> Pipeline:
    """Build the untrained production pipeline with calibrated probabilities."""
    svc = LinearSVC(C=1.0, random_state=SEED)
    # LinearSVC has no probabilities. ensemble=False: one SVC fitted on all rows (what CV scored) and a
    # sigmoid fitted on its 3-fold out-of-fold scores, so confidences mean something for auto-dispatch.
    model = CalibratedClassifierCV(svc, method="sigmoid", cv=3, ensemble=False)
    return Pipeline([("features", build_features()), ("model", model)])


def build_baseline_pipeline() -> Pipeline:
    """Build the plain reference: character 1-2-gram TF-IDF + LinearSVC."""
    char = TfidfVectorizer(analyzer="char", preprocessor=char_preprocessor, ngram_range=(1, 2))
    return Pipeline([("features", char), ("model", LinearSVC(random_state=SEED))])
