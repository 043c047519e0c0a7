"""Patterns for the other forms notes give the record's identifiers, addresses and places.

All are compiled case-insensitively by :class:`~.known_matcher.KnownPhiMatcher`:

- an identifier with its characters spaced or split by ``-``, ``.``, ``/`` ("MRN 88-42-13",
  "ab 1234 567" for AB1234567);
- a postal code with or without its space ("SW1A1AA", "K1A 0B1", "02026 1234");
- a street line with the suffix in any form or left out ("12 Larch Ln.", "12 Larch", "Larch
  Lane"), or the house number missing;
- an organisation or location without its generic tail ("Quartermaine Memorial" for Quartermaine
  Memorial Hospital), with Saint as "St."/"St" and the other way round, and as the initials of
  its words ("QMH") when it has three or more words and one of them is not an ordinary word;
- a word of its name that is not an ordinary word, a place or a region, alone ("Wendlebury" of
  Wendlebury Memorial Hospital).
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import load_lexicon

_SEPARATOR = r"[\s\-./]?"
_STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|way|"
    "terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|cres|close|"
    "grove|gardens|gdns|row|mews"
)
_SUFFIX = re.compile(rf"(?:{_STREET_SUFFIXES})\.?", re.IGNORECASE)
_TAILS = re.compile(
    r"(?:\s*,?\s+(?:hospitals?|medical\s+cent(?:er|re)|health\s+(?:system|center|centre|care)|"
    r"healthcare|clinic|clinics|hospice|infirmary|inc\.?|llc|ltd|corp\.?|co\.?|group|associates|"
    r"practice|center|centre|pharmacy|laboratory|laboratories|labs?))+\s*$",
    re.IGNORECASE,
)
_SAINT = re.compile(r"\b(?:saint|st)\b\.?", re.IGNORECASE)


def _spaced(value: str) -> str:
    return _SEPARATOR.join(re.escape(c) for c in value)


def identifier_pattern(identifier: str) -> str | None:
    """``AB-1234/567`` as ``ab 1234567``, ``AB.1234.567``...: the same letters and digits
    with or without one separator between any two (identifiers of 5+ of them only)."""
    chars = re.sub(r"[^A-Za-z0-9]", "", identifier)
    if len(chars) < 5 or not any(c.isdigit() for c in chars):
        return None
    return rf"(?<![A-Za-z0-9]){_spaced(chars)}(?![A-Za-z0-9])"


def postal_code_pattern(code: str) -> str:
    chars = re.sub(r"[^A-Za-z0-9]", "", code)
    return rf"(?<![A-Za-z0-9]){_spaced(chars)}(?![A-Za-z0-9])"


def _words(value: str) -> str:
    return r"\s+".join(re.escape(w) for w in value.split())


def street_patterns(line: str) -> list[str]:
    """Patterns for a street line in other forms (nothing for lines not shaped as
    ``<number> <name> [<suffix>]``)."""
    m = re.fullmatch(r"\s*(\d+[A-Za-z]?)\s+(.+?)\s*", line)
    if not m:
        return []
    number, rest = m.groups()
    words = rest.split()
    if len(words) >= 2 and _SUFFIX.fullmatch(words[-1]):
        words = words[:-1]
    name = " ".join(words)
    if not re.search(r"[A-Za-z]{3}", name):
        return []
    any_suffix = rf"(?:\s+(?:{_STREET_SUFFIXES})\b\.?)"
    return [
        rf"\b{re.escape(number)},?\s+{_words(name)}\b{any_suffix}?",
        rf"\b{_words(name)}{any_suffix}",
    ]


def organisation_patterns(name: str) -> list[str]:
    """Patterns for an organisation's or location's other forms (see the module doc)."""
    lex = load_lexicon()
    out: list[str] = []
    core = _TAILS.sub("", name).strip(" ,")
    core_words = re.findall(r"[A-Za-z']+", core)
    distinctive = [w for w in core_words if not lex.is_vocabulary(w.lower())]
    if core != name.strip() and distinctive and len(core) >= 4:
        out.append(rf"\b{_saint_tolerant(core)}\b")
    elif _SAINT.search(name):
        out.append(rf"\b{_saint_tolerant(name.strip())}\b")
    for word in distinctive:
        key = word.lower()
        if len(key) >= 4 and key not in lex.regions and key not in lex.places:
            out.append(rf"\b{re.escape(word)}\b")
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']*", name) if w.lower() not in {"of", "the"}]
    if len(words) >= 3 and any(not lex.is_vocabulary(w.lower()) for w in words):
        initials = "".join(w[0] for w in words).upper()
        out.append(rf"(?-i:\b{initials}\b)")
    return out


def _saint_tolerant(value: str) -> str:
    parts = _SAINT.split(value)
    escaped = [_words(p.strip()) for p in parts]
    pieces = [escaped[0]]
    for part in escaped[1:]:
        pieces.append(r"(?:saint|st\.?)\s*" + part)
    return r"\s*".join(p for p in pieces if p)
