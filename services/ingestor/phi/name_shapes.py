"""What a word looks like as (part of) a person's name, given the note and the words around it.

:class:`NameShapes` holds one note's tokens, its letter-case style and the word lists, and
answers the questions every name rule asks: is this a dictionary name, an unknown word, an
initial, a word written in another case than the note's, a name given how strongly context
already says so? The rules themselves are in :mod:`services.ingestor.phi.names`.
"""

from __future__ import annotations

import re
from enum import IntEnum

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import (
    CREDENTIALS,
    KIN,
    KIN_FOLLOWERS,
    NOT_AFTER_TITLE,
    STOPWORDS,
    STRONG_TITLES,
)
from services.ingestor.phi.tokens import CaseStyle, Token

_CONTRACTED = frozenset(("m", "re", "ve", "ll", "d", "t"))  # I'm, we're, don't: never names


# what a relative does, right after the kin word ("wife works at", "SON CALLED"): surnames too
# in the census lists (Works, Says), never a name there
_VERBS_AFTER_KIN = frozenset(
    [
        "works",
        "worked",
        "lives",
        "lived",
        "calls",
        "visited",
        "visits",
        "states",
        "stated",
        "says",
        "said",
        "wants",
        "wanted",
        "feels",
        "felt",
        "agrees",
        "agreed",
        "asks",
        "requests",
        "requested",
        "brought",
        "drove",
        "plans",
        "prefers",
        "arrived",
        "left",
        "updated",
        "expressed",
        "reports",
        "reported",
    ]
)


class Evidence(IntEnum):
    """How much the surrounding words already say "a person is named here"."""

    NONE = 0  # dictionary only
    MEDIUM = 1  # kin word, weak title, credential after, "spoke with"
    STRONG = 2  # Dr., Mr., Mrs.


