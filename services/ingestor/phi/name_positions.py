"""Names found by where they stand, whatever they look like.

Some places in a note hold a person's name and nothing else: the subject of "… is a 44
year-old", a form field ("Patient:", "Name:", "Caller:", "Re:"), a salutation ("Dear Lachlan,"),
the lines after a closing ("Kind regards,"), a dash signature ("— Moira"). What stands there is a
name even when no list knows it, when it is an English word (``Dear Hope,``), or when it carries
digits as Synthea writes names (``Kristofer455 Halvorsen812 is a 44 year-old``).
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.name_words import CREDENTIALS, KIN, STOPWORDS
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

# one word of a name: letters (any script) with inner apostrophes or hyphens, maybe digits after
_WORD = r"[^\W\d_][^\W\d_'\-]*(?:['\-][^\W\d_]+)*\d*"
_INITIAL = r"[^\W\d_]\.(?=[ \t,])"
_TITLE = r"(?:(?i:dr|mr|mrs|ms|miss|mx|prof|rev|shri|smt|mme|mlle|sr|fr|father|sister)\.?\s+)"
# up to four words of a name, "Last, First" allowed, initials inside
_NAME = rf"{_TITLE}?(?:{_INITIAL}|{_WORD})(?:,?[ \t]+(?:{_INITIAL}|{_WORD})){{0,3}}"

# "Kristofer455 Halvorsen812 is a 44 year-old", "Mr. Ndlovu is an 81 yo", "Eilidh MacRae, 34,"
_SUBJECT_OF_AGE = re.compile(
    rf"(?:^|(?<=[.:;]\s)|(?<=\n))[ \t]*(?:(?i:pt|patient)\.?[ \t]+)?(?P<name>{_NAME})"
    r"(?:\s+(?:is|was)\s+an?\s+\d{1,3}[\s\-]*(?:year|yr|y/?o\b|yo\b|month|week|day)"
    r"|,[ \t]+(?:an?[ \t]+)?\d{1,3}(?:[ \t]*(?:y/?o|yo|years?(?:[ \t\-]old)?|[MF]))?,)",
    re.IGNORECASE | re.MULTILINE,
)
# "Pt W Beach, 4 yo F", "Re: your pt STOKEL, UNOS ID", "Patient Hippen, URN 80-807",
# "Pt (ramnauth, jamye, 101)": after "pt", a name set off before the patient's age, sex or a
# record label
_PATIENT_DETAILS = re.compile(
    rf"\b(?i:(?:your[ \t]+)?(?:pt|patient))\.?[ \t]*\(?[ \t]*(?P<name>{_NAME})[ \t]*[,(][ \t]*"
    r"(?=\d{1,3}[ \t]*(?i:y/?o\b|yo\b|yrs?\b|years?\b|[mf]\b|\))"
    r"|(?i:dob|d\.o\.b|mrn|urn|ur\b|uhid|nhs|nhi|id\b|member|unos|accession|ip[ \t]+no|hosp\b))"
)
# form fields that hold a person: "Patient: X", "NAME: X", "Caller: X (self)", "Re: X"
_FIELD = re.compile(
    r"(?:^|(?<=\s{2})|(?<=[,(]\s))[ \t]*"
    r"(?P<label>(?i:patient(?:'s)?(?:\s+name)?|pt(?:\s+name)?|name|caller|decedent|member|re|attn|attention|cc|from|to|signed|dictated\s+by|electronically"
    r"\s+signed\s+by|reported\s+by|reading\s+radiologist|pathologist|attending|referring"
    r"(?:\s+physician)?|admitting\s+physician|consultant|clinician|submitting\s+physician"
    r"|prosector|author|contact|next\s+of\s+kin|nok|emergency\s+contact|guardian|proxy|hcp|poa"
    r"|sdm|parent|mother|father|spouse|interpreter|chaplain))[ \t]*:[ \t]*"
    rf"(?P<name>{_NAME})",
    re.MULTILINE,
)
# "Dear Lachlan,", "Hi Dr Seligman,", "Hello Mrs. Okafor:"
_SALUTATION = re.compile(
    rf"(?:^|(?<=\n))[ \t]*(?i:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening))[ \t]+"
    rf"(?P<name>{_NAME})[ \t]*[,:!\n]",
    re.MULTILINE,
)
# the name after a closing: "Kind regards,\nDr Fiona McTavish", "Thanks! Lydia"
_CLOSING = re.compile(
    r"(?i:sincerely|regards|best\s+wishes|best|cheers|thanks|thank\s+you|thanking\s+you|yours"
    r"(?:\s+(?:sincerely|faithfully|truly))?|respectfully|warmly|take\s+care|many\s+thanks)"
    rf"[ \t]*[,.!]*[ \t]*\n?[ \t]*(?:[-—–]+[ \t]*)?(?P<name>{_NAME})[ \t]*(?=$|\n|,|\()",
    re.MULTILINE,
)
# a dash signature: "— Moira", "--Jeanette Wolcott-Hayes, CPNP", "-- gloria, lpn"
_DASH_SIGNATURE = re.compile(
    rf"(?:^|(?<=[.!?][ \t])|(?<=\n))[ \t]*(?:—|–|--+)[ \t]*(?P<name>{_NAME})[ \t]*(?=$|\n|,)",
    re.MULTILINE,
)
# words that are not names in these positions: what a field or greeting holds when no person
# is named there
_NOT_NAMES = word_set(
    "colleague colleagues sir sirs madam all team everyone there doc doctor nurse staff"
    " patient pt self family unknown none n/a na same above below lab labs results result"
    " request refill records record your our the a an this that my his her their re fax"
    " phone cover sheet pages page date dob mrn age sex male female m f yes no see chart"
    " note notes med meds medication medications appt appointment message reply dept"
    " department unit ward clinic office hospital pharmacy endocrinology dermatology"
    " cardiology neurology radiology pathology oncology medicine surgery psychiatry"
    " registrar service services physician physicians surgeon consultant hr mo hcp poa"
    " transplant medical member members reason subject home health orders order continued"
    " stay review utilization case management report reports discharge summary summaries"
    " lost specimen specimens lot plan she he her him they them who which it its this"
    " these those we i you one someone somebody anyone nobody everybody"
) | (KIN | STOPWORDS) - {"name"}
_STOP_AT = (
    word_set(
        "dob mrn age sex ssn acct account unit room rm bed loc nhs uhid urn ur nhi hcn ohip"
        " phn phin mhsc ramq medicare medicaid aadhaar id date tel phone ph fax cell mobile email"
        " re"
    )
    | CREDENTIALS
)
# words before a name that say what follows, not who: "Pt Tanner Two Bulls, 19 M"
_LEADING = frozenset(["pt", "patient", "member", "client", "resident"])


# cheap tests that a note may hold each position at all
_HAS_AGE = re.compile(r"(?i:\b(?:is|was)\s+an?\s+\d|,[ \t]+(?:an?[ \t]+)?\d)")
_HAS_FIELD = re.compile(r":")
_HAS_PATIENT = re.compile(r"(?i:\b(?:pt|patient)\b)")
_HAS_SALUTATION = re.compile(r"\b(?i:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening))\b")
_HAS_CLOSING = re.compile(
    r"\b(?i:sincerely|regards|best|cheers|thanks|thank|thanking|yours|respectfully|warmly|take)\b"
)
_HAS_DASH = re.compile(r"—|–|--")


def _span(start: int, end: int, source: str, score: float) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=PhiType.NAME, score=score, source=source)


def _name_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a matched name to its name words: drop a title before it, stop at a field label or
    a word that is no name here; None when nothing of a name is left."""
    value = text[start:end]
    title = re.match(_TITLE, value, re.IGNORECASE)
    offset = title.end() if title else 0
    words = list(re.finditer(r"[^\s,]+", value[offset:]))
    while words and words[0].group(0).lower().rstrip(".:") in _LEADING and len(words) > 1:
        offset += words[1].start()
        words = list(re.finditer(r"[^\s,]+", value[offset:]))
    kept_end = None
    for m in words:
        key = m.group(0).lower().rstrip(".:").strip("'")
        # a word that is no name ends it, unless a capital inside a name says otherwise
        # ("Tanner Two Bulls")
        capital_inside = (
            kept_end is not None and m.group(0)[0].isupper() and not m.group(0).isupper()
        )
        if key in _STOP_AT or (key in _NOT_NAMES and not capital_inside):
            break
        kept_end = offset + m.end()
    if kept_end is None:
        return None
    return start + offset, start + kept_end


