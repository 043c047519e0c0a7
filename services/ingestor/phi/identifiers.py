"""Numeric and contact identifiers: phone, fax, e-mail, URL, IP, SSN, MRN and other numbers,
ZIP codes and ages over 89 (street addresses: :mod:`services.ingestor.phi.addresses`)."""

from __future__ import annotations

import re

from services.ingestor.phi.addresses import find_addresses
from services.ingestor.phi.postcodes import find_postcodes
from services.ingestor.phi.record_numbers import find_record_numbers
from services.ingestor.phi.spans import PhiSpan, PhiType

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"')\]]+|\b[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
    r"\.(?:com|org|net|edu|gov|io|us|info|biz|health)(?:/[^\s<>\"')\]]*)?\b",
    re.IGNORECASE,
)
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]\d)"
)
_IPV6 = re.compile(
    r"\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:[0-9a-f]{1,4}\b", re.I
)
_SSN = re.compile(r"(?<![\d\-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d\d\1(?!0000)\d{4}(?![\d\-])")
_SSN_CONTEXT = re.compile(
    r"\b(?:ssn|social\s+security(?:\s+(?:no|number|#))?|ss#)\s*[:#]?\s*(\d{9})\b", re.I
)
# the last four digits of an SSN, by what is said of them: "last 4 of SSN 4471", "SSN last four:
# 2290", "social ending in 0387", "xxx-xx-4471", "***-**-4471"
_SSN_LAST4 = re.compile(
    r"(?i:\blast\s+(?:4|four)(?:\s+digits)?\s+(?:of\s+)?(?:(?:the|her|his|their|pt'?s)\s+)?"
    r"(?:ssn|ss\#|ss|social(?:\s+security)?(?:\s+(?:no\.?|number|\#))?)"
    r"|\b(?:ssn|ss\#|social(?:\s+security)?(?:\s+(?:no\.?|number|\#))?)\s*"
    r"(?:last\s+(?:4|four)(?:\s+digits)?|ending(?:\s+in|\s+with)?|ends\s+(?:in|with)))"
    r"\s*(?:is|=|:|\#|-)?\s*(\d{4})\b"
    r"|(?i:\bx{3}|\*{3})[\- ]?(?i:x{2}|\*{2})[\- ]?(\d{4})\b"
)
# a UK National Insurance number: "QQ 12 34 56 C", "AB123456D" (two letters, three pairs of
# digits, a letter A-D)
_NI_NUMBER = re.compile(r"\b[A-Z]{2}(?: \d{2} \d{2} \d{2} |\d{6})[A-D]\b")
# (617) 555-1234, 617-555-1234, 617.555.1234, +1 617 555 1234, 555-1234 with an extension
_PHONE = re.compile(
    r"(?<![\w/.\-])(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}(?:[\s.\-/]| ?- ?))\d{3}"
    r"(?:[\s.\-]| ?- ?)\d{4}"
    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/\-]|\.\d)"
    # 555-1234, and hurried "555- 1234", "555 -1234" (spaced: only where a phone is cued)
    r"|(?<![\w/.\-])\d{3}(?:[-.]| [-.] ?|[-.] )\d{4}(?![\w/\-]|\.\d)",
    re.IGNORECASE,
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:ph|phone|tel|telephone|cell|mobile|home|work|pager|beeper|beep|page|call|contact|number"
    r"|no|#|fax|ext|x)\b\.?\s*[:#]?\s*(?:(?:is|at)\s+)?$",
    re.IGNORECASE,
)
# pager and extension numbers: "pager #2-3456", "beeper 12345", "x4-5678", "x1234"
_PAGER = re.compile(
    r"\b(?:pager|beeper|beep|page|paged|pgr|pg|bpr|ext|extension)\.?\s*(?:no\.?|number|#)?"
    r"\s*[:#]?\s*(?:at\s+)?(\d{1,2}-?\d{3,5})\b|(?<![\w/])x\s?(\d{1,2}-?\d{4})\b"
    r"|(?<![\w/])x(\d{4,5})\b",
    re.IGNORECASE,
)
# numbers written after a word that says a phone number follows: "call 4-5678",
# "cell 555 0143", "reached at 6175550143"
_PHONE_CUED = re.compile(
    r"(?:\b(?:call|called|calling|phone|phoned|ph|tel|telephone|cell|mobile|home|work|contact"
    r"|reached|reach|number|no)\b\.?(?:\s+[A-Za-z']+){0,2}?|#)\s*(?:is|at|#|:|-)?\s*(?:at\s+)?"
    r"(\d-\d{4}|\d{3}\s\d{4}|\d{10})(?![\w/\-]|\.\d)"
    r"|(?:\bat|@)\s*(\d-\d{4})(?![\w/\-]|\.\d)",
    re.IGNORECASE,
)
# a hospital extension or pager ("9-0036", "98587") where only a number to reach someone can
# stand: in brackets, before an extension, after "faxed to", "fax to HR at", "reached at",
# "Contact:", or after a name and a dash at the end of a line
_EXTENSION_SHAPED = re.compile(
    r"(?<=\()(\d-\d{4})(?=\))"
    r"|(?<![\w/.\-])(\d-\d{4}|\d{5})(?=\s*(?:x|ext\.?|extension)\s*\d)"
    r"|\b(?:fax(?:ed)?(?:\s+(?:it|them|this|results?|labs?))?\s+(?:to|at)|reached\s+at"
    r"|contact(?:ed)?\s*:|(?:pager|beeper|bleep)\s+(?:is|at)?"
    # "call back at 13652", "Phone: 22722", "page at 4-5678": only a number to reach someone
    r"|(?:call|page|text)(?:\s+[A-Za-z]{2,10}){0,2}?\s+at|(?:phone|ph|tel|cell)\s*:)"
    r"(?:\s+[A-Za-z]{2,12}){0,2}?\s*(?:at\s+)?(\d-\d{4}|\d{5})(?![\w/\-]|\.\d)"
    r"|(?<=[a-z]- )(\d-\d{4})(?=\s*$)|(?<=[a-z] - )(\d-\d{4})(?=\s*$)"
    # after the label of a number to reach someone, with or without a colon: "Tel 03925",
    # "FAX 55478", "mob. 8-1424", "Emergency: 8-0783", "Contact 61702"
    r"|\b(?:tel|ph|phone|fax|mob|mobile|cell|pager|bleep|contact|emergency|ext)\b\.?[ \t]*"
    r"(?:no\.?|\#)?[ \t]*:?[ \t]*(\d-\d{4}|\d{5})(?![\w/\-]|\.\d)",
    re.IGNORECASE | re.MULTILINE,
)
# International numbers: "+46 (0)8 928 571 38", "+41 (0)69 979 80 58", "001-253-366-9781"
_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}|00\d{1,3}(?=[\s.\-]))(?:[\s.\-]?\(0\))?(?:[\s.\-]?\(?\d{1,4}\)?){2,6}"
    r"(?![\w/]|\.\d)"
)
# Digit groups a label says are a phone number, in any country's grouping: "Phone: 0496 46 46 70",
# "Mobile: 723 813 266", "call me on (64) 3591-3246", "082 490 1693-Office". 7 to 15 digits.
_DIGIT_GROUPS = r"\(?\d{1,5}\)?(?:[\s.\-]\(?\d{1,5}\)?){1,5}"
_PHONE_LABELLED = re.compile(
    r"\b(?:phone|ph|tel|telephone|cell|mobile|fax|desk|office|home|work|pager)\b\.?\s*(?:no\.?|#)?"
    rf"\s*:\s*({_DIGIT_GROUPS})(?![\w/]|\.\d)"
    r"|\b(?:call\s+(?:me|us|him|her)\s+(?:on|at)|answering\s+at|messages\s+to|reach\s+(?:me|us)"
    rf"\s+at|text\s+(?:me|us)\s+(?:on|at))\s+({_DIGIT_GROUPS})(?![\w/]|\.\d)"
    rf"|(?<![\w.\-/])({_DIGIT_GROUPS})\s?-?\s?(?=(?:office|mobile|cell|fax|home|work)\b)",
    re.IGNORECASE,
)
# national numbers with a trunk prefix, as the UK, Australia, New Zealand and India write them:
# "(02) 9555 0147", "0412 555 019", "01229 555 014", "0113 555 0198", "044-2829 3333"; and Indian
# mobiles, "98110 44718"
_PHONE_TRUNK = re.compile(
    r"(?<![\w/.\-+])(?:\(0\d{1,4}\)|0\d{1,4})[ \-]?\d{3,4}[ \-]?\d{3,4}(?![\w/\-]|\.\d)"
    r"|(?<![\w/.\-+])[6-9]\d{4} \d{5}(?![\w/\-]|\.\d)"
)
_FAX_CONTEXT = re.compile(r"\bfax\b\.?\s*(?:no\.?|number|#)?\s*[:#]?\s*$", re.IGNORECASE)
# numbers introduced by what they are: MRN, account, licence, device serial, plan, record
_ID_VALUE = r"(?P<value>[A-Z0-9][A-Z0-9\-]{2,}[A-Z0-9])\b"
_ID_LABEL = re.compile(
    r"\b(?P<label>mrn|mr\s*#|medical\s+record|unit\s+(?:no\.?|number|#)|acct\.?|account"
    r"|member(?:\s+id)?|policy(?:\s+(?:no\.?|number|#))|subscriber(?:\s+id)?|claim"
    r"|licen[cs]e|driver'?s\s+licen[cs]e|serial|device\s+id|npi|dea|medicare|medicaid"
    r"|health\s+plan|patient\s+id|pt\s+id)\s*(?:no\.?|number|num|#|id)?\s*[:#]?\s*(?:is\s+)?"
    + _ID_VALUE,
    re.IGNORECASE,
)
# weak labels count only when a number sign or colon says a number follows
_ID_WEAK_LABEL = re.compile(
    r"\b(?P<label>id|case|record|plan|group|ref|reference|insurance|dl|sn|s/n|lic|policy|pin"
    r"|mr|chart|file|order|req|requisition|specimen|accession)\.?\s*(?:no\.?|number|num)?\s*[:#]\s*"
    + _ID_VALUE,
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"(?<![\w.\-/$])(?=[A-Z]{0,3}\d)[A-Z]{0,3}\d{6,}(?![\w.]\d|\.?\d)")
_ZIP_AFTER_STATE = re.compile(
    r"\b(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]"
    r"|T[NX]|UT|V[TA]|W[AVIY]|PR)\.?,?\s+(\d{5}(?:-\d{4})?)\b"
)
# after a label, any national form: "ZIP: 02139", "zip code is 610", "postal code 7412 SL"
_ZIP_LABEL = re.compile(
    r"\b(?:zip|zipcode|zip\s+code|postal\s+code|postcode|post\s+code|pin\s*code)\s*[:#]?\s*"
    r"(?:is\s+)?"
    r"(\d{3,6}(?:-\d{4})?(?-i:\s?[A-Z]{2}\b)?)(?![\w.]\d)",
    re.I,
)
_ZIP_PLUS4 = re.compile(r"(?<![\d\-])\d{5}-\d{4}(?![\d\-])")
_AGE_OVER_89 = re.compile(
    r"\b(?:9\d|1[01]\d)(?=\s*(?:-|\s)?\s*(?:y/?o\b|y\.o\.?|yo\b|yrs?\b|years?\b|year-old|yr-old|y\b))"
    r"|(?<=\bage\s)(?:9\d|1[01]\d)\b|(?<=\baged\s)(?:9\d|1[01]\d)\b|(?<=\bage:\s)(?:9\d|1[01]\d)\b"
    r"|\b(?:9\d|1[01]\d)(?=(?:st|nd|rd|th)?\s+birthday\b)"
    r"|\bninety(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?(?=[\s\-]+(?:y/?o|yo|yrs?"
    r"|years?)\b)|\b(?:nonagenarian|centenarian)\b",
    re.IGNORECASE,
)
# ages over 89 in the first person and after a name: "I am 93 next month", "I'll be 91",
# "(Arne Magnusson, 94)", "Edith Parr, 97, lives alone"
_AGE_SPOKEN = re.compile(
    r"\b(?i:i\s+am|i'm|i\s+will\s+be|i'll\s+be|i\s+turn(?:ed)?|turns|turning|she's|he's)\s+"
    r"(9\d|1[01]\d)\b(?!\s*(?:%|lbs?|kg|pounds|mg|min|minutes|percent|degrees))"
    r"|\b[A-Z][a-z'\-]+(?:[ \t]+[A-Z][a-z'\-]+)+,[ \t]+(9\d|1[01]\d)(?=[ \t]*[),;]"
    r"|[ \t]+(?:yo|y/?o|years?|yrs?)\b)"
)
# an age and a sex opening a sentence, as a note's first line puts them: "94F with CHF",
# "101 M w/ sepsis", "ninety-one F with" (not "Tmax 101F": a temperature follows a label)
_AGE_SEX = re.compile(
    r"(?:^|(?<=[.;]\s)|(?<=\b[Aa]\s)|(?<=\b[Aa][Nn]\s))[ \t]*"
    r"((?:9\d|1[01]\d)|(?i:ninety(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?))"
    r"[ \t]?(?i:f|m|yo|y/o)(?=[ \t]+(?i:with|w/|c/o|s/p|h/o|who|admitted|presents|presenting"
    r"|pmh|hx|pt|patient|from|found|brought|transferred)(?![A-Za-z]))",
    re.MULTILINE,
)
# ages over 89 after a word that introduces an age: "age of 93", "turned 91", "a 92 female",
# "in her 90s"
_AGE_CUED = re.compile(
    r"\b(?:age\s+of|aged|age:?|turned|(?:pt|patient|she|he)\s+is|(?:a|an)(?=\s+\d+\s*(?:-\s*)?(?:male|female|man|woman|gentleman|lady|m|f"
    r"|wm|wf|bm|bf|w/m|w/f)\b)|(?:his|her|their)(?=\s+(?:90'?s|nineties)\b))\s+"
    r"((?:9\d|1[01]\d)|90'?s|nineties"
    r"|ninety(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?)\b",
    re.IGNORECASE,
)


