"""Names of people: patients, relatives, clinicians — by context first, dictionaries second.

A token becomes a name when the words around it say so (``Dr.``, ``daughter``, ``RN`` after it,
``spoke with``), or when it is a common given name or surname that is not also an ordinary
English or clinical word. Names found with confidence are then masked everywhere in the note.
"""

from __future__ import annotations

import re

from services.ingestor.phi import name_forms, name_initials, names_growth, names_unlisted
from services.ingestor.phi.name_shapes import Evidence, NameShapes
from services.ingestor.phi.name_words import (
    CAPITALS_ONLY_CREDENTIALS,
    CREDENTIALS,
    CUE_AFTER,
    CUE_BEFORE,
    HANDOFF,
    KIN,
    NAME_PARTICLES,
    NOT_AFTER_TITLE,
    STOPWORDS,
    STRONG_TITLES,
    WEAK_TITLES,
)
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token

__all__ = ["Evidence", "NameFinder"]


# verbs that stand before a clinician's credential without naming one ("PLS PAGE MD")
_ASKED_OF = frozenset(
    [
        "page",
        "paged",
        "paging",
        "call",
        "called",
        "calling",
        "notify",
        "notified",
        "inform",
        "informed",
        "ask",
        "asked",
        "tell",
        "told",
        "update",
        "updated",
        "see",
        "seen",
    ]
)


