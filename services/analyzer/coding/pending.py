"""A code being assembled for an encounter (:class:`Pending`): the mentions and rule findings
that give it, merged per code, and what every encounter rule of the coder reads and edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from services.analyzer.coding import codeset
from shared.events.coding import (
    Assertion,
    CodeCandidate,
    CodeSuggestion,
    Evidence,
    MentionCategory,
    Trait,
)

_K = TypeVar("_K")
_ASSERTION_RANK = {a: i for i, a in enumerate(Assertion)}
CURRENT = (Assertion.PRESENT, Assertion.UNCERTAIN)  # uncertain ones are billed inpatient only


@dataclass(frozen=True)
class NoteText:
    note_id: str
    text: str


@dataclass
class Pending:
    """A code being assembled from one or more mentions."""

    code: str
    assertion: Assertion
    score: float
    rationale: str
    billable: bool
    candidates: tuple[CodeCandidate, ...]
    evidence: list[Evidence] = field(default_factory=list)
    category: MentionCategory = MentionCategory.DIAGNOSIS
    traits: tuple[Trait, ...] = ()

    def absorb(self, other: Pending) -> None:
        self.evidence.extend(other.evidence)
        if other.score > self.score:
            self.score, self.candidates = other.score, other.candidates
            self.category, self.traits = other.category, other.traits
        if _ASSERTION_RANK[other.assertion] < _ASSERTION_RANK[self.assertion]:
            self.assertion, self.rationale = other.assertion, other.rationale

    def build(self) -> CodeSuggestion:
        return CodeSuggestion(
            code=self.code,
            description=codeset.description(self.code),
            score=round(self.score, 3),
            assertion=self.assertion,
            billable=self.billable,
            evidence=tuple(self.evidence),
            rationale=self.rationale,
            candidates=self.candidates,
            category=self.category,
            traits=self.traits,
        )


def merge(into: dict[_K, Pending], key: _K, pending: Pending) -> None:
    if key in into:
        into[key].absorb(pending)
    else:
        into[key] = pending


class Span(Protocol):
    """Where a rule found what it codes: a span of one note's text."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


def from_rule(
    note_id: str,
    span: Span,
    code: str,
    score: float,
    rationale: str,
    category: MentionCategory,
    *,
    section: str | None = None,
) -> Pending:
    """A code a guideline rule adds on what one span of a note says (the span is its evidence)."""
    evidence = Evidence(
        note_id=note_id,
        start=span.start,
        end=span.end,
        text=span.text,
        section=section,
        sentence=span.text,
    )
    return Pending(code, Assertion.PRESENT, score, rationale, True, (), [evidence], category)


def combined(code: str, sources: Sequence[Pending], rationale: str) -> Pending:
    """A combination code standing for ``sources``: as sure as the least sure of them, with all
    their evidence."""
    return Pending(
        code,
        Assertion.PRESENT,
        min(s.score for s in sources),
        rationale,
        True,
        (),
        [e for s in sources for e in s.evidence],
    )


def evidence_sentences(pending: Pending) -> list[str]:
    return [e.sentence or e.text for e in pending.evidence]
