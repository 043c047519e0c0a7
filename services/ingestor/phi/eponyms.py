"""Names of people that are not PHI: eponyms of diseases, signs, tests and devices.

"Parkinson disease", "Murphy sign", "Glasgow coma scale", "Osgood-Schlatter changes",
"Salter-Harris II fracture", "Simpson biplane": a surname (or a town) right before the noun of a
disease, sign, test, score or device names that thing, not a person. A finding found by the
dictionaries or by loose context there is dropped; strong evidence (the Bundle's own names, a
site's terms, "Dr." before it) is kept: "Dr. Murphy" is a person whatever follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

_HEAD_NOUNS = (
    "disease|diseases|syndrome|syndromes|sign|signs|test|tests|maneuver|manoeuvre|reflex|reflexes"
    "|phenomenon|procedure|operation|repair|criteria|criterion|score|scores|scale|scales"
    "|classification|fracture|fractures|lesion|lesions|cyst|cysts|palsy|thyroiditis|biplane"
    "|changes|coma|catheter|tube|drain|stockings|lift|position|equation|formula|method|rule|rules"
    "|lymphoma|sarcoma|cell|cells|node|nodes|ulcer|ulcers|hernia|deformity|contracture"
    "|aneurysm|anastomosis|pouch|incision|bodies|rods|law|ratio|index|triad|murmur|view|shunt"
    "|valve|graft|clamp|splint|traction|type|neuroma|tumor|tumour|effect|curve|canal|duct|gland"
    "|glands|nerve|ligament|triangle|point|loop|dementia|chorea|ataxia|anemia|anaemia"
    "|encephalopathy|angina|arteritis|granulomatosis|esophagus|oesophagus|diverticulum|filter"
    "|phenomenon|respirations|breathing|spots|nodules|protocol|block|blockade|bag|mask|boot"
    "|tenderness|fall|stage|staging|grade|test's|hold|exercises|level|levels|stool|stools"
    "|thickness|class"
)
_EPONYM_CONTEXT = re.compile(
    rf"^(?:'s)?(?:[\-–][A-Z][A-Za-z']+)*(?:'s)?[ \t]+(?:[IVX]+[ \t]+|\d[ \t]+)?(?i:{_HEAD_NOUNS})\b"
)
# a sign's result right after its name, at the end of a clause: "Murphy +", "Homans' neg",
# "Kernig's (-)." — a person is not positive
_SIGN_RESULT = re.compile(
    r"^(?:'s|')?[ \t]*(?:\(?[+-]\)?|pos(?:itive)?|neg(?:ative)?)(?=[ \t]*(?:[,.;:)/]|\n|$))",
    re.IGNORECASE,
)
# diseases known by their eponym alone, in the possessive: "h/o Gilbert's", "Crohn's flare"
# (general knowledge; surnames common as people's names — Wilson, Bell, Allen — are left out)
_BARE_EPONYMS = word_set(
    "gilbert crohn graves parkinson alzheimer hodgkin raynaud cushing addison hashimoto sjogren"
    " paget meniere tourette barrett dupuytren buerger kaposi wegener pott ewing burkitt"
    " huntington marfan reiter peyronie hirschsprung whipple bowen fournier ludwig zenker"
    " meckel asperger gehrig behcet takayasu korsakoff wernicke horner kawasaki perthes osgood"
    " tietze bartholin kussmaul homan homans kernig brudzinski babinski romberg tinel phalen"
    " mcburney rovsing chvostek trousseau lhermitte trendelenburg lachman mcmurray spurling"
    " finkelstein virchow"
)
# scores and classifications named after a person or a town and written with their value:
# "Epworth 16", "Ranson 2", "Balthazar C", "Apgar 8/9", "Mallampati II" (general knowledge of
# clinical scores); names common as surnames or wards ("Wells 4" is a ward and its floor, "Clark"
# a surname) only with the score's noun or a grade in letters: "Clark level III", "Wells score 5"
_SCORED_EPONYMS = word_set(
    "epworth ranson balthazar apgar breslow gleason mallampati killip nyha caprini padua"
    " braden waterlow barthel karnofsky lansky ecog spetzler rockall blatchford alvarado"
    " centor wexner oswestry modic bosniak tanner hinchey rutherford fontaine durie"
)
_SCORED_SURNAMES = word_set(
    "clark wells hunt hess fisher forrest geneva child pugh meld katz morse norton wagner"
    " gustilo garden weber schatzker neer salter mayo lown lund browder bristol bethesda"
)
_SCORE_VALUE = re.compile(
    r"^(?:'s)?[ \t]*(?:score|scale|grade|class|stage|type|level)?[ \t]*[:=]?[ \t]*"
    r"(?:\d|[IVX]{1,4}\b|[A-E]\b|[<>≥≤])"
)
_SCORE_NOUN = re.compile(
    r"^(?:'s)?[ \t]*(?:(?:score|scale|grade|class|stage|type|level|criteria)\b"
    r"|[IVX]{1,4}\b|[A-E]\b)"
)
# the second part of a compound eponym ("Osgood-Schlatter", "Wolff-Parkinson-White")
_COMPOUND_BEFORE = re.compile(r"[A-Z][A-Za-z']+[\-–]$")
_KEPT_SOURCES = ("known", "site", "name.title", "name.field", "name.subject_of_age")


def _eponym(span: PhiSpan, text: str) -> bool:
    after = text[span.end : span.end + 40]
    if _EPONYM_CONTEXT.match(after) or _SIGN_RESULT.match(after):
        return True
    word = text[span.start : span.end]
    key = word.lower().removesuffix("'s")
    if key in _SCORED_EPONYMS and _SCORE_VALUE.match(after):
        return True
    if key in _SCORED_SURNAMES and _SCORE_NOUN.match(after):
        return True
    possessive = word.endswith(("'s", "'")) or after.startswith(("'s", "'"))
    if possessive and word.lower().removesuffix("'s").rstrip("'") in _BARE_EPONYMS:
        return True
    before = text[max(0, span.start - 20) : span.start]
    if _COMPOUND_BEFORE.search(before):
        # "Salter-Harris II fracture": the compound's last word before its noun
        return bool(_EPONYM_CONTEXT.match(after)) or bool(re.match(r"[ \t]+(?:[IVX]+\b|\w)", after))
    return False


def without_eponyms(spans: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """``spans`` less the names and places that stand as eponyms (see module doc)."""
    kept = []
    for span in spans:
        loose = span.score < 0.9 and not span.source.startswith(_KEPT_SOURCES)
        if loose and span.type in (PhiType.NAME, PhiType.LOCATION) and _eponym(span, text):
            continue
        kept.append(span)
    return kept
