"""Word lists written by hand as one string: the PHI finders' vocabularies (titles, kin words,
place kinds, eponyms …) are easier to read and review as prose-like strings than as tuples."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, as a set."""
    return frozenset(text.split())
