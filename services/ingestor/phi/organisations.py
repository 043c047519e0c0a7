"""Organisations by their forms: a name and the word that says what kind of body it is
(``Turnaround Inc``, ``Riverside Cardiology Associates``, ``Meals on Wheels of Central
Maryland``), a shop with its number (``Rite Aid #11204``), the employer after "works at", and
the best-known national chains where a patient shops, works or is insured.

Safe Harbor lists no employers, but a named workplace, school, church or care provider narrows
who a patient is as much as a town does: they are masked as places.
"""

from __future__ import annotations

import re

from services.ingestor.phi.letter_blocks import find_letter_block_organisations
from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import KIN, STOPWORDS
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token
from services.ingestor.phi.word_sets import word_set

# words that end an organisation's name and say what it is
ORGANISATION_TAILS = word_set(
    "inc llc llp ltd plc corp corporation company group associates partners services service"
    " center centre school schools elementary middle academy college university church"
    " department dept council authority court bank foundation society agency institute pharmacy"
    " drugs surgery practice team imaging diagnostics laboratories labs logistics energy steel"
    " healthcare residences living shelter house homes inn hotel orthopaedics orthopedics"
    " neurology cardiology pediatrics paediatrics network trust union ministries mission club"
    " recovery dialysis hospice towing trucking freight transport haulage motors plumbing"
    " roofing realty properties manufacturing industries enterprises holdings consulting"
)
# in an all-capitals note only these tails say "organisation" ("SATS INC" is increased, "NSICU
# TEAM" and "DERM SERVICE" are hospital services)
UPPER_CASE_TAILS = word_set(
    "llc llp ltd plc corp corporation associates partners school academy college university"
    " church bank foundation society institute pharmacy"
)
# head words that alone name a service, not an organisation ("Family Medicine Associates" is
# someone's practice only with a name in front)
GENERIC_HEADS = word_set(
    "the of and for in on at a an family internal medicine medical physical therapy mental"
    " health community public home care surgical emergency general primary urgent nursing"
    " social human senior child children's children women's women behavioral behavioural"
    " cardiac cardiology neurology oncology radiology pathology pediatric pediatrics"
    " orthopaedic orthopedic sleep pain wound diabetes dialysis rehabilitation rehab outpatient"
    " inpatient clinical services service day hospital hospice palliative adult adults youth"
    " infectious disease kidney heart lung eye dental skin blood cancer transplant"
    " interventional diagnostic imaging laboratory lab court district county city state"
    " federal national local regional central north south east west northern southern"
    " eastern western greater upper lower new old high middle elementary work job there night"
    " nights day days school department dept division section unit clinic office program"
    " programme"
)
_JOINERS = word_set("of on in and & for the")
# tails that end an organisation's name even in lower case
LOWER_CASE_TAILS = word_set(
    "group practice department associates partners llc llp ltd school academy college"
    " university church pharmacy logistics construction insurance bank union foundation"
    " towing trucking freight plumbing roofing realty industries"
)
_FIRM = re.compile(r"\b([^\W\d_][^\W\d_'\-]{2,})[ \t]?&[ \t]?([^\W\d_][^\W\d_'\-]{2,})\b")
# a report's title line, a dash, and the place it names
_HEADER = re.compile(
    r"^[ \t]*(?i:[^\n—–]{0,40}\b(?:summary|note|report|sheet|contrast|admission|consult"
    r"|consultation|letter|referral|clerking|assessment|h&p|history))[^\n—–]{0,30}[ \t]+[—–][ \t]+"
    r"(?P<rest>[^\n]{2,80}?)[ \t]*$",
    re.MULTILINE,
)
# national chains and large bodies where patients shop, work, are insured or are cared for
# (general knowledge, written by hand); ambiguous words count only after a place cue
CHAIN_NAMES = word_set(
    "walgreens walmart costco kroger safeway tesco sainsbury's asda aetna cigna humana"
    " unitedhealthcare anthem labcorp neogenomics amedisys bayada gentiva omnicare brookdale"
    " amazon fedex ups usps starbucks mcdonald's lawtons superdrug lloydspharmacy rexall"
    " pharmasave lifelabs dynacare medibank bunnings woolworths medplus netmeds infosys wipro"
    " ambetter molina wellcare centene optum caremark silverscript bcbs highmark"
)
# "CVS" is the cardiovascular system in a note, "Target" and "Boots" are words
CHAIN_NAMES_CUED = word_set("cvs giant target boots kaiser quest sunrise lifeline sheetz")
_EMPLOYMENT_CUE = re.compile(
    r"\b(?:works?|worked|working|employed|job|employee|employer|fired|laid\s+off|retired"
    r"|volunteers?|attends?|student|enrolled)\s+(?:at|for|by|from|with)\s+(?:the\s+)?(?=\w)"
    # a post and the employer it is held at: "CEO OF IBM", "professor at Tufts", "owner of Joe's"
    r"|\b(?P<post>ceo|cfo|coo|president|vp|owner|co-owner|founder|chairman|professor|teacher"
    r"|principal|pastor|engineer|attorney|lawyer)\s+(?:of|at|for)\s+(?:the\s+)?(?=\w)",
    re.IGNORECASE,
)
_STORE_NUMBER = re.compile(r"^\s*#\s?\d{3,6}\b")  # "#20" is an IV gauge
_PLACE_CUES = word_set("at to from with via in by including and of the")


