"""Approximate dictionary lookup: which terminology terms a stretch of text expresses.

A term matches when all its content tokens occur close together in one sentence, in any order
("pain in the abdomen" expresses "abdominal pain"). Each term is indexed under its rarest token,
so a note is scanned once and only plausible terms are checked. Overlapping matches are resolved
longest-first into *mentions*; every match overlapping a mention stays as a ranked candidate.

The index is generic: ICD-10-CM and SNOMED CT (when licensed) both build one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SOURCE_WEIGHT = {"synonym": 0.97, "description": 0.92, "inclusion": 0.88}


@dataclass(frozen=True, slots=True)
class Term:
    """One way of naming a concept, as normalized tokens."""

    tokens: tuple[str, ...]
    concept: str
    source: str  # "description", "inclusion" or "synonym"
    text: str


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: Term
    positions: tuple[int, ...]  # indexes into the token stream, one per term token
    score: float

    @property
    def first(self) -> int:
        return min(self.positions)

    @property
    def last(self) -> int:
        return max(self.positions)


@dataclass(frozen=True, slots=True)
class MatchGroup:
    """A mention: the best match over some tokens and every other match that overlaps it."""

    best: TermMatch
    alternatives: tuple[TermMatch, ...]

    @property
    def first(self) -> int:
        return self.best.first

    @property
    def last(self) -> int:
        return self.best.last


def allowed_span(length: int) -> int:
    """How many stream tokens a term of ``length`` tokens may spread over."""
    if length == 1:
        return 1
    return length + min(2, length - 1)


class PhraseIndex:
    """Terms indexed by their rarest token."""

    def __init__(self, terms: Iterable[Term]) -> None:
        unique: dict[tuple[tuple[str, ...], str], Term] = {}
        for term in terms:
            if not term.tokens:
                continue
            key = (term.tokens, term.concept)
            kept = unique.get(key)
            if kept is None or SOURCE_WEIGHT[term.source] > SOURCE_WEIGHT[kept.source]:
                unique[key] = term
        self.terms: tuple[Term, ...] = tuple(unique.values())
        frequency: Counter[str] = Counter()
        for term in self.terms:
            frequency.update(set(term.tokens))
        self._by_anchor: dict[str, list[Term]] = defaultdict(list)
        for term in self.terms:
            anchor = min(term.tokens, key=lambda token: (frequency[token], token))
            self._by_anchor[anchor].append(term)

    def __len__(self) -> int:
        return len(self.terms)

    def find(self, tokens: Sequence[str], segments: Iterable[tuple[int, int]]) -> list[TermMatch]:
        """Every term match inside each ``[start, end)`` segment (a sentence) of ``tokens``."""
        matches: list[TermMatch] = []
        for start, end in segments:
            where: dict[str, list[int]] = defaultdict(list)
            for position in range(start, end):
                where[tokens[position]].append(position)
            for position in range(start, end):
                for term in self._by_anchor.get(tokens[position], ()):
                    found = _place(term, position, where)
                    if found is not None:
                        matches.append(TermMatch(term, found, _score(term, found)))
        return matches


def _place(term: Term, anchor: int, where: dict[str, list[int]]) -> tuple[int, ...] | None:
    """Positions of the term's tokens nearest to ``anchor``, or None if they are too spread."""
    limit = allowed_span(len(term.tokens))
    used = {anchor}
    anchor_token_seen = False
    positions: list[int] = []
    for token in term.tokens:
        if not anchor_token_seen and where.get(token) and anchor in where[token]:
            anchor_token_seen = True
            positions.append(anchor)
            continue
        best = None
        for candidate in where.get(token, ()):
            if candidate in used or abs(candidate - anchor) >= limit:
                continue
            if best is None or abs(candidate - anchor) < abs(best - anchor):
                best = candidate
        if best is None:
            return None
        used.add(best)
        positions.append(best)
    if max(positions) - min(positions) + 1 > limit:
        return None
    return tuple(positions)


def _score(term: Term, positions: tuple[int, ...]) -> float:
    spread = max(positions) - min(positions) + 1
    contiguity = len(positions) / spread
    in_order = 1.0 if list(positions) == sorted(positions) else 0.95
    length_bonus = min(len(positions), 4) * 0.01
    single_generic = 0.9 if len(positions) == 1 else 1.0
    score = SOURCE_WEIGHT[term.source] * (0.8 + 0.2 * contiguity) * in_order * single_generic
    return min(1.0, round(score + length_bonus, 4))


def group_matches(matches: Sequence[TermMatch]) -> list[MatchGroup]:
    """Longest match first; a chosen match owns its tokens, overlapping ones become candidates."""
    ordered = sorted(
        matches,
        key=lambda m: (-len(m.positions), -m.score, m.last - m.first, m.first, m.term.concept),
    )
    owner: dict[int, int] = {}
    groups: list[list[TermMatch]] = []
    for match in ordered:
        owners = {owner[p] for p in match.positions if p in owner}
        if not owners:
            for p in match.positions:
                owner[p] = len(groups)
            groups.append([match])
        elif len(owners) == 1:
            groups[owners.pop()].append(match)
    result = []
    for members in groups:
        best, *rest = members
        result.append(MatchGroup(best, tuple(sorted(rest, key=lambda m: -m.score))))
    return sorted(result, key=lambda g: g.first)
