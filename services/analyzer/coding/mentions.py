"""Condition, sign and symptom mentions in one de-identified note, with how the note asserts them.

The ICD-10-CM terminology finds the mentions; clinrelay's ConText (``context.py``) and section
detection (``sections.py``) decide whether each is present, negated, uncertain, hypothetical,
historical or about a relative. Mentions in sections that never state the patient's diagnoses
(medication and allergy lists, instructions, signatures) and in templated boilerplate are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding.data import table_rows
from services.analyzer.coding.lexicon import MatchGroup, group_matches
from services.analyzer.coding.pipeline import (
    ClinicalPipeline,
    ClinicalText,
    MentionContext,
    clinical_pipeline,
)
from services.analyzer.coding.terminology import Terminology, icd10_terminology
from services.analyzer.coding.words import BARRIER, Token, Word, split_words
from shared.events.coding import Assertion

IGNORED_SECTIONS = frozenset(
    {
        "medications",
        "allergies",
        "review_of_systems",
        "patient_instructions",
        "patient_education",
        "signature",
        "immunizations",
        "procedures",
        "care_plans",
    }
)
# Section → the ConText category it asserts of every mention in it.
SECTION_CATEGORIES = {"family_history": "FAMILY", "past_medical_history": "HISTORICAL"}

# Historical cues that say a condition is over, not merely that it began in the past: a chronic
# condition so described is not current ("asthma resolved in adolescence", "quit smoking").
RESOLVED_CUES = frozenset(
    {
        "resolved",
        "quit",
        "former",
        "formerly",
        "no longer",
        ": former",  # a label answered: "Smoking: former, quit 2000"
        ": quit",
        ": inactive",  # a problem list's status: "Problem: gout  Status: inactive"
        ": historical",
    }
)

# Templated text that names conditions without stating that the patient has them.
_BOILERPLATE = re.compile(
    r"call 911|seek (?:immediate )?medical (?:attention|care)|return to (?:the )?(?:ed|er|"
    r"emergency)|if (?:you|symptoms) (?:develop|worsen|experience)|risks,? (?:and )?benefits|"
    r"warning signs|screening questionnaire",
    re.IGNORECASE,
)
# An instruction of when to come back or call, opening its sentence or a clause after a colon
# ("Dispo: return if…", "Concussion precautions reviewed: return for…"): every condition it
# names is a hypothetical the patient is to watch for, to the end of the sentence ("Return for
# signs of dehydration, bloody stools, or fever > 5 days (UTI concerns)", "RTC/ED if chest pain
# recurs", "Call back or go to urgent care if fever, flank pain"). The cues of
# data/context_rules.tsv reach ten tokens or a list; this reaches the end.
_COME_BACK_INSTRUCTION = re.compile(
    r"(?:^|[:;]\s*)\W*(?:[A-Za-z][\w/ ]{0,24}:\s*)?"
    r"(?:(?:and|then|otherwise|strict|please|pt|patient|parents?|family|mother|father)\s+)*"
    r"(?:(?:to|should|will|was told to|instructed to|advised to)\s+)?"
    r"(?:(?:return|come back|rtc|rted|rtn|rtc/ed)\b"
    r"(?!\s+(?:visit|appointment|appt|to (?:work|school|sports|play|activity|duty)))"
    r"(?=.*\b(?:if|for|should|when|precautions|signs)\b)|"
    r"(?:call(?:\s+back)?|go (?:straight |directly )?to (?:the )?"
    r"(?:ed|er|uc|urgent care|emergency|hospital)|"
    r"seek (?:immediate |prompt |emergency )?(?:medical )?(?:care|attention|evaluation))\b"
    r"(?=.*\b(?:if|should|when|precautions|signs|worse\w*|worsening|any)\b))",
    re.IGNORECASE | re.DOTALL,
)

# ConText category → (assertion, trait), strongest first. A denied condition is never billed,
# whoever it was denied of ("no family history of colon cancer"); a relative's is never the
# patient's, however certain.
_CATEGORIES = (
    ("NEGATED_EXISTENCE", Assertion.NEGATED, "NEGATION"),
    ("FAMILY", Assertion.FAMILY, "FAMILY"),
    ("HYPOTHETICAL", Assertion.HYPOTHETICAL, "HYPOTHETICAL"),
    ("POSSIBLE_EXISTENCE", Assertion.UNCERTAIN, "UNCERTAIN"),
    ("HISTORICAL", Assertion.HISTORICAL, "HISTORICAL"),
)


@dataclass(frozen=True)
class FoundMention:
    """A mention with everything later steps need (internal to the analyzer)."""

    start: int
    end: int
    text: str
    sentence: str
    assertion: Assertion
    traits: tuple[tuple[str, float], ...]  # ConText traits (NEGATION, FAMILY...) with scores
    section: str | None
    group: MatchGroup
    context_tokens: frozenset[str]  # normalized words near the mention, for specificity
    resolved: bool = False  # the note says it is over ("resolved", "quit", "former")


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
    note = pipeline.read(text)
    words = split_words(text)
    tokens = terminology.normalizer.tokens(words)
    segments = _sentence_segments(note, words, tokens)
    token_texts = [t.text for t in tokens]
    groups = group_matches(
        terminology.index.find(token_texts, _split_at_barriers(segments, token_texts))
    )
    located = [_locate(g, tokens, words) for g in groups]
    contexts = pipeline.mention_contexts(note, [(m.start, m.end) for m in located])
    asserted = []
    for where, found in zip(located, contexts, strict=True):
        section = found.section.category if found.section else None
        if section in IGNORED_SECTIONS or _is_boilerplate(note, where, found):
            continue
        if found.section and where.end <= found.section.title_end:
            continue  # a heading's own words name the section, not a condition
        if _names_something_else(note, where, found):
            continue
        assertion, traits = _assertion(found, section)
        asserted.append((where, found, section, assertion, traits))
    # "… without macular edema, bilateral": a side written after a comma closes the negation
    # and qualifies the condition.
    sides_after_comma = {
        i
        for i in range(1, len(tokens))
        if token_texts[i] in _SIDES
        and "," in text[words[tokens[i - 1].word].end : words[tokens[i].word].start]
    }
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
            sentence=text[found.sentence.start : found.sentence.end].strip(),
            assertion=assertion,
            traits=traits,
            section=section,
            group=where.group,
            context_tokens=_context_tokens(
                where.group,
                token_texts,
                segments,
                not_present | _other_items_conditions(text, where, [a[0] for a in asserted]),
                sides_after_comma,
            ),
            resolved=assertion is Assertion.HISTORICAL and bool(found.cues & RESOLVED_CUES),
        )
        for where, found, section, assertion, traits in asserted
    ]


# What separates the items of a list ("CKD stage 3, AF"; "COPD and atrial fibrillation").
_ITEM_BREAK = re.compile(r"[,;]|\band\b", re.IGNORECASE)


def _other_items_conditions(text: str, where: _Located, others: list[_Located]) -> set[int]:
    """Token positions of the other conditions named near ``where`` in another list item: a
    condition's words qualify that condition, not its neighbour ("CKD stage 3, AF" is atrial
    fibrillation, not chronic atrial fibrillation — "chronic" is the kidney disease's). A word
    that names no condition ("type 2 diabetes, uncontrolled") still qualifies across a comma."""
    found: set[int] = set()
    for other in others:
        if other is where or other.start >= where.end + 120 or other.end <= where.start - 120:
            continue
        between = (
            text[where.end : other.start]
            if other.start >= where.end
            else text[other.end : where.start]
        )
        if _ITEM_BREAK.search(between):
            found.update(other.group.best.positions)
    return found


def _sentence_segments(
    note: ClinicalText, words: list[Word], tokens: list[Token]
) -> list[tuple[int, int]]:
    """Sentences as ``[start, end)`` ranges of the normalized token stream, cut after a known
    heading's title too: no term may join the heading's words to its content ("Family history:
    brother with colon cancer" is colon cancer in a relative, Z80.0 — not "family history of
    cancer", Z80.9)."""
    bounds = sorted(
        [sentence.start for sentence in note.sentences][1:]
        + [s.title_end for s in note.sections if s.title_known]
    )
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


# Words around a mention that make it name a vaccine, a screening, a protocol, a risk or a supply,
# not a condition the patient has ("tetanus booster", "colon cancer screening", "DKA protocol",
# "incontinence briefs"), or a procedure ("assessment of alcohol use (procedure)" in a Synthea
# plan).
_NOT_A_CONDITION_AFTER = re.compile(
    r"\s*\(procedure\)|\s*(?:vaccines?|vaccinations?|vaccinated|boosters?|immuni[sz]ations?|shots?|toxoid|"
    r"screening|prophylaxis|precautions|protocol|pathway|education|teaching|counseling|counselling|"
    r"work-?up|panel|titers?|risk|testing|briefs|pads|supplies|garments|pep|ppx|"
    # a test not yet resulted names what it looks for ("sleep apnea test ordered", "COVID-19
    # test sent"); a resulted one may confirm the disease (I.C.1.g.1) and is left to the rest
    r"tests?\s+(?:\w+\s+){0,2}(?:ordered|sent|scheduled|pending|requested|planned|arranged|"
    r"recommended|to\s+be\s+(?:done|obtained|performed))|"
    r"immune\s+globulin)\b",
    re.IGNORECASE,
)
# A risk estimate over a horizon names a condition the patient may get, not one they have
# ("10-yr ASCVD 8 %", "10-year risk of hip fracture").
_RISK_HORIZON_BEFORE = re.compile(
    r"\b(?:\d{1,2}|five|ten)[- ]?(?:yr|year)s?(?:[- ](?:risk|probability)(?:\s+(?:of|for))?)?\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _other_senses() -> dict[str, re.Pattern[str]]:
    senses = {}
    for row in table_rows("other_senses.tsv"):
        if len(row) != 2:
            raise ValueError(f"other sense row needs TERM<TAB>PATTERN: {row!r}")
        senses[row[0].strip().lower()] = re.compile(row[1].strip(), re.IGNORECASE)
    return senses


def _names_something_else(note: ClinicalText, where: _Located, found: MentionContext) -> bool:
    if _NOT_A_CONDITION_AFTER.match(note.text, where.end):
        return True
    if _RISK_HORIZON_BEFORE.search(note.text, max(0, where.start - 30), where.start):
        return True
    sense = _other_senses().get(note.text[where.start : where.end].lower())
    if sense is None:
        return False
    return bool(sense.search(note.text, found.sentence.start, found.sentence.end))


def _is_boilerplate(note: ClinicalText, where: _Located, found: MentionContext) -> bool:
    sentence = note.text[found.sentence.start : found.sentence.end]
    return bool(_BOILERPLATE.search(sentence) or _COME_BACK_INSTRUCTION.search(sentence))


# How sure an assertion trait is, by where it comes from: a cue in the sentence, the section
# the mention sits in, or both.
_CUE_SCORE, _SECTION_SCORE, _BOTH_SCORE = 0.9, 0.8, 0.95


def _assertion(
    found: MentionContext, section: str | None
) -> tuple[Assertion, tuple[tuple[str, float], ...]]:
    cued = set(found.categories)
    from_section = {SECTION_CATEGORIES[section]} if section in SECTION_CATEGORIES else set()
    categories = cued | from_section
    traits = tuple(
        (trait, _trait_score(category in cued, category in from_section))
        for category, _, trait in _CATEGORIES
        if category in categories
    )
    for category, assertion, _ in _CATEGORIES:
        if category in categories:
            return assertion, traits
    return Assertion.PRESENT, traits


def _trait_score(cued: bool, from_section: bool) -> float:
    if cued and from_section:
        return _BOTH_SCORE
    return _CUE_SCORE if cued else _SECTION_SCORE


def _context_tokens(
    group: MatchGroup,
    tokens: list[str],
    segments: list[tuple[int, int]],
    excluded: set[int],
    sides_after_comma: set[int],
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
    negated = {
        p
        for b in range(low, high)
        if tokens[b] == BARRIER
        for p in range(b + 1, min(high, b + 1 + _NEGATED_WORDS))
    } - sides_after_comma
    # "last exacerbation > 1 yr", "prior flare": a past episode is no detail of the condition now.
    negated |= {p for p in range(low + 1, high) if tokens[p - 1] in _PAST_EPISODE}
    kept = [
        p
        for p in range(low, high)
        if p in own
        or (
            p not in excluded
            and p not in negated
            and tokens[p] != BARRIER
            and not _is_measurement(tokens, p)
        )
    ]
    return _one_side(kept, own, tokens)


_SIDES = frozenset({"right", "left", "bilateral"})


def _one_side(positions: list[int], own: set[int], tokens: list[str]) -> frozenset[str]:
    """Laterality when a sentence names more than one side: the mention's own side ("OA of the
    right knee (left knee mild)" is the right knee); "right and left" written together is
    bilateral; otherwise the side written nearest the mention ("R heel ulcer; L heel intact")."""
    words = frozenset(tokens[p] for p in positions)
    sides = [p for p in positions if tokens[p] in _SIDES]
    if len({tokens[p] for p in sides}) < 2:
        return words
    own_sides = {tokens[p] for p in sides if p in own}
    if own_sides:
        keep = own_sides
    elif any(
        {tokens[a], tokens[b]} == {"right", "left"} and abs(a - b) == 1
        for a in sides
        for b in sides
    ):
        keep = {"bilateral"}
    else:
        centre = min(own) if own else positions[0]
        keep = {tokens[min(sides, key=lambda p: abs(p - centre))]}
    return (words - _SIDES) | keep


# A number is a stage, type or grade when one of these words names it; beside "x", a unit or
# another number ("2.5 x 2.0 cm", "4 x 3.5 cm") it is a measurement and lends no detail (a
# "stage 4" pressure injury of 2.5 x 2.0 cm is not stage 2).
_NUMBER_NAMES = frozenset({"stage", "type", "grade", "class", "level", "degree", "trimester"})
_MEASURE = frozenset({"x", "cm", "mm", "ml", "kg", "mg", "g", "l", "cc", "in", "percent"})


def _is_measurement(tokens: list[str], p: int) -> bool:
    if not tokens[p].isdigit() or (p > 0 and tokens[p - 1] in _NUMBER_NAMES):
        return False
    neighbours = [tokens[q] for q in (p - 1, p + 1) if 0 <= q < len(tokens)]
    return any(n in _MEASURE or n.isdigit() for n in neighbours)


_PAST_EPISODE = frozenset({"last", "prior", "previous"})

# Words right after a negation ("not intractable", "no alcohol use", "without status
# migrainosus") lend no detail to a mention: they say what the condition is not.
_NEGATED_WORDS = 3
