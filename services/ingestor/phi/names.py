"""Names of people: patients, relatives, clinicians — by context first, dictionaries second.

A token becomes a name when the words around it say so (``Dr.``, ``daughter``, ``RN`` after it,
``spoke with``), or when it is a common given name or surname that is not also an ordinary
English or clinical word. Names found with confidence are then masked everywhere in the note.
"""

from __future__ import annotations

from enum import IntEnum

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# words before a name that say a person follows
STRONG_TITLES = _words("dr drs doctor dr's mrs mr mister miss madam prof professor rev reverend")
# titles that are also clinical abbreviations (MS = multiple sclerosis, NP = nasal prongs,
# MD alone = the team): they need a name-like word after them
WEAK_TITLES = _words("ms np md nurse capt sgt")
CREDENTIALS = _words(
    "rn md rrt crt np lpn licsw lcsw msw rd pharmd cna bsn msn ccrn aprn acnp fnp anp rph phd mph"
    " facc facs crna cnm slp"
)
KIN = _words(
    "wife husband hsb hus son sons daughter daughters dtr dau dtrs mother mom father dad parents"
    " sister sisters sis brother brothers bro niece nieces neice nephew nephews aunt uncle cousin"
    " grandson grandsons granddaughter grandaughter granddaughters grandmother grandfather grandma"
    " grandpa friend friends fiance fiancee partner spouse boyfriend girlfriend proxy hcp guardian"
    " neighbor neighbour caseworker chaplain interpreter rabbi priest pastor minister attending"
    " resident fellow intern surgeon pcp cardiologist oncologist nephrologist psychiatrist"
    " therapist spokesperson named caregiver companion roommate landlord employer stepson"
    " stepdaughter stepfather stepmother staff"
)
_CUE_BEFORE = _words(
    "per with w by called paged notified contacted contacts contact informed updated told asked"
    " spoke talked met"
)
_CUE_AFTER = _words("aware notified paged called informed updated")
# never names, whatever the dictionaries say
STOPWORDS = _words(
    "a an the and or but of to in on at by for from with without w wo as is are was were be been"
    " has have had do does did not no yes this that these those it its he she him her his hers they"
    " them their we us our you your i me my who whom which what when where why how all any some"
    " each both either neither one two three four five six seven eight nine ten am pm today"
    " tonight tomorrow yesterday now then here there also only very well up down out over under"
    " again more less much many most few per via re into onto upon about after before during"
    " since until than too so if else pt pts patient patients family team md rn np house aware"
    " notified called note see plan will would can could should may might must shall name"
)


class Evidence(IntEnum):
    """How much the surrounding words already say "a person is named here"."""

    NONE = 0  # dictionary only
    MEDIUM = 1  # kin word, weak title, credential after, "spoke with"
    STRONG = 2  # Dr., Mr., Mrs.


