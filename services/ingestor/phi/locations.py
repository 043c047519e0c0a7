"""Places smaller than a state: hospitals and clinics, wards, cities and towns."""

from __future__ import annotations

import itertools
import re

from services.ingestor.phi.cued_places import (
    NOT_A_PLACE,
    find_cued_places,
    looks_like_drug,
    term_shaped,
)
from services.ingestor.phi.departments import without_departments
from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.moved_places import find_moved_places
from services.ingestor.phi.name_words import STOPWORDS
from services.ingestor.phi.org_frames import find_org_frames
from services.ingestor.phi.organisations import (
    GENERIC_HEADS,
    ORGANISATION_TAILS,
    find_organisations,
)
from services.ingestor.phi.place_forms import find_place_forms
from services.ingestor.phi.rooms import find_rooms
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import CaseStyle, Token
from services.ingestor.phi.word_sets import word_set

_FACILITY = re.compile(
    r"\b(?:hospital|hospitals|hosp|hospiatal|medical\s+cent(?:er|re)|med\.?\s+ctr|med\.?\s+center"
    r"|medical\s+ctr|health\s+cent(?:er|re)|health\s+system|healthcare|health\s+care\s+center"
    r"|clinic|infirmary|sanitarium|sanatorium|nursing\s+home|nursing\s+facility|rehab\s+center"
    r"|rehabilitation\s+(?:center|hospital)|care\s+center|adventist|regional"
    r"|memorial|medical\s+group|pavilion)\b\.?",
    re.IGNORECASE,
)
# care homes and rehab: "Pellworth Rehab", "Oak Manor", "Saint Jude Hospice" — the word before
# must itself look like a name (cardiac rehab, home hospice are services, not places)
_CARE_FACILITY = re.compile(
    r"\b(?:rehab|rehabilitation|hospice|manor|snf|nursing\s+cent(?:er|re)|assisted\s+living"
    r"|health(?![\s\-]+(?:care|proxy|insurance|plan|records?|system|status|maintenance|history"
    r"|department|dept|services?|aides?|cent(?:er|re)|clinic|facility|issues?|problems?|concerns?"
    r"|team|workers?|visits?|professionals?|providers?))"
    r"|convalescent(?:\s+(?:home|center))?|skilled\s+nursing)\b\.?",
    re.IGNORECASE,
)
# generic words that can stand before "hospital" without naming it
_GENERIC_BEFORE = word_set(
    "the a an to from at in of this that our their outside other another same local community"
    " previous prior home transfer transferred admitted admit sent taken brought via by for"
    " with osh rehab nursing psych psychiatric state county city private teaching receiving"
    " referring his her s day cardiac pulmonary acute subacute inpatient outpatient physical"
    " occupational stroke vestibular pediatric paediatric geriatric neuro drug alcohol substance"
    " detox short long term children's veterans pain"
    # kinds of health that name a service, not a body ("Mental Health", "home health")
    " mental public behavioral behavioural occupational women's men's student employee global"
    " population oral dental reproductive sexual allied environmental child family maternal"
    " good poor general overall bad ill fair excellent better worse social spiritual physical"
    " emotional financial world"
)
_FACILITY_CUES = word_set("at from to by via")
_NUMBER_WORDS = word_set(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty"
    " sixty seventy eighty ninety hundred"
)
# kinds of hospital between a name and the facility word ("Proun Community Hospital")
_BRIDGE_WORDS = word_set("community general memorial regional county city university district")
_HOSPITAL_ACRONYM = re.compile(r"\b(?:[A-Z]{0,4}(?:H|MC|HC|HS)|[a-z]{1,3}(?:h|mc))\b")
_PLACE_CUE = word_set(
    "to from at in near lives live living resides reside home visiting vacation moved born of via"
)
# Washington, D.C. is a city (Safe Harbor masks it); "DC" alone is mostly "discontinue"
_WASHINGTON_DC = re.compile(r"\b(?i:in|from|near|of|washington,?)\s+(D\.C\.?|DC)(?![\w'])")
# a hospital's acronym before one of its units: "SMH ED", "BMH ICU", "NWH clinic"
_UNIT_AFTER_ACRONYM = re.compile(
    r"[ \t]+(?:ED|ER|EW|ICU|MICU|SICU|CCU|CVICU|CSRU|NICU|PICU|OR|PACU|L&D|ward|clinic|lab"
    r"|radiology|imaging|pharmacy)\b"
)
# a town's own services after its name: "REVERE FIRE DEPT", "Dedham police", "Quincy EMS"
_SERVICE_AFTER_TOWN = word_set(
    "police pd fire fd ems ambulance rescue court courthouse housing schools library ymca"
    " sheriff dpw elder council shelter jail ccu va vna"
)
# "at gh", "to gh": a lower-case acronym only after a preposition of place ("amts of th")
_LOWER_ACRONYM_CUE = word_set("to from at @")
_WARD = re.compile(
    r"\b([A-Za-z]{4,}(?=\s)|[A-Za-z]{8,})\s?([1-9]|1[0-9])"
    r"(?!\s*(?:mg|mcg|ml|cc|l\b|units?|%|\.\d|x\b|hrs?|hours?|days?|min))\b"
)
_WARD_CUE = re.compile(
    r"\b(?:to|from|on|at|in|transfer|transferred|floor|per|or)\s+$", re.IGNORECASE
)


