"""The clinical text pipeline: tokens, sentences, sections and ConText, built once per process.

Everything is rule-based and clinrelay's own (``segmentation.py``, ``sections.py``,
``context.py`` with the curated tables in ``data/``): no model, no download, no third-party NLP
library. Building it reads two small tables (milliseconds).
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from services.analyzer.coding import context_rules
from services.analyzer.coding.context import (
    ConText,
    ContextRule,
    Direction,
    Modifier,
    categories_of,
    modifies,
)
from services.analyzer.coding.sections import Section, SectionFinder, section_at
from services.analyzer.coding.segmentation import Sentence, TextToken, split_sentences, tokenize


@dataclass(frozen=True)
class ClinicalText:
    """A note read once: its tokens, sentences and sections."""

    text: str
    tokens: list[TextToken]
    sentences: list[Sentence]
    sections: list[Section]
    _token_starts: list[int] = field(repr=False)
    _token_ends: list[int] = field(repr=False)
    _sentence_firsts: list[int] = field(repr=False)

    def sentence_of(self, offset: int) -> Sentence:
        """The sentence holding (or, between sentences, preceding) character ``offset``."""
        token = max(0, bisect.bisect_right(self._token_ends, offset))
        token = min(token, len(self.tokens) - 1)
        k = bisect.bisect_right(self._sentence_firsts, token) - 1
        return self.sentences[max(0, k)]

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indexes ``[first, last]`` of the tokens overlapping characters ``[start, end)``."""
        first = bisect.bisect_right(self._token_ends, start)
        last = bisect.bisect_left(self._token_starts, end) - 1
        return first, max(first, last)


@dataclass(frozen=True)
class MentionContext:
    """What ConText and the sections say of one mention."""

    sentence: Sentence
    section: Section | None
    categories: frozenset[str]  # ConText categories whose triggers reach the mention
    cues: frozenset[str] = frozenset()  # the trigger phrases that reach it ("history of")


@dataclass(frozen=True)
class ClinicalPipeline:
    context: ConText
    section_finder: SectionFinder
    load_seconds: float

    def read(self, text: str) -> ClinicalText:
        """Tokenize ``text`` and find its sentences and sections."""
        tokens = tokenize(text)
        sentences = split_sentences(text, tokens)
        return ClinicalText(
            text,
            tokens,
            sentences,
            self.section_finder.sections(text),
            [t.start for t in tokens],
            [t.end for t in tokens],
            [s.first for s in sentences],
        )

    def mention_contexts(
        self, note: ClinicalText, spans: Sequence[tuple[int, int]]
    ) -> list[MentionContext]:
        """For each character span ``[start, end)`` of ``note``: its sentence, section and the
        ConText categories asserted of it (triggers are matched once per sentence).

        Scopes follow the list items of a sentence (see :func:`list_scoped`); a trigger inside a
        known heading's title ("Past Medical History:") asserts nothing.
        """
        lowered = [t.lower for t in note.tokens]
        ranges = [note.token_range(start, end) for start, end in spans]
        sentences = [note.sentence_of(start) for start, _ in spans]
        firsts_by_sentence: dict[int, list[int]] = {}
        for sentence, (first, _) in zip(sentences, ranges, strict=True):
            firsts_by_sentence.setdefault(sentence.first, []).append(first)
        by_sentence: dict[int, list[Modifier]] = {}
        found = []
        for (start, _), sentence, (first, last) in zip(spans, sentences, ranges, strict=True):
            modifiers = by_sentence.get(sentence.first)
            if modifiers is None:
                raw = [
                    m
                    for m in self.context.modifiers(lowered, sentence.first, sentence.stop)
                    if not _in_heading_title(note, m)
                ] + dated_in_the_past(lowered, sentence.first, sentence.stop)
                modifiers = list_scoped(
                    raw,
                    lowered,
                    sentence.first,
                    sentence.stop,
                    sorted(firsts_by_sentence[sentence.first]),
                    spaced_dashes(note.tokens, sentence.first, sentence.stop),
                ) + attached_minus(note.tokens, sentence.first, sentence.stop)
                by_sentence[sentence.first] = modifiers
            found.append(
                MentionContext(
                    sentence,
                    section_at(note.sections, start),
                    categories_of(modifiers, first, last),
                    frozenset(
                        " ".join(m.rule.phrase) for m in modifiers if modifies(m, first, last)
                    ),
                )
            )
        return found


_SEPARATORS = frozenset({",", ";"})
_LIST_ITEM_MAX_TOKENS = 10


def list_items(tokens: Sequence[str], start: int, stop: int) -> list[tuple[int, int]]:
    """The list items of sentence ``tokens[start:stop]``: token ranges between commas and
    semicolons (a sentence without them is one item)."""
    items = []
    item_start = start
    for i in range(start, stop):
        if tokens[i] in _SEPARATORS:
            items.append((item_start, i))
            item_start = i + 1
    items.append((item_start, stop))
    return items


