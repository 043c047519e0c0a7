"""Street addresses: US street lines, PO boxes, military mail, unit designators, and the street
forms of other countries (``Rua do Arenque 1634``, ``Villacher Strasse 89``)."""

from __future__ import annotations

import re

from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|circle|cir|way"
    r"|place|pl|terrace|ter|parkway|pkwy|highway|hwy|route|rte|square|trail|trl|row|path|pike"
    r"|turnpike|alley|plaza|crescent|close|cres|parade|pde|esplanade|esp|grove|gve|mews|wynd"
    r"|gardens|gdns|tce)"
)
_UNIT = r"(?:apt|apartment|suite|ste)\.?\s*#?\s*\d+[A-Za-z]?\b"
_STREET = re.compile(
    r"(?<![\w/.\-])(?:\d{1,4}[A-Za-z]?/)?\d{1,6}[A-Za-z]?[ \t]+(?:[NSEW]\.?[ \t]+)?"
    r"(?P<street>(?:(?:[A-Za-z][A-Za-z'\-]*\.?|\d{1,3}(?:st|nd|rd|th))[ \t]+){1,4})"
    rf"{_STREET_SUFFIX}\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*[A-Za-z0-9\-]+)?",
    re.IGNORECASE,
)
# words that read like a street but are clinical ("2 liters", "3 units"): the middle words must
# not be units or numbers, checked in code
_NOT_STREET_WORDS = frozenset(
    re.findall(
        r"\S+",
        "mg mcg ml cc units unit liters liter l hours hour hrs hr min mins minutes days day weeks"
        " wk times x beats bpm am pm cm mm kg lbs puffs tabs tablets doses dose in on to at of by"
        " per for and or with the a an is was dr degree degrees episodes episode way lumen french"
        " fr",
    )
)
_PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\s+\d+\b", re.IGNORECASE)
# US military mail: "PSC 0413, Box 8144", "Unit 2050 Box 4190", "APO AA 42323"
_MILITARY = re.compile(
    r"\b(?:PSC|CMR|Unit)\s+\d{3,5},?\s+Box\s+\d{1,5}\b|\b[AFD]PO\s+A[AEP]\s+\d{5}\b"
)
# an apartment or suite on its own ("Apt. 675", "Suite 838"); not "unit", a hospital word
_UNIT_ALONE = re.compile(rf"\b{_UNIT}", re.IGNORECASE)
_LETTER = r"[^\W\d_]"  # a letter of any script
_NAME_WORD = rf"{_LETTER}+"
# street type before the name: "Rua Igreja 25", "Via Franscini 71", "ul. Chrzanowska 61",
# "Calle Mayor 5", "Rue de la Paix 12"
_STREET_TYPE_FIRST = re.compile(
    rf"\b(?:rua|avenida|viale|calle|carrer|rue|ul\.|ulica|strada)\s+"
    rf"(?:{_NAME_WORD}\s+){{0,3}}{_NAME_WORD}\s+\d{{1,4}}[A-Za-z]?\b",
    re.IGNORECASE,
)
# street type as the end of one word, then the number: "Villacher Strasse 89", "Søndergade 52",
# "Mellemvej 32", "Skoanveien 226", "Kiannonkatu 98", "Kerkstraat 4"
_STREET_TYPE_LAST = re.compile(
    rf"\b(?:{_NAME_WORD}\s+)?(?:{_LETTER}+(?:strasse|straße|str\.|gasse|weg|straat|laan|plein"
    r"|gade|vej|veien|vegen|gatan|gata|vägen|katu|tie|utca|allee)|strasse|straße|gasse|straat"
    r"|allee)\s+\d{1,4}[A-Za-z]?\b",
    re.IGNORECASE,
)


