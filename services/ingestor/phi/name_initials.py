"""Names told by their shape where a person is expected, in any letter case.

- An initial and a word after a kin word or a word that introduces a person: "Wife r carlton
  came", "Daughter d. may visited", "talked with k lam from case management", "seen by a.
  nirkier". An initial before a word is how people, not things, are written; the word may be an
  ordinary one ("may", "short") as long as it is also a name.
- A name that opens a clause before "aware", "notified", "paged", "called": "TERRY ALLEN AWARE",
  "C VARDEN AWARE OF PLAN", "RICK CALLED TO BEDSIDE", "…GIVEN. Leland notified." — a given name,
  an initial and a word, or a given name and a surname; roles ("MD AWARE", "TEAM AWARE",
  "FAMILY AWARE") are no names.
- After a title, a word the other rules read as a modal or a pronoun, when it is also a name and
  the clause ends or a cue follows: "Reported to Dr. MAY.", "Dr. Will aware".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.ingestor.phi.name_words import (
    CREDENTIALS,
    CUE_AFTER,
    CUE_BEFORE,
    KIN,
    STOPWORDS,
    STRONG_TITLES,
)
from services.ingestor.phi.names_unlisted import term_like
from services.ingestor.phi.word_sets import word_set

if TYPE_CHECKING:
    from services.ingestor.phi.names import NameFinder
    from services.ingestor.phi.tokens import Token


# single letters that are words or shorthand before a word, not initials, when undotted
# ("with a sling", "x ray", "w assist", "covered c SSRI" — c, s, p: with, without, after)
_NOT_INITIALS = frozenset("aiwxcsp")
# what a clause may open with before the name ("...GIVEN. TERRY AWARE", "and Leland notified")
_CLAUSE_OPEN = re.compile(r"(?:^|[.;:!?,\-\n(]|\band)\s*$", re.IGNORECASE)
# what "called"/"paged" follow without a person ("PT CALLED OUT", "HOUSE OFFICER CALLED")
_ROLES = word_set(
    "team house officer service fellow intern resident attending charge nurse covering float"
    " staff family everyone someone nobody lab pharmacy code rapid response security"
    " surgery medicine cardiology renal neuro ortho radiology micu ccu sicu er ed ew or"
)


def _surname_word(finder: NameFinder, tok: Token) -> bool:
    """A word that may be the surname after an initial: no stop, kin or clinical word, and an
    ordinary word only when it is also a name."""
    key, lex = tok.key, finder.lex
    if (
        len(key) < 2
        or key in STOPWORDS
        or key in KIN
        or key in CREDENTIALS
        or key in STRONG_TITLES
        or key in _ROLES
        or key in lex.clinical
        or key in lex.medical
        or term_like(key)
    ):
        return False
    if lex.is_vocabulary(key):
        return lex.surname_weight(key) >= 0.6 or lex.given_weight(key) >= 0.5
    return True


def _surname_after_given(finder: NameFinder, tok: Token) -> bool:
    """After a given name a common surname is one even when it is also an eponym or a
    clinical word ("Terry Allen", "Bernard Foley")."""
    if tok.key in finder.lex.clinical and tok.key not in _ROLES:
        return finder.lex.surname_weight(tok.key) >= 0.75
    return _surname_word(finder, tok)


def _initial_at(finder: NameFinder, k: int) -> bool:
    tok = finder.tokens[k]
    if len(tok.key) != 1:
        return False
    dotted = tok.end < len(finder.text) and finder.text[tok.end] == "."
    return dotted or tok.key not in _NOT_INITIALS


def _initial_and_word(finder: NameFinder, k: int) -> bool:
    """Tokens ``k`` and ``k + 1`` are an initial and a surname: ``r carlton``, ``d. may``."""
    tokens = finder.tokens
    if k + 1 >= len(tokens) or not _initial_at(finder, k):
        return False
    gap = finder.text[tokens[k].end : tokens[k + 1].start]
    if gap not in (" ", ". ", ".") or not _surname_word(finder, tokens[k + 1]):
        return False
    # an undotted letter before an ordinary word is shorthand ("r knee", "j tube", "v tach")
    return "." in gap or not finder.lex.is_vocabulary(tokens[k + 1].key)


def initial_and_word_after_cue(finder: NameFinder) -> None:
    """``Wife r carlton``, ``talked with k lam``, ``seen by a. nirkier``: see module doc."""
    tokens, text = finder.tokens, finder.text
    for i, tok in enumerate(tokens[:-2]):
        if tok.key not in KIN and tok.key not in CUE_BEFORE:
            continue
        k = i + 1
        if tokens[k].key in ("with", "w", "to", "is") and tok.key not in ("with", "w"):
            k += 1  # "spoke with", "talked to", "daughter is"
        if k + 1 >= len(tokens):
            continue
        gap = text[tokens[k - 1].end : tokens[k].start]
        if gap not in (" ", ": ", ", ", " (", " - ") or not _initial_and_word(finder, k):
            continue
        finder.mark(k, 0.75, "name.initial_after_cue")
        finder.mark(k + 1, 0.75, "name.initial_after_cue")


def _given(finder: NameFinder, tok: Token) -> bool:
    key, lex = tok.key, finder.lex
    if len(key) < 3 or key in _ROLES or key in lex.clinical or not _surname_word(finder, tok):
        return False
    return lex.given_weight(key) >= (0.7 if lex.is_vocabulary(key) else 0.5)


def name_opening_clause_before_cue(finder: NameFinder) -> None:
    """``TERRY ALLEN AWARE``, ``C VARDEN AWARE``, ``RICK CALLED``: see module doc."""
    tokens, text = finder.tokens, finder.text
    for i, tok in enumerate(tokens):
        if tok.key not in CUE_AFTER or i == 0:
            continue
        if text[tokens[i - 1].end : tok.start] != " ":
            continue
        name: list[int] = []
        given_and_surname = (
            i >= 2
            and text[tokens[i - 2].end : tokens[i - 1].start] == " "
            and _given(finder, tokens[i - 2])
            and _surname_after_given(finder, tokens[i - 1])
        )
        if i >= 2 and (_initial_and_word(finder, i - 2) or given_and_surname):
            name = [i - 2, i - 1]
        elif _given(finder, tokens[i - 1]):
            name = [i - 1]
        if not name:
            continue
        first = tokens[name[0]]
        before = text[tokens[name[0] - 1].end if name[0] > 0 else 0 : first.start]
        if name[0] > 0 and not _CLAUSE_OPEN.search(
            text[tokens[name[0] - 1].start : tokens[name[0] - 1].end] + before
        ):
            continue
        for k in name:
            finder.mark(k, 0.7, "name.before_cue")


_TITLES = word_set("dr drs mr mrs ms")
# stop words that are also common surnames or given names: what the title rule leaves out
_MODAL_SURNAMES = word_set("may will more well house few")
_AFTER_NAME = re.compile(r"[ \t]*(?:[.,;:)]|$)")


def word_name_after_title(finder: NameFinder) -> None:
    """``Reported to Dr. MAY.``, ``Dr. Will aware``: after a title, a word the rules take for
    a modal or a pronoun is the surname when it is one and the clause ends or a cue follows."""
    tokens, text = finder.tokens, finder.text
    for i, tok in enumerate(tokens[:-1]):
        if tok.key not in _TITLES:
            continue
        nxt = tokens[i + 1]
        if text[tok.end : nxt.start] not in (". ", " ", ".  ") or len(nxt.key) < 3:
            continue
        if i + 1 in finder.scores or nxt.key not in _MODAL_SURNAMES:
            continue
        after = text[nxt.end : nxt.end + 3]
        cue_after = i + 2 < len(tokens) and tokens[i + 2].key in CUE_AFTER
        if _AFTER_NAME.match(after) or cue_after:
            finder.mark(i + 1, 0.75, "name.word_after_title")
