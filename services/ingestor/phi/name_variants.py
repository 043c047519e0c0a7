"""The forms a person's name from the record takes in notes, found again in the text.

The Bundle says who the patient, relatives and clinicians are; notes spell them otherwise. A
word of the note is that person's name when, compared without case:

- it is a nickname of a given name, or the formal name of a nickname the record gives
  ("Zeb"/"Bob" for Zebulon/Robert; :mod:`~.nicknames`);
- it is a prefix of 3+ letters of a given name ("Zeb", "Chris", "Marg");
- it is one edit (insert, delete, substitute, swap) away from a name of 5-7 letters, or two
  edits from a name of 8+ letters ("Quartermain", "Quatermaine", "Smyth");
- digits written after it (``Zebulon123``, as Synthea writes names) belong to it.

Reordered forms ("QUARTERMAINE, ZEBULON", "Quartermain, Zeb") need no rule of their own: every
word is matched by itself and the merge joins neighbours.

A variant that is also an ordinary word ("Will", "Pat", "Rob", "dob") is taken only where it
reads as a name: capitalised in a note not typed in capitals (not clinical shorthand, not a modal,
pronoun or other closed-class word opening a sentence: "Will follow up"), or next to
another part of a name from the record ("pat quartermaine", "QUARTERMAIN, PAT").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from services.ingestor.phi.lexicon import Lexicon, load_lexicon
from services.ingestor.phi.nicknames import related_names
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle
from shared.intake.known_phi import PersonName

_WORD = re.compile(r"(?<![A-Za-z])([A-Za-z]+(?:'[A-Za-z]+)?)(?:'s)?\d*(?![A-Za-z])")
_NAME_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_TITLE_WORDS = "dr doctor mr mrs ms miss mx prof sir dame rev fr sr jr ii iii iv md do rn np pa phd"
_TITLE_WORDS += " dds dmd mph msn bsn lpn cnm crna facs facp"
_TITLES = frozenset(_TITLE_WORDS.split())
_MIN_PREFIX = 3
_MIN_FUZZY = 5
_TWO_EDITS_FROM = 8
# Words of closed classes (modals, auxiliaries, pronouns, determiners, conjunctions,
# prepositions): capitalised at the start of a sentence they say nothing about a name.
_CLOSED_WORDS = (
    "will would may might can could shall should must do does did has have had is was are "
    "be been the a an this that these those he she it we they his her its our their and but "
    "or so if as at by for in of on to up with no not all any some per"
)
_CLOSED_CLASS = frozenset(_CLOSED_WORDS.split())
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n])[\s\"'(]*\Z")
_JOINER = re.compile(r"[\s,.'-]{1,3}")
SCORE = 0.95


def _words(value: str) -> list[str]:
    return [w.lower() for w in _NAME_WORD.findall(re.sub(r"\d+", " ", value))]


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    exact: bool
    """The word is the name as the record spells it (not a variant)."""
    strong: bool
    """Not an ordinary word: taken wherever it stands."""


class NameVariants:
    """Compiled variants of every name in one record; build once per report."""

    def __init__(self, names: Iterable[PersonName], lexicon: Lexicon | None = None) -> None:
        self._lex = lexicon or load_lexicon()
        given: set[str] = set()
        family: set[str] = set()
        for name in names:
            g_words = [w for g in name.given for w in _words(g)]
            f_words = _words(name.family or "")
            if not g_words and not f_words and name.text:
                words = [w for w in _words(name.text) if w not in _TITLES]
                g_words, f_words = words[:1], words[1:]
            given.update(w for w in g_words if w not in _TITLES)
            family.update(w for w in f_words if w not in _TITLES)
        self.exact = frozenset(w for w in given | family if len(w) >= 2)
        nicknames = {n for g in given for n in related_names(g) if len(n) >= 2}
        self.nicknames = frozenset(nicknames - self.exact)
        self.prefixable = tuple(sorted(g for g in given if len(g) > _MIN_PREFIX))
        self.fuzzy = tuple(sorted(w for w in self.exact if len(w) >= _MIN_FUZZY))

    def __bool__(self) -> bool:
        return bool(self.exact)

    def _variant(self, key: str) -> bool:
        if key in self.nicknames:
            return True
        if len(key) >= _MIN_PREFIX and any(g.startswith(key) and g != key for g in self.prefixable):
            return True
        for name in self.fuzzy:
            limit = 1 if len(name) < _TWO_EDITS_FROM else 2
            if (
                len(key) >= _MIN_FUZZY - 1
                and abs(len(key) - len(name)) <= limit
                and OSA.distance(key, name, score_cutoff=limit) <= limit
            ):
                return True
        return False

    def find(self, text: str, style: CaseStyle) -> list[PhiSpan]:
        """Every word of ``text`` that is a variant of a name in the record (exact spellings
        are found too, to anchor neighbours: "PAT QUARTERMAINE")."""
        if not self.exact:
            return []
        candidates: list[_Candidate] = []
        verdicts: dict[str, bool | None] = {}
        for m in _WORD.finditer(text):
            word = m.group(1)
            key = word.lower()
            if key not in verdicts:
                verdicts[key] = (
                    True if key in self.exact else (False if self._variant(key) else None)
                )
            verdict = verdicts[key]
            if verdict is None:
                continue
            exact = verdict
            strong = exact or not (self._lex.is_vocabulary(key) or key in _TITLES)
            if not strong and style is not CaseStyle.UPPER:
                titled = word[0].isupper() and not word.isupper()
                opens = _SENTENCE_START.search(text, 0, m.start()) is not None
                strong = (
                    titled
                    and key not in self._lex.clinical
                    and not (opens and key in _CLOSED_CLASS)
                )
            candidates.append(_Candidate(m.start(), m.end(), exact, strong))
        return [
            PhiSpan(
                start=c.start, end=c.end, type=PhiType.NAME, score=SCORE, source="known-variant"
            )
            for i, c in enumerate(candidates)
            if not c.exact and (c.strong or self._next_to_name(text, candidates, i))
        ]

    @staticmethod
    def _next_to_name(text: str, candidates: list[_Candidate], i: int) -> bool:
        me = candidates[i]
        for j in (i - 1, i + 1):
            if not 0 <= j < len(candidates) or not candidates[j].strong:
                continue
            other = candidates[j]
            gap = text[other.end : me.start] if j < i else text[me.end : other.start]
            if _JOINER.fullmatch(gap):
                return True
        return False