def _span(
    m: re.Match[str], kind: PhiType, score: float, source: str, group: int | str = 0
) -> PhiSpan:
    return PhiSpan(start=m.start(group), end=m.end(group), type=kind, score=score, source=source)


def find_identifiers(text: str) -> list[PhiSpan]:
    """Contact details, record numbers, ZIP codes, street addresses and ages over 89."""
    spans: list[PhiSpan] = []
    spans += [_span(m, PhiType.EMAIL, 0.99, "email") for m in _EMAIL.finditer(text)]
    for m in _URL.finditer(text):
        if "@" not in text[max(0, m.start() - 1) : m.start()]:
            spans.append(_span(m, PhiType.URL, 0.9, "url"))
    spans += [_span(m, PhiType.IP, 0.9, "ip") for m in _IPV4.finditer(text)]
    spans += [_span(m, PhiType.IP, 0.9, "ip") for m in _IPV6.finditer(text)]
    spans += [_span(m, PhiType.SSN, 0.95, "ssn") for m in _SSN.finditer(text)]
    spans += [_span(m, PhiType.SSN, 0.95, "ssn.label", 1) for m in _SSN_CONTEXT.finditer(text)]
    spans += [
        _span(m, PhiType.SSN, 0.9, "ssn.last4", _first_group(m)) for m in _SSN_LAST4.finditer(text)
    ]
    spans += [_span(m, PhiType.SSN, 0.85, "ssn.ni_number") for m in _NI_NUMBER.finditer(text)]
    spans += _phones(text)
    for m in [*_ID_LABEL.finditer(text), *_ID_WEAK_LABEL.finditer(text)]:
        value = m.group("value")
        digits = sum(c.isdigit() for c in value)
        if not digits or (
            m.re is _ID_WEAK_LABEL and digits < 4 and m.group("label").lower() == "id"
        ):
            continue
        label = m.group("label").lower()
        mrn_labels = ("mr", "medical", "unit", "patient", "pt", "chart")
        kind = PhiType.MRN if label.startswith(mrn_labels) else PhiType.ID
        spans.append(_span(m, kind, 0.9, "id.label", "value"))
    spans += [_span(m, PhiType.ID, 0.6, "id.long_number") for m in _LONG_NUMBER.finditer(text)]
    spans += [_span(m, PhiType.ZIP, 0.9, "zip.state", 1) for m in _ZIP_AFTER_STATE.finditer(text)]
    spans += [_span(m, PhiType.ZIP, 0.9, "zip.label", 1) for m in _ZIP_LABEL.finditer(text)]
    spans += [_span(m, PhiType.ZIP, 0.7, "zip.plus4") for m in _ZIP_PLUS4.finditer(text)]
    spans += find_addresses(text)
    spans += find_postcodes(text)
    spans += find_record_numbers(text)
    spans += [_span(m, PhiType.AGE, 0.9, "age.over_89") for m in _AGE_OVER_89.finditer(text)]
    spans += [_span(m, PhiType.AGE, 0.85, "age.over_89", 1) for m in _AGE_CUED.finditer(text)]
    spans += [_span(m, PhiType.AGE, 0.85, "age.over_89", 1) for m in _AGE_SEX.finditer(text)]
    spans += [
        _span(m, PhiType.AGE, 0.8, "age.over_89", _first_group(m))
        for m in _AGE_SPOKEN.finditer(text)
    ]
    return spans


