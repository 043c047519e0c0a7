"""The address block of a letter: the lines under the addressee's name hold where they work.

    Dr. K. Balasubramanian, MCh (CTVS)
    MIOT International            <- an organisation, by its position
    Orthopaedic Surgeon           <- a post: every word is an ordinary word, left

A line right under a ``Dr``/``Prof`` line (up to two lines down, before a blank line) that is a
short run of capitalised words without digits or a colon is the addressee's hospital or
practice when one of its words is no ordinary word (``MIOT``, ``Hunter``) — a line of ordinary
words only (``Consultant Nephrologist``, ``Pain Clinic``) is a post or a department.
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.spans import PhiSpan, PhiType

_ADDRESSEE = re.compile(
    r"^[ \t]*(?:Dr\.?|DR\.?|Doctor|Prof\.?|Professor)[ \t]+[A-Z][^\n:]{1,80}\n", re.MULTILINE
)
# a line of the block; what follows a comma on it is its town ("NIMHANS, Bengaluru")
_BLOCK_LINE = re.compile(r"[ \t]*([A-Z][\w'&.\-]*(?:[ \t]+[\w'&.\-()]+){0,6})[ \t]*(?:,[^\n]*)?\n")
_WORD = re.compile(r"[A-Za-z]+")
_NOT_A_PLACE_LINE = re.compile(r"^(?i:re|dear|to|from|date|cc|subject|ref|dob|tel|fax)\b")


def find_letter_block_organisations(text: str, lex: Lexicon) -> list[PhiSpan]:
    spans = []
    for m in _ADDRESSEE.finditer(text):
        pos = m.end()
        for _ in range(2):
            line = _BLOCK_LINE.match(text, pos)
            if line is None:
                break
            value = line.group(1)
            words = _WORD.findall(value)
            pos = line.end()
            if _NOT_A_PLACE_LINE.match(value) or not words:
                break
            if any(_proper(w.lower(), lex) for w in words):
                spans.append(
                    PhiSpan(
                        start=line.start(1),
                        end=line.end(1),
                        type=PhiType.LOCATION,
                        score=0.65,
                        source="location.letter_block",
                    )
                )
    return spans


def _proper(word: str, lex: Lexicon) -> bool:
    """A word no list of ordinary words, posts or specialties holds."""
    return not (word in _ORDINARY or lex.is_vocabulary(word) or _SPECIALTY.search(word))


_SPECIALTY = re.compile(r"(?:ologist|iatrist|ician|ist|ists|eon|aedic|edic|ics|ology|ologie)$")
# posts and qualifications that may stand under a name and are no place
_POSTS = (
    "consultant registrar physician surgeon specialist gp mbbs md mch ms dm frcp frcs frcpc"
    " ccfp facp facc fracp fracs mrcp mrcgp dnb phd mph rn np pa cnp ctvs fhm mrcpch"
)
_ORDINARY = frozenset(_POSTS.split())
