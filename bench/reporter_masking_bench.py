"""举报人 masking (hotline.tickets.whistleblower): precision/recall on a labelled set, and µs per call.

    python bench/reporter_masking_bench.py

The sets are tests/hardening/data/reporter_masking_labels.jsonl (dev: real excerpts of ../shared/data,
the source says which row, whitespace removed, and synthetic messages; the rules were tuned on it) and
reporter_masking_heldout.jsonl (real excerpts labelled before the masker first ran on them). Each line has ``must`` spans (the
reporter's identity: they must be masked, as [category, text]) and ``may`` spans (masking them is right
too: the area part of a residence clause, any phone of a third person). ``text`` alone labels every
occurrence; ``ctx⟦text⟧`` labels one occurrence inside its context.

- recall: must spans masked entirely / must spans, per category;
- precision: masked characters inside must ∪ may / masked characters;
- clean: texts without a must span in which nothing outside ``may`` is masked.
Latency: redact_reporter uncached (a fresh caller name per call) on every labelled text and on 300 whole\nreal messages, mean/p50/p99 in µs.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "hardening" / "data"
LABELS = DATA / "reporter_masking_labels.jsonl"  # the rules were tuned on these
HELDOUT = DATA / "reporter_masking_heldout.jsonl"  # labelled before the masker first ran on them


def load(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def positions(text: str, label: str) -> list[tuple[int, int]]:
    """Return the spans a label names in ``text`` (every occurrence, or the marked one)."""
    if "⟦" in label:
        before, rest = label.split("⟦", 1)
        inner, after = rest.split("⟧", 1)
        at = text.find(before + inner + after)
        assert at >= 0, label
        return [(at + len(before), at + len(before) + len(inner))]
    found, at = [], text.find(label)
    assert at >= 0, label
    while at >= 0:
        found.append((at, at + len(label)))
        at = text.find(label, at + 1)
    return found


def places():
    """The demo gazetteer through 智能填单's Filler, as the app binds it."""
    from classifier.fill import Filler
    from dispatch.gazetteer import AddressMatcher, load_gazetteer, load_units

    matcher = AddressMatcher(load_gazetteer(), load_units())
    return Filler(matcher, matcher.user_dictionary_words())


def evaluate(items: list[dict], filler) -> dict:
    """Return recall per category, precision, and the clean rate of ``items``."""
    from hotline.tickets.whistleblower import reporter_spans

    caught: Counter = Counter()
    total: Counter = Counter()
    masked_chars = right_chars = clean = negatives = 0
    misses: list[str] = []
    extra: list[str] = []
    for item in items:
        text = item["text"]
        spans = reporter_spans(text, caller_name=item["caller_name"], places=filler)
        masked = {i for a, b, _ in spans for i in range(a, b)}
        allowed: set[int] = set()
        for category, label in item["must"]:
            for a, b in positions(text, label):
                total[category] += 1
                allowed.update(range(a, b))
                if all(i in masked for i in range(a, b)):
                    caught[category] += 1
                else:
                    misses.append(f"{category}: {text[a:b]} ({item['source']})")
        for label in item["may"]:
            for a, b in positions(text, label):
                allowed.update(range(a, b))
        masked_chars += len(masked)
        right_chars += len(masked & allowed)
        for a, b, _ in spans:
            if any(i not in allowed for i in range(a, b)):
                extra.append(f"{text[a:b]} ({item['source']})")
        if not item["must"]:
            negatives += 1
            clean += masked <= allowed
    return {
        "caught": caught,
        "total": total,
        "recall": sum(caught.values()) / max(1, sum(total.values())),
        "precision": right_chars / max(1, masked_chars),
        "clean": (clean, negatives),
        "misses": misses,
        "extra": extra,
    }


def latency(texts: list[str], filler, repeats: int = 5) -> list[float]:
    """Return µs per uncached call for each text, the best of ``repeats`` (the machine is shared)."""
    from hotline.tickets.whistleblower import redact_reporter

    best = []
    for i, text in enumerate(texts):
        runs = []
        for r in range(repeats):
            start = time.perf_counter()
            redact_reporter(text, caller_name=f"张伟{i}x{r}", caller_phone="13812345678", places=filler)
            runs.append((time.perf_counter() - start) * 1e6)
        best.append(min(runs))
    return best


def real_messages(n: int = 300) -> list[str]:
    """Whole real messages (title + detail, whitespace removed) from the shared data, for latency."""
    import csv
    import re
    from itertools import islice

    path = ROOT.parent / "shared" / "data" / "unlabeled_messages.csv"  # ../shared beside the checkout
    with path.open(encoding="utf-8") as f:
        rows = list(islice(csv.DictReader(f), n))
    return [re.sub(r"\s+", "", f"{r['title']}。{r['detail']}") for r in rows]


def main() -> None:
    items = load()
    heldout = load(HELDOUT)
    filler = places()
    filler.tokenizer()  # build jieba once, outside the timing
    for name, subset in (
        ("dev", items),
        ("dev real", [i for i in items if i["source"] != "synthetic"]),
        ("dev synth", [i for i in items if i["source"] == "synthetic"]),
        ("held-out", heldout),
    ):
        result = evaluate(subset, filler)
        cats = ", ".join(f"{c} {result['caught'][c]}/{result['total'][c]}" for c in sorted(result["total"]))
        print(
            f"{name:10} texts {len(subset):3}  recall {result['recall']:.3f} ({cats})  "
            f"precision {result['precision']:.3f}  clean {result['clean'][0]}/{result['clean'][1]}"
        )
    result = evaluate(items + heldout, filler)
    for miss in result["misses"]:
        print("  missed", miss)
    for extra in result["extra"]:
        print("  over-masked", extra)
    for label, texts in (
        ("labelled texts", [i["text"] for i in items + heldout]),
        ("whole real messages", real_messages()),
    ):
        times = latency(texts, filler)
        q = statistics.quantiles(times, n=100)
        chars = statistics.mean(len(t) for t in texts)
        print(
            f"µs per call, {label} (n={len(texts)}, mean {chars:.0f} chars, best of 5): "
            f"mean {statistics.mean(times):.0f}  p50 {q[49]:.0f}  p99 {q[98]:.0f}"
        )


if __name__ == "__main__":
    main()
