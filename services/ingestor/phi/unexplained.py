"""Words nothing explains: the recall net under the rules.

The rules find names and places by the lists they are in and the words around them. The PHI
they miss is, almost by definition, a word no list holds: a rare surname, a local hospital, a
street. This net takes the other side (Philter's idea): a word is let through only when
something explains it —

- a vocabulary holds it: English (SCOWL), the ICD-10-CM descriptions, clinical shorthand,
  Philter's ~195,000-word list of words that are not PHI (``data/philter_words.txt``), or the
  names of drugs and clinical eponyms (FDA UNII names, ``clinical_proper_nouns.txt``) that are
  no given name, surname or place of the lists;
- it is shaped like a clinical term or a drug (``-itis``, ``-olol``), or is short (< 5 letters:
  abbreviations), or has an apostrophe (``con't``);
- it is a typo of a vocabulary word: one edit, or two for words of 7+ letters (``bigemeny``);
- it is a clipped vocabulary word (``extub``, ``hemodyn``) or two run together
  (``breathsounds``, ``onlasix``).

Every other word is marked as a name (or a place, when the place list holds it) with the score
:data:`UNEXPLAINED_SCORE`, just above the default ``min_score``: a deployment that wants the
rules alone raises ``min_score`` above it. Typos no rule explains are masked too; that is the
price of recall, measured in docs/benchmarks.md.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from services.ingestor.phi.lexicon import Lexicon, load_lexicon, one_edit_from
from services.ingestor.phi.name_words import CREDENTIALS, STOPWORDS
from services.ingestor.phi.names_unlisted import term_like
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import Token

UNEXPLAINED_SCORE = 0.55
"""Score of a word only this net finds (the default ``min_score`` is 0.5)."""

_PHILTER_WORDS = Path(__file__).with_name("data") / "philter_words.txt"
_MIN_LENGTH = 5
_TWO_EDITS_FROM = 7  # words this long may be two edits from the word meant
# what may stand glued before a word: "onlasix", "reconsulted", "nonpurposeful"
_GLUED_BEFORE = ("non", "pre", "post", "anti", "re", "un", "on", "in", "to", "at", "of", "no")
_VERDICTS_KEPT = 200_000


@dataclass(frozen=True)
class Vocabulary:
    """Every word known not to be PHI, in the shapes the checks below need."""

    words: frozenset[str]
    ordered: tuple[str, ...]
    by_initial: dict[str, tuple[str, ...]]
    exact: frozenset[str] = frozenset()
    """Drug names and clinical eponyms: they explain themselves only, never a typo, a clipping or
    a run-together of theirs (46,000 drug names would explain half the rare surnames)."""

    def clipped(self, key: str) -> bool:
        """``key`` is the start of a longer vocabulary word."""
        i = bisect.bisect_left(self.ordered, key)
        return i < len(self.ordered) and self.ordered[i].startswith(key)

    def run_together(self, key: str) -> bool:
        """``key`` is two vocabulary words (or a prefix and a word) written as one."""
        if key.startswith(_GLUED_BEFORE):
            for head in _GLUED_BEFORE:
                if key.startswith(head) and key[len(head) :] in self.words:
                    return True
        return any(key[:i] in self.words and key[i:] in self.words for i in range(3, len(key) - 2))

    def one_edit(self, key: str) -> bool:
        """One deletion, transposition, substitution or insertion makes ``key`` a word."""
        return one_edit_from(key, self.words.__contains__)

    def two_edits(self, key: str) -> bool:
        """Within two edits of a vocabulary word with the same first letter."""
        candidates = self.by_initial.get(key[0], ())
        match = process.extractOne(key, candidates, scorer=OSA.distance, score_cutoff=2)
        return match is not None


@cache
def load_vocabulary() -> Vocabulary:
    """Lexicon vocabularies plus Philter's list (cached: built once per process, ~0.5 s)."""
    lex = load_lexicon()
    philter = (
        line for line in _PHILTER_WORDS.read_text(encoding="utf-8").splitlines() if line[:1] != "#"
    )
    # drugs, brands and clinical eponyms explain a word (`Westergren`, `Adcal`, `Tagalog`),
    # unless it is also a place or a name the lists know — for the hand-written eponyms only a
    # common one: the net stays under the names no other finder would take
    drugs = (
        w
        for w in lex.drugs
        if w not in lex.given_names and w not in lex.surnames and w not in lex.places
    )
    eponyms = (
        w
        for w in lex.proper_terms
        if w not in lex.places and max(lex.given_weight(w), lex.surname_weight(w)) < 0.7
    )
    words = frozenset(philter) | lex.english | lex.medical | lex.clinical
    initial: dict[str, list[str]] = defaultdict(list)
    for word in words:
        initial[word[0]].append(word)
    return Vocabulary(
        words=words,
        ordered=tuple(sorted(words)),
        by_initial={k: tuple(v) for k, v in initial.items()},
        exact=frozenset(drugs) | frozenset(eponyms),
    )


class UnexplainedWords:
    """Finds the words no vocabulary, typo, clipping or term shape explains.

    Verdicts are remembered per word (most notes repeat the same few thousand words).
    """

    def __init__(self, lex: Lexicon | None = None, vocabulary: Vocabulary | None = None):
        self.lex = lex or load_lexicon()
        self.vocabulary = vocabulary or load_vocabulary()
        self._verdicts: dict[str, bool] = {}

    def explained(self, key: str) -> bool:
        """True when ``key`` (a lower-case token key) is accounted for as an ordinary word."""
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._explain(key)
            if len(self._verdicts) >= _VERDICTS_KEPT:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

    def _explain(self, key: str) -> bool:
        vocab = self.vocabulary
        if len(key) < _MIN_LENGTH or "'" in key or key in vocab.words or key in vocab.exact:
            return True
        if key in STOPWORDS or key in CREDENTIALS or key in self.lex.regions or term_like(key):
            return True
        if vocab.clipped(key) or vocab.run_together(key) or vocab.one_edit(key):
            return True
        return len(key) >= _TWO_EDITS_FROM and vocab.two_edits(key)

    def find(self, tokens: list[Token]) -> list[PhiSpan]:
        """A span for every unexplained word: a place when the place list holds it, else a name."""
        spans = []
        for tok in tokens:
            if self.explained(tok.key):
                continue
            kind = PhiType.LOCATION if tok.key in self.lex.places else PhiType.NAME
            spans.append(
                PhiSpan(
                    start=tok.start,
                    end=tok.end,
                    type=kind,
                    score=UNEXPLAINED_SCORE,
                    source="unexplained",
                )
            )
        return spans


@cache
def default_unexplained_words() -> UnexplainedWords:
    """One finder per process, so the remembered verdicts serve every note."""
    return UnexplainedWords()
