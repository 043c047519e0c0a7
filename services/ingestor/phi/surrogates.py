"""Consistent fake values: within one report the same original always gets the same surrogate."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.spans import PhiType

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_FACILITY_WORD = re.compile(
    r"\b(hospital|hosp|medical center|med ctr|clinic|health center|nursing home|infirmary)\b\.?$",
    re.IGNORECASE,
)


@cache
def _pools() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Common given names, surnames and towns to draw surrogates from (frequent ones only, so
    a surrogate never looks odd)."""
    lex = load_lexicon()
    given = sorted((n for n, c in lex.given_names.items() if c >= 200_000 and len(n) > 2))
    surnames = sorted(n for n, share in lex.surnames.items() if share >= 0.02 and len(n) > 2)
    towns = sorted(p for p, pop in lex.places.items() if 30_000 <= pop <= 300_000 and " " not in p)
    return tuple(given), tuple(surnames), tuple(towns)


def _match_case(surrogate: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return surrogate.upper()
    if original.islower():
        return surrogate.lower()
    return surrogate[:1].upper() + surrogate[1:].lower()


class SurrogateBook:
    """Surrogates for one report. ``avoid`` holds lower-case words a surrogate must never be
    (the report's real names), so a surrogate cannot re-identify anyone by accident."""

    def __init__(self, avoid: frozenset[str] = frozenset(), salt: bytes | None = None) -> None:
        self._salt = salt or secrets.token_bytes(16)
        self._avoid = avoid
        self._given: dict[str, str] = {}

    def _pick(self, pool: tuple[str, ...], key: str) -> str:
        digest = hashlib.sha256(self._salt + key.encode()).digest()
        index = int.from_bytes(digest[:8], "big")
        for step in range(len(pool)):
            choice = pool[(index + step) % len(pool)]
            if choice not in self._avoid and choice != key:
                return choice
        return pool[index % len(pool)]

    def _digits(self, key: str, template: str) -> str:
        """``template`` with every digit and letter replaced by keyed random ones."""
        stream = hashlib.sha256(self._salt + b"id:" + key.encode()).digest()
        out = []
        for i, ch in enumerate(template):
            b = stream[i % len(stream)] + i
            if ch.isdigit():
                out.append(str(b % 10))
            elif ch.isalpha():
                letter = chr(ord("A") + b % 26)
                out.append(letter if ch.isupper() else letter.lower())
            else:
                out.append(ch)
        return "".join(out)

    def name(self, original: str) -> str:
        """Each word of a name is replaced on its own, so "Vasquez" and "Dr. Vasquez" agree."""
        given_pool, surname_pool, _ = _pools()
        lex = load_lexicon()

        def word(m: re.Match[str]) -> str:
            text = m.group(0)
            key = text.lower().removesuffix("'s")
            possessive = text[len(key) :] if text.lower().endswith("'s") else ""
            if len(key) == 1:
                return _match_case(self._pick(surname_pool, key)[0], text)
            is_given = lex.given_weight(key) > lex.surname_weight(key)
            pool = given_pool if is_given else surname_pool
            return (
                _match_case(self._pick(pool, ("g:" if is_given else "s:") + key), text[: len(key)])
                + possessive
            )

        return _WORD.sub(word, original)

    def location(self, original: str) -> str:
        _, _, towns = _pools()
        facility = _FACILITY_WORD.search(original)
        core = original[: facility.start()].strip() if facility else original
        town = _match_case(self._pick(towns, "l:" + core.lower()), core or original)
        return f"{town} {facility.group(0)}" if facility else town

    def value(self, kind: PhiType, original: str) -> str:
        """A surrogate for any non-name, non-date identifier, keeping its shape."""
        key = f"{kind}:{original.lower()}"
        if kind is PhiType.EMAIL:
            return f"person{self._digits(key, '0000')}@example.org"
        if kind is PhiType.URL:
            return f"https://example.org/{self._digits(key, 'aaaaaa').lower()}"
        if kind is PhiType.IP:
            return f"192.0.2.{int(self._digits(key, '000')) % 254 + 1}"
        if kind is PhiType.AGE:
            return "90+"
        if kind is PhiType.ADDRESS:
            _, surnames, _ = _pools()
            number = str(int(self._digits(key, "0000")) % 9000 + 100)
            return f"{number} {_match_case(self._pick(surnames, key), 'Street')} Street"
        return self._digits(key, original)
