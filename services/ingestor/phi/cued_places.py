"""Places named without a facility word, found by the words around them.

Nursing notes name hospitals the way staff speak: "went to Harbor", "transferred from Lally MICU",
"family came from the Eastern Shore", "followed at kernan". No list of local hospitals is
shipped, so the evidence is the context: a place preposition or a transfer verb before the name,
a hospital unit after it, a geographic head noun (Shore, County, Campus) in it — and, in mixed-case
text, the capital letter of a word in mid-sentence. These findings score lower than the
facility rules; the policy's ``min_score`` decides whether they are masked.
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import CREDENTIALS, KIN, STOPWORDS, STRONG_TITLES
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token
from services.ingestor.phi.word_sets import word_set

# a place follows these (also "@")
PLACE_PREPOSITIONS = word_set("to from at in into near via")
# hospital-internal destinations and words that follow "to/at/from" without naming a place
NOT_A_PLACE = word_set(
    "floor floors unit units ward wards room rm bed beds chair commode home house rehab hospice"
    " nursing er ew ed ew's icu micu sicu ccu csru ctic cvicu nicu picu pacu or ors ir ep cath lab"
    " labs radiology ct mri mra echo dialysis hd stepdown step tele telemetry vna osh baseline"
    " bedside rest night noc am pm day days time times present touch bathroom shower stretcher"
    " wheelchair bsc side sides front back left right top bottom place places area areas end"
    " hospital hosp clinic office facility facilities center centre service services team"
    " medicine surgery cardiology neurology neuro oncology psych psychiatry ortho gyn ob"
    " emergency er's trauma cardiac medical surgical transplant the a an this that his her"
    " their our its one two three four five six seven eight nine ten none all both each"
    " sicu's micu's ccu's sleep bed's visit family pt patient"
    " monday tuesday wednesday thursday friday saturday sunday"
    " january february march april may june july august september october november december"
)
# units and services after a hospital's name: "Lally MICU", "Warren Grant EW", "kernan ew"
UNIT_AFTER_NAME = word_set("icu micu sicu ccu csru nicu picu cvicu er ew ed rehab campus")
# what says which of a hospital's own units is meant: "to cardiac ICU", "from the main ED"
_UNIT_QUALIFIERS = word_set(
    "the a an our this that their another other outside main medical surgical cardiac cardiology"
    " neuro neurology neurosurgical neurosurgery trauma burn burns pediatric paediatric adult"
    " neonatal coronary cardiothoracic cardiovascular thoracic transplant oncology onc renal"
    " respiratory pulmonary general step stepdown step-down intermediate observation psych"
    " psychiatric peds ped medicine surgery vascular ortho orthopedic geriatric emergency"
    " mixed closed open new old same previous different hospital floor unit"
)
# "Eastern Shore", "North Campus", "Anne Arundel County", "Glen Burnie Heights"
GEOGRAPHIC_HEADS = word_set(
    "shore shores county campus valley heights hills island islands beach springs falls village"
    " township parish harbor harbour point bay lake lakes mountain mountains"
    # districts: "Beacon Hill", "South End", "Jamaica Plain", "Harvard Square", "Oak Park"
    " hill end square plain plains corner corners landing crossing junction grove meadows woods"
    " ridge highlands creek river park"
)
# words that say where on something, not which place ("left corner", "far end", "back end")
_POSITIONS = word_set(
    "left right upper lower top bottom far near outer inner front rear middle dead deep loose"
    " tail other each either this that same wrong"
)
# Words that name US hospitals and health systems across the country (general knowledge,
# written by hand): after a place preposition they are places even when they are also
# ordinary words ("admitted to Mercy", "followed at presbyterian").
HOSPITAL_NAME_WORDS = word_set(
    "mercy sinai presbyterian methodist baptist lutheran adventist episcopal samaritan"
    " deaconess shriners kaiser hopkins mayo cedars lahey ochsner geisinger intermountain"
    " kettering montefiore bellevue maimonides langone northwell hackensack christiana inova"
    " sentara novant wellstar beaumont upmc medstar brigham dartmouth vanderbilt emory"
    " baystate bayview providence covenant nazareth bethesda"
)
_PAIR_HEADS = word_set("good holy mount mt st saint sacred")
_PAIR_TAILS = HOSPITAL_NAME_WORDS | word_set("cross family name redeemer spirit heart rosary")
# verbs of moving, living and being cared for: in single-case notes a place preposition counts
# only after one of these ("transferred from kernan", "followed at gh")
MOVEMENT_WORDS = word_set(
    "transferred transfered transfer xfer xferred trans sent send went go goes going gone admitted"
    " admit admission brought bring taken take came come comes coming arrived arrive arrival"
    " returned return returning discharged discharge moved move visiting visit visited lives"
    " live living lived resides reside residing followed follows seen treated care cared works"
    " worked work employed born raised vacation vacationing flew drove flown driven trip"
    " transported transport airlifted medflighted flighted evaluated hospitalized stay stayed"
    " stays surgeon surgeons doctor doctors physician physicians team staff nurse nurses records"
    " ambulance ems transplant transplanted surgery surgeries procedure procedures done"
    " performed hospitalization"
    # where a test was done or care is given: "CATH AT CENTEIO", "his PCP at singleton"
    " cath cathed ct mri echo scan scanned imaged intubated pcp followup"
)
# what comes before "to/in" when it is not a place that follows ("changed to Promote",
# "secondary to hypotension", "increase in MAPs", "report to MDs")
NOT_MOVEMENT_WORDS = word_set(
    "changed change switched switch converted convert increased increase decreased decrease"
    " titrated titrate weaned wean advanced advance response respond responding responded"
    " responsive allergic allergy allergies due secondary related prior attributed sensitive"
    " tolerance intolerant drop dropped rise improvement improved applied apply report reported"
    " continue continues continued cont able unable going need needs needed plan plans"
)
# endings of medical and derived English words: an unknown word with one is a typo or a term
_MEDICAL_ENDING = re.compile(
    r"(?:itis|osis|emia|uria|ectomy|otomy|ostomy|plasty|scopy|graphy|gram|pathy|algia|esis|ysis"
    r"|ation|ations|ated|ates|ate|ize|ized|ing|ment|ness|ics|ive|ous|ity|ism|oma|ular|ial"
    r"|ic|al|ed|ly)$"
)
_DRUG_SUFFIX = re.compile(
    r"(?:mycin|micin|cillin|cef\w*|pril|olol|sartan|statin|azole|afil|tidine|prazole|oxacin"
    r"|cycline|parin|phine|codone|azepam|zolam|triptan|dronate|gliptin|glitazone|mab|nib"
    r"|vir|ine|ide|ium|one|lol|pam|cin|fen|lin)$"
)


def term_shaped(key: str) -> bool:
    """Whether ``key`` ends like a medical term or a derived English word (-itis, -ation,
    -ing, ...)."""
    return bool(_MEDICAL_ENDING.search(key))


def looks_like_drug(key: str) -> bool:
    """Drug names end in a few dozen stems (-mycin, -pril, -olol, ...): never a place or name."""
    return len(key) >= 6 and bool(_DRUG_SUFFIX.search(key))


def _span(start: int, end: int, score: float, source: str) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=PhiType.LOCATION, score=score, source=source)


class _PlaceContext:
    def __init__(self, text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon):
        self.text = text
        self.tokens = tokens
        self.style = style
        self.lex = lex

    def excluded(self, tok: Token) -> bool:
        key = tok.key
        return (
            len(key) < 2
            or key in NOT_A_PLACE
            or key.endswith(("icu", "ccu"))  # TSICU, NSICU, CVICU
            or ("'" in key and not key.startswith(("o'", "d'")))  # con't, UE's
            or key in self.lex.regions
            or key in STOPWORDS
            or key in KIN
            or key in CREDENTIALS
            or key in STRONG_TITLES
            or key in self.lex.clinical
            or looks_like_drug(key)
        )

    def unknown(self, tok: Token) -> bool:
        """Not a word of the vocabularies, nor a typo of one, nor shaped like a term."""
        key = tok.key
        if self.lex.is_vocabulary(key) or term_shaped(key):
            return False
        return len(key) >= 4 and (len(key) < 6 or not self.lex.near_vocabulary(key))

    def capitalised(self, tok: Token) -> bool:
        """A capital that says "proper noun": title case, or all capitals in a word too long
        for an abbreviation (``QUARTERMAIN``, not ``RIJ``) — only in mixed-case text."""
        text = tok.text.split("'")[0]
        title = text[0].isupper() and text[1:].islower()  # not "MAPs", "SpO"
        if self.style is CaseStyle.LOWER:  # a capital in a lower-case note says even more
            return title
        return self.style is CaseStyle.MIXED and (title or (tok.is_upper and len(text) >= 5))

    def place_like(self, tok: Token, moved: bool) -> float:
        """Confidence that ``tok`` is (part of) a place name right after a place cue;
        ``moved``: a verb of moving or living came before the cue."""
        if self.excluded(tok):
            return 0.0
        if tok.key in HOSPITAL_NAME_WORDS:
            return 0.7
        if self.capitalised(tok):
            if self.unknown(tok):
                return 0.7
            # an ordinary word capitalised mid-sentence: a name ("went to Harbor") or an
            # over-capitalised term ("in Respiratory distress")
            return 0.55 if moved else 0.45
        if self.style is CaseStyle.MIXED:
            # "transfered to piacenza": a word no vocabulary knows, after a transfer
            return 0.6 if moved and len(tok.key) >= 5 and self.unknown(tok) else 0.0
        return 0.6 if moved and self.unknown(tok) else 0.0

    def joined(self, a: Token, b: Token) -> bool:
        """Two words of one name: a space or hyphen between, a full stop only after an
        abbreviation such as ``St.`` (otherwise it ends the sentence)."""
        gap = self.text[a.end : b.start]
        if "." in gap and a.key not in ("st", "ste", "mt", "ft"):
            return False
        return 0 < len(gap) <= 2 and all(c in " -'." for c in gap)

    def moved_before(self, i: int) -> bool:
        return any(t.key in MOVEMENT_WORDS for t in self.tokens[max(0, i - 3) : i])

    def changed_before(self, i: int) -> bool:
        return i > 0 and self.tokens[i - 1].key in NOT_MOVEMENT_WORDS

    def after_preposition(self) -> list[PhiSpan]:
        spans = []
        for i, tok in enumerate(self.tokens):
            cue = tok.key in PLACE_PREPOSITIONS
            at_sign = self.text[max(0, tok.start - 2) : tok.start].strip() == "@"
            if at_sign:
                j = i
            elif cue and i + 1 < len(self.tokens) and not self.changed_before(i):
                j = i + 1
                if not self.joined_by_space(tok, self.tokens[j]):
                    continue
            else:
                continue
            if self.tokens[j].key == "the" and j + 1 < len(self.tokens):
                j += 1
            spans += self.take_place(j, self.moved_before(i))
        return spans

    def joined_by_space(self, a: Token, b: Token) -> bool:
        gap = self.text[a.end : b.start]
        return 0 < len(gap) <= 2 and gap.strip() == ""

    def take_place(self, j: int, moved: bool) -> list[PhiSpan]:
        pair = self.named_pair(j)
        if pair is not None:
            return [pair]
        scores: list[float] = []
        k = j
        while k < len(self.tokens) and len(scores) < 3:
            if k > j and not self.joined(self.tokens[k - 1], self.tokens[k]):
                break
            score = self.place_like(self.tokens[k], moved)
            if not score:
                break
            scores.append(score)
            k += 1
        if not scores:
            return []
        # a lone common given name after "to" is a person more often ("report given to Mary")
        first = self.tokens[j]
        if len(scores) == 1 and self.idiom_of(j):
            return []
        if len(scores) == 1 and self.lex.given_weight(first.key) >= 0.85 and not self.unit_after(k):
            return []
        # two capitalised words in a row mid-sentence ("at Holy Cross") name something
        score = max(scores) if len(scores) == 1 else max(*scores, 0.55)
        return [_span(first.start, self.tokens[k - 1].end, score, "location.cue")]

    def idiom_of(self, j: int) -> bool:
        """``at the mercy of``, ``in the hope of``: an ordinary word between "the" and "of"
        is the idiom's noun, not a place."""
        return (
            0 < j < len(self.tokens) - 1
            and self.tokens[j - 1].key == "the"
            and self.tokens[j + 1].key == "of"
            and self.tokens[j].is_lower
            and self.tokens[j].key in self.lex.english
        )

    def named_pair(self, j: int) -> PhiSpan | None:
        """``good samaritan``, ``HOLY CROSS``, ``mount sinai``: two ordinary words that name a
        hospital together, in any case."""
        if j + 1 >= len(self.tokens) or self.tokens[j].key not in _PAIR_HEADS:
            return None
        second = self.tokens[j + 1]
        if second.key not in _PAIR_TAILS or not self.joined(self.tokens[j], second):
            return None
        return _span(self.tokens[j].start, second.end, 0.7, "location.cue_pair")

    def unit_after(self, k: int) -> bool:
        return (
            k < len(self.tokens)
            and self.tokens[k].key in UNIT_AFTER_NAME
            and self.joined(self.tokens[k - 1], self.tokens[k])
        )

    def before_unit(self) -> list[PhiSpan]:
        """``Lally MICU``, ``kernan ew``: a name no vocabulary knows right before a unit."""
        spans = []
        for k, tok in enumerate(self.tokens):
            if k == 0 or tok.key not in UNIT_AFTER_NAME:
                continue
            if self.style is CaseStyle.MIXED and not (tok.is_upper or tok.is_title):
                continue
            prev = self.tokens[k - 1]
            if not self.joined_by_space(prev, tok) or self.excluded(prev):
                continue
            if prev.key in _UNIT_QUALIFIERS:
                continue  # "peds ER", "neuro ICU": which of the hospital's own units
            if not self.unknown(prev):
                # "transferred to faith MICU", "ADM FROM leseman CATH LAB", "seen in mornay
                # er": after to, from, at or in, what names the unit is the hospital
                cue = self.tokens[k - 2] if k >= 2 else None
                if (
                    cue is not None
                    and cue.key in ("to", "from", "at", "in")
                    and self.joined_by_space(cue, prev)
                    and prev.key not in self.lex.clinical
                    and prev.key not in self.lex.medical
                    and len(prev.key) >= 3
                ):
                    spans.append(_span(prev.start, prev.end, 0.6, "location.unit"))
                continue
            if self.style is CaseStyle.MIXED and not self.capitalised(prev):
                continue
            spans.append(_span(prev.start, prev.end, 0.6, "location.unit"))
        return spans

    def geographic(self) -> list[PhiSpan]:
        """``Eastern Shore``, ``North Campus``: a modifier and a geographic head noun."""
        spans = []
        for k in range(1, len(self.tokens)):
            head, mod = self.tokens[k], self.tokens[k - 1]
            if head.key not in GEOGRAPHIC_HEADS or not self.joined_by_space(mod, head):
                continue
            if mod.key in STOPWORDS or mod.key in self.lex.clinical or len(mod.key) < 3:
                continue
            if mod.key in _POSITIONS or (head.key == "end" and mod.key in ("back", "high", "low")):
                continue
            if self.style is CaseStyle.MIXED:
                if not (self.capitalised(mod) and self.capitalised(head)):
                    continue
            else:
                before = [t.key for t in self.tokens[max(0, k - 3) : k - 1]]
                if not any(w in PLACE_PREPOSITIONS for w in before):
                    continue
            spans.append(_span(mod.start, head.end, 0.65, "location.geographic"))
        return spans


def find_cued_places(
    text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon
) -> list[PhiSpan]:
    """Places named without a facility word, by the words around them (see module doc)."""
    context = _PlaceContext(text, tokens, style, lex)
    return context.after_preposition() + context.before_unit() + context.geographic()