class NameFinder:
    """Finds person names in one note. Build one per note: it keeps per-note state."""

    def __init__(self, text: str, tokens: list[Token], style: CaseStyle, lexicon: Lexicon):
        self.text = text
        self.tokens = tokens
        self.style = style
        self.lex = lexicon
        self.scores: dict[int, tuple[float, str]] = {}

    # --- what a token looks like -------------------------------------------------------------
    def _weight(self, tok: Token) -> float:
        return max(self.lex.given_weight(tok.key), self.lex.surname_weight(tok.key))

    def _capitalised(self, tok: Token) -> bool:
        """Capitals mean something only in mixed-case notes."""
        return self.style is CaseStyle.MIXED and (
            tok.is_title or (tok.is_upper and len(tok.text) > 2)
        )

    def _initial(self, i: int) -> bool:
        tok = self.tokens[i]
        return len(tok.text) == 1 and tok.end < len(self.text) and self.text[tok.end] == "."

    def _unknown_word(self, tok: Token) -> bool:
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
            and self._weight(tok) >= 0.5
        )

    def name_like(self, tok: Token, evidence: Evidence) -> bool:
        """Could ``tok`` be (part of) a name, given how strongly context already says so?"""
        key = tok.key
        excluded = key in STOPWORDS or key in CREDENTIALS or key in KIN or key in STRONG_TITLES
        lower_word = self.style is CaseStyle.MIXED and tok.is_lower and self.lex.is_vocabulary(key)
        if excluded or lower_word or len(key) < 2:
            return False
        if self.dictionary_name(tok):
            return True
        if self.lex.is_vocabulary(key):
            return self._word_as_name(tok, evidence)
        return self._unknown_as_name(tok, evidence)

    def _word_as_name(self, tok: Token, evidence: Evidence) -> bool:
        """ "Dr. Small", "husband Rich", "NP Carol": an ordinary word that is a common name.
        Only Dr./Mr. make a surname of a word ("wife said", "sister states" are verbs)."""
        if evidence is Evidence.STRONG:
            common = self._weight(tok) >= 0.6
        else:
            common = self.lex.given_weight(tok.key) >= 0.7
        cased = self.style is not CaseStyle.MIXED or self._capitalised(tok)
        return evidence >= Evidence.MEDIUM and common and cased

    def _unknown_as_name(self, tok: Token, evidence: Evidence) -> bool:
        if evidence is Evidence.STRONG:
            return True
        if evidence is not Evidence.MEDIUM or not self._unknown_word(tok):
            return False
        if self.style is CaseStyle.MIXED:
            return self._capitalised(tok)
        # in single-case notes short unknown words are abbreviations ("NP SXN", "MD TOL")
        return len(tok.key) >= 5

    def _mark(self, i: int, score: float, source: str) -> None:
        if i not in self.scores or self.scores[i][0] < score:
            self.scores[i] = (score, source)

    def _gap(self, a: Token, b: Token) -> str:
        return self.text[a.end : b.start]

    def _joined(self, a: Token, b: Token, allow: str) -> bool:
        gap = self._gap(a, b)
        return len(gap) <= 3 and all(c in allow for c in gap)

    # --- rules ---------------------------------------------------------------------------------
    def _take_name_after(self, i: int, evidence: Evidence, score: float, source: str) -> int:
        """Mark up to three name tokens (with initials) after token ``i``; return how many."""
        taken = 0
        j = i + 1
        prev = self.tokens[i]
        while j < len(self.tokens) and taken < 3:
            tok = self.tokens[j]
            first = j == i + 1
            allow = " .,:-'(" if first else (" .-" if self._initial(j - 1) else " -")
            if not self._joined(prev, tok, allow) or "\n" in self._gap(prev, tok):
                break
            if self._initial(j):
                following = self.tokens[j + 1] if j + 1 < len(self.tokens) else None
                if following is None or not self.name_like(following, Evidence.MEDIUM):
                    break
                self._mark(j, score, source)
            elif self.name_like(tok, evidence if first else Evidence.MEDIUM):
                self._mark(j, score, source)
                taken += 1
            else:
                break
            prev = tok
            j += 1
        return taken

    def _continue_list(self, last: int, score: float) -> None:
        """``Drs Joseph and Robbinson``, ``Sons Smokey, Morris and Roger``."""
        j = last + 1
        while j + 1 < len(self.tokens):
            joiner = self.tokens[j]
            gap = self._gap(self.tokens[j - 1], joiner).strip()
            if joiner.key == "and" and gap in ("", ","):
                k = j + 1
            elif gap == ",":
                k = j
            else:
                break
            if k < len(self.tokens) and self.tokens[k].key in ("dr", "drs"):
                k += 1
            if k < len(self.tokens) and self.name_like(self.tokens[k], Evidence.MEDIUM):
                self._mark(k, score, "name.list")
                j = k + 1
                continue
            break

    def _title_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            key = tok.key if tok.text.lower() != "dr's" else "drs"
            if key in STRONG_TITLES:
                ambiguous = key in ("mr", "mrs") and tok.is_upper and self.style is CaseStyle.MIXED
                evidence = (
                    Evidence.MEDIUM
                    if ambiguous or self.style is CaseStyle.UPPER
                    else Evidence.STRONG
                )
                if key in ("mr", "mrs", "dr") and tok.is_upper and self.style is CaseStyle.UPPER:
                    evidence = Evidence.STRONG if key == "dr" else Evidence.MEDIUM
            elif key in WEAK_TITLES:
                if key == "ms" and tok.text == "MS" and self.style is CaseStyle.MIXED:
                    continue
                evidence = Evidence.MEDIUM
            else:
                continue
            taken = self._take_name_after(
                i, evidence, 0.95 if evidence is Evidence.STRONG else 0.85, "name.title"
            )
            if taken:
                self._continue_list(i + taken + self._initials_between(i, i + taken), 0.85)

    def _initials_between(self, i: int, j: int) -> int:
        return sum(1 for k in range(i + 1, min(j + 1, len(self.tokens))) if self._initial(k))

    def _credential_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if tok.key not in CREDENTIALS or i == 0:
                continue
            if tok.key in ("md", "np") and not tok.is_upper:
                continue
            marks: list[int] = []
            j, nxt, taken = i - 1, tok, 0
            while j >= 0 and taken < 3:
                prev = self.tokens[j]
                allow = " -.," if self._initial(j) else " -,"
                if not self._joined(prev, nxt, allow) or "\n" in self._gap(prev, nxt):
                    break
                if self._initial(j):
                    marks.append(j)
                elif (
                    self.name_like(prev, Evidence.MEDIUM)
                    or (self._capitalised(prev) and self.lex.surname_weight(prev.key) >= 0.7)
                    or (
                        taken
                        and self.lex.surname_weight(nxt.key)
                        and self.lex.given_weight(prev.key) >= 0.7
                    )
                ):
                    marks.append(j)
                    taken += 1
                else:
                    break
                nxt = prev
                j -= 1
            # "Bernard Foley CRT": a clinical word after a given name is a surname here
            if taken == 0 and i >= 2 and self.lex.surname_weight(self.tokens[i - 1].key) >= 0.6:
                given = self.tokens[i - 2]
                if self.dictionary_name(given) and self.lex.given_weight(given.key) >= 0.7:
                    marks = [i - 1, i - 2]
                    taken = 2
            if taken:
                for k in marks:
                    self._mark(k, 0.9, "name.credential")

    def _kin_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if tok.key not in KIN:
                continue
            j = i
            while j + 1 < len(self.tokens) and self.tokens[j + 1].key in (
                "is",
                "named",
                "name",
            ):
                j += 1
            taken = self._take_name_after(j, Evidence.MEDIUM, 0.85, "name.kin")
            if taken:
                self._continue_list(j + taken, 0.8)

    def _cue_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if tok.key in _CUE_BEFORE and i + 1 < len(self.tokens):
                nxt = self.tokens[i + 1]
                if self.dictionary_name(nxt) and self._weight(nxt) >= 0.6:
                    self._take_name_after(i, Evidence.MEDIUM, 0.75, "name.cue")
            elif tok.key in _CUE_AFTER and i > 0:
                j, nxt = i - 1, tok
                while j >= 0 and i - j <= 3:
                    prev = self.tokens[j]
                    if not self._joined(prev, nxt, " .-") or not (
                        self.dictionary_name(prev)
                        or (j < i - 1 and self.name_like(prev, Evidence.MEDIUM))
                    ):
                        break
                    self._mark(j, 0.75, "name.cue")
                    nxt = prev
                    j -= 1

    def _initial_rule(self) -> None:
        for i in range(len(self.tokens) - 1):
            initial = self.tokens[i]
            if not self._initial(i) or not initial.text.isupper():
                continue
            if initial.start > 0 and self.text[initial.start - 1] in "'/<>":
                continue  # 90's, r/t
            nxt = self.tokens[i + 1]
            if not self._joined(initial, nxt, " ."):
                continue
            unknown = (
                self._capitalised(nxt)
                and self._unknown_word(nxt)
                and nxt.is_title
                and len(nxt.key) >= 4
            )
            if self.dictionary_name(nxt) or (unknown and initial.text not in ("L", "R")):
                self._mark(i, 0.8, "name.initial")
                self._mark(i + 1, 0.8, "name.initial")

    def _full_name_rule(self) -> None:
        """A common given name followed by a surname or by a word no list knows is a full
        name: ``Lindsey Cardarelli``, ``Bea Tura`` — in any letter case."""
        for i in range(len(self.tokens) - 1):
            first, last = self.tokens[i], self.tokens[i + 1]
            if not self._joined(first, last, " ") or first.key in STOPWORDS or len(first.key) < 3:
                continue
            ordinary = not self.dictionary_name(first)  # "Trace", "Pat", "Mark" are words too
            if self.lex.given_weight(first.key) < (0.85 if ordinary else 0.5):
                continue
            if self.style is CaseStyle.MIXED and not (first.is_title or first.is_upper):
                continue
            surname = self.lex.surname_weight(last.key) > 0 and not self.lex.is_vocabulary(last.key)
            unknown = self._unknown_word(last) and len(last.key) >= 4 and not ordinary
            if surname or unknown:
                if self.style is CaseStyle.MIXED and last.is_lower:
                    continue
                self._mark(i, 0.8, "name.full")
                self._mark(i + 1, 0.8, "name.full")

    def _dictionary_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if not self.dictionary_name(tok) or len(tok.key) < 3:
                continue
            weight = self._weight(tok)
            if weight < 0.7:
                continue
            if weight < 0.85 and (len(tok.key) <= 4 or self.lex.near_vocabulary(tok.key)):
                continue
            if self.style is CaseStyle.MIXED and tok.is_lower:
                continue
            if len(tok.key) == 3 and (tok.is_upper or self.style is not CaseStyle.MIXED):
                continue  # three capitals are an abbreviation more often than a name
            self._mark(i, round(weight * 0.8, 3), "name.dictionary")

    def _signature_rule(self) -> None:
        """Short last lines of a note are signatures: ``Ilene Macdonald RN``, ``SUSAN``."""
        lines: dict[int, list[int]] = {}
        for i, tok in enumerate(self.tokens):
            lines.setdefault(self.text.rfind("\n", 0, tok.start), []).append(i)
        for start in sorted(lines)[-2:]:
            line = lines[start]
            end = self.text.find("\n", self.tokens[line[-1]].end)
            rest = self.text[self.tokens[line[-1]].end : end if end >= 0 else len(self.text)]
            if (
                len(line) > 5
                or ":" in rest
                or any(c.isdigit() for c in self.text[start + 1 : self.tokens[line[-1]].end])
            ):
                continue
            words = [
                self.tokens[i]
                for i in line
                if self.tokens[i].key not in CREDENTIALS and not self._initial(i)
            ]
            if not words or not all(self.name_like(w, Evidence.MEDIUM) for w in words):
                continue
            if not any(self.dictionary_name(w) for w in words):
                continue
            for i in line:
                if self.tokens[i].key not in CREDENTIALS:
                    self._mark(i, 0.8, "name.signature")

    def _adjacency_rule(self) -> None:
        """Grow names into neighbouring name-like tokens: ``Karen Ann Yanulis``."""
        changed = True
        while changed:
            changed = False
            for i in sorted(self.scores):
                if self.scores[i][0] < 0.75:
                    continue
                for j in (i - 1, i + 1):
                    if (
                        j < 0
                        or j >= len(self.tokens)
                        or (j in self.scores and self.scores[j][0] >= 0.5)
                    ):
                        continue
                    a, b = (
                        (self.tokens[j], self.tokens[i])
                        if j < i
                        else (self.tokens[i], self.tokens[j])
                    )
                    if not self._joined(a, b, " -"):
                        continue
                    tok = self.tokens[j]
                    given_first = (
                        j < i and self.lex.given_weight(tok.key) >= 0.7 and tok.key not in STOPWORDS
                    )
                    if (
                        self.dictionary_name(tok)
                        or (self._unknown_word(tok) and self._capitalised(tok))
                        or (
                            given_first
                            and (self._capitalised(tok) or self.style is CaseStyle.UPPER)
                        )
                    ):
                        self._mark(j, 0.75, "name.adjacent")
                        changed = True

    def _propagate(self) -> None:
        """A name found with confidence is masked wherever else it occurs in the note."""
        confident = {
            self.tokens[i].key
            for i, (score, _) in self.scores.items()
            if score >= 0.8
            and len(self.tokens[i].key) >= 3
            and not self.lex.is_vocabulary(self.tokens[i].key)
        }
        for i, tok in enumerate(self.tokens):
            if tok.key in confident:
                self._mark(i, 0.8, "name.propagated")

    def find(self, extra_names: frozenset[str] = frozenset()) -> list[PhiSpan]:
        """Run every rule; ``extra_names`` are lower-case names known to be PHI in this report."""
        for i, tok in enumerate(self.tokens):
            if tok.key in extra_names:
                self._mark(i, 0.95, "name.known")
        self._title_rule()
        self._credential_rule()
        self._kin_rule()
        self._cue_rule()
        self._initial_rule()
        self._signature_rule()
        self._full_name_rule()
        self._dictionary_rule()
        self._adjacency_rule()
        self._propagate()
        return [
            PhiSpan(
                start=self.tokens[i].start,
                end=self.tokens[i].end,
                type=PhiType.NAME,
                score=round(score, 3),
                source=source,
            )
            for i, (score, source) in sorted(self.scores.items())
        ]