def list_scoped(
    modifiers: Sequence[Modifier],
    tokens: Sequence[str],
    start: int,
    stop: int,
    mention_firsts: Sequence[int],
    dashes: Sequence[int] = (),
) -> list[Modifier]:
    """Trigger scopes fitted to the list items of one sentence.

    - A trigger *inside* an item — a mention comes before it in the same item ("concussion with
      no loss of consciousness, laceration of thigh") — reaches only the end of its item.
    - A trigger that *introduces* a list ("history of A, B, C, D, E"; "denies A, B, C") — its
      own item is short — reaches every short item that follows, beyond the usual token cap,
      up to a termination term.
    - A backward trigger ("asthma, resolved"; "pneumonia years ago") reaches only its own item.
      Within it, a spaced dash (``dashes``) followed by words of their own before the trigger
      opens a new clause the trigger belongs to: a final diagnosis "chest pain - embolism ruled
      out" rules out the embolism, not the pain it explains; "pneumonia - ruled out" (nothing
      between) still rules out the pneumonia.
    """
    items = list_items(tokens, start, stop)
    scoped = []
    for modifier in modifiers:
        k = next(i for i, (a, b) in enumerate(items) if a <= modifier.start <= b)
        item_start, item_stop = items[k]
        after_start, after_stop = modifier.after
        if after_start < after_stop:
            inside = any(item_start <= f < modifier.start for f in mention_firsts)
            if inside:
                after_stop = min(after_stop, item_stop)
            elif item_stop - modifier.end <= _LIST_ITEM_MAX_TOKENS:
                reach = item_stop
                for a, b in items[k + 1 :]:
                    if a >= modifier.after_limit or b - a > _LIST_ITEM_MAX_TOKENS:
                        break
                    reach = b
                after_stop = max(after_stop, min(reach, modifier.after_limit))
        before_start, before_stop = modifier.before
        if before_start < before_stop:
            before_start = max(before_start, item_start)
            clause = [d for d in dashes if before_start <= d < modifier.start - 1]
            if clause:
                before_start = clause[-1] + 1
        scoped.append(
            replace(modifier, after=(after_start, after_stop), before=(before_start, before_stop))
        )
    return scoped


_DASHES = frozenset({"-", "–", "—", "--"})


def spaced_dashes(tokens: Sequence[TextToken], start: int, stop: int) -> list[int]:
    """Indexes of the dashes of a sentence written with a space on both sides ("chest pain -
    PE ruled out"), which separate clauses; a hyphen inside a word or a minus against its word
    ("-SOB") does not."""
    return [
        i
        for i in range(start + 1, stop - 1)
        if tokens[i].text in _DASHES
        and tokens[i - 1].end < tokens[i].start
        and tokens[i].end < tokens[i + 1].start
    ]


_DATED = ContextRule(("in", "<year>"), "HISTORICAL", Direction.BACKWARD)
_YEAR = re.compile(r"(?:19[5-9]\d|20\d\d)$")
# Words before a bare year that make it no date of a past episode: an onset ("since 2019",
# "diagnosed 2019": the condition may still be current) or a span ("from 2019 to 2021").
_NOT_AN_EPISODE = frozenset(
    {
        "since",
        "from",
        "until",
        "till",
        "through",
        "to",
        "dx",
        "diagnosed",
        "onset",
        "of",
        "year",
        "years",
        "early",
        "late",
        "mid",
        "spring",
        "summer",
        "fall",
        "autumn",
        "winter",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    }
)


def dated_in_the_past(tokens: Sequence[str], start: int, stop: int) -> list[Modifier]:
    """ "in 2019" after a condition dates it ("NSTEMI in 2021", "fracture of wrist in 2019"),
    and so does a bare year written right after its name, as problem lists and discharge
    summaries date a past episode ("DVT 2019", "TIA (2021)"): a backward historical cue over its
    own list item. A chronic condition so dated stays current (rules.py); an acute one becomes
    its history code."""
    found = []
    for i in range(start, stop):
        if not _YEAR.match(tokens[i]):
            continue
        if i > start and tokens[i - 1] == "in":
            cue = i - 1
        else:
            before = i - 2 if i - 2 >= start and tokens[i - 1] == "(" else i - 1
            word = tokens[before] if before >= start else ""
            if not word.isalpha() or word in _NOT_AN_EPISODE:
                continue
            cue = before + 1
        found.append(
            Modifier(_DATED, cue, i + 1, before=(max(start, cue - 10), cue), after=(i + 1, i + 1))
        )
    return found


_MINUS = ContextRule(("-",), "NEGATED_EXISTENCE", Direction.FORWARD)
_MARKS = frozenset({"-", "+", ",", ";", "/"})


def attached_minus(tokens: Sequence[TextToken], start: int, stop: int) -> list[Modifier]:
    """A minus written against the next word after a space ("-SOB -diaphoresis -N/V", the terse
    review of systems of ED notes) denies that word, up to the next mark or comma; a plus
    ("+fever") asserts nothing. Applied after list scoping: it never reaches another item."""
    found = []
    for i in range(start, stop - 1):
        token, nxt = tokens[i], tokens[i + 1]
        if token.text != "-" or nxt.start != token.end or not nxt.text[:1].isalpha():
            continue
        before = tokens[i - 1] if i > start else None
        if before is not None and before.end == token.start:
            continue  # "N-terminal", "x-ray": a hyphen inside a word
        end = i + 1
        while end < stop and (end == i + 1 or tokens[end].text not in _MARKS):
            end += 1
        if end < stop and tokens[end].text == "/" and end + 1 < stop:
            end += 2  # "-N/V": both halves
        found.append(Modifier(_MINUS, i, i + 1, before=(i, i), after=(i + 1, end)))
    return found


def _in_heading_title(note: ClinicalText, modifier: Modifier) -> bool:
    offset = note.tokens[modifier.start].start
    section = section_at(note.sections, offset)
    return section is not None and section.start <= offset < section.title_end


@lru_cache(maxsize=1)
def clinical_pipeline() -> ClinicalPipeline:
    """The process-wide pipeline, built on first use and shared afterwards."""
    started = time.perf_counter()
    context = ConText(
        context_rules.context_rules(),
        max_scope=context_rules.MAX_SCOPE,
        default_max_scope=context_rules.DEFAULT_MAX_SCOPE,
    )
    finder = SectionFinder(context_rules.section_headings())
    return ClinicalPipeline(context, finder, time.perf_counter() - started)
