"""Small wording helpers the report narratives share."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 report``, ``2 reports`` (``many`` when the plural is irregular)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