# a transfer names its destination: "TRANSFERRED TO Pope 4", "transfer to walter 3", "admitted
# to Comly7" — the word before a floor number there is a ward whatever word it is
_TRANSFER_CUE = re.compile(
    r"\b(?:transfer\w*|xfer\w*|tx'?d|trans|sent|admitted|admit|moved|back|going|return\w*)"
    r"\s+(?:to|from)\s+(?:the\s+)?$|\b[A-Za-z]{3,}\s?\d{1,2}\s+or\s+$"
    # a bed, a nurse or a report on a ward: "awaiting bed on Frost 7", "RN ON LOVE 3"
    r"|\b(?:bed|rn|nurse|nurses|nursing|report|team|staff)\s+(?:on|to|from)\s+$",
    re.IGNORECASE,
)
_GLUED_WARD = re.compile(r"\b(?i:to|from)\s+([A-Za-z]{3,})(\d{1,2})\b")


def _span(start: int, end: int, score: float, source: str) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=PhiType.LOCATION, score=score, source=source)


def find_locations(text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon) -> list[PhiSpan]:
    """Hospitals (``Calvert Hospital``, ``GBMC``), wards (``Quartermain 2``) and towns."""
    spans = _facilities(text, tokens, style, lex)
    spans += _acronyms(text, lex)
    spans += _wards(text, lex)
    spans += _glued_wards(text, lex)
    spans += _towns(text, tokens, style, lex)
    spans += find_cued_places(text, tokens, style, lex)
    spans += find_moved_places(text, tokens, lex)
    spans += find_organisations(text, tokens, style, lex)
    spans += find_org_frames(text, lex)
    spans += find_place_forms(text, tokens, style, lex)
    spans += find_rooms(text)
    dc = _WASHINGTON_DC.finditer(text)
    spans += [_span(m.start(1), m.end(1), 0.7, "location.dc") for m in dc]
    spans = without_departments(spans, text)
    return spans + _propagate(text, tokens, spans, style, lex)


# the words that say what kind of body a name is ("Danforth Family Health Team"): not a place
# where they recur on their own
_KIND_WORDS = GENERIC_HEADS | ORGANISATION_TAILS


def _propagate(
    text: str, tokens: list[Token], found: list[PhiSpan], style: CaseStyle, lex: Lexicon
) -> list[PhiSpan]:
    """A place word found once ("Quartermain 2", "went to Harbor") is a place wherever it
    recurs; an ordinary word ("Harbor") only where it is capitalised in mixed-case text."""
    strong = ("location.ward", "location.facility")
    names: dict[str, float] = {}
    for span in found:
        if span.source not in strong and span.score < 0.6:
            continue
        for t in tokens:
            if span.start <= t.start < span.end and len(t.key) >= 4 and t.key not in _KIND_WORDS:
                weight = 0.75 if span.source in strong else 0.65
                names[t.key] = max(names.get(t.key, 0.0), weight)
    spans = []
    for t in tokens:
        if t.key not in names:
            continue
        score = names[t.key]
        if lex.is_vocabulary(t.key):
            if style is not CaseStyle.MIXED or t.is_lower:
                continue
            score = 0.55
        spans.append(_span(t.start, t.end, score, "location.propagated"))
    return spans


