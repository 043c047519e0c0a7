"""Organisations by the frame that says what they are, in any letter case.

- after a label that names a kind of body, with a colon or "is": ``Insurer: HDFC ERGO   Policy
  No: …``, ``TPA: Medi Assist``, ``Part D plan: SilverScript``, ``pt's ins is bcbs of md, id #``,
  ``Pharmacy: Pharmasave Kerrisdale`` — the name ends at punctuation, a column gap, a number or
  the label of a number (``Insurance: HUSKY Health ID 109447720``); and without a colon where
  the insurer's member number follows (``INSURANCE MEDICA MEMBER ID MC4471902``);
- a school or college after what a pupil, student or teacher does there: ``attended frostburg
  state``, ``taught at north hagerstown high``, ``Year 7 at Kenmore State High School``;
- a name and a tail that only an insurer or a practice takes: ``MERIDIAN HEALTH PLAN``,
  ``Medical Mutual of Ohio``, ``Eastgate Family Medicine``, ``Toowong Family Medical``;
- a brand written in one word with an inner capital after "at", "through", "via" or "by"
  (``drawn at LifeLabs``, ``bone age at QScan``): drugs written so (``NovoLog``) follow other
  words;
- Quebec's public bodies and French hospital names: ``CLSC de Hull``, ``CHSLD Saint-Joseph``,
  ``Hôpital Général Juif``.
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import STOPWORDS
from services.ingestor.phi.organisations import GENERIC_HEADS
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

_NAME_WORD = r"(?:(?:St|Mt|Ste)\.|[^\W\d_][\w'’&\-]*)"
# where a labelled body's name ends: punctuation, a column gap, a number, a number's label
_NAME_END = (
    r"(?=[ \t]*(?:[.;,()\n/|]|$)|[ \t]{2,}|[ \t]+(?:\#|\d)|[ \t]+[^\W\d_]+[ \t]*:"
    r"|[ \t]+(?i:id|member|mbr|policy|group|grp|subscriber|acct|account|no\.?|number|plan\s+id"
    r"|ends|until|since|starting|from|for|on|instead|and\s+(?:my|his|her|the))\b)"
)
_BODY_LABEL = re.compile(
    r"(?im)\b(?:(?:primary|secondary|tertiary|supplemental)[ \t]+ins(?:urance)?|insurance"
    r"(?:[ \t]+(?:company|carrier|provider|plan))?|ins|insurer|payer|payor|carrier|tpa"
    r"|(?:health|dental|part[ \t]+d|drug|medicare[ \t]+advantage)[ \t]+plan|pbm"
    r"|(?:preferred[ \t]+)?pharmacy|employer|workplace|school|college|daycare|care[ \t]+home"
    r"|nursing[ \t]+home|home[ \t]+health(?:[ \t]+agency)?|dme(?:[ \t]+(?:company|supplier))?"
    r"|submitting[ \t]+(?:facility|practice|lab)|landlord)"
    r"(?:'s)?[ \t]*(?::|[ \t]is(?:[ \t]+(?:now|still))?|=)[ \t]*"
    rf"(?P<value>{_NAME_WORD}(?:[ \t]{_NAME_WORD}){{0,5}}?){_NAME_END}"
)
# an insurer named between its label and the member number, with no colon
_INSURER_BEFORE_NUMBER = re.compile(
    r"(?i)\b(?:ins|insurance|insurer)[ \t]+"
    rf"(?P<value>{_NAME_WORD}(?:[ \t]{_NAME_WORD}){{0,3}}?)"
    r"[ \t]+(?:member|mbr|subscriber|policy)[ \t]*(?:id|#|no\.?|number)"
)
_SCHOOL_TAILS = (
    r"high|high[ \t]+school|state|elementary|middle|middle[ \t]+school|academy|college|prep"
    r"|university|school|polytechnic|tafe|institute|grammar|primary|secondary|montessori"
)
_SCHOOL = re.compile(
    r"(?i)\b(?:attends|attended|attending|goes[ \t]+to|went[ \t]+to|graduated[ \t]+from"
    r"|taught[ \t]+at|teaches[ \t]+at|teacher[ \t]+at|student[ \t]+at|studies[ \t]+at"
    r"|studying[ \t]+at|enrolled[ \t]+at|pupil[ \t]+at|year[ \t]+\d{1,2}[ \t]+at"
    r"|grade[ \t]+\d{1,2}[ \t]+at)[ \t]+(?:the[ \t]+)?"
    rf"(?P<value>(?:{_NAME_WORD}[ \t]+){{1,4}}?(?:{_SCHOOL_TAILS}))\b"
)
_PAYER_TAIL = re.compile(
    r"(?i)[ \t](?:health[ \t]+plans?|health[ \t]+insurance|mutual(?:[ \t]+of[ \t]+[^\W\d_][\w\-]*)?"
    r"|family[ \t]+(?:medicine|medical|practice|physicians|doctors|health[ \t]+team|clinic))\b"
)
# tails of two words that only a named provider or body takes, in any letter case: "juniper grove
# assisted living", "ford dialysis center", "CARPENTER SENIOR LIVING"
_PROVIDER_TAIL = re.compile(
    r"(?i)[ \t](?:assisted[ \t]+living|senior[ \t]+living|rehabilitation[ \t]+(?:center|centre)"
    r"|rehab[ \t]+(?:center|centre)|dialysis[ \t]+(?:center|centre|unit)|(?:community[ \t]+)?health"
    r"[ \t]+(?:center|centre)|counsel+ing[ \t]+services|nursing[ \t]+(?:home|&[ \t]+rehab|and[ \t]+"
    r"rehab(?:ilitation)?)|care[ \t]+(?:center|centre|home)|home[ \t]+(?:care|health|infusion)"
    r"|medical[ \t]+(?:center|centre|group)|surgery[ \t]+(?:center|centre)|credit[ \t]+union"
    r"|school[ \t]+district|fire[ \t]+department|police[ \t]+department)\b"
)
# Holy X names a hospital, a school or a parish ("Holy Rosary", "HOLY CROSS"); the Holy Spirit of
# a patient's faith is left
_HOLY = re.compile(r"\b(?i:holy)[ \t]+(?i:cross|family|name|redeemer|rosary|trinity|innocents)\b")
# words that qualify a provider without naming it: "the nearest dialysis center", "her usual
# nursing home", "skilled nursing home"
_QUALIFIERS = word_set(
    "nearest closest usual previous prior current former same another other different local"
    " new old this that his her their its our your my pt pt's patient patient's skilled"
    " assisted long-term term acute subacute chronic outpatient inpatient residential private"
    " outside area nearby affiliated visiting hospital-based free low-cost"
)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’&\-]*)[ \t]*$")
# words that stand before a payer's name and are no part of it
_BEFORE_NAMES = word_set(
    "ins insurance insurer secondary primary tertiary supplemental plan payer by with from"
    " through via to at denied approved covered"
)
_INNER_CAPITAL = re.compile(
    r"\b(?i:at|through|thru|via|by)[ \t]+(?P<value>[A-Z][a-z]*[A-Z][A-Za-z]*[a-z][A-Za-z]*)\b"
)
_FRENCH = re.compile(
    r"\b(?P<value>(?i:clsc|chsld|ciusss|cisss|chu|chum|h[ôo]pital|centre[ \t]+hospitalier"
    r"|clinique)(?:[ \t]+(?:(?i:de|du|des|la|le|l'|d')[ \t]*)?[^\W\d_][\w'\-]*){1,4})"
)
_NOT_NAMES = word_set(
    "medicare medicaid tricare champva va nhs self none unknown private public retired"
    " unemployed disabled pending yes no n/a na same home other not see the a an my his her"
    " their our your same active denied approved verified updated changed covered"
)


def _span(start: int, end: int, score: float, source: str) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=PhiType.LOCATION, score=score, source=source)


def _words(value: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W\d_][\w'’&\-]*", value)]


class _Frames:
    def __init__(self, text: str, lex: Lexicon):
        self.text = text
        self.lex = lex

    def named(self, words: list[str], written: str) -> bool:
        """Whether ``words`` name a body: one word is no generic word, and the name is either
        written with a capital (or in capitals) or holds a word no vocabulary knows."""
        if not words or words[0] in _NOT_NAMES or all(w in _NOT_NAMES for w in words):
            return False
        distinct = [w for w in words if w not in GENERIC_HEADS and w not in STOPWORDS]
        if not distinct or any(w in self.lex.clinical for w in words if len(w) > 2):
            return False
        capital = any(c.isupper() for c in written)
        return capital or any(not self.lex.is_vocabulary(w) for w in distinct)

    def labelled(self) -> list[PhiSpan]:
        spans = []
        for m in [*_BODY_LABEL.finditer(self.text), *_INSURER_BEFORE_NUMBER.finditer(self.text)]:
            value = m.group("value").rstrip(" .-")
            if self.named(_words(value), value):
                start = m.start("value")
                spans.append(_span(start, start + len(value), 0.7, "location.body_label"))
        return spans

    def schools(self) -> list[PhiSpan]:
        spans = []
        for m in _SCHOOL.finditer(self.text):
            words = _words(m.group("value"))
            head = [w for w in words if w not in GENERIC_HEADS and w not in STOPWORDS]
            if head and not any(w in self.lex.clinical for w in head):
                spans.append(_span(m.start("value"), m.end("value"), 0.7, "location.school"))
        return spans

    def payers_and_practices(self) -> list[PhiSpan]:
        """The one to three words before the tail, walking back to a word that is no name."""
        spans = []
        for m in _PAYER_TAIL.finditer(self.text):
            start, named = m.start(), " of " in m.group(0).lower()
            for _ in range(3):
                word = _WORD_BEFORE.search(self.text, max(0, start - 40), start)
                if word is None:
                    break
                key = word.group(1).lower()
                if key in STOPWORDS or key in _BEFORE_NAMES:
                    break
                if key in _NOT_NAMES or key in self.lex.clinical:
                    start, named = m.start(), False
                    break
                named = named or key not in GENERIC_HEADS
                start = word.start(1)
            if named and start < m.start():
                spans.append(_span(start, m.end(), 0.7, "location.payer_or_practice"))
        return spans

    def providers(self) -> list[PhiSpan]:
        """A name of one to three words before a provider's two-word tail, in any case."""
        spans = []
        for m in _PROVIDER_TAIL.finditer(self.text):
            start, named = m.start(), False
            for _ in range(3):
                word = _WORD_BEFORE.search(self.text, max(0, start - 40), start)
                if word is None:
                    break
                key = word.group(1).lower()
                if key in STOPWORDS or key in _QUALIFIERS or key in _BEFORE_NAMES:
                    break
                if key in self.lex.clinical or key in _NOT_NAMES:
                    break
                named = named or key not in GENERIC_HEADS
                start = word.start(1)
            if named:
                spans.append(_span(start, m.end(), 0.7, "location.provider"))
        spans += [
            _span(m.start(), m.end(), 0.7, "location.holy") for m in _HOLY.finditer(self.text)
        ]
        return spans

    def inner_capitals(self) -> list[PhiSpan]:
        spans = []
        for m in _INNER_CAPITAL.finditer(self.text):
            if not self.lex.is_vocabulary(m.group("value").lower()):
                spans.append(_span(m.start("value"), m.end("value"), 0.65, "location.brand"))
        return spans

    def french(self) -> list[PhiSpan]:
        spans = []
        for m in _FRENCH.finditer(self.text):
            value = m.group("value").rstrip(" .-")
            spans.append(_span(m.start("value"), m.start("value") + len(value), 0.7, "location.fr"))
        return spans


def find_org_frames(text: str, lex: Lexicon) -> list[PhiSpan]:
    """Organisations named by a label, a school verb, a payer's or practice's tail, an inner
    capital after "at", or a French public body's name (see the module doc)."""
    frames = _Frames(text, lex)
    return [
        *frames.labelled(),
        *frames.schools(),
        *frames.payers_and_practices(),
        *frames.providers(),
        *frames.inner_capitals(),
        *frames.french(),
    ]
