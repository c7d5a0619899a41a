"""Sanitise article rich text to a fixed list of harmless tags."""

from __future__ import annotations

import re

import bleach

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "ul",
        "ol",
        "li",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "pre",
        "span",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})
_DANGEROUS = re.compile(r"(?is)<(script|style|iframe|object|template)\b.*?(</\1\s*>|$)")


def sanitize_html(html: str) -> str:
    """Return ``html`` with disallowed tags, attributes and URL schemes removed."""
    # bleach's strip=True keeps the text inside stripped tags, so script/style bodies go first.
    cleaned = bleach.clean(
        _drop_dangerous_blocks(html or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return cleaned.strip()


def _drop_dangerous_blocks(html: str) -> str:
    return _DANGEROUS.sub("", html)


_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|li|h[1-6]|tr|blockquote|pre|div)\s*>")
_ANY_TAG = re.compile(r"<[^>]*>")


def answer_text(html: str) -> str:
    """Return an article body as the plain text a citizen reads (SMS, portal): paragraphs kept, no markup."""
    import html as html_lib

    text = _ANY_TAG.sub("", _BLOCK_END.sub("\n", html or ""))
    lines = (" ".join(line.split()) for line in html_lib.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)