def _cased(text: str, start: int, lower_case_note: bool) -> bool:
    """A capital where a name starts — the evidence a loose position needs in a note that
    uses capitals at all."""
    return lower_case_note or text[start].isupper()


def _chief_complaint(field: re.Match[str], value: str) -> bool:
    """``CC: chest pain``, ``CC: SOB`` name a complaint; ``cc: Dr. Oyelowo`` a person. In
    capitals, "CC" is the chief complaint unless a title follows; in any case, a copy goes to
    a name in title case."""
    if field.group("label").lower() != "cc":
        return False
    titled = re.match(_TITLE, text_after_label(field), re.IGNORECASE) is not None
    if field.group("label") == "CC":
        return not titled
    return not titled and not all(w[:1].isupper() and not w.isupper() for w in value.split())


def _ordinary_words(value: str) -> bool:
    """Every word of ``value`` is an ordinary or clinical word that is rarely a name."""
    lex = load_lexicon()
    for word in re.findall(r"[^\W\d_]+", value.lower()):
        name = lex.surname_weight(word) >= 0.6 or lex.given_weight(word) >= 0.5
        if not lex.is_vocabulary(word) or name:
            return False
    return True


def text_after_label(field: re.Match[str]) -> str:
    return field.string[field.end("label") : field.end()].lstrip(" \t:")


