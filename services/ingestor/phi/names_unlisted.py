"""Names no word list knows, found by how they are written and by the words around them.

The dictionaries of given names and surnames miss rare surnames, nicknames and typos. These
rules spend precision on recall: a name written before a kin word ("Mary (wife)"), a word no
vocabulary knows after "per" or "spoke with" in a lower-case note.

A title-case word that no vocabulary knows, in mid-sentence, is NOT taken as a name on that
evidence alone: on the development notes such words were drug names, brand names, languages
and clipped terms ("Dopa", "Oxycontin", "Cantonese", "Creat") far more often than people, and
masking them costs clinical meaning.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.ingestor.phi.cued_places import looks_like_drug
from services.ingestor.phi.name_words import (
    CAPITALS_ONLY_CREDENTIALS,
    CREDENTIALS,
    CUE_AFTER,
    CUE_BEFORE,
    KIN,
    KIN_AFTER,
    STOPWORDS,
)
from services.ingestor.phi.tokens import CaseStyle, Token
from services.ingestor.phi.word_sets import word_set

if TYPE_CHECKING:
    from services.ingestor.phi.names import NameFinder

# endings of medical terms and derived words; names rarely end so
_TERM_ENDING = re.compile(
    r"(?:itis|osis|emia|uria|ectomy|otomy|ostomy|plasty|scopy|graphy|gram|pathy|algia|esis|ysis"
    r"|ation|ations|ated|ates|ize|ized|izing|ing|ment|ness|ics|ive|ous|ity|ism|oma|ular|ial"
    r"|ology|ologist|ist|ists|able|ible|ally)$"
)
# what may stand between a name and the kin word after it: "Mary (wife)", "John, pt's son"
_BETWEEN_NAME_AND_KIN = frozenset(
    ("pt", "pts", "patient", "his", "her", "the", "their", "s", "case", "care", "charge")
)


# who signs by role, not by name ("Charge RN", "night RN", "float RN")
_SHIFT_ROLES = word_set(
    "charge primary float covering staff nurse student new night day evening agency travel"
    " traveler traveling bedside oncoming"
)
# cues too common before things ("with ectopy", "by medflight", "seen by neuro")
_WEAK_CUES = frozenset(("with", "w", "by", "seen", "evaluated", "examined", "reviewed"))


def term_like(key: str) -> bool:
    return bool(_TERM_ENDING.search(key)) or looks_like_drug(key)


def _unlisted(finder: NameFinder, tok: Token) -> bool:
    """A word of no vocabulary, no typo of one, not shaped like a term or a drug."""
    lex = finder.lex
    key = tok.key
    return (
        len(key) >= 4
        and key not in STOPWORDS
        and not lex.is_vocabulary(key)
        and key not in lex.regions
        and not term_like(key)
        and (len(key) < 6 or not lex.near_vocabulary(key))
    )


def names_before_kin(finder: NameFinder) -> None:
    """``Mary (wife)``, ``John, pt's son``, ``Rita - HCP``: a name set off before its role."""
    tokens = finder.tokens
    for i, tok in enumerate(tokens):
        if tok.key not in KIN_AFTER or i == 0:
            continue
        j = i - 1
        while j >= 0 and tokens[j].key in _BETWEEN_NAME_AND_KIN and i - j <= 2:
            j -= 1
        if j < 0:
            continue
        gap = finder.text[tokens[j].end : tokens[j + 1].start]
        if "\n" in gap or not any(c in gap for c in ",(-") or len(gap) > 4:
            continue
        taken = 0
        if _given_and_word_surname(finder, j):
            continue
        while j >= 0 and taken < 3:
            prev = tokens[j]
            cased = finder.style is not CaseStyle.MIXED or prev.is_title or prev.is_upper
            if not cased or not finder.name_like(prev, finder.medium):
                break
            finder.mark(j, 0.75, "name.before_kin")
            taken += 1
            if j == 0 or not finder.joined(tokens[j - 1], prev, " -"):
                break
            j -= 1


def _given_and_word_surname(finder: NameFinder, j: int) -> bool:
    """``Evertt Bowman (sister)``: a given name and a surname that is also a word, both
    capitalised, set off before a kin word — marked together (the word alone is no name)."""
    tokens = finder.tokens
    if j < 1 or finder.style is not CaseStyle.MIXED:
        return False
    first, last = tokens[j - 1], tokens[j]
    if not (first.is_title and last.is_title and finder.joined(first, last, " ")):
        return False
    if finder.name_like(last, finder.medium) or not finder.lex.surname_weight(last.key):
        return False
    lex = finder.lex
    if not (lex.given_weight(first.key) or _unlisted(finder, first)) or lex.is_vocabulary(
        first.key
    ):
        return False
    finder.mark(j - 1, 0.75, "name.before_kin")
    finder.mark(j, 0.75, "name.before_kin")
    return True


def unlisted_after_cue(finder: NameFinder) -> None:
    """``spoke with lenora``, ``per kasprzak`` in a lower-case note: an unknown word after a
    word that introduces a person."""
    if finder.style is not CaseStyle.LOWER:
        return
    tokens = finder.tokens
    for i, tok in enumerate(tokens[:-1]):
        if tok.key not in CUE_BEFORE or tok.key in _WEAK_CUES:
            continue
        k = i + 1
        if tokens[k].key in ("with", "w", "to") and k + 1 < len(tokens):
            k += 1  # "spoke with", "talked to"
        nxt = tokens[k]
        if finder.joined(tokens[k - 1], nxt, " ") and len(nxt.key) >= 5 and _unlisted(finder, nxt):
            finder.mark(k, 0.6, "name.cue_unlisted")