def _fax_or_phone(text: str, start: int) -> PhiType:
    return PhiType.FAX if _FAX_CONTEXT.search(text[max(0, start - 24) : start]) else PhiType.PHONE


def _first_group(m: re.Match[str]) -> int:
    return next(g for g in range(1, (m.re.groups or 0) + 1) if m.group(g))


def _digit_count(value: str) -> int:
    return sum(c.isdigit() for c in value)


def _phone_score(text: str, m: re.Match[str]) -> float:
    """Confidence in a North American number found by :data:`_PHONE` (0: not one)."""
    before = text[max(0, m.start() - 24) : m.start()]
    if _digit_count(m.group(0)) >= 10:
        return 0.95
    if _PHONE_CONTEXT.search(before):
        return 0.85
    if " " in m.group(0):
        return 0.0  # "250 - 1000": a spaced seven-digit number needs a cue
    # 555-1234 alone is a phone number, unless it reads as a range ("TV 900-1000")
    first, second = re.split(r"[-.]", m.group(0))
    return 0.4 if first.endswith("0") and second.endswith("0") else 0.7


def _phones(text: str) -> list[PhiSpan]:
    spans: list[PhiSpan] = []
    for m in _PHONE.finditer(text):
        score = _phone_score(text, m)
        if score:
            spans.append(_span(m, _fax_or_phone(text, m.start()), score, "phone"))
    spans += [
        _span(m, PhiType.PHONE, 0.75, "phone", _first_group(m)) for m in _PHONE_CUED.finditer(text)
    ]
    for m in _EXTENSION_SHAPED.finditer(text):
        group = _first_group(m)
        if m.group(group).endswith("00"):
            continue  # "(0-1000)", "at 2-1500": a range of volumes or rates
        spans.append(_span(m, _fax_or_phone(text, m.start(group)), 0.7, "phone.extension", group))
    for m in _PHONE_INTERNATIONAL.finditer(text):
        if 8 <= _digit_count(m.group(0)) <= 15:
            spans.append(_span(m, _fax_or_phone(text, m.start()), 0.85, "phone.international"))
    for m in _PHONE_TRUNK.finditer(text):
        if 9 <= _digit_count(m.group(0)) <= 11:
            spans.append(_span(m, _fax_or_phone(text, m.start()), 0.8, "phone.trunk"))
    for m in _PHONE_LABELLED.finditer(text):
        group = _first_group(m)
        if 7 <= _digit_count(m.group(group)) <= 15:
            spans.append(_span(m, PhiType.PHONE, 0.8, "phone.labelled", group))
    spans += [
        _span(m, PhiType.PHONE, 0.8, "phone.pager", _first_group(m)) for m in _PAGER.finditer(text)
    ]
    return spans