class NameFinder(NameShapes):
    """Finds person names in one note. Build one per note: it keeps per-note state."""

    # --- rules ---------------------------------------------------------------------------------
    def _take_name_after(self, i: int, evidence: Evidence, score: float, source: str) -> int:
        """Mark up to three name tokens (with initials) after token ``i``; return how many."""
        taken = 0
        j = i + 1
        prev = self.tokens[i]
        start = i + 1  # the name's first word: after an initial, the title still speaks for it
        while j < len(self.tokens) and taken < 3:
            tok = self.tokens[j]
            first = j == start
            allow = " .,:-'(" if first else (" .-" if self.initial(j - 1) else " -")
            if not self.joined(prev, tok, allow) or "\n" in self.gap(prev, tok):
                break
            following = self.tokens[j + 1] if j + 1 < len(self.tokens) else None
            if self._double_particle(j, score, source):
                prev = self.tokens[j + 1]
                j += 2
                continue
            if first and self._undotted_initial(j, following, max(evidence, Evidence.MEDIUM)):
                self.mark(j, score, source)  # "Dr A Troaski", "daughter m dale"
                start = j + 1
                evidence = Evidence.STRONG  # an initial and a word: the form of a name
            elif self.initial(j) or (tok.key in NAME_PARTICLES and following is not None):
                # an initial and a word after a title or kin word: the title speaks for both
                carried = Evidence.STRONG if first else Evidence.MEDIUM
                if following is None or not self.name_like(following, carried):
                    # "Mr. B." alone after a title is the patient's initial
                    if first and self._bare_initial(j) and evidence is Evidence.STRONG:
                        self.mark(j, score, source)
                    break
                if not self.joined(tok, following, " .'"):
                    break
                self.mark(j, score, source)
                if first:
                    start = j + 1
                    evidence = Evidence.STRONG  # an initial and a word: the form of a name
            elif self.name_like(tok, evidence if first else Evidence.MEDIUM) or (
                not first and self._surname_after_given(j)
            ):
                self.mark(j, score, source)
                taken += 1
            elif first and evidence is Evidence.STRONG and self._bare_initial(j):
                self.mark(j, score, source)  # "Mr. K is", "Mrs. K's"
                break
            else:
                break
            prev = tok
            j += 1
        return taken

    def _handed_to_person(self, tok: Token) -> bool:
        """After "reported to": a name ("rob", "d. briggs"), not a role or a verb ("to HO",
        "REPORTED TO SHOW")."""
        key = tok.key
        if key in self.lex.clinical or key in NOT_AFTER_TITLE or key in KIN:
            return False
        if key in CREDENTIALS or key.removesuffix("s") in CREDENTIALS:
            return False  # "report to MDs"
        if len(key) == 1:
            return True  # an initial
        return self.weight(tok) >= 0.5 or self.unknown_word(tok)

    def _double_particle(self, j: int, score: float, source: str) -> bool:
        """ "De La Cruz": two particles before the name itself are marked with it."""
        if j + 2 >= len(self.tokens) or self.tokens[j].key not in NAME_PARTICLES:
            return False
        if self.tokens[j + 1].key not in NAME_PARTICLES:
            return False
        if not self.name_like(self.tokens[j + 2], Evidence.MEDIUM):
            return False
        self.mark(j, score, source)
        self.mark(j + 1, score, source)
        return True

    def _surname_after_given(self, j: int) -> bool:
        """ "DR maggie price": after a given name taken as a name, a surname in any case."""
        prev, tok = self.tokens[j - 1], self.tokens[j]
        return (
            j - 1 in self.scores
            and self.lex.given_weight(prev.key) >= 0.7
            and self.lex.surname_weight(tok.key) >= 0.6
            and tok.key not in STOPWORDS
            and tok.key not in CREDENTIALS
        )

    def _undotted_initial(self, j: int, following: Token | None, evidence: Evidence) -> bool:
        tok = self.tokens[j]
        if len(tok.key) != 1 or following is None or not self.joined(tok, following, " "):
            return False
        after_title = j > 0 and self.tokens[j - 1].key in STRONG_TITLES | WEAK_TITLES
        if tok.key in ("a", "i", "r", "l", "w", "x") and not (
            tok.is_upper and (self.style is CaseStyle.MIXED or after_title)
        ):
            return False  # an article, a side ("r knee"), "w" (with), "x" (times)
        word = following.key
        if self.lex.is_vocabulary(word) and self.weight(following) == 0:
            return False  # "j tube"
        return self.name_like(following, Evidence.STRONG) and len(word) >= 3

    def _continue_list(self, last: int, score: float) -> None:
        """``Drs Joseph and Robbinson``, ``Sons Smokey, Morris and Roger``."""
        j = last + 1
        while j + 1 < len(self.tokens):
            joiner = self.tokens[j]
            gap = self.gap(self.tokens[j - 1], joiner).strip()
            if joiner.key == "and" and gap in ("", ","):
                k = j + 1
            elif gap in (",", "/", "&"):  # "Drs. Lanz/Okafor", "Drs Lanz & Okafor"
                k = j
            else:
                break
            if k < len(self.tokens) and self.tokens[k].key in ("dr", "drs"):
                k += 1
            if k < len(self.tokens) and self.name_like(self.tokens[k], Evidence.MEDIUM):
                self.mark(k, score, "name.list")
                j = k + 1
                continue
            break

    def _title_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            key = tok.key if tok.text.lower() != "dr's" else "drs"
            if tok.text not in (tok.text.lower(), tok.text.upper(), tok.text.capitalize()):
                continue  # "mRS" is the modified Rankin scale, not "Mrs"
            if key in STRONG_TITLES:
                ambiguous = key in ("mr", "mrs") and tok.is_upper and self.style is CaseStyle.MIXED
                evidence = (
                    Evidence.MEDIUM
                    if ambiguous or self.style is CaseStyle.UPPER
                    else Evidence.STRONG
                )
                if (
                    key in ("mr", "mrs", "dr", "drs")
                    and tok.is_upper
                    and self.style is CaseStyle.UPPER
                ):
                    evidence = Evidence.STRONG if key in ("dr", "drs") else Evidence.MEDIUM
            elif key in WEAK_TITLES:
                if key == "ms" and tok.text == "MS" and self.style is CaseStyle.MIXED:
                    continue
                if key == "pa" and not tok.is_upper:
                    continue  # "pa line", "pa pressures"
                evidence = Evidence.MEDIUM
            else:
                continue
            taken = self._take_name_after(
                i, evidence, 0.95 if evidence is Evidence.STRONG else 0.85, "name.title"
            )
            if taken:
                self._continue_list(i + taken + self._initials_between(i, i + taken), 0.85)

    def _initials_before_credential(self, i: int) -> bool:
        prev = self.tokens[i - 1]
        return (
            prev.text.isupper()
            and 2 <= len(prev.text) <= 3
            and not self.lex.is_vocabulary(prev.key)
            and prev.key not in STOPWORDS
            and self.joined(prev, self.tokens[i], " ,")
        )

    def _initials_between(self, i: int, j: int) -> int:
        return sum(1 for k in range(i + 1, min(j + 1, len(self.tokens))) if self.initial(k))

    def _credential_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if tok.key not in CREDENTIALS or i == 0:
                continue
            if tok.key in CAPITALS_ONLY_CREDENTIALS and (
                not tok.is_upper or re.match(r"\s*\d", self.text[tok.end : tok.end + 3])
            ):
                continue  # "PA 54/18" is a pressure
            marks, taken = self._names_before_credential(i)
            # "Bernard Foley CRT": a clinical word after a given name is a surname here
            if taken == 0 and i >= 2 and self.lex.surname_weight(self.tokens[i - 1].key) >= 0.6:
                given = self.tokens[i - 2]
                if self.dictionary_name(given) and self.lex.given_weight(given.key) >= 0.7:
                    marks = [i - 1, i - 2]
                    taken = 2
            if taken:
                for k in marks:
                    self.mark(k, 0.9, "name.credential")
            elif not marks and self._initials_before_credential(i):
                self.mark(i - 1, 0.7, "name.credential")  # "JMK RN" signs with initials

    def _names_before_credential(self, i: int) -> tuple[list[int], int]:
        """Tokens of the name right before the credential at ``i`` and how many are words."""
        marks: list[int] = []
        j, nxt, taken = i - 1, self.tokens[i], 0
        while j >= 0 and taken < 3:
            prev = self.tokens[j]
            allow = " -.," if self.initial(j) else " -,"
            if not self.joined(prev, nxt, allow) or "\n" in self.gap(prev, nxt):
                break
            if prev.key in _ASKED_OF:
                break  # "PLS PAGE MD", "NOTIFY RN": what is asked of the clinician
            if self.initial(j):
                marks.append(j)
            elif (
                self.name_like(prev, Evidence.MEDIUM)
                or (self.capitalised(prev) and self.lex.surname_weight(prev.key) >= 0.7)
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
        return marks, taken

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
        for i, tok in enumerate(self.tokens[:-1]):
            # "name is king", "a friend named Hope": what is named is a name, whatever word
            if tok.key == "named" or (tok.key == "name" and self.tokens[i + 1].key == "is"):
                self._take_name_after(i + (tok.key == "name"), Evidence.STRONG, 0.85, "name.named")

    def _cue_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            handoff = tok.key in ("to", "from") and i > 0 and self.tokens[i - 1].key in HANDOFF
            if (tok.key in CUE_BEFORE or handoff) and i + 1 < len(self.tokens):
                nxt = self.tokens[i + 1]
                if handoff and self._handed_to_person(nxt):
                    # "reported to rob", "report given to d. briggs": a hand-off is to a person
                    self._take_name_after(i, Evidence.STRONG, 0.75, "name.handoff")
                elif self.dictionary_name(nxt) and self.weight(nxt) >= 0.6:
                    self._take_name_after(i, Evidence.MEDIUM, 0.75, "name.cue")
            elif tok.key in CUE_AFTER and i > 0:
                j, nxt = i - 1, tok
                while j >= 0 and i - j <= 3:
                    prev = self.tokens[j]
                    if not self.joined(prev, nxt, " .-") or not (
                        self.dictionary_name(prev)
                        or (j < i - 1 and self.name_like(prev, Evidence.MEDIUM))
                    ):
                        break
                    self.mark(j, 0.75, "name.cue")
                    nxt = prev
                    j -= 1

    def _initial_rule(self) -> None:
        for i in range(len(self.tokens) - 1):
            initial = self.tokens[i]
            # "d. renna" in a lower-case note; elsewhere initials are capitals
            lower_ok = self.style is CaseStyle.LOWER and initial.text not in ("l", "r")
            if not self.initial(i) or not (initial.text.isupper() or lower_ok):
                continue
            if initial.start > 0 and self.text[initial.start - 1] in "'/<>.":
                continue  # 90's, r/t
            nxt = self.tokens[i + 1]
            if not self.joined(initial, nxt, " ."):
                continue
            unknown = ((self.capitalised(nxt) and nxt.is_title) or initial.text.islower()) and (
                len(nxt.key) >= 4
                and (self.unknown_word(nxt) or (initial.text.islower() and self.weight(nxt) > 0))
                and not self.lex.is_vocabulary(nxt.key)
            )
            if self.dictionary_name(nxt) or (unknown and initial.text not in ("L", "R")):
                self.mark(i, 0.8, "name.initial")
                self.mark(i + 1, 0.8, "name.initial")

    def _full_name_rule(self) -> None:
        """A common given name followed by a surname or by a word no list knows is a full
        name: ``Lindsey Cardarelli``, ``Bea Tura`` — in any letter case."""
        for i in range(len(self.tokens) - 1):
            first, last = self.tokens[i], self.tokens[i + 1]
            if not self.joined(first, last, " ") or first.key in STOPWORDS or len(first.key) < 3:
                continue
            ordinary = not self.dictionary_name(first)  # "Trace", "Pat", "Mark" are words too
            if self.lex.given_weight(first.key) < (0.85 if ordinary else 0.5):
                continue
            if self.style is CaseStyle.MIXED and not (first.is_title or first.is_upper):
                continue
            surname = self.lex.surname_weight(last.key) > 0 and not self.lex.is_vocabulary(last.key)
            unknown = self.unknown_word(last) and len(last.key) >= 4 and not ordinary
            if surname or unknown:
                if self.style is CaseStyle.MIXED and last.is_lower:
                    continue
                self.mark(i, 0.8, "name.full")
                self.mark(i + 1, 0.8, "name.full")

    def _dictionary_rule(self) -> None:
        for i, tok in enumerate(self.tokens):
            if not self.dictionary_name(tok) or len(tok.key) < 3:
                continue
            weight = self.weight(tok)
            if weight < 0.7:
                continue
            if weight < 0.85 and (len(tok.key) <= 4 or self.lex.near_vocabulary(tok.key)):
                continue
            if self.style is CaseStyle.MIXED and tok.is_lower:
                continue
            if len(tok.key) == 3 and (tok.is_upper or self.style is not CaseStyle.MIXED):
                continue  # three capitals are an abbreviation more often than a name
            self.mark(i, round(weight * 0.8, 3), "name.dictionary")

    def find(self, extra_names: frozenset[str] = frozenset()) -> list[PhiSpan]:
        """Run every rule; ``extra_names`` are lower-case names known to be PHI in this report."""
        for i, tok in enumerate(self.tokens):
            if tok.key in extra_names:
                self.mark(i, 0.95, "name.known")
        self._title_rule()
        self._credential_rule()
        self._kin_rule()
        self._cue_rule()
        self._initial_rule()
        name_forms.dotted_initials(self)
        name_forms.possessive_before_kin(self)
        name_forms.credential_title_after_cue(self)
        name_forms.lower_case_in_capitals(self)
        name_forms.synthea_pairs(self)
        names_unlisted.names_before_kin(self)
        names_unlisted.unlisted_after_cue(self)
        names_unlisted.signed_before_credential(self)
        names_unlisted.unusual_case_before_cue(self)
        names_unlisted.case_anomalies(self)
        name_initials.initial_and_word_after_cue(self)
        name_initials.name_opening_clause_before_cue(self)
        name_initials.word_name_after_title(self)
        names_growth.signature_lines(self)
        self._full_name_rule()
        self._dictionary_rule()
        names_growth.grow_into_neighbours(self)
        names_growth.repeat_confident_names(self)
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
