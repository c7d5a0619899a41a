"""The demo guides are whole paragraphs, indexed as words."""

from __future__ import annotations

import pytest

from knowledge.guides import GUIDES
from knowledge.seed import _paragraphs


def test_guide_bodies_are_tuples_of_sentences():
    for title, _category, tags, body in GUIDES:
        assert isinstance(body, tuple) and isinstance(tags, tuple), title
        assert all(len(paragraph) >= 10 for paragraph in body), title


def test_a_lone_string_body_is_refused():
    # ("…") without the trailing comma is a string: each character became its own paragraph.
    with pytest.raises(ValueError):
        _paragraphs(*"停水请报修")
    assert _paragraphs("停水请报修。", "拨打热线。") == "<p>停水请报修。</p><p>拨打热线。</p>"
