"""The clinical text pipeline: tokens, sentences, sections and ConText, built once per process.

Everything is rule-based and clinrelay's own (``segmentation.py``, ``sections.py``,
``context.py`` with the curated tables in ``data/``): no model, no download, no third-party NLP
library. Building it reads two small tables (milliseconds).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from services.analyzer.coding import context_rules
from services.analyzer.coding.context import ConText, Modifier, categories_of
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
        ConText categories asserted of it (triggers are matched once per sentence)."""
        lowered = [t.lower for t in note.tokens]
        by_sentence: dict[int, list[Modifier]] = {}
        found = []
        for start, end in spans:
            sentence = note.sentence_of(start)
            modifiers = by_sentence.get(sentence.first)
            if modifiers is None:
                modifiers = self.context.modifiers(lowered, sentence.first, sentence.stop)
                by_sentence[sentence.first] = modifiers
            first, last = note.token_range(start, end)
            found.append(
                MentionContext(
                    sentence,
                    section_at(note.sections, start),
                    categories_of(modifiers, first, last),
                )
            )
        return found


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