def signed_before_credential(finder: NameFinder) -> None:
    """``strong RN``, ``FORSTE CRT``, ``fremont deutchman, RN``, ``d. bond RN`` on a line of
    their own: a signature, whatever the words — one to three of them, initials aside."""
    tokens, text = finder.tokens, finder.text
    for i, tok in enumerate(tokens):
        if i == 0 or tok.key not in CREDENTIALS:
            continue
        if tok.key in CAPITALS_ONLY_CREDENTIALS and not tok.is_upper:
            continue
        line_end = text.find("\n", tok.end)
        rest = text[tok.end : line_end if line_end >= 0 else len(text)]
        line_start = text.rfind("\n", 0, tok.start) + 1
        if not _signature_rest(rest) or "\n" in text[tokens[i - 1].end : tok.start]:
            continue
        first = i - 1
        while first > 0 and tokens[first - 1].start >= line_start:
            first -= 1
        if text[line_start : tokens[first].start].strip(" -—–"):
            continue  # the line starts with something else than a word
        signed = _signature_words(finder, first, i)
        for k in signed:
            finder.mark(k, 0.75, "name.signed")


_MONTHS = word_set(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july"
    " august september october november december"
)


def _signature_rest(rest: str) -> bool:
    """What may follow the credential on a signature line: more credentials, a date, a time
    (``RN, BSN``, ``MD, FACC``, ``RN may. 24th 10:42``)."""
    if re.search(r"[^\w\s.,/():\-]", rest):
        return False
    words = re.findall(r"[^\W\d_]+", rest.lower())
    return all(w in CREDENTIALS or w in _MONTHS or w in ("st", "nd", "rd", "th") for w in words)


def _signature_words(finder: NameFinder, first: int, credential: int) -> list[int]:
    """The tokens ``first .. credential-1`` when they can be a signature: one word that is no
    stop, kin, credential or clinical word; or two or three words and initials, each of them
    also a name or no ordinary word."""
    tokens, text, lex = finder.tokens, finder.text, finder.lex
    words = list(range(first, credential))
    if not 1 <= len(words) <= 4:
        return []
    for k in words[:-1]:
        if text[tokens[k].end : tokens[k + 1].start] not in (" ", ". ", ".", "-", " - "):
            return []
    if text[tokens[words[-1]].end : tokens[credential].start] not in (" ", ", ", ",", " , "):
        return []

    def ordinary(key: str) -> bool:
        return (
            key in STOPWORDS
            or key in KIN
            or key in CREDENTIALS
            or key in _SHIFT_ROLES
            or key in lex.clinical
            or (
                lex.is_vocabulary(key)
                and lex.surname_weight(key) < 0.6
                and lex.given_weight(key) < 0.5
            )
        )

    if len(words) == 1:
        key = tokens[first].key
        return [] if len(key) < 3 or ordinary(key) else words
    named = 0
    for k in words:
        key = tokens[k].key
        if len(key) == 1:
            continue  # an initial
        if ordinary(key) or term_like(key):
            return []
        named += 1
    return words if named else []


def unusual_case_before_cue(finder: NameFinder) -> None:
    """``steson AWARE`` in a capitals note, ``Grace aware`` in a lower-case one: a word in
    another case than the note's, right before "aware" or "notified", is a person."""
    tokens = finder.tokens
    for i, tok in enumerate(tokens):
        if i == 0 or tok.key not in CUE_AFTER:
            continue
        prev = tokens[i - 1]
        key = prev.key
        if key in STOPWORDS or key in KIN or key in CREDENTIALS or key in finder.lex.clinical:
            continue
        if finder.case_anomaly(prev) and finder.joined(prev, tok, " "):
            finder.mark(i - 1, 0.7, "name.case_before_cue")


def case_anomalies(finder: NameFinder) -> None:
    """``PT MAY BE W/U BY Measova FOR TRANSPLANT``: in a note typed all in capitals (or all in
    lower case), a word typed in title case mid-sentence is a proper noun — unless it is a word
    of the vocabularies that no list of names holds."""
    if finder.style is CaseStyle.MIXED:
        return
    tokens, text = finder.tokens, finder.text
    for i, tok in enumerate(tokens):
        if not finder.case_anomaly(tok) or i in finder.scores:
            continue
        if i == 0 or "\n" in text[tokens[i - 1].end : tok.start]:
            continue  # a line may start with a capital
        key = tok.key
        if key in STOPWORDS or key in KIN or key in CREDENTIALS or key in finder.lex.clinical:
            continue
        if term_like(key) or key in finder.lex.regions:
            continue
        if finder.lex.is_vocabulary(key) and finder.weight(tok) < 0.6:
            continue
        if not finder.lex.is_vocabulary(key) and finder.lex.near_vocabulary(key):
            continue  # "Apaced", "Renef": shorthand and typos one edit from a word
        finder.mark(i, 0.65, "name.case_anomaly")
