"""Word tokens with offsets and the letter-case style of a note."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


class CaseStyle(Enum):
    """How a note is typed. Capitals say "proper noun" only in mixed-case text."""

    MIXED = "mixed"
    UPPER = "upper"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    key: str
    """Lower case without a possessive ``'s`` (``Vasquez's`` -> ``vasquez``)."""

    @property
    def is_title(self) -> bool:
        return self.text[0].isupper() and not self.text.isupper()

    @property
    def is_upper(self) -> bool:
        return self.text.isupper()

    @property
    def is_lower(self) -> bool:
        return self.text.islower()


def tokenize(text: str) -> list[Token]:
    """Alphabetic words of ``text`` (apostrophes inside a word kept: ``O'Rourke``)."""
    tokens = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        key = word.lower()
        if key.endswith("'s"):
            key = key[:-2]
        tokens.append(Token(word, m.start(), m.end(), key))
    return tokens


def case_style(tokens: list[Token]) -> CaseStyle:
    """Whether the note is mostly upper case, mostly lower case, or ordinary mixed case."""
    letters = [t for t in tokens if len(t.text) > 1]
    if not letters:
        return CaseStyle.MIXED
    upper = sum(t.is_upper for t in letters) / len(letters)
    lower = sum(t.is_lower for t in letters) / len(letters)
    if upper > 0.6:
        return CaseStyle.UPPER
    if lower > 0.85:
        return CaseStyle.LOWER
    return CaseStyle.MIXED
