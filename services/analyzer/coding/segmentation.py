"""Tokens and sentences of de-identified clinical text, by rule, in one pass.

ConText scopes every cue to its sentence, so the sentence splitter decides how far a negation
reaches. Clinical text breaks general-purpose splitters in known ways, each handled here:

- De-identified notes carry PHI tags (``[NAME]``, ``[DATE]``) and surrogate names after titles
  (``Dr. Lopez``): a tag is a token of its own, and a title's full stop never ends a sentence.
- Lines often end without a full stop (problem lists, vital signs): a line break ends a sentence
  unless the next line plainly continues it (hard-wrapped prose goes on in lower case).
- Decimals (``3.5``), times (``10:30``) and dotted abbreviations (``e.g.``, ``b.i.d.``) are one
  token, so their full stops are not sentence ends.

Over-splitting only shortens a cue's reach; under-splitting lets a negation leak into the next
statement, so ambiguous full stops end the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class TokenKind(Enum):
    WORD = "word"
    NUMBER = "number"
    PUNCT = "punct"
    NEWLINE = "newline"


@dataclass(frozen=True, slots=True)
class TextToken:
    """A token of the text: its characters, lower-case form for matching, and where it is."""

    text: str
    lower: str
    start: int
    end: int
    kind: TokenKind


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as character offsets ``[start, end)`` and token indexes ``[first, stop)``."""

    start: int
    end: int
    first: int
    stop: int


_TOKEN = re.compile(
    r"""
    (?P<newline>[ \t\r\f\v]*\n\s*)          # a line break, with the blank space around it
  | (?P<dotted>(?:[^\W\d_]\.){2,})         # e.g.  i.e.  b.i.d.  a.m.  U.S.
  | (?P<number>\d+(?:[.,:]\d+)+)           # 3.5  1,000  10:30
  | (?P<word>[^\W_]+(?:['’][^\W_]+)*)      # words; inner apostrophes kept: doesn't, Crohn's
  | (?P<punct>\S)                          # any other visible character, one at a time
    """,
    re.VERBOSE,
)
_KINDS = {
    "newline": TokenKind.NEWLINE,
    "dotted": TokenKind.WORD,
    "number": TokenKind.NUMBER,
    "word": TokenKind.WORD,
    "punct": TokenKind.PUNCT,
}

_TERMINAL = frozenset(".!?")
_CLOSING = frozenset(")]}\"'”’»")  # stays with the sentence it closes
_BULLETS = frozenset("-*•–#")

# A full stop after these is part of the word: titles precede (surrogate) names, and "vs." a
# capitalized alternative ("AML vs. Lipoma").
_NEVER_FINAL = frozenset(
    {"dr", "drs", "mr", "mrs", "ms", "mx", "prof", "rev", "st", "vs", "approx", "cf", "ca"}
)
# These may also end a sentence: the full stop ends it only before a capital or a PHI tag.
_ABBREVIATIONS = frozenset(
    """etc fig figs no nos ref resp temp yr yrs wk wks mo mos min max sr jr
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()  # noqa: SIM905
)


def tokenize(text: str) -> list[TextToken]:
    """Tokens of ``text`` with character offsets; line breaks are tokens of kind NEWLINE."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        raw = match.group()
        lower = "\n" if kind == "newline" else raw.lower().replace("’", "'")
        tokens.append(TextToken(raw, lower, match.start(), match.end(), _KINDS[kind]))
    return tokens


def split_sentences(text: str, tokens: list[TextToken] | None = None) -> list[Sentence]:
    """Sentences of ``text`` (pass ``tokens`` when already tokenized), in order, none empty."""
    tokens = tokenize(text) if tokens is None else tokens
    if not tokens:
        return []
    starts = [0]
    for i, token in enumerate(tokens):
        boundary = None
        if token.kind is TokenKind.NEWLINE:
            boundary = _after_line_break(tokens, i)
        elif token.text in _TERMINAL:
            boundary = _after_terminal(tokens, i)
        if boundary is not None and boundary > starts[-1]:
            starts.append(boundary)
    sentences = []
    for first, stop in zip(starts, [*starts[1:], len(tokens)], strict=True):
        last = stop - 1
        while last >= first and tokens[last].kind is TokenKind.NEWLINE:
            last -= 1
        if last >= first:
            sentences.append(Sentence(tokens[first].start, tokens[last].end, first, stop))
    return sentences


def _after_line_break(tokens: list[TextToken], i: int) -> int | None:
    """The index of the token opening a new sentence after the line break at ``i``, if any.

    Hard-wrapped prose continues in lower case; list items, headings and new statements start
    with a capital, a digit, a bullet or a PHI tag, or follow a line that ended in punctuation.
    """
    if i + 1 >= len(tokens):
        return None
    after = tokens[i + 1]
    before = tokens[i - 1] if i > 0 else None
    blank_line = tokens[i].text.count("\n") > 1
    first = after.text[0]
    starts_fresh = first.isupper() or first.isdigit() or first in _BULLETS or first == "["
    ended = before is None or before.text[-1] in ".:;!?"
    return i + 1 if blank_line or starts_fresh or ended else None


def _after_terminal(tokens: list[TextToken], i: int) -> int | None:
    """The index of the token opening a new sentence after the ``.``/``!``/``?`` at ``i``."""
    if tokens[i].text == "." and _is_abbreviation_stop(tokens, i):
        return None
    if tokens[i].text == "?" and _is_query_prefix(tokens, i):
        return None
    j = i + 1
    # "?!", "...", a closing bracket or quote: all end the same sentence (not a "?" that queries
    # the next word: "Trop neg. ?PNA" opens a sentence with it)
    while j < len(tokens) and (tokens[j].text in _TERMINAL or tokens[j].text in _CLOSING):
        if tokens[j].text == "?" and _is_query_prefix(tokens, j):
            break
        j += 1
    if j >= len(tokens):
        return None
    nxt = tokens[j]
    if nxt.kind is TokenKind.NEWLINE:
        return None  # the line break decides
    spaced = nxt.start > tokens[j - 1].end
    # no space after the stop: "fever.Cough" splits, "x.5" or "v.gif" does not
    return j if spaced or nxt.text[0].isupper() else None


def _is_query_prefix(tokens: list[TextToken], i: int) -> bool:
    """A "?" written against the word after it and not the one before ("?UTI", "? pneumonia"
    after a bullet) queries that word: it opens no sentence."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None or nxt.kind is TokenKind.NEWLINE or nxt.start != tokens[i].end:
        return False
    before = tokens[i - 1] if i > 0 else None
    return before is None or before.end < tokens[i].start or before.kind is TokenKind.NEWLINE


def _is_abbreviation_stop(tokens: list[TextToken], i: int) -> bool:
    if i == 0 or tokens[i - 1].end != tokens[i].start:
        return False
    word = tokens[i - 1].lower
    if word in _NEVER_FINAL:
        return True
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None or nxt.kind is TokenKind.NEWLINE:
        return False
    if word in _ABBREVIATIONS:
        return not (nxt.text[0].isupper() or nxt.text == "[")
    # a genus or an initial before a lower-case word: "E. coli", "H. pylori"
    return len(word) == 1 and word.isalpha() and nxt.text[0].islower()
