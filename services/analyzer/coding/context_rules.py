"""clinrelay's ConText rules and section headings, read from the curated tables in ``data/``.

``data/context_rules.tsv`` holds the trigger terms (negated and possible existence, hypothetical,
historical, family), pseudo-triggers and termination terms; ``data/section_headings.tsv`` the
section titles. Both were written for clinrelay; the uncertainty triggers include every term the
ICD-10-CM Official Guidelines name (Section II.H / IV.H: "probable", "suspected", "likely",
"questionable", "possible", "still to be ruled out", "compatible with", "consistent with").
"""

from __future__ import annotations

from collections.abc import Iterable

from services.analyzer.coding.context import ANY_CATEGORY, ContextRule, Direction
from services.analyzer.coding.data import table_rows
from services.analyzer.coding.sections import SectionHeading
from services.analyzer.coding.segmentation import TokenKind, tokenize

CATEGORIES = frozenset(
    {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "FAMILY"}
)

MAX_SCOPE = {"FAMILY": 5}
"""Tokens a trigger reaches, by category: "mother" four words from a condition no longer speaks
of her, and ConText's sentence scope runs to fifty words in case reports."""
DEFAULT_MAX_SCOPE = 10

RULES_FILE = "context_rules.tsv"
HEADINGS_FILE = "section_headings.tsv"


def context_rules(rows: Iterable[list[str]] | None = None) -> list[ContextRule]:
    """The ConText rules of ``rows`` (default: ``data/context_rules.tsv``), validated.

    Raises ``ValueError`` naming the row for an unknown category or direction, a malformed row
    or a phrase listed twice (which of two rules wins would depend on file order).
    """
    rules = []
    seen: dict[tuple[str, ...], str] = {}
    for row in table_rows(RULES_FILE) if rows is None else rows:
        rule = _rule(row)
        if rule.phrase in seen:
            raise ValueError(f"ConText phrase {' '.join(rule.phrase)!r} is listed twice")
        seen[rule.phrase] = rule.category
        rules.append(rule)
    return rules


def _rule(row: list[str]) -> ContextRule:
    if len(row) != 3:
        raise ValueError(f"ConText rule needs PHRASE, CATEGORY, DIRECTION: {row!r}")
    phrase, category, direction = (cell.strip() for cell in row)
    try:
        kind = Direction(direction)
    except ValueError:
        raise ValueError(f"unknown ConText direction {direction!r} in {row!r}") from None
    allowed = CATEGORIES | {ANY_CATEGORY} if kind is Direction.TERMINATE else CATEGORIES
    if category not in allowed:
        raise ValueError(f"unknown ConText category {category!r} in {row!r}")
    tokens = tuple(t.lower for t in tokenize(phrase) if t.kind is not TokenKind.NEWLINE)
    if not tokens:
        raise ValueError(f"empty ConText phrase in {row!r}")
    return ContextRule(tokens, category, kind)


def section_headings() -> list[SectionHeading]:
    """The section titles of ``data/section_headings.tsv``."""
    headings = []
    for row in table_rows(HEADINGS_FILE):
        if len(row) != 2:
            raise ValueError(f"section heading needs CATEGORY, TITLE: {row!r}")
        headings.append(SectionHeading(row[0].strip(), row[1].strip()))
    return headings
