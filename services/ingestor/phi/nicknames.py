"""Nicknames of English given names (Apache-2.0 list, ``data/nicknames/SOURCE.md``)."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

_FILE = Path(__file__).with_name("data") / "nicknames" / "names.csv"


@cache
def nickname_table() -> dict[str, frozenset[str]]:
    """Lower-case given name -> the names it is related to, both ways: ``robert`` -> ``bob``,
    ``bobby``...; ``bob`` -> ``robert``... (loaded once per process)."""
    related: dict[str, set[str]] = defaultdict(set)
    for line in _FILE.read_text(encoding="utf-8").splitlines()[1:]:
        formal, relation, nickname = (part.strip().lower() for part in line.split(","))
        if relation != "has_nickname" or not formal or not nickname:
            continue
        related[formal].add(nickname)
        related[nickname].add(formal)
    return {name: frozenset(others) for name, others in related.items()}


def related_names(given: str) -> frozenset[str]:
    """Nicknames and formal forms of ``given`` (lower case; empty when the list has none)."""
    return nickname_table().get(given.lower(), frozenset())
