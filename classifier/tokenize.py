"""Chinese text normalisation and jieba word segmentation with a 政务 dictionary."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

_WHITESPACE = re.compile(r"\s+")
# A space left between two CJK characters is scraping residue, not a word boundary.
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])")
# Tokens made only of punctuation, symbols or digits carry no topic signal.
_NOISE_TOKEN = re.compile(r"^[\W\d_]+$")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def normalize_text(text: str) -> str:
    """Collapse whitespace runs and drop spaces between CJK characters."""
    collapsed = _WHITESPACE.sub(" ", text or "").strip()
    return _CJK_GAP.sub("", collapsed)


def _cache_dir() -> Path:
    """Return a per-user cache directory for jieba's prefix dictionary."""
    # A per-user directory (not cwd, not a shared /tmp name) so nobody else can plant the marshal cache.
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidate = Path(base) / "hotline12345" / "jieba"
    with contextlib.suppress(OSError):  # an unwritable home: fall back to the temp dir below
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK):
            return candidate
    fallback = Path(tempfile.gettempdir()) / f"hotline12345-jieba-{os.getuid()}"
    fallback.mkdir(mode=0o700, parents=True, exist_ok=True)
    return fallback


def get_tokenizer() -> jieba.Tokenizer:
    """Return the shared jieba tokenizer, initialising it once on first use."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            # jieba logs "Building prefix dict…" at DEBUG to stderr; keep worker logs clean.
            jieba.setLogLevel(logging.WARNING)
            # A private Tokenizer, not jieba's global one, so other packages' jieba use is unaffected.
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = str(_cache_dir())
            tokenizer.initialize()
            # Pass an open file: given a path, jieba never closes the handle (ResourceWarning).
            with USERDICT_PATH.open("rb") as fh:
                tokenizer.load_userdict(fh)
            _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the stop-word set shipped with the package."""
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


def tokenize(text: str) -> list[str]:
    """Segment text into words, dropping stop words, punctuation and bare numbers."""
    stops = stop_words()
    words = get_tokenizer().lcut(normalize_text(text), HMM=True)
    return [w for w in words if w.strip() and w not in stops and not _NOISE_TOKEN.match(w)]