def _span(start: int, end: int, score: float, source: str) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=PhiType.LOCATION, score=score, source=source)


class _Organisations:
    def __init__(self, text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon):
        self.text = text
        self.tokens = tokens
        self.style = style
        self.lex = lex

    def cased(self, tok: Token) -> bool:
        """A capital that marks a proper noun in this note."""
        if self.style is CaseStyle.MIXED:
            return tok.text[0].isupper()
        if self.style is CaseStyle.LOWER:
            return tok.text[0].isupper()
        return tok.text.isupper()

    def joined(self, a: Token, b: Token) -> bool:
        """Two words of one name: a space, hyphen or ampersand between; a full stop only after
        an initial or "St" (elsewhere it ends a sentence)."""
        gap = self.text[a.end : b.start]
        if "." in gap and not (len(a.key) == 1 or a.key in ("st", "mt", "ft")):
            return False
        return 0 < len(gap) <= 2 and all(c in " -'&." for c in gap) and "\n" not in gap

    def head_before(self, k: int) -> int | None:
        """Index of the first word of the name ending just before token ``k`` (the tail)."""
        j = k
        while j > 0 and k - j < 5:
            prev = self.tokens[j - 1]
            if not self.joined(prev, self.tokens[j]):
                break
            if prev.key in _JOINERS and j - 1 > 0 and prev.key != "the":
                if self.cased(self.tokens[j - 2]) and self.joined(self.tokens[j - 2], prev):
                    j -= 1
                    continue
                break
            if (
                not self.cased(prev)
                or prev.key in STOPWORDS
                or prev.key in KIN
                or len(prev.key) < 2
            ):
                break
            j -= 1
        return j if j < k else None

    def tail_after_of(self, k: int) -> int:
        """``Association of Greater Rochdale``: capitalised words after "of" extend the name."""
        end = k
        if k + 2 < len(self.tokens) and self.tokens[k + 1].key == "of":
            j = k + 2
            while j < len(self.tokens) and j - k <= 4 and self.cased(self.tokens[j]):
                if not self.joined(self.tokens[j - 1], self.tokens[j]):
                    break
                end = j
                j += 1
        return end

    def distinctive(self, words: list[Token]) -> bool:
        return any(w.key not in GENERIC_HEADS and w.key not in _JOINERS for w in words)

    def named_with_tail(self) -> list[PhiSpan]:
        spans = []
        for k, tok in enumerate(self.tokens):
            if tok.key not in ORGANISATION_TAILS or not self.cased(tok):
                continue
            if self.style is CaseStyle.UPPER and tok.key not in UPPER_CASE_TAILS:
                continue
            first = self.head_before(k)
            if first is None:
                continue
            head = self.tokens[first:k]
            if not self.distinctive(head):
                continue
            if self.style is CaseStyle.UPPER and all(self.lex.is_vocabulary(w.key) for w in head):
                continue  # capitals say nothing here: a word no vocabulary holds says "name"
            end = self.tail_after_of(k)
            spans.append(_span(head[0].start, self.tokens[end].end, 0.75, "location.organisation"))
        return spans

    def lower_case_named(self) -> list[PhiSpan]:
        """``short medical group``, ``birch hill fire department``: a name typed in lower case,
        before a tail that only an organisation ends in."""
        spans = []
        for k, tok in enumerate(self.tokens):
            if tok.key not in LOWER_CASE_TAILS or not tok.is_lower:
                continue
            first = k
            while first > 0 and k - first < 3:
                prev = self.tokens[first - 1]
                if not prev.is_lower or not self.joined(prev, self.tokens[first]):
                    break
                if prev.key in STOPWORDS or prev.key in KIN or prev.key in self.lex.clinical:
                    break
                first -= 1
            head = self.tokens[first:k]
            named = [
                w
                for w in head
                if w.key not in GENERIC_HEADS
                and (
                    not self.lex.is_vocabulary(w.key)
                    or self.lex.surname_weight(w.key) >= 0.6
                    or w.key in self.lex.places
                )
            ]
            if named:
                spans.append(_span(head[0].start, tok.end, 0.65, "location.organisation_lower"))
        return spans

    def firms(self) -> list[PhiSpan]:
        """``Shields & Small``, ``bridges & boucher``: two surnames joined by an ampersand."""
        spans = []
        for m in _FIRM.finditer(self.text):
            words = [m.group(1).lower(), m.group(2).lower()]
            if any(w in STOPWORDS or w in self.lex.clinical for w in words):
                continue
            if all(
                not self.lex.is_vocabulary(w) or self.lex.surname_weight(w) >= 0.6 for w in words
            ):
                spans.append(_span(m.start(), m.end(), 0.65, "location.firm"))
        return spans

    def headed(self) -> list[PhiSpan]:
        """``Discharge Summary — Sunnybrook``, ``ED NOTE — Foothills Medical Centre``: what a
        report's title line names after a dash is where it was written."""
        spans = []
        for m in _HEADER.finditer(self.text):
            offset = m.start("rest")
            for part in re.finditer(r"[^,]+", m.group("rest")):
                words = part.group(0).split()
                keys = [w.lower().strip(".'") for w in words]
                if not keys or all(k in GENERIC_HEADS or k in _JOINERS for k in keys):
                    continue
                if " ".join(keys) in self.lex.regions:
                    continue
                start = offset + part.start() + (len(part.group(0)) - len(part.group(0).lstrip()))
                spans.append(_span(start, offset + part.end(), 0.7, "location.header"))
        return spans

    def stores(self) -> list[PhiSpan]:
        """``Rite Aid #11204``, ``Walgreens #04417``: capitalised words and a store number."""
        spans = []
        for k, tok in enumerate(self.tokens):
            match = _STORE_NUMBER.match(self.text[tok.end : tok.end + 9])
            if match is None or not self.cased(tok) or tok.key in STOPWORDS:
                continue
            first = k
            while first > 0 and k - first < 3 and self.cased(self.tokens[first - 1]):
                if not self.joined(self.tokens[first - 1], self.tokens[first]):
                    break
                first -= 1
            spans.append(
                _span(self.tokens[first].start, tok.end + match.end(), 0.75, "location.store")
            )
        return spans

    def employers(self) -> list[PhiSpan]:
        """``works at allied pipe and steel``, ``fired from Venable LLP``: what follows."""
        spans = []
        starts = {t.start: i for i, t in enumerate(self.tokens)}
        for cue in _EMPLOYMENT_CUE.finditer(self.text):
            k = starts.get(cue.end())
            if k is None:
                continue
            tok = self.tokens[k]
            end = k
            while end + 1 < len(self.tokens) and end - k < 3:
                nxt = self.tokens[end + 1]
                if not self.joined(self.tokens[end], nxt) or nxt.key in STOPWORDS - {"and"}:
                    break
                end += 1
            if self.tokens[end].key == "and":
                end -= 1
            words = self.tokens[k : end + 1]
            if tok.key in STOPWORDS or not self.distinctive(words):
                continue
            if self.style is CaseStyle.MIXED and not self.cased(tok):
                continue
            words_end = end
            if cue.group("post"):
                acronym = tok.is_upper and len(tok.key) <= 4
                if self.lex.is_vocabulary(tok.key) and not (
                    acronym or (self.style is CaseStyle.MIXED and tok.is_title)
                ):
                    continue  # "PROFESSOR OF MEDICINE", "owner of a bakery"
                joiner = next(
                    (j for j in range(k + 1, end + 1) if self.tokens[j].key in ("and", "or")), None
                )
                words_end = end if joiner is None else joiner - 1
            spans.append(_span(tok.start, self.tokens[words_end].end, 0.7, "location.employer"))
        return spans

    def shop(self, k: int) -> bool:
        """``the cvs on cleveland ave``, ``the boots in kendal``: in a note typed in lower case
        a chain's word is a shop between "the" and where the shop stands."""
        before = self.tokens[k - 1].key if k > 0 else ""
        after = self.tokens[k + 1].key if k + 1 < len(self.tokens) else ""
        return before == "the" and after in ("on", "in", "at", "pharmacy", "store", "near", "by")

    def chains(self) -> list[PhiSpan]:
        spans = []
        for k, tok in enumerate(self.tokens):
            key = tok.key
            cue = k > 0 and self.tokens[k - 1].key in _PLACE_CUES
            if key in CHAIN_NAMES and (self.style is not CaseStyle.MIXED or self.cased(tok)):
                spans.append(_span(tok.start, tok.end, 0.7, "location.chain"))
            elif key in CHAIN_NAMES_CUED and (
                (cue and self.cased(tok)) or (self.style is CaseStyle.LOWER and self.shop(k))
            ):
                spans.append(_span(tok.start, tok.end, 0.65, "location.chain"))
        return spans