def find_positioned_names(text: str) -> list[PhiSpan]:
    """Names in the positions of the module doc, with their digits and in any case."""
    letters = [c for c in text if c.isalpha()]
    lower_case_note = sum(c.isupper() for c in letters) < 0.02 * max(1, len(letters))
    spans: list[PhiSpan] = []
    rules = (
        (_SUBJECT_OF_AGE, _HAS_AGE, "name.subject_of_age", 0.9, False),
        (_PATIENT_DETAILS, _HAS_PATIENT, "name.patient_details", 0.85, False),
        (_FIELD, _HAS_FIELD, "name.field", 0.85, False),
        (_SALUTATION, _HAS_SALUTATION, "name.salutation", 0.85, False),
        (_CLOSING, _HAS_CLOSING, "name.closing", 0.8, True),
        (_DASH_SIGNATURE, _HAS_DASH, "name.dash_signature", 0.8, True),
    )
    for pattern, cheap_test, source, score, loose in rules:
        if not cheap_test.search(text):
            continue  # most notes hold none of these positions: skip the costly pattern
        for m in pattern.finditer(text):
            trimmed = _name_words(text, m.start("name"), m.end("name"))
            if trimmed is None:
                continue
            # "Vitals, 98," and "thanks for coming," are no names: loose positions need a capital
            comma_age = source == "name.subject_of_age" and "," in text[trimmed[1] : m.end()]
            if (loose or comma_age) and not _cased(text, trimmed[0], lower_case_note):
                continue
            if comma_age and len(text[trimmed[0] : trimmed[1]].split()) < 2:
                continue  # "Vitals, 98," — a full name is what stands before ", 34,"
            if source == "name.field" and _chief_complaint(m, text[trimmed[0] : trimmed[1]]):
                continue
            if source == "name.patient_details" and _ordinary_words(text[trimmed[0] : trimmed[1]]):
                continue  # "Pt seen, 2 yo sibling at bedside"
            spans.append(_span(*trimmed, source, score))
    return spans
