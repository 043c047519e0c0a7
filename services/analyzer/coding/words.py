"""Words of clinical text reduced to comparable tokens, the same way for notes and terminologies.

Notes and code descriptions say the same thing differently ("abdominal pain" / "pain in the
abdomen", "CKD stage IIIa" / "chronic kidney disease, stage 3a", "tumours" / "tumor"). Matching
works on *normalized content tokens*: lower case, American spelling, singular (checked against
the terminology's own vocabulary), a canonical word for adjective/noun pairs, abbreviations
expanded, function words dropped. Every token remembers which word of the text it came from, so
matches map back to character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# "non-" joins the word it negates into one ("non-bleeding" → "nonbleeding", as the code set
# writes "Nonrheumatic", "Nondisplaced"): a "bleeding" or "displaced" of its own is not there.
_WORD = re.compile(r"(?:[Nn][Oo][Nn]-(?=[A-Za-z]))?[A-Za-z0-9]+(?:'s\b)?")

STOPWORDS = frozenset(
    """a an the of in on at to for by with without and or as due from into onto than then
    other unspecified nos specified classified elsewhere not no nor any some this that these
    those is are was were be been being has have had its his her their he she they it which
    who whom whose also both either neither each per via upon within mellitus part site region
    otherwise stated described""".split()  # noqa: SIM905
)
"""Words that never decide which code applies (``mellitus``: diabetes is always mellitus here)."""

_BRITISH = (
    ("haem", "hem"),
    ("aemia", "emia"),
    ("oedem", "edem"),
    ("oesoph", "esoph"),
    ("oestr", "estr"),
    ("diarrhoea", "diarrhea"),
    ("paed", "ped"),
    ("faec", "fec"),
    ("tumour", "tumor"),
    ("colour", "color"),
    ("ischaem", "ischem"),
    ("leukaem", "leukem"),
    ("anaesth", "anesth"),
    ("foetal", "fetal"),
    ("foetus", "fetus"),
    ("coeliac", "celiac"),
    ("gynaec", "gynec"),
    ("orthopaed", "orthoped"),
)

BARRIER = "|"
"""Token standing for a negation word: no term may match across it ("diabetes, no neuropathy")."""
NEGATION_WORDS = frozenset(
    {"no", "not", "without", "denies", "denied", "deny", "negative", "nor", "neither", "absent"}
)

# "without ..." that only states a code's default, never a negated condition.
_DEFAULT_QUALIFIERS = (("foreign", "body"), ("complications",), ("complication",))
# "without X" that names a kind of its own in the classification, not an absence: one token, so
# "migraine without aura" (G43.0-) is told from migraine unspecified (G43.9-) and from migraine
# with aura (G43.1-). The same rewrite is applied to code descriptions (terminology.py).
WITHOUT_KINDS = {("aura",): "withoutaura"}
_CACHE_LIMIT = 200_000
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
_ROMAN_CUES = frozenset({"stage", "grade", "type", "class", "degree", "phase"})
_ROMAN_SUFFIXED = re.compile(r"^(i{1,3}|iv|v|vi)([abc])$")


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the original text and where it is."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Token:
    """A normalized content token and the index of the :class:`Word` it came from."""

    text: str
    word: int


def split_words(text: str, offset: int = 0) -> list[Word]:
    """Alphanumeric words of ``text`` with character offsets (``Crohn's`` → ``Crohn``)."""
    words = []
    for match in _WORD.finditer(text):
        if match.group(0).lower() == "w" and text.startswith("/o", match.end()):
            words.append(Word("without", offset + match.start(), offset + match.end() + 2))
            continue  # "w/o FB": without foreign body
        if (
            match.group(0).lower() == "o"
            and text[max(0, match.start() - 2) : match.start()].lower() == "w/"
        ):
            continue
        if _LIST_NUMBER.match(text, max(0, match.start() - 1)) and _line_start(text, match.start()):
            continue  # "#1 DM type 2": the item's number is no word of it
        raw = match.group(0)
        end = match.end()
        if raw.endswith("'s"):
            raw = raw[:-2]
            end -= 2
        if raw[3:4] == "-" and raw[:3].lower() == "non":
            raw = raw[:3] + raw[4:]
        words.append(Word(raw, offset + match.start(), offset + end))
    return words


# A list item's number: "#1", "1.", "1)" at the start of a line (after blanks or a bullet).
_LIST_NUMBER = re.compile(r"#\d{1,2}\b|\d{1,2}[.)](?=\s)")
_LINE_LEAD = re.compile(r"[ \t>*•–-]*#?$")


def _line_start(text: str, start: int) -> bool:
    line = text.rfind("\n", 0, start) + 1
    return bool(_LINE_LEAD.fullmatch(text, line, start))


def british_to_american(word: str) -> str:
    for british, american in _BRITISH:
        if british in word:
            word = word.replace(british, american)
    return word


@dataclass(frozen=True)
class Abbreviation:
    expansion: tuple[str, ...]
    case_sensitive: bool


class Normalizer:
    """Turns words into normalized content tokens; one instance per terminology vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        canonical_words: Mapping[str, str],
        abbreviations: Mapping[str, Abbreviation],
        phrase_rewrites: Mapping[tuple[str, ...], tuple[str, ...]],
    ) -> None:
        self._vocabulary = frozenset(vocabulary)
        self._cache: dict[str, str] = {}
        self._canonical = dict(canonical_words)
        # One entry per lower-case form; spellings of a case-sensitive one are all kept ("Rt" and
        # "rt"), and a case-insensitive row ("fx") wins over a case-sensitive one ("Fx").
        self._abbreviations: dict[str, Abbreviation] = {}
        self._abbreviation_case: dict[str, set[str]] = {}
        for key, value in sorted(abbreviations.items(), key=lambda kv: kv[1].case_sensitive):
            known = self._abbreviations.setdefault(key.lower(), value)
            if known.case_sensitive and value.case_sensitive:
                self._abbreviation_case.setdefault(key.lower(), set()).add(key)
        raw_rewrites = {
            tuple(self.word(w) for w in source): tuple(self.word(w) for w in target)
            for source, target in phrase_rewrites.items()
        }
        self._rewrites = raw_rewrites
        self._rewrite_lengths = sorted({len(k) for k in raw_rewrites}, reverse=True)

    def word(self, lower: str) -> str:
        """One lower-case word in its normalized form (cached: notes reuse a small vocabulary)."""
        cached = self._cache.get(lower)
        if cached is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            word = self._singular(british_to_american(lower))
            cached = self._canonical.get(word, word)
            self._cache[lower] = cached
        return cached

    def _singular(self, word: str) -> str:
        if len(word) <= 3 or (word in self._vocabulary and not word.endswith("s")):
            return word
        candidates: list[str] = []
        if word.endswith("ies"):
            candidates = [word[:-3] + "y"]
        elif word.endswith(("sses", "us", "is", "ss")):
            candidates = [word[:-2]] if word.endswith("sses") else []
        elif word.endswith("ses"):
            candidates = [word[:-2] + "is", word[:-1], word[:-2]]
        elif word.endswith(("xes", "ches", "shes")):
            candidates = [word[:-2], word[:-1]]
        elif word.endswith("ae") or word.endswith("s"):
            candidates = [word[:-1]]
        for candidate in candidates:
            if candidate in self._vocabulary:
                return candidate
        if word in self._vocabulary:
            return word
        return candidates[0] if candidates and word.endswith("s") else word

    def tokens(self, words: Sequence[Word]) -> list[Token]:
        """Content tokens of ``words``: abbreviations expanded, stopwords dropped, rewritten.

        "without foreign body" (wounds) and "without complications" (diabetes) state a code's
        default, not a negation: their words are dropped, so "laceration without foreign body of
        left hand" reads as "laceration of left hand" (S61.41-) and "type 2 diabetes without
        complications" as E11.9, never "with unspecified complications" (E11.8)."""
        out: list[Token] = []
        previous = ""
        skip = 0
        for index, word in enumerate(words):
            if skip:
                skip -= 1
                continue
            lower = word.text.lower()
            if lower == "without":
                following = tuple(w.text.lower() for w in words[index + 1 : index + 3])
                qualifier = next((q for q in _DEFAULT_QUALIFIERS if following[: len(q)] == q), None)
                if qualifier is not None:
                    skip = len(qualifier)
                    continue
                kind = next((k for k in WITHOUT_KINDS if following[: len(k)] == k), None)
                if kind is not None:
                    skip = len(kind)
                    out.append(Token(WITHOUT_KINDS[kind], index))
                    continue
            abbreviation = self._abbreviations.get(lower)
            if abbreviation is not None and (
                not abbreviation.case_sensitive or word.text in self._abbreviation_case[lower]
            ):
                for part in abbreviation.expansion:
                    normalized = self.word(part)
                    if normalized not in STOPWORDS:
                        out.append(Token(normalized, index))
                previous = lower
                continue
            if previous in _ROMAN_CUES:
                lower = _roman_to_arabic(lower)
            previous = lower
            if lower in NEGATION_WORDS:
                out.append(Token(BARRIER, index))
                continue
            if lower in STOPWORDS:
                continue
            normalized = self.word(lower)
            if normalized not in STOPWORDS:
                out.append(Token(normalized, index))
        return self._rewrite(out) if self._rewrites else out

    def _rewrite(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            for length in self._rewrite_lengths:
                key = tuple(t.text for t in tokens[i : i + length])
                target = self._rewrites.get(key) if len(key) == length else None
                if target is not None:
                    anchor = tokens[i].word
                    last = tokens[i + length - 1].word
                    out.extend(
                        Token(t, anchor if n < len(target) - 1 else last)
                        for n, t in enumerate(target)
                    )
                    i += length
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


def _roman_to_arabic(lower: str) -> str:
    if lower in _ROMAN:
        return _ROMAN[lower]
    suffixed = _ROMAN_SUFFIXED.match(lower)
    if suffixed:
        return _ROMAN[suffixed.group(1)] + suffixed.group(2)
    return lower
