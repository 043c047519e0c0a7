"""Condition, sign and symptom mentions in one de-identified note, with how the note asserts them.

The ICD-10-CM terminology finds the mentions; medspaCy's sectionizer and ConText decide whether
each is present, negated, uncertain, hypothetical, historical or about a relative. Mentions in
sections that never state the patient's diagnoses (medication and allergy lists, instructions,
signatures) and in templated boilerplate are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from services.analyzer.coding.lexicon import MatchGroup, group_matches
from services.analyzer.coding.pipeline import (
    MENTION_LABEL,
    SPAN_GROUP,
    ClinicalPipeline,
    clinical_pipeline,
)
from services.analyzer.coding.terminology import Terminology, icd10_terminology
from services.analyzer.coding.words import BARRIER, Token, Word, split_words
from shared.events.coding import Assertion

IGNORED_SECTIONS = frozenset(
    {
        "medications",
        "allergies",
        "allergy",
        "patient_instructions",
        "patient_education",
        "signature",
    }
)
FAMILY_SECTIONS = frozenset({"family_history"})

# Templated text that names conditions without stating that the patient has them.
_BOILERPLATE = re.compile(
    r"call 911|seek (?:immediate )?medical (?:attention|care)|return to (?:the )?(?:ed|er|"
    r"emergency)|if (?:you|symptoms) (?:develop|worsen|experience)|risks,? (?:and )?benefits|"
    r"warning signs|screening questionnaire",
    re.IGNORECASE,
)
_UNCHECKED_BOX = re.compile(r"\[\s\]\s*$")

# ConText category → (assertion, trait), strongest first: a negated family mention is family.
_CATEGORIES = (
    ("FAMILY", Assertion.FAMILY, "FAMILY"),
    ("NEGATED_EXISTENCE", Assertion.NEGATED, "NEGATION"),
    ("HYPOTHETICAL", Assertion.HYPOTHETICAL, "HYPOTHETICAL"),
    ("POSSIBLE_EXISTENCE", Assertion.UNCERTAIN, "UNCERTAIN"),
    ("HISTORICAL", Assertion.HISTORICAL, "HISTORICAL"),
)
_TRAIT_OF = {category: trait for category, _, trait in _CATEGORIES}
# How far (in tokens) a cue reaches: ConText scopes to the sentence, which in case reports runs
# to fifty words and lists; "mother" four words away from a condition no longer speaks of her.
_REACH = {"FAMILY": 5}
_DEFAULT_REACH = 10


@dataclass(frozen=True)
class FoundMention:
    """A mention with everything later steps need (internal to the analyzer)."""

    start: int
    end: int
    text: str
    sentence: str
    assertion: Assertion
    traits: tuple[str, ...]
    section: str | None
    group: MatchGroup
    context_tokens: frozenset[str]  # normalized words near the mention, for specificity


@dataclass(frozen=True)
class _Located:
    group: MatchGroup
    start: int
    end: int


def find_mentions(
    text: str,
    pipeline: ClinicalPipeline | None = None,
    terminology: Terminology | None = None,
) -> list[FoundMention]:
    """Every condition/sign/symptom mention of ``text``, in order of appearance."""
    pipeline = pipeline or clinical_pipeline()
    terminology = terminology or icd10_terminology()
    doc = pipeline.sentences(text)
    words = split_words(text)
    tokens = terminology.normalizer.tokens(words)
    segments = _sentence_segments(doc, words, tokens)
    token_texts = [t.text for t in tokens]
    groups = group_matches(
        terminology.index.find(token_texts, _split_at_barriers(segments, token_texts))
    )
    located = [_locate(g, tokens, words) for g in groups]
    spans = [doc.char_span(m.start, m.end, MENTION_LABEL, alignment_mode="expand") for m in located]
    kept = [(m, s) for m, s in zip(located, spans, strict=True) if s is not None]
    doc.spans[SPAN_GROUP] = [s for _, s in kept]
    doc = pipeline.assert_mentions(doc)
    asserted = []
    for (where, _), span in zip(kept, doc.spans[SPAN_GROUP], strict=True):
        section = _section_of(doc, span)
        if section in IGNORED_SECTIONS or _is_boilerplate(span):
            continue
        assertion, traits = _assertion(span, section)
        asserted.append((where, span, section, assertion, traits))
    # Words of mentions the note denies or hedges must not lend detail to their neighbours
    # ("type 2 diabetes, no hyperglycemia" is E11.9, not E11.65).
    not_present = {
        p
        for where, _, _, assertion, _ in asserted
        if assertion is not Assertion.PRESENT
        for p in where.group.best.positions
    }
    return [
        FoundMention(
            start=where.start,
            end=where.end,
            text=text[where.start : where.end],
            sentence=span.sent.text.strip(),
            assertion=assertion,
            traits=traits,
            section=section,
            group=where.group,
            context_tokens=_context_tokens(where.group, token_texts, segments, not_present),
        )
        for where, span, section, assertion, traits in asserted
    ]


def _sentence_segments(doc: Doc, words: list[Word], tokens: list[Token]) -> list[tuple[int, int]]:
    """Sentences as ``[start, end)`` ranges of the normalized token stream."""
    bounds = [sent.start_char for sent in doc.sents][1:]
    segments: list[tuple[int, int]] = []
    start = 0
    b = 0
    for i, token in enumerate(tokens):
        char = words[token.word].start
        crossed = False
        while b < len(bounds) and char >= bounds[b]:
            b += 1
            crossed = True
        if crossed and i > start:
            segments.append((start, i))
            start = i
        elif crossed:
            start = i
    if start < len(tokens):
        segments.append((start, len(tokens)))
    return segments


def _split_at_barriers(segments: list[tuple[int, int]], tokens: list[str]) -> list[tuple[int, int]]:
    """Sentences cut at negation words, so no match straddles one."""
    pieces = []
    for start, end in segments:
        piece_start = start
        for position in range(start, end):
            if tokens[position] == BARRIER:
                if position > piece_start:
                    pieces.append((piece_start, position))
                piece_start = position + 1
        if end > piece_start:
            pieces.append((piece_start, end))
    return pieces


def _locate(group: MatchGroup, tokens: list[Token], words: list[Word]) -> _Located:
    positions = group.best.positions
    first = words[tokens[min(positions)].word]
    last = words[tokens[max(positions)].word]
    return _Located(group, first.start, last.end)


def _section_of(doc: Doc, span: Span) -> str | None:
    category = doc[span.start]._.section_category
    return str(category) if category else None


def _is_boilerplate(span: Span) -> bool:
    sentence = span.sent.text
    if _BOILERPLATE.search(sentence):
        return True
    before = span.doc.text[max(0, span.start_char - 6) : span.start_char]
    return bool(_UNCHECKED_BOX.search(before))


def _assertion(span: Span, section: str | None) -> tuple[Assertion, tuple[str, ...]]:
    found: set[str] = set()
    for modifier in span._.modifiers:
        start, end = modifier.modifier_span
        distance = span.start - end if end <= span.start else start - span.end
        if distance <= _REACH.get(modifier.category, _DEFAULT_REACH):
            trait = _TRAIT_OF.get(modifier.category)
            if trait is not None:
                found.add(trait)
    if section in FAMILY_SECTIONS:
        found.add("FAMILY")
    traits = tuple(trait for _, _, trait in _CATEGORIES if trait in found)
    for _, assertion, trait in _CATEGORIES:
        if trait in found:
            return assertion, traits
    return Assertion.PRESENT, traits


def _context_tokens(
    group: MatchGroup,
    tokens: list[str],
    segments: list[tuple[int, int]],
    excluded: set[int],
    window: int = 10,
) -> frozenset[str]:
    """Normalized words within ``window`` tokens of the mention, in its sentence."""
    first, last = group.first, group.last
    low, high = first, last + 1
    for start, end in segments:
        if start <= first < end:
            low, high = max(start, first - window), min(end, last + window + 1)
            break
    own = set(group.best.positions)
    return frozenset(tokens[p] for p in range(low, high) if p in own or p not in excluded)
