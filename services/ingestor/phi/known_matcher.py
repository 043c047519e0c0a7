"""Find the PHI a Bundle states in structured form (KnownPhi) again in the free text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from services.ingestor.phi.known_forms import (
    identifier_pattern,
    organisation_patterns,
    postal_code_pattern,
    street_patterns,
)
from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.name_variants import NameVariants
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import case_style, tokenize
from shared.intake.known_phi import KnownPhi, PersonName

_MIN_NAME_LENGTH = 2


def _alpha(value: str) -> str:
    """``Sumiko254`` -> ``Sumiko``: Synthea and some test systems suffix names with digits."""
    return re.sub(r"\d+$", "", value.strip())


def _literal(value: str) -> str:
    """A case-insensitive pattern for ``value`` that tolerates any run of whitespace."""
    parts = [re.escape(p) for p in value.split()]
    return r"\s+".join(parts)


def _digits_pattern(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 4:
        return None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return r"[\s().\-/]*".join(digits)


@dataclass(frozen=True)
class KnownPhiMatcher:
    """Compiled patterns for one report's known PHI; build once, apply to every note."""

    known: KnownPhi

    @cached_property
    def name_keys(self) -> frozenset[str]:
        """Lower-case name tokens of everyone in the record (for the name finder)."""
        keys: set[str] = set()
        for name in self.known.names:
            for part in self._name_parts(name):
                for word in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", part):
                    if len(word) >= _MIN_NAME_LENGTH:
                        keys.add(word.lower())
        return frozenset(keys)

    @staticmethod
    def _name_parts(name: PersonName) -> list[str]:
        parts = [*name.given, *([name.family] if name.family else [])]
        if name.text:
            parts.append(name.text)
        return [p for p in parts if p and p.strip()]

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], PhiType]]:
        out = [
            *self._name_patterns(),
            *self._number_patterns(),
            *self._address_patterns(),
            *[(_literal(v), PhiType.EMAIL) for v in self.known.emails],
            *[(_literal(v), PhiType.URL) for v in self.known.urls],
            *[
                (rf"\b{_literal(o)}\b", PhiType.LOCATION)
                for o in self.known.organizations
                if len(o.strip()) >= 3
            ],
            *[
                (p, PhiType.LOCATION)
                for o in self.known.organizations
                for p in organisation_patterns(o)
            ],
        ]
        for date in (self.known.birth_date, self.known.deceased_date):
            if date and len(date) >= 10:
                out.append((rf"\b{re.escape(date[:10])}\b", PhiType.DATE))
        return [(re.compile(p, re.IGNORECASE), kind) for p, kind in out]

    def _name_patterns(self) -> list[tuple[str, PhiType]]:
        out: list[tuple[str, PhiType]] = []
        for name in self.known.names:
            for part in self._name_parts(name):
                for variant in {part, _alpha(part)}:
                    if len(variant) >= _MIN_NAME_LENGTH:
                        out.append((rf"(?<!\w){_literal(variant)}(?:'s)?(?!\w)", PhiType.NAME))
            family = _alpha(name.family or "")
            for given in (_alpha(g) for g in name.given):
                if family and given:
                    # "Smith, John", "J. Smith", "J Smith"
                    out.append((rf"\b{_literal(family)},\s*{_literal(given)}\b", PhiType.NAME))
                    out.append(
                        (rf"\b{re.escape(given[0])}\.?\s+{_literal(family)}\b", PhiType.NAME)
                    )
        return out

    def _number_patterns(self) -> list[tuple[str, PhiType]]:
        out: list[tuple[str, PhiType]] = []
        for ident in self.known.identifiers:
            if len(ident.strip()) >= 3:
                out.append((rf"(?<![\w-]){_literal(ident)}(?![\w-])", PhiType.ID))
                spaced = identifier_pattern(ident)
                if spaced:
                    out.append((spaced, PhiType.ID))
                digits = _digits_pattern(ident)
                if digits and len(re.sub(r"\D", "", ident)) >= 6:
                    out.append((rf"(?<!\d){digits}(?!\d)", PhiType.ID))
        for phone in (*self.known.phones, *self.known.faxes):
            digits = _digits_pattern(phone)
            kind = PhiType.FAX if phone in self.known.faxes else PhiType.PHONE
            if digits:
                out.append((rf"(?<!\d){digits}(?!\d)", kind))
                local = re.sub(r"\D", "", phone)[-7:]
                if len(re.sub(r"\D", "", phone)) >= 10:
                    out.append((rf"(?<!\d){_digits_pattern(local)}(?!\d)", kind))
        return out

    def _address_patterns(self) -> list[tuple[str, PhiType]]:
        out: list[tuple[str, PhiType]] = []
        for address in self.known.addresses:
            for line in address.lines:
                if len(line.strip()) >= 4:
                    out.append((rf"\b{_literal(line)}\b", PhiType.ADDRESS))
                out += [(p, PhiType.ADDRESS) for p in street_patterns(line)]
            out += self._address_text_patterns(address.text)
            for place in (address.city, address.district):
                if place and len(place.strip()) >= 3:
                    out.append((rf"\b{_literal(place)}\b", PhiType.LOCATION))
            if address.postal_code:
                out.append((rf"\b{_literal(address.postal_code)}\b", PhiType.ZIP))
                out.append((postal_code_pattern(address.postal_code), PhiType.ZIP))
                zip5 = address.postal_code.strip()[:5]
                if zip5.isdigit():
                    out.append((rf"(?<!\d){zip5}(?:-\d{{4}})?(?!\d)", PhiType.ZIP))
        return out

    @staticmethod
    def _address_text_patterns(text: str | None) -> list[tuple[str, PhiType]]:
        """An address given only as text ("4 Elm St, Dedham"): the whole of it, its street part
        in any form, and its other parts as places (states and countries left alone)."""
        if not text or len(text.strip()) < 4:
            return []
        out = [(rf"\b{_literal(text)}\b", PhiType.ADDRESS)]
        regions = load_lexicon().regions
        for position, part in enumerate(p.strip() for p in text.split(",")):
            if len(part) < 4 or part.lower() in regions:
                continue
            if position == 0 or any(c.isdigit() for c in part):
                out.append((rf"\b{_literal(part)}\b", PhiType.ADDRESS))
                out += [(p, PhiType.ADDRESS) for p in street_patterns(part)]
            else:
                out.append((rf"\b{_literal(part)}\b", PhiType.LOCATION))
        return out

    @cached_property
    def name_variants(self) -> NameVariants:
        """Nicknames, prefixes and misspellings of every name in the record."""
        return NameVariants(self.known.names)

    def find(self, text: str) -> list[PhiSpan]:
        """Every occurrence of known PHI in ``text`` (score 0.99: the record says it is PHI),
        and of the record's names in the forms notes give them (:mod:`~.name_variants`)."""
        spans = []
        if self.name_variants:
            spans += self.name_variants.find(text, case_style(tokenize(text)))
        for pattern, kind in self._patterns:
            for m in pattern.finditer(text):
                spans.append(
                    PhiSpan(start=m.start(), end=m.end(), type=kind, score=0.99, source="known")
                )
        return spans