def _names_facility(
    text: str, tok: Token, style: CaseStyle, lex: Lexicon, strict: bool, saint_before: bool
) -> bool:
    """Whether ``tok``, right before a facility word, is part of the facility's name."""
    if tok.key in _GENERIC_BEFORE or tok.key in STOPWORDS or len(tok.key) < 2:
        return False
    if "'" in tok.key and not tok.key.startswith(("o'", "d'")):
        return False  # "con't rehab"
    if tok.key in lex.clinical or text[max(0, tok.start - 1) : tok.start] == "/":
        return False
    if (
        style is not CaseStyle.UPPER
        and tok.is_lower
        and lex.is_vocabulary(tok.key)
        and not saint_before  # "st rose hosp": a saint's name is any word
    ):
        return False  # "the basic hospital": an adjective, not a name
    return not (
        strict
        and lex.is_vocabulary(tok.key)
        and not (style is not CaseStyle.UPPER and tok.is_title)
    )


def _facilities(text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon) -> list[PhiSpan]:
    spans = []
    starts = {t.start: i for i, t in enumerate(tokens)}
    strict_matches = [(m, True) for m in _CARE_FACILITY.finditer(text)]
    for m, strict in [(m, False) for m in _FACILITY.finditer(text)] + strict_matches:
        first = starts.get(m.start())
        if first is None:
            continue
        start = m.start()
        j = first - 1
        taken = 0
        bridged = 0
        while j >= 0 and taken < 3:
            tok = tokens[j]
            gap = text[tok.end : tokens[j + 1].start]
            if len(gap) > 2 or "\n" in gap or any(c not in " -.'" for c in gap):
                break
            if "." in gap and tok.key not in ("st", "ste", "mt", "ft") and len(tok.key) > 1:
                break  # "no ectopy. Hosp no 901": a sentence ends before the facility word
            if tok.key in ("st", "saint", "ste"):  # St. Mary Hospital
                start = tok.start
                taken += 1
                j -= 1
                continue
            bridge = tok.key in _BRIDGE_WORDS and bridged < 2 and not strict
            if bridge and (
                tok.key in _GENERIC_BEFORE or (style is not CaseStyle.UPPER and tok.is_lower)
            ):
                # "West Proun Community Hospital", "east naick general hospital": a kind of
                # hospital between its name and the facility word, kept only if a name precedes
                bridged += 1
                j -= 1
                continue
            saint_before = j >= 1 and tokens[j - 1].key in ("st", "saint", "ste")
            # "at wood health", "TO OAK MANOR": after a place preposition any word names it
            cued = j >= 1 and tokens[j - 1].key in _FACILITY_CUES and taken == 0
            if not _names_facility(text, tok, style, lex, strict and not cued, saint_before):
                break
            start = tok.start
            taken += 1
            j -= 1
        # "Hospital" alone is no identifier; "St. Mary Hospital", "Union Hosp." is
        word = m.group(0).lower()
        if taken:
            spans.append(_span(start, m.end(), 0.85, "location.facility"))
        elif word.startswith(("adventist", "regional", "memorial")):
            continue
        # "Hospital of St. Raphael", "Clinic of Dr. X" are rare enough to leave to names
    return spans


def _acronyms(text: str, lex: Lexicon) -> list[PhiSpan]:
    spans = []
    for m in _HOSPITAL_ACRONYM.finditer(text):
        word = m.group(0)
        key = word.lower()
        decimal_after = re.match(r"\s*\d+\.\d", text[m.end() : m.end() + 8])
        if len(word) < 2 or key in lex.clinical or decimal_after:
            continue  # "pH 7.38"
        if word.islower() and (key in lex.english or key in STOPWORDS):
            continue
        before = text[max(0, m.start() - 12) : m.start()].lower().split()
        cues = _PLACE_CUE | {"the", "@"} if word.isupper() else _LOWER_ACRONYM_CUE
        cue = bool(before) and before[-1] in cues
        unit_after = _UNIT_AFTER_ACRONYM.match(text, m.end())
        if (word.endswith("MC") and len(word) >= 3) or (
            unit_after and word.isupper() and len(word) >= 3 and not lex.is_vocabulary(key)
        ):
            spans.append(_span(m.start(), m.end(), 0.8, "location.acronym"))
        elif cue and key.endswith(("h", "mc")) and not lex.is_vocabulary(key):
            spans.append(_span(m.start(), m.end(), 0.7, "location.acronym"))
    return spans


