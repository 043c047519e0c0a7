"""The ICD-10-CM terminology layer: every code's description and inclusion terms, plus curated
synonyms and abbreviations, normalized into one :class:`~.lexicon.PhraseIndex`.

Descriptions are turned into the phrases a clinician would write: nonessential modifiers in
parentheses become optional ("Essential (primary) hypertension" → "essential hypertension" and
"essential primary hypertension"), "unspecified"/NOS and "without ..." clauses are dropped (they
describe the *absence* of detail), 7th-character extensions are left to the specificity rules, and
residual "Other ..." codes and manifestation codes ("... in diseases classified elsewhere") are not
indexed: a note never names them directly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows
from services.analyzer.coding.lexicon import PhraseIndex, Term
from services.analyzer.coding.words import (
    BARRIER,
    WITHOUT_KINDS,
    Abbreviation,
    Normalizer,
    split_words,
)

_OTHER = re.compile(r"\bother\b", re.IGNORECASE)
_MANIFESTATION = re.compile(r"classified elsewhere", re.IGNORECASE)
_EXTENSION_TAIL = re.compile(r",?\s+(initial|subsequent) encounter.*$|,\s*sequela$", re.IGNORECASE)
# A "without" clause ends at a comma, an "in", or a "with" that starts a detail of its own
# ("Diverticulitis of large intestine without perforation or abscess with bleeding": K57.33 says
# bleeding; "Calculus of gallbladder without cholecystitis with obstruction").
_WITHOUT = re.compile(r"\s*\b(?:or )?without\b[^,]*?(?=\s+in\s+|\s+with\s+|,|$)", re.IGNORECASE)
_WITHOUT_FOREIGN_BODY = re.compile(r"\bwithout foreign body\b", re.IGNORECASE)
# "uncomplicated" is the default of the substance-use codes, as "without complications" is.
_UNCOMPLICATED = re.compile(r",?\s*\buncomplicated\b", re.IGNORECASE)
# "not intractable" is the default of the migraine and epilepsy codes, as "without ..." is.
_NOT_INTRACTABLE = re.compile(r",?\s*\bnot intractable\b", re.IGNORECASE)
_WITHOUT_KIND = re.compile(
    r"\bwithout (" + "|".join(" ".join(k) for k in WITHOUT_KINDS) + r")\b", re.IGNORECASE
)
_UNSPECIFIED_ASPECT = re.compile(
    r"\b(?:of )?unspecified (?:side|laterality|site|part|region|type|kind|organism|cause|"
    r"location|behavior|severity|degree|episode|stage|control)\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_PARENS = re.compile(r"\(([^)]*)\)")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9-]{2,}$")
# External causes (V00–Y99) describe how an injury happened, never what a note diagnoses.
_NOT_INDEXED_CHAPTERS = ("V", "W", "X", "Y")


@dataclass(frozen=True)
class Terminology:
    normalizer: Normalizer
    index: PhraseIndex
    build_seconds: float

    def tokens_of(self, text: str) -> tuple[str, ...]:
        return term_tokens(self.normalizer, text)


def clean_description(text: str) -> str:
    """A description without what only says detail is absent (7th-character tail, "without ...",
    "unspecified side")."""
    text = _EXTENSION_TAIL.sub("", text)
    text = _UNSPECIFIED_ASPECT.sub(" ", text)
    text = _WITHOUT_FOREIGN_BODY.sub(" ", text)  # the default of wound codes: keep the site
    text = _NOT_INTRACTABLE.sub("", text)
    text = _UNCOMPLICATED.sub("", text)
    text = _WITHOUT_KIND.sub(lambda m: WITHOUT_KINDS[tuple(m.group(1).lower().split())], text)
    return _WITHOUT.sub("", text)


def description_variants(text: str) -> list[str]:
    """Phrases a note could use for one description or inclusion term (empty: do not index)."""
    if _OTHER.search(text) or _MANIFESTATION.search(text):
        return []
    text = clean_description(text)
    variants = [_BRACKETS.sub(" ", text)]
    # A bracket may hold an acronym ("[FUO]") worth indexing, or a gloss ("[right]") that is not.
    variants.extend(b for b in _BRACKETS.findall(text) if _ACRONYM.match(b.strip()))
    expanded: list[str] = []
    for variant in variants:
        bare = _PARENS.sub(" ", variant)
        full = _PARENS.sub(lambda m: f" {m.group(1)} ", variant)
        expanded.append(bare)
        if full != bare:
            expanded.append(full)
    return [" ".join(v.replace(",", " ").split()) for v in expanded if v.strip()]


def term_tokens(normalizer: Normalizer, text: str) -> tuple[str, ...]:
    """Unique content tokens of a terminology phrase (negation barriers are not content)."""
    return tuple(
        dict.fromkeys(t.text for t in normalizer.tokens(split_words(text)) if t.text != BARRIER)
    )


def _too_short(tokens: tuple[str, ...]) -> bool:
    """One short word ("PT", "MS" from "[PT]", "[MS]") is a clash waiting to happen, not a term."""
    return len(tokens) == 1 and len(tokens[0]) <= 3


@lru_cache(maxsize=1)
def curated_synonyms() -> tuple[tuple[str, str], ...]:
    """(phrase, code) pairs from ``data/synonyms.tsv``."""
    return tuple((phrase, code) for phrase, code in table_rows("synonyms.tsv"))


def _abbreviations() -> dict[str, Abbreviation]:
    return {
        short: Abbreviation(tuple(expansion.split()), case == "cs")
        for short, expansion, case in table_rows("abbreviations.tsv")
    }


def _canonical_words() -> dict[str, str]:
    return {word: canonical for word, canonical in table_rows("canonical_words.tsv")}


def _indexed_codes() -> Iterator[str]:
    for code in codeset.all_codes():
        if not codeset.is_extended(code) and not code.startswith(_NOT_INDEXED_CHAPTERS):
            yield code


def _build() -> Terminology:
    started = time.perf_counter()
    texts: list[tuple[str, str, str]] = []  # (text, code, source)
    for code in _indexed_codes():
        texts.append((codeset.description(code), code, "description"))
        texts.extend((term, code, "inclusion") for term in codeset.inclusion_terms(code))
    texts.extend((phrase, code, "synonym") for phrase, code in curated_synonyms())

    vocabulary = {w.text.lower() for text, _, _ in texts for w in split_words(text)}
    normalizer = Normalizer(vocabulary, _canonical_words(), _abbreviations(), {})
    terms = []
    for text, code, source in texts:
        variants = [text] if source == "synonym" else description_variants(text)
        for variant in variants:
            tokens = term_tokens(normalizer, variant)
            if not tokens or (source != "synonym" and _too_short(tokens)):
                continue
            if source == "inclusion" and len(tokens) == 1 and variant != text:
                continue  # one word left of a longer inclusion term says too little
            terms.append(Term(tokens, code, source, text))
    index = PhraseIndex(terms)
    return Terminology(normalizer, index, time.perf_counter() - started)


@lru_cache(maxsize=1)
def icd10_terminology() -> Terminology:
    """The process-wide ICD-10-CM index, built on first use and shared afterwards."""
    return _build()
