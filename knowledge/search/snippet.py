"""Highlighted snippets: HTML-escaped text with ``<mark>`` around matched terms."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

SNIPPET_CHARS = 120


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first so 住房公积金 is marked whole rather than as 住房 + 公积金.
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, terms: Iterable[str], *, width: int = SNIPPET_CHARS) -> str:
    """Return a window of ``text`` around the densest matches, escaped, with matches in ``<mark>``."""
    pattern = _pattern(terms)
    matches = list(pattern.finditer(text)) if pattern else []
    start = 0
    if matches:
        # Choose the window that covers the most distinct matched terms.
        best = (-1, 0)
        for i, m in enumerate(matches):
            begin = m.start()
            seen = {x.group(0).lower() for x in matches[i:] if x.end() <= begin + width}
            if len(seen) > best[0]:
                best = (len(seen), begin)
        start = max(0, best[1] - width // 6)
    end = min(len(text), start + width)
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        if m.start() < cursor:
            continue
        parts.append(html.escape(text[cursor : m.start()]))
        parts.append(f"<mark>{html.escape(m.group(0))}</mark>")
        cursor = m.end()
    parts.append(html.escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts)
