"""Postcodes by their national shapes: UK, Canadian, Australian, New Zealand and Indian forms,
and the town written before a postcode in an address line.

A US ZIP is five digits and is found after a state or a label (:mod:`identifiers`). Other
countries' codes have shapes of their own that clinical text rarely produces otherwise: a UK
inward code is a digit and two letters that never include C, I, K, M, O or V (``CR0 2LN``,
``LS7 4RQ``); a Canadian code alternates letter and digit (``M4K 1N2``); an Australian code is
four digits after a state (``NSW 2042``). Four- to six-digit codes with no such shape (New
Zealand, India, most of Europe) are taken only where an address puts them: after a capitalised
town that follows a comma, at the end of the line or before punctuation.
"""

from __future__ import annotations

import re

from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

_UK = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|[A-PR-UWYZ]\d[A-HJKPSTUW])\s?\d[ABD-HJLNP-UW-Z]{2}\b"
)
# (not a Glasgow coma score written as one word: E2V4M6 is eyes 1-4, verbal 1-5, motor 1-6)
_CANADA = re.compile(
    r"\b(?!E[1-4]V[1-5]M[1-6]\b)[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b"
)
_AUSTRALIA = re.compile(
    r"\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT|(?i:nsw|vic|qld|tas)|New South Wales|Victoria|Queensland"
    r"|South Australia|Western Australia|Tasmania|Northern Territory"
    r"|Australian Capital Territory)\.?,?\s+(\d{4})\b"
)
# ", Christchurch 8041", ", Chennai 600 006", ", Pune 411004": a capitalised town after a comma,
# then the code, then the end of the line or punctuation
_AFTER_TOWN = re.compile(
    r"(?:(?:,|^)[ \t]*((?:[A-Z][A-Za-z'\-]+[ \t]){1,3}?)(?:\([A-Z]\)[ \t]*)?(?:[-–][ \t]*)?"
    r"(\d{3}[ ]?\d{3}|\d{4,5})"
    # an Indian PIN after a town and a dash, the town in any case: ", jemison - 368 813"
    r"|(?<=,)[ \t]*((?:[^\W\d_][\w'\-]*[ \t]){1,3}?)[-–][ \t]*(\d{3}[ ]?\d{3}))"
    r"(?=[ \t]*(?:[.,;)]|$|\n|\b(?:India|Australia|New Zealand|NZ)\b))",
    re.M,
)

# a street line, a comma, a town in any case and five digits: the ZIP of an address written
# without its state ("2208 w. cold spring ln, greenfield 53221", "P.O. Box 66031, 70583")
_STREET_TOWN_ZIP = re.compile(
    r"\b(?:ln|lane|st|street|rd|road|ave|avenue|dr|drive|blvd|boulevard|ct|court|way|pl|place"
    r"|cir|circle|pkwy|parkway|hwy|highway|ter|terrace|trl|trail|sq|square|crescent|cres|close"
    r"|parade|pde|grove|mews|gardens|box[ \t]+\d+)\.?,"
    r"[ \t]*(?:[A-Za-z][A-Za-z'\-.]*[ \t]+){0,3}?(\d{5}|\d{3}[ ]?\d{3})(?![\w\-]|\.\d| \d)",
    re.IGNORECASE,
)


_NOT_TOWN = word_set(
    "Suite Ste Apt Unit Flat Box Room Rm Bed Bay Floor Level Ward No Number Tel Ph Phone Fax"
    " Mobile Cell Pager Ext Page Pages Case Ref Id Mrn Acct Account Lab Sample Specimen"
    " Batch Lot Order Claim Policy Member Group Code Pin Zip Postcode Year Day Week Month"
    " Dose Total"
)


def _span(start: int, end: int, kind: PhiType, score: float, source: str) -> PhiSpan:
    return PhiSpan(start=start, end=end, type=kind, score=score, source=source)