def find_organisations(
    text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon
) -> list[PhiSpan]:
    """Organisations named by form, by store number, by employment, or as a national chain."""
    found = _Organisations(text, tokens, style, lex)
    return [
        *found.named_with_tail(),
        *found.lower_case_named(),
        *found.firms(),
        *found.headed(),
        *found.stores(),
        *found.employers(),
        *find_letter_block_organisations(text, lex),
        *found.chains(),
        *_bracketed_after_kind(text, lex),
    ]


# "my employer (Dominion Energy)", "Pt's church (St. Mark's)", "My work (Linfox)": a word saying
# what kind of body
# follows, then its name in brackets
_KIND_THEN_BRACKETS = re.compile(
    r"\b(?i:employer|workplace|church|parish|mosque|synagogue|temple|school|college|university"
    r"|daycare|insurer|insurance|pharmacy|agency|company|firm|union|shelter"
    r"|(?:my|his|her|their)[ \t]+(?:work|job|gp|lab))\b[ \t]*\("
    r"[ \t]*(?P<name>[^\W\d_][^()\n]{1,40}?)[ \t]*\)"
)


_NOT_NAMED_BODIES = word_set(
    "medicare medicaid tricare champva va nhs self none unknown private public retired"
    " unemployed disabled pending n a"
)


def _bracketed_after_kind(text: str, lex: Lexicon) -> list[PhiSpan]:
    """The name in brackets after a word for a kind of organisation, unless every word of it is
    an ordinary or clinical word in lower case (``pharmacy (mail order)``)."""
    spans = []
    for m in _KIND_THEN_BRACKETS.finditer(text):
        name = m.group("name")
        words = re.findall(r"[^\W\d_]+", name)
        if all(w.islower() and (lex.is_vocabulary(w) or w in STOPWORDS) for w in words):
            continue
        if all(w.lower() in _NOT_NAMED_BODIES for w in words):
            continue  # "Insurance (Medicare)", "employer (self)"
        spans.append(_span(m.start("name"), m.end("name"), 0.7, "location.organisation_bracketed"))
    return spans
