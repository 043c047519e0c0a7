"""Names of people that are not PHI: eponyms of diseases, signs, tests and devices, and drugs.

"Parkinson disease", "Murphy sign", "Glasgow coma scale", "Osgood-Schlatter changes",
"Salter-Harris II fracture", "Simpson biplane": a surname (or a town) right before the noun of a
disease, sign, test, score or device names that thing, not a person — also with one word
between (`Ottawa ankle rules`, `Bristol stool type 6`, `Ann Arbor stage`). A finding found by the
dictionaries or by loose context there is dropped; strong evidence (the Bundle's own names, a
site's terms, "Dr." before it) is kept: "Dr. Murphy" is a person whatever follows.

A word the lexicon knows as the name of a clinical thing (``Lexicon.proper_terms``: eponyms,
organisms; ``Lexicon.drugs``: the FDA's substance and brand names) is dropped by the shape of
what follows it, whatever the word: a score or grade (`Berg 38`, `Tinetti 17`, `Weber B`,
`Mallampati II`, `GLASGOW 5T`, `Prague C2M4`), a dose (`Allegra 180 mg`, `Entresto 49/51`), or
the other half of a compound eponym (`Cockcroft-Gault`, `Hunt-Hess`). A bare number after a
word that is also a common name must not read as a date or a phone number (`Morgan 3/12` stays).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.ingestor.phi.lexicon import Lexicon, load_lexicon
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
    "|maneuvers|manoeuvres|needle|needles|lobe|collar|brace|balance|pattern|grading|hose"
    "|dressing|drains|blade|clip|pump|stain|stains|smear|reagent|hugger|cushion|mattress"
    "|technique|approach|disability|ef|pressure|circulation|classification|rings|ring|waves"
    "|wave|pulse|pulses|pupil|pupils|nodule|risk|sensor|nodes|category"
)
_EPONYM_CONTEXT = re.compile(
    rf"^(?:'s)?(?:[\-–][A-Za-z][A-Za-z']+)*(?:'s)?[ \t]+(?:[IVX]+[ \t]+|\d[ \t]+)?"
    rf"(?i:{_HEAD_NOUNS})\b"
)
# the same with one word between: "Ottawa ankle rules", "Ann Arbor stage", "miami j collar"
_EPONYM_CONTEXT_SPACED = re.compile(
    rf"^(?:'s)?[ \t]+[A-Za-z]{{1,12}}[ \t]+(?i:{_HEAD_NOUNS})\b(?![\-'])"
)
# a score, grade or classification right after the word: "Berg 38/56", "(Rankin) 0",
# "Weber B", "Mallampati II", "GLASGOW 5T", "Prague C2M4" — not a time, an age or a phone, and
# not a number in brackets: "wife Obrien (82)" gives her age
_SCORE_AFTER = re.compile(
    r"^(?:'s)?\)?[ \t]*(?:(?P<num>\d{1,3}(?:\.\d)?(?:/\d{1,3})?)(?P<tube>T)?|[IV]{1,4}[A-C]?"
    r"|[A-E]|[A-Z]\d{1,2}(?:[A-Z]\d{1,2}){1,3}|\d[A-Z]{2,3})(?![\w\-:/]|\.\d)"
    r"(?![ \t]*(?i:days?|d|wks?|weeks?|months?|mos?|years?|yrs?|y/?o|hours?|hrs?|h|min|am|pm)\b)"
)
# a dose after a drug's name: "Allegra 180 daily", "Entresto 49/51 BID", "Toprol XL 50"
_DOSE_AFTER = re.compile(
    r"^[ \t]+(?:(?:XL|XR|ER|SR|CR|DS|LA|ODT|HCT|HFA|CD)[ \t]+)?\d+(?:\.\d+)?"
    r"(?P<per>/\d+(?:\.\d+)?)?"
    r"(?:[ \t]*(?P<unit>(?i:mg|mcg|g|ml|units?|u|meq|%|puffs?|tabs?|caps?|daily|bid|tid|qid|qhs"
    r"|qd|qam|q\d+h|prn|po|iv|sq|sc|im|pr)\b))?(?![\w\-:/]|\.\d)"
)
# a product's strength or release after its brand: "Adcal-D3", "Mucinex-DM", "Tylenol-PM"
_PRODUCT_SUFFIX = re.compile(r"^[\-–](?:[A-Z]{1,3}\d{0,2}|\d{1,3}[A-Z]{0,2})\b(?![\-'])")
_COMPOUND_AFTER = re.compile(
    r"^(?:[\-–]|[ \t]+(?i:and|&)[ \t]+)(?P<next>[^\W\d_]+)\b"  # "Hoehn and Yahr", "HUNT-HESS"
)
# "3/12" after "Morgan" may be a date: a bare m/d is no score after a common name
# a place preposition or a verb of moving before the word: "to Wells 4" is a ward and its floor
_PLACE_BEFORE = re.compile(r"\b(?i:to|from|on|at|in|onto)[ \t]+$")
_MONTH_DAY = re.compile(r"^(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])$")
_WHOLE_WORD = re.compile(r"[^\W\d_]+")
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
_JOINED_BEFORE = re.compile(r"\b([A-Za-z][A-Za-z']+)[ \t]+(?i:and|&)[ \t]+$")
# in any case, the first half of a compound the lexicon knows: "child-pugh c", "GLASGOW-BLATCHFORD"
_KNOWN_HALF_BEFORE = re.compile(r"\b([A-Za-z]+)[\-–]$")
_KEPT_SOURCES = ("known", "site", "name.title", "name.field", "name.subject_of_age")


def _bare_number_is_score(score: re.Match[str], key: str, before: str, lex: Lexicon) -> bool:
    """A bare number after the word is its score, not a ward's floor (`to Wells 4`), a date
    (`Morgan 3/12`) or a count: never after a place preposition, and after a common name or a
    place only as a fraction that is no month and day (`Glasgow 14/15`)."""
    number = score["num"]
    if _PLACE_BEFORE.search(before):
        return False
    if score["tube"] or score.group(0).startswith(")"):
        return True  # "GLASGOW 5T" (intubated), "mRS (Rankin) 3": a score's own marks
    if lex.common_name(key) or key in lex.places:
        return "/" in number and not _MONTH_DAY.match(number)
    return True


def _clinical_by_shape(word: str, after: str, before: str, lex: Lexicon) -> bool:
    """A drug or eponym the lexicon knows, by the shape of what follows it."""
    key = word.lower().removesuffix("'s").rstrip("'")
    if not lex.names_clinical_thing(key):
        return False
    common_name = lex.common_name(key)
    if key in lex.drugs:
        dose = _DOSE_AFTER.match(after)
        if dose and (not common_name or dose["unit"] or dose["per"]):
            return True
    if key in lex.proper_terms:
        score = _SCORE_AFTER.match(after)
        if score and (not score["num"] or _bare_number_is_score(score, key, before, lex)):
            return True
        compound = _COMPOUND_AFTER.match(after)
        if compound and compound["next"].lower() in lex.proper_terms:
            return True  # "Cockcroft-Gault", "Hunt-Hess", "Kleihauer-Betke"
    return False


def _named_thing(word: str, after: str, before: str, lex: Lexicon) -> bool:
    """A score, sign or drug named by ``word``, by the words or the shape after it."""
    key = word.lower().removesuffix("'s")
    if key in _SCORED_EPONYMS and _SCORE_VALUE.match(after):
        return True
    if key in _SCORED_SURNAMES and _SCORE_NOUN.match(after):
        return True
    if lex.names_clinical_thing(word.lower()) and _EPONYM_CONTEXT_SPACED.match(after):
        return True
    if " " not in word and _PRODUCT_SUFFIX.match(after):
        return True
    return " " not in word and _clinical_by_shape(word, after, before, lex)


def _scored_pair(words: str, after: str, lex: Lexicon) -> bool:
    """A pair of eponyms found as one name or firm, before its score: "hunt & hess 4"."""
    names = [w for w in re.findall(r"[^\W\d_]+", words.lower()) if w != "and"]
    return (
        len(names) >= 2
        and all(n in lex.proper_terms for n in names)
        and bool(_SCORE_AFTER.match(after))
    )


def _eponym(span: PhiSpan, text: str, lex: Lexicon) -> bool:
    whole = _WHOLE_WORD.match(text, span.start)
    end = whole.end() if whole and span.end - span.start <= len(whole.group(0)) else span.end
    after = text[end : end + 40]  # "Guillain-Barré syndrome": the whole word, accents and all
    word = text[span.start : end]
    before = text[max(0, span.start - 20) : span.start]
    if _EPONYM_CONTEXT.match(after) or _SIGN_RESULT.match(after):
        return True
    if _named_thing(word, after, before, lex) or _scored_pair(word, after, lex):
        return True
    possessive = word.endswith(("'s", "'")) or after.startswith(("'s", "'"))
    if possessive and word.lower().removesuffix("'s").rstrip("'") in _BARE_EPONYMS:
        return True
    half = _KNOWN_HALF_BEFORE.search(before)
    if _COMPOUND_BEFORE.search(before) or (half and half.group(1).lower() in lex.proper_terms):
        # "Salter-Harris II fracture": the compound's last word before its noun
        return bool(_EPONYM_CONTEXT.match(after)) or bool(re.match(r"[ \t]+(?:[IVX]+\b|\w)", after))
    joined = _JOINED_BEFORE.search(before)
    # "Hunt and Hess 2", "Hoehn & Yahr stage 3": the second name of a pair the lexicon knows
    return bool(
        joined and joined.group(1).lower() in lex.proper_terms and _SCORE_AFTER.match(after)
    )


def without_eponyms(spans: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """``spans`` less the names and places that stand as eponyms (see module doc)."""
    kept = []
    lex = load_lexicon()
    for span in spans:
        loose = span.score < 0.9 and not span.source.startswith(_KEPT_SOURCES)
        if loose and span.type in (PhiType.NAME, PhiType.LOCATION) and _eponym(span, text, lex):
            continue
        kept.append(span)
    return kept