class NameShapes:
    """One note's tokens and what each looks like as a name. Build one per note."""

    def __init__(self, text: str, tokens: list[Token], style: CaseStyle, lexicon: Lexicon):
        self.text = text
        self.tokens = tokens
        self.style = style
        self.lex = lexicon
        self.scores: dict[int, tuple[float, str]] = {}
        self.position = {t.start: i for i, t in enumerate(tokens)}

    # --- what a token looks like -------------------------------------------------------------
    def weight(self, tok: Token) -> float:
        return max(self.lex.given_weight(tok.key), self.lex.surname_weight(tok.key))

    def capitalised(self, tok: Token) -> bool:
        """Capitals mean something only in mixed-case notes — and a title-case word in a
        lower-case note says "proper noun" even more clearly."""
        if self.style is CaseStyle.LOWER:
            return tok.is_title
        return self.style is CaseStyle.MIXED and (
            tok.is_title or (tok.is_upper and len(tok.text) > 2)
        )

    def initial(self, i: int) -> bool:
        tok = self.tokens[i]
        return len(tok.text) == 1 and tok.end < len(self.text) and self.text[tok.end] == "."

    def _bare_initial(self, i: int) -> bool:
        """A single capital standing for a name after a title: "Mr. K is", "Mrs. K's"."""
        tok = self.tokens[i]
        return len(tok.key) == 1 and tok.text[0].isupper() and tok.key not in ("a", "i")

    def unknown_word(self, tok: Token) -> bool:
        """Not a word of any list and not a typo of one: a surname no dictionary has?"""
        key = tok.key
        return (
            len(key) >= 3
            and not self.lex.is_vocabulary(key)
            and key not in STOPWORDS
            and (len(key) < 5 or not self.lex.near_vocabulary(key))
        )

    def dictionary_name(self, tok: Token) -> bool:
        key = tok.key
        return (
            len(key) >= 2
            and key not in STOPWORDS
            and not self.lex.is_vocabulary(key)
            and self.weight(tok) >= 0.5
        )

    def name_like(self, tok: Token, evidence: Evidence) -> bool:
        """Could ``tok`` be (part of) a name, given how strongly context already says so?"""
        key = tok.key
        excluded = key in STOPWORDS or key in CREDENTIALS or key in KIN or key in STRONG_TITLES
        lower_word = (
            self.style is CaseStyle.MIXED
            and tok.is_lower
            and self.lex.is_vocabulary(key)
            and evidence is not Evidence.STRONG
        )
        contraction = "'" in tok.text and tok.text.lower().rsplit("'", 1)[1] in _CONTRACTED
        if excluded or lower_word or contraction or len(key) < 2:
            return False
        if key in _VERBS_AFTER_KIN and evidence is not Evidence.STRONG:
            return False  # "WIFE WORKS AT", "son lives with": what the relative does
        if self.dictionary_name(tok):
            return True
        if self.lex.is_vocabulary(key):
            return self._word_as_name(tok, evidence)
        return self._unknown_as_name(tok, evidence)

    def _word_as_name(self, tok: Token, evidence: Evidence) -> bool:
        """ "Dr. Small", "husband Rich", "NP Carol": an ordinary word that is a common name.
        Only Dr./Mr. make a surname of a word ("wife said", "sister states" are verbs)."""
        if evidence is Evidence.STRONG:
            # after "Dr" almost any word is a surname ("Dr love", "DR RICE", "Dr. Read")
            verb = tok.key.endswith(("ing", "ed")) and self.weight(tok) == 0  # "Dr regarding"
            return tok.key not in NOT_AFTER_TITLE and not verb
        if self.case_anomaly(tok) or (
            self.style is CaseStyle.MIXED
            and tok.is_title
            and self.weight(tok) >= 0.6
            and self.after_kin(tok)
        ):
            return True  # "DAUGHTER Church", "son Rice": a capital where the note has none
        if (
            self.style is not CaseStyle.MIXED
            and self.lex.surname_weight(tok.key) >= 0.75
            and self.after_kin(tok)
            and tok.key not in KIN_FOLLOWERS
        ):
            return True  # "SISTER MARSH", "son: crouch" in a single-case note
        common = self.lex.given_weight(tok.key) >= 0.7
        cased = self.style is not CaseStyle.MIXED or self.capitalised(tok)
        return evidence >= Evidence.MEDIUM and common and cased

    def after_kin(self, tok: Token) -> bool:
        """Whether a kin or role word stands right before ``tok`` ("son Rice", "sister: Bell")."""
        i = self.position.get(tok.start, 0)
        return i > 0 and self.tokens[i - 1].key in KIN

    def case_anomaly(self, tok: Token) -> bool:
        """A word written in another case than the note's: a title-case word in mid-sentence in
        an all-capitals or all-lower-case note names something (acronyms are capitals in any
        note, a sentence or line may start with a capital, "I'm" is no name)."""
        if self.style is CaseStyle.MIXED or not tok.is_title or len(tok.key) < 3 or "'" in tok.text:
            return False
        before = self.text[max(0, tok.start - 4) : tok.start]
        return tok.start > 0 and not re.search(r"(?:^|[.!?:;\-\n*#]|^\s*)\s*$", before)

    def _unknown_as_name(self, tok: Token, evidence: Evidence) -> bool:
        if evidence is Evidence.STRONG:
            return True
        if evidence is not Evidence.MEDIUM:
            return False
        if self.capitalised(tok) and tok.is_title and len(tok.key) >= 3:
            return True  # "Son Smokey": capitalised after a kin word, typo-like or not
        if not self.unknown_word(tok):
            return False
        if self.style is CaseStyle.MIXED:
            return self.capitalised(tok)
        # in single-case notes short unknown words are abbreviations ("NP SXN", "MD TOL")
        return len(tok.key) >= 5

    medium = Evidence.MEDIUM

    def mark(self, i: int, score: float, source: str) -> None:
        """Record token ``i`` as (part of) a name, keeping its best score."""
        if i not in self.scores or self.scores[i][0] < score:
            self.scores[i] = (score, source)

    def gap(self, a: Token, b: Token) -> str:
        return self.text[a.end : b.start]

    def joined(self, a: Token, b: Token, allow: str) -> bool:
        gap = self.gap(a, b)
        return len(gap) <= 3 and all(c in allow for c in gap)
