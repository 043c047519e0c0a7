"""The town of an address line: what follows a street, a facility or an organisation after a
comma and ends the line, or stands before a state or a postcode (``7283 N. Larkspur Ln,
hollymead NSW``, ``HOLY NAME HOSPITAL, bartram village``, ``P.O. Box 93042\\ncastle rock, MD``).
Letter case says nothing here: addresses are typed in every case."""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.ingestor.phi.lexicon import Lexicon
from services.ingestor.phi.name_words import STOPWORDS
from services.ingestor.phi.spans import PhiSpan, PhiType

_AFTER = re.compile(
    r",[ \t]*(?P<town>[^\W\d_][^\W\d_'\-.]*(?:[ \t\-][^\W\d_][^\W\d_'\-.]*){0,2}?)"
    r"(?=[ \t]*(?:$|\n|[.;)]|,|[ \t]+[A-Z]{2,3}\b|[ \t]+\(?\d|[ \t]+[A-Z]\d))",
)
# a line that holds only a town before a state or postcode: "castle rock, MD G13 9AW"
_TOWN_LINE = re.compile(
    r"^[ \t]*(?P<town>[^\W\d_][^\W\d_'\-.]*(?:[ \t][^\W\d_][^\W\d_'\-.]*){0,2}),?[ \t]+"
    r"(?:[A-Z]{2,3}[ \t]+)?(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
    r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|\d{4,6})[ \t]*$",
    re.MULTILINE,
)
_ANCHORS = (PhiType.ADDRESS, PhiType.LOCATION, PhiType.ZIP)
# a place found by the words before it ("lives alone in Wronville, daughter nearby") is a town
# in a sentence, not an address line: what follows its comma is a town only before a state or
# a postcode ("from Wronville, Gitford MA")
_SENTENCE_PLACES = (
    "location.cue",
    "location.town",
    "location.propagated",
    "location.ward",
    "location.unit",
    "location.acronym",
    "location.town_form",
    "location.town_framed",
    "location.residence",
    "location.body_label",
    "location.school",
    "location.brand",
)
_STATE_OR_CODE_AFTER = re.compile(
    r"[ \t]+(?:\d{4,6}\b|[A-Z]\d[A-Z]|[A-Z]{1,2}\d{1,2}[ \t]?\d[A-Z]"
    r"|[A-Z]{2,3}[ \t]*(?:$|[.;,]|\d))",
    re.M,
)
_NOT_TOWNS = (
    frozenset(
        [
            "suite",
            "level",
            "lvl",
            "ste",
            "apt",
            "unit",
            "flat",
            "floor",
            "room",
            "tel",
            "ph",
            "phone",
            "fax",
            "mobile",
            "cell",
            "pager",
            "ext",
            "email",
            "re",
            "dob",
            "mrn",
            "date",
            "attn",
            "to",
            "from",
            "dear",
            "patient",
            "pt",
            "name",
            "age",
            "sex",
        ]
    )
    | STOPWORDS
)


def find_address_towns(
    text: str, found: Iterable[PhiSpan], lex: Lexicon | None = None
) -> list[PhiSpan]:
    """Towns after address parts already found, and towns on a line of their own.

    After an organisation or a facility (not a street or a postcode), words that are all
    ordinary words and no town's name, with more of the sentence after them on the line, are
    the sentence going on, not a town: "Works at Ware Roofing, loves the job. Sleeps well."
    (``lex`` says which words those are); at the end of a line they stay a town ("Springfield
    University Hospital, Tooting.")."""
    spans = []
    for anchor in found:
        if anchor.type not in _ANCHORS or anchor.score < 0.7 or anchor.source == "zip.after_street":
            continue  # what follows a ZIP that ends an address is the sentence, not a town
        m = _AFTER.match(text, anchor.end)
        if m is None:
            continue
        town = m.group("town")
        if anchor.source.startswith(_SENTENCE_PLACES) and not _STATE_OR_CODE_AFTER.match(
            text, m.end("town")
        ):
            continue
        if town.split()[0].lower() in _NOT_TOWNS:
            continue
        if anchor.type is PhiType.LOCATION and lex is not None and _ordinary(town, lex):
            line_end = text.find("\n", m.end("town"))
            rest = text[m.end("town") : line_end if line_end >= 0 else len(text)]
            if rest.strip(" \t.;,)"):
                continue  # the sentence goes on: "Ware Roofing, card copied. Resp: clear"
        spans.append(_town(m.start("town"), m.end("town")))
    for m in _TOWN_LINE.finditer(text):
        if m.group("town").split()[0].lower() not in _NOT_TOWNS:
            spans.append(_town(m.start("town"), m.end("town")))
    return spans


def _ordinary(words: str, lex: Lexicon) -> bool:
    keys = [w.lower() for w in re.split(r"[ \t\-]+", words) if w]
    return " ".join(keys) not in lex.places and all(lex.is_vocabulary(k) for k in keys)


def _town(start: int, end: int) -> PhiSpan:
    return PhiSpan(
        start=start, end=end, type=PhiType.LOCATION, score=0.7, source="location.address_town"
    )