def _wards(text: str, lex: Lexicon) -> list[PhiSpan]:
    spans = []
    for m in _WARD.finditer(text):
        key = m.group(1).lower()
        word = m.group(1)
        if not (word.isupper() or word.islower() or word.istitle()):
            continue  # "PSVof 15": run-together shorthand
        before = text[max(0, m.start() - 24) : m.start()]
        if _TRANSFER_CUE.search(before) and key not in NOT_A_PLACE and key not in lex.clinical:
            spans.append(_span(m.start(1), m.end(1), 0.75, "location.ward_transfer"))
            continue
        if lex.is_vocabulary(key) or key in STOPWORDS or lex.near_vocabulary(key):
            continue
        if _WARD_CUE.search(text[max(0, m.start() - 16) : m.start()]):
            spans.append(_span(m.start(1), m.end(1), 0.75, "location.ward"))
        elif (
            not word.islower()
            and len(key) >= 6
            and not looks_like_drug(key)
            and not term_shaped(key)
            and not re.match(r"\s*[-/x]", text[m.end() : m.end() + 2])  # "2-3", a range
        ):
            # "plan: QUARTERMAIN 2 this am": a long capitalised word no list knows, then a
            # floor number, is a ward even without a preposition
            spans.append(_span(m.start(1), m.end(1), 0.6, "location.ward_uncued"))
    return spans


def _glued_wards(text: str, lex: Lexicon) -> list[PhiSpan]:
    """``ADMITTED TO Comly7``: a ward name and its floor written together after to/from."""
    spans = []
    for m in _GLUED_WARD.finditer(text):
        key = m.group(1).lower()
        if key in NOT_A_PLACE or key in lex.clinical or key in STOPWORDS:
            continue
        if _TRANSFER_CUE.search(
            text[max(0, m.start() - 24) : m.start() + len(m.group(0).split()[0]) + 1]
        ):
            spans.append(_span(m.start(1), m.end(2), 0.7, "location.ward_glued"))
    return spans


def _town_alone(key: str, lex: Lexicon) -> bool:
    """A capitalised town with no cue: a city, or a smaller town whose name is no one's name
    (``Abernathy`` is a surname first; the name rules tag it)."""
    population = lex.places[key]
    if population >= 20_000:
        return True
    return not lex.surname_weight(key) and not lex.given_weight(key)


def _towns(text: str, tokens: list[Token], style: CaseStyle, lex: Lexicon) -> list[PhiSpan]:
    spans = []
    n = len(tokens)
    for i in range(n):
        for width in range(min(lex.max_place_words, 3), 0, -1):
            if i + width > n:
                continue
            words = tokens[i : i + width]
            if any(len(text[a.end : b.start]) > 2 for a, b in itertools.pairwise(words)):
                continue
            key = " ".join(t.key for t in words)
            if key not in lex.places or any(t.key in _NUMBER_WORDS for t in words):
                continue  # "NINETY-SIX" is an age before it is a town in South Carolina
            cue = i > 0 and tokens[i - 1].key in _PLACE_CUE
            capitalised = style is not CaseStyle.MIXED or all(t.text[0].isupper() for t in words)
            served = i + width < n and tokens[i + width].key in _SERVICE_AFTER_TOWN
            if width > 1 and capitalised:
                score = 0.85
            elif served and capitalised and key not in STOPWORDS and len(key) >= 4:
                score = 0.8  # "REVERE FIRE DEPT", "Dedham police": a town's own service
            elif lex.is_vocabulary(key) or key in STOPWORDS or len(key) < 4:
                continue
            elif cue and capitalised:
                score = 0.85
            elif style is CaseStyle.MIXED and (cue or (capitalised and _town_alone(key, lex))):
                score = 0.6
            else:
                continue
            spans.append(_span(words[0].start, words[-1].end, score, "location.town"))
            break
    return spans