_TOWN_BEFORE = re.compile(
    r"(?:,|^)[ \t]*((?:[A-ZÀ-Þ](?:[^\W\d_]|['\-])+[ \t]){1,3}?)(?:\([A-Z]\)[ \t]*)?"
    r"(?:[-–][ \t]*)?(?:[A-Z]{2,3}\.?,?[ \t]+)?$",
    re.M,
)
# in an address typed in lower case, the town between a comma and a province or state:
# "2106 w 41st ave, vancouver bc v6m 1z6"
_LOWER_TOWN_BEFORE = re.compile(
    r",[ \t]*((?:[a-zà-ÿ](?:[^\W\d_]|['\-])+[ \t]){1,2}?)"
    r"(?:bc|ab|sk|mb|on|qc|nb|ns|pe|nl|yt|nt|nu|nsw|vic|qld|sa|wa|tas|act)\.?,?[ \t]+$",
    re.M,
)
# what says a postcode typed in lower case follows: its label, a province or state, or a town
# after a comma in an address line ("postcode is b8 2hl", "vancouver bc v6m 1z6")
_LOWER_CODE_CUE = re.compile(
    r"(?i:post[ \t]?code|postal[ \t]+code|zip(?:[ \t]+code)?|pin(?:[ \t]+code)?)[ \t]*"
    r"(?:is|:|\#|-)?[ \t]*$"
    r"|\b(?i:bc|ab|sk|mb|on|qc|nb|ns|pe|pei|nl|yt|nt|nu)\.?,?[ \t]+$"
    r"|,[ \t]*(?:[^\W\d_][^\W\d_'\-]*[ \t]+){1,3}$"
)


def _town_before(text: str, code_start: int) -> PhiSpan | None:
    """``..., Croydon CR0 2LN``: the capitalised words between a comma and a postcode."""
    line_start = text.rfind("\n", 0, code_start) + 1
    m = _TOWN_BEFORE.search(text[line_start:code_start]) or _LOWER_TOWN_BEFORE.search(
        text[line_start:code_start]
    )
    if m is None:
        return None
    words = m.group(1).split()
    if any(w.strip(".'") in _NOT_TOWN or (w.isupper() and len(w) <= 3) for w in words):
        return None  # a label, or a state ("castle rock, MD G13 9AW")
    start = line_start + m.start(1)
    return _span(
        start, start + len(m.group(1).rstrip()), PhiType.LOCATION, 0.7, "location.before_postcode"
    )


def _lower_case_codes(text: str) -> list[PhiSpan]:
    """UK and Canadian postcodes typed in lower case (``b8 2hl``, ``v6m 1z6``) where a label, a
    province or an address line says a postcode follows: read on the text in capitals (same
    offsets), kept where the code is not in capitals as written."""
    upper = text.upper()
    if upper == text or len(upper) != len(text):
        return []
    spans = []
    for pattern, source in ((_UK, "zip.uk"), (_CANADA, "zip.ca")):
        for m in pattern.finditer(upper):
            if text[m.start() : m.end()].isupper():
                continue  # found as written
            line_start = text.rfind("\n", 0, m.start()) + 1
            if _LOWER_CODE_CUE.search(text[line_start : m.start()]):
                spans.append(_span(m.start(), m.end(), PhiType.ZIP, 0.8, source))
    return spans


def find_postcodes(text: str) -> list[PhiSpan]:
    """UK, Canadian, Australian and address-line postcodes in ``text`` (and the town written
    before a postcode, as a place)."""
    spans = [_span(m.start(), m.end(), PhiType.ZIP, 0.8, "zip.uk") for m in _UK.finditer(text)]
    spans += [
        _span(m.start(), m.end(), PhiType.ZIP, 0.85, "zip.ca") for m in _CANADA.finditer(text)
    ]
    spans += _lower_case_codes(text)
    spans += [
        _span(m.start(1), m.end(1), PhiType.ZIP, 0.85, "zip.au") for m in _AUSTRALIA.finditer(text)
    ]
    for m in _AFTER_TOWN.finditer(text):
        town, code = (1, 2) if m.group(2) else (3, 4)
        words = m.group(town).split()
        if any(w.strip(".'").title() in _NOT_TOWN or (w.isupper() and len(w) <= 5) for w in words):
            continue  # "19 M, AHCIP 12345": a label, not a town
        spans.append(_span(m.start(code), m.end(code), PhiType.ZIP, 0.75, "zip.after_town"))
    spans += [
        _span(m.start(1), m.end(1), PhiType.ZIP, 0.75, "zip.after_street")
        for m in _STREET_TOWN_ZIP.finditer(text)
    ]
    towns = [_town_before(text, s.start) for s in spans]
    return spans + [t for t in towns if t is not None]
