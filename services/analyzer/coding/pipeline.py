"""The clinical NLP pipeline: sentences, sections and ConText assertions, built once per process.

spaCy's blank English tokenizer and rule-based ``sentencizer`` (not PyRuSH: de-identified text
carries tags like ``[NAME]`` that throw PyRuSH's splitter, so negation would leak across
sentences), a line-break rule (clinical notes end lines without full stops), medspaCy's
sectionizer and medspaCy's ConText with its default rules plus clinrelay's own. No model is
downloaded: every component is rule-based.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from services.analyzer.coding import context_rules
from services.analyzer.coding.medspacy_loader import import_medspacy

SPAN_GROUP = "clinrelay_mentions"
MENTION_LABEL = "PROBLEM"


@dataclass(frozen=True)
class ClinicalPipeline:
    nlp: Language
    load_seconds: float

    def sentences(self, text: str) -> Doc:
        """Tokenize and split ``text`` into sentences (nothing else runs yet)."""
        doc = self.nlp.make_doc(text)
        for name in ("sentencizer", "clinrelay_line_breaks"):
            doc = self.nlp.get_pipe(name)(doc)
        return doc

    def assert_mentions(self, doc: Doc) -> Doc:
        """Run the sectionizer and ConText over the spans in ``doc.spans[SPAN_GROUP]``."""
        with warnings.catch_warnings():
            # medspaCy keeps a token Matcher and a PhraseMatcher; with rules of one kind only the
            # other warns (spaCy W036) on every document.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            for name in ("medspacy_sectionizer", "medspacy_context"):
                doc = self.nlp.get_pipe(name)(doc)
        return doc


@Language.component("clinrelay_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Sentence starts the sentencizer misses: after line breaks, and at PHI tags."""
    _tag_starts(doc)
    return _line_starts(doc)


def _tag_starts(doc: Doc) -> None:
    """``... on [DATE]. [NAME] reports`` — the sentencizer keeps an opening bracket after a full
    stop with the previous sentence (as it would a closing quote); a PHI tag opens the next one."""
    for token in doc[1:-2]:
        if (
            token.text == "["
            and doc[token.i + 2].text == "]"
            and doc[token.i - 1].text in (".", "!", "?")
        ):
            token.is_sent_start = True
            doc[token.i + 1].is_sent_start = False


def _line_starts(doc: Doc) -> Doc:
    """A line break ends a sentence unless the next line plainly continues it.

    Hard-wrapped prose continues in lower case; list items, headings and new statements start
    with a capital, a digit or a bullet, or follow a line that ended in punctuation or a colon.
    """
    for token in doc[:-1]:
        if "\n" not in token.text or not token.is_space:
            continue
        after = doc[token.i + 1]
        before = doc[token.i - 1] if token.i > 0 else None
        blank_line = token.text.count("\n") > 1
        starts_fresh = after.text[:1].isupper() or after.text[:1].isdigit() or after.text in "-*•"
        ended = before is None or before.text[-1:] in ".:;!?"
        if blank_line or starts_fresh or ended:
            after.is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def clinical_pipeline() -> ClinicalPipeline:
    """The process-wide pipeline, built on first use (~1 s) and shared afterwards."""
    return _build()


def _build() -> ClinicalPipeline:
    started = time.perf_counter()
    import_medspacy()  # registers medspaCy's spaCy factories, without QuickUMLS

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("clinrelay_line_breaks")
    sectionizer: Any = nlp.add_pipe(
        "medspacy_sectionizer",
        config={"input_span_type": "group", "span_group_name": SPAN_GROUP, "span_attrs": None},
    )
    sectionizer.add(context_rules.section_rules())
    context: Any = nlp.add_pipe(
        "medspacy_context",
        # No max_scope: medspaCy then scopes by token window *across* sentences. Scope stays the
        # sentence, and mentions.py caps the modifier-to-mention distance itself.
        config={"input_span_type": "group", "span_group_name": SPAN_GROUP, "span_attrs": None},
    )
    context.add(context_rules.context_rules())
    return ClinicalPipeline(nlp=nlp, load_seconds=time.perf_counter() - started)