# a street named without a house number, in mixed-case text: "Byres Road", "Queen Street",
# "Linden Ave", "FC Road"; "Dr" and "Ct" are left out (doctor, CT scan), "St" only at the end
_NAMED_STREET = re.compile(
    r"\b(?:[A-Z][a-z'\-]+|[A-Z]{2,3})(?:[ \t][A-Z][a-z'\-]+)?[ \t](?:Road|Rd|Street|Avenue|Ave"
    r"|Lane|Ln|Boulevard|Blvd|Drive|Court|Crescent|Close|Terrace|Parkway|Pkwy|Pike|Highway|Hwy"
    r"|Row|Way|Trail|Parade|Esplanade|Grove|Mews|St(?![ \t.]*[A-Z]))\b\.?"
)
_STREET_WORD = re.compile(
    r"\b(?:Road|Rd|Street|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Court|Crescent|Close|Terrace"
    r"|Parkway|Pkwy|Pike|Highway|Hwy|Row|Way|Trail|Parade|Esplanade|Grove|Mews|St)\b"
)
_NOT_STREET_HEADS = word_set(
    "The This That A An And Or Of On In At To By For With From Per No Any Each Every Same"
    " Right Left Wrong Long Half Either Other Another"
)
# numbered roads: "Route 29", "ROUTE 40", "Highway 7", "I-95"; a city block: "1400 block of"
_ROUTE = re.compile(
    r"\b(?i:route|rte|highway|hwy|interstate|state\s+road|county\s+road)[ \t]+\d{1,4}\b"
    r"|\bI-\d{1,3}\b|\b\d{1,5}[ \t]+(?i:block)[ \t]+(?i:of)[ \t]+(?:[A-Za-z.]+[ \t]+){1,3}"
    r"(?i:st|street|ave|avenue|rd|road|blvd)\b\.?"
    # a grid address of the Canadian prairies: "10442 97 St NW", "8210 109 Ave"
    r"|(?<![\w/.\-])\d{3,6}[ \t]+\d{1,3}[ \t]+(?:St|Street|Ave|Avenue)\b(?:[ \t]+(?:NW|NE|SW|SE))?"
)
# a Quebec street, the number first: "41 rue Principale", "1200 boul. Saint-Laurent"
_FRENCH_STREET = re.compile(
    rf"(?<![\w/.\-])\d{{1,5}},?[ \t]+(?i:rue|boul\.?|boulevard|chemin|ch\.|rang|av\.|avenue"
    rf"|mont[ée]e|c[ôo]te)[ \t]+(?:(?i:de|du|des|la|le|l'|d')[ \t]*)*{_LETTER}[\w'\-]*"
    rf"(?:[ \t]+{_LETTER}[\w'\-]*)?"
)


def _span(m: re.Match[str], score: float, source: str) -> PhiSpan:
    return PhiSpan(start=m.start(), end=m.end(), type=PhiType.ADDRESS, score=score, source=source)


def find_addresses(text: str) -> list[PhiSpan]:
    """Street lines, PO boxes and military mail, units, and non-US street forms in ``text``."""
    spans: list[PhiSpan] = []
    for m in _STREET.finditer(text):
        middle = m.group("street").lower().split()
        if not any(w.strip(".,") in _NOT_STREET_WORDS for w in middle):
            spans.append(_span(m, 0.85, "address.street"))
    spans += [_span(m, 0.9, "address.po_box") for m in _PO_BOX.finditer(text)]
    spans += [_span(m, 0.9, "address.military") for m in _MILITARY.finditer(text)]
    spans += [_span(m, 0.75, "address.unit") for m in _UNIT_ALONE.finditer(text)]
    spans += [_span(m, 0.8, "address.street_first") for m in _STREET_TYPE_FIRST.finditer(text)]
    spans += [_span(m, 0.8, "address.street_last") for m in _STREET_TYPE_LAST.finditer(text)]
    named = _STREET_WORD.search(text) is not None
    for m in _NAMED_STREET.finditer(text) if named else ():
        if m.group(0).split()[0] not in _NOT_STREET_HEADS:
            spans.append(_span(m, 0.7, "address.named_street"))
    spans += [_span(m, 0.8, "address.route") for m in _ROUTE.finditer(text)]
    spans += [_span(m, 0.8, "address.street_fr") for m in _FRENCH_STREET.finditer(text)]
    return spans
