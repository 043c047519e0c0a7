"""Names by the form they are written in, whatever the word: an initial and a surname, a name
before a possessive kin word, a name after a credential that a cue introduces.

- ``M. Dean``, ``P. Herzik``, ``G. CEREN``: a dotted capital and a capitalised word. A word no
  vocabulary knows is a surname there; an ordinary word that is also a surname (Dean, Brown,
  Short) needs a word around it that says a person is meant (``per M. Dean``, ``P. Herzik
  AWARE``, ``D. SHORT is family contact``). Organisms (``E. coli``, ``S. AUREUS``), a letter
  that a word before it qualifies (``vitamin K. Given``, ``Plan A. Continue``, ``hep B.``) and
  medical words are left.
- ``Deji's mom``, ``Tom's wife``: a capitalised word with a possessive before a kin word.
- ``per NP king``, ``by RN SWIFT``: a credential used as a title after a cue word, then a name.
- ``panelo AWARE``: a lower-case word no list knows, beside a kin or cue word, in a note typed
  in capitals.
- ``flam405 bestein642``: two words with Synthea's digit suffixes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.ingestor.phi.name_words import (
    CREDENTIALS,
    CUE_AFTER,
    CUE_BEFORE,
    KIN,
    NOT_AFTER_TITLE,
    STOPWORDS,
    STRONG_TITLES,
    WEAK_TITLES,
)
from services.ingestor.phi.tokens import CaseStyle
from services.ingestor.phi.word_sets import word_set

if TYPE_CHECKING:
    from services.ingestor.phi.names import NameFinder


# words a single letter after them belongs to: "vitamin K", "Plan A", "hep B", "type 2"
_TAKES_A_LETTER = word_set(
    "vitamin vit plan hep hepatitis type grade stage class factor zone lead step option part"
    " section phase group appendix figure fig table category level ward pod bed room bay unit"
    " block wing floor team tier schedule form blood subtype genotype serotype strain clade"
    " cluster protein antigen antibody complex lobe segment channel wave point letter exhibit"
    " version pattern line gate building tower station pavilion module exit route interstate"
    " hwy highway avenue street apt suite box"
)
# what may follow a name and say it is a person: "P. Herzik AWARE", "D. SHORT is family"
_PERSON_AFTER = CUE_AFTER | CREDENTIALS | word_set("is was to at who has will said says states")
_PERSON_BEFORE = CUE_BEFORE | STRONG_TITLES | WEAK_TITLES | KIN | word_set("and or as drs")
# kin words a possessive name stands before: "Deji's mom", "Tom's wife"
_POSSESSED_KIN = word_set(
    "mom mum mother dad father son daughter wife husband sister brother partner fiance fiancee"
    " girlfriend boyfriend grandmother grandfather grandma grandpa aunt uncle niece nephew"
    " cousin friend caregiver guardian spouse stepdad stepmom stepmother stepfather"
)


def dotted_initials(f: NameFinder) -> None:
    """``M. Dean``, ``P. Herzik``, ``G. CEREN`` — see the module docstring."""
    tokens = f.tokens
    for i in range(len(tokens) - 1):
        initial, word = tokens[i], tokens[i + 1]
        if not _standalone_initial(f, i):
            continue
        before = tokens[i - 1] if i > 0 else None
        key = word.key
        if len(key) < 2 or key in STOPWORDS or key in CREDENTIALS or key in KIN:
            continue
        if not (word.is_title or (word.is_upper and len(word.text) > 1)):
            continue
        if f.text[word.end : word.end + 1].isdigit():
            continue  # "R. Spo2"
        if key in f.lex.clinical or key in f.lex.medical or key in NOT_AFTER_TITLE:
            continue  # "E. coli", "S. AUREUS", "C. DIFF"
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        cue_before = before is not None and before.key in _PERSON_BEFORE
        cue_after = (
            after is not None and after.key in _PERSON_AFTER and f.joined(word, after, " ,-")
        )
        if initial.text in ("L", "R") and not cue_before:
            continue  # "the R. Side": right and left
        if f.lex.is_vocabulary(key):
            if not (f.weight(word) >= 0.5 and (cue_before or cue_after)):
                continue  # "B. Then", "A. Continue": a plan item and a sentence
        elif not (f.unknown_word(word) or f.weight(word) > 0):
            continue
        f.mark(i, 0.8, "name.dotted_initial")
        f.mark(i + 1, 0.8, "name.dotted_initial")


def _standalone_initial(f: NameFinder, i: int) -> bool:
    """A dotted capital that stands for a given name: not ``I``/``A``, not part of a word or
    number, not a letter a word before it qualifies (``vitamin K.``)."""
    initial, word = f.tokens[i], f.tokens[i + 1]
    if not (len(initial.text) == 1 and initial.text.isupper() and f.initial(i)):
        return False
    if initial.text in ("I", "A") or not f.joined(initial, word, " ."):
        return False
    if initial.start > 0 and f.text[initial.start - 1] not in " \t\n(-:;,/":
        return False  # "90's", "r/t", "1.M."
    before = f.tokens[i - 1] if i > 0 else None
    return not (
        before is not None and before.key in _TAKES_A_LETTER and f.joined(before, initial, " ")
    )


def possessive_before_kin(f: NameFinder) -> None:
    """``Deji's mom``: a capitalised word with a possessive ``'s`` before a kin word."""
    tokens = f.tokens
    for i in range(len(tokens) - 1):
        tok, nxt = tokens[i], tokens[i + 1]
        if not tok.text.lower().endswith("'s") or nxt.key not in _POSSESSED_KIN:
            continue
        if not f.joined(tok, nxt, " ") or not (tok.is_title or f.style.value == "lower"):
            continue
        key = tok.key
        if len(key) < 2 or key in STOPWORDS or key in KIN or key in f.lex.clinical:
            continue
        if f.lex.is_vocabulary(key) and f.weight(tok) < 0.5:
            continue  # "Today's mom group"
        f.mark(i, 0.75, "name.possessive_kin")


def credential_title_after_cue(f: NameFinder) -> None:
    """``per NP king``, ``PER NP SWIFT``, ``by PA Ortiz``: a cue, a credential, then the name."""
    tokens = f.tokens
    for i in range(1, len(tokens) - 1):
        cred, cue, name = tokens[i], tokens[i - 1], tokens[i + 1]
        # PA and MD are also a line and the team ("with PA line", "by MD warm soak")
        if cred.key not in ("np", "rn", "crnp", "aprn", "pharmd") or not cred.is_upper:
            continue
        if (
            cue.key not in CUE_BEFORE
            or not f.joined(cue, cred, " ")
            or not f.joined(cred, name, " ")
        ):
            continue
        key = name.key
        if len(key) < 2 or key in NOT_AFTER_TITLE or key in CREDENTIALS or key in KIN:
            continue
        if key in f.lex.clinical or key in f.lex.medical:
            continue
        if f.lex.is_vocabulary(key) and f.weight(name) < 0.5:
            continue  # "per NP note", "by RN report"
        f.mark(i + 1, 0.8, "name.credential_title")


def lower_case_in_capitals(f: NameFinder) -> None:
    """``panelo AWARE``, ``SISTER,bonsey HAS PHONED``: in a note typed in capitals, a word typed
    in lower case that no vocabulary knows, next to a kin word or a word that cues a person."""
    if f.style is not CaseStyle.UPPER:
        return
    tokens = f.tokens
    for i, tok in enumerate(tokens):
        if not tok.is_lower or len(tok.key) < 4 or tok.key in STOPWORDS:
            continue
        if f.lex.is_vocabulary(tok.key) or tok.key in f.lex.places:
            continue  # "per protocol", "prn"; a typo would be typed in capitals too
        before = tokens[i - 1] if i > 0 else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        cued_before = (
            before is not None
            and before.is_upper
            and (before.key in KIN or before.key in CUE_BEFORE)
        )
        cued_after = after is not None and after.is_upper and after.key in CUE_AFTER
        if cued_before or cued_after:
            f.mark(i, 0.7, "name.lower_in_capitals")


def synthea_pairs(f: NameFinder) -> None:
    """``flam405 bestein642``: two words each with the digits Synthea appends to a name, in any
    case — not clinical shorthand with a number (``peep5``, ``fio240``)."""
    for m in _SYNTHEA_PAIR.finditer(f.text):
        words = [re.sub(r"\d+$", "", w) for w in m.group(0).split()]
        if any(
            w.lower() in f.lex.clinical or w.lower() in f.lex.medical or len(w) < 2 for w in words
        ):
            continue
        for i, tok in enumerate(f.tokens):
            if m.start() <= tok.start < m.end():
                f.mark(i, 0.8, "name.synthea_pair")


_SYNTHEA_PAIR = re.compile(r"(?<![\w/])[A-Za-z]{2,}\d{2,3}[ \t]+[A-Za-z]{2,}\d{2,3}(?![\w/])")
