"""A deployment's own identifying terms: its hospitals, wards, clinics, towns and staff.

No public list holds the names of a site's units, its local hospitals or its clinicians, yet
they are the PHI the general rules miss most (see docs/benchmarks.md: held-out places). A
deployment knows them, as deid.pl's sites keep their own lists. The file it supplies
(``CLINRELAY_PHI_SITE_TERMS_FILE``, ``clinrelay deid --site-terms``) is plain text, one term
a line::

    # comments and blank lines are ignored
    Quartermain 2              <- a place (the default)
    LOCATION<TAB>Union Memorial
    NAME<TAB>Okonkwo           <- a person: a clinician on the staff roster

A term matches whole words, case-insensitively, whatever punctuation and spacing stand between
its words (``St. Agnes`` matches ``st agnes`` and ``ST.AGNES``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from services.ingestor.phi.spans import PhiSpan, PhiType

SITE_TERM_SCORE = 0.95
"""The deployment says these are identifiers: only known PHI (0.99) scores higher."""

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # letters and digits of any script
_TYPES = {"LOCATION": PhiType.LOCATION, "NAME": PhiType.NAME}
_MAX_WORDS = 8


class SiteTermsError(ValueError):
    """The site terms file cannot be used; the message names the line and the problem."""


class SiteTerm(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    type: PhiType = PhiType.LOCATION


def _key(word: str) -> str:
    return word.lower().removesuffix("'s")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_key(w) for w in _WORD.findall(text))


def parse_site_terms(lines: Iterable[str]) -> tuple[SiteTerm, ...]:
    """Terms of a site terms file's lines; raises :class:`SiteTermsError` naming a bad line."""
    terms: list[SiteTerm] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind = PhiType.LOCATION
        if "\t" in line:
            label, _, line = line.partition("\t")
            if label.strip().upper() not in _TYPES:
                # the file holds staff names: say where the problem is, never what it reads
                raise SiteTermsError(f"line {number}: type must be LOCATION or NAME before the tab")
            kind = _TYPES[label.strip().upper()]
            line = line.strip()
        words = _words(line)
        if not words or sum(len(w) for w in words) < 3:
            raise SiteTermsError(f"line {number}: a term needs at least 3 letters or digits")
        if len(words) > _MAX_WORDS:
            raise SiteTermsError(f"line {number}: a term may have at most {_MAX_WORDS} words")
        terms.append(SiteTerm(text=line.strip(), type=kind))
    return tuple(terms)


def load_site_terms(path: Path) -> tuple[SiteTerm, ...]:
    """The terms of the file at ``path`` (UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteTermsError(f"cannot read site terms file {path}: {type(exc).__name__}") from None
    try:
        return parse_site_terms(text.splitlines())
    except SiteTermsError as exc:
        raise SiteTermsError(f"{path}: {exc}") from None


class _SiteIndex:
    def __init__(self, terms: Sequence[SiteTerm]):
        self.phrases: dict[tuple[str, ...], PhiType] = {}
        for term in terms:
            self.phrases.setdefault(_words(term.text), term.type)
        self.longest = max((len(p) for p in self.phrases), default=0)

    def find(self, text: str) -> list[PhiSpan]:
        words = list(_WORD.finditer(text))
        keys = [_key(w.group(0)) for w in words]
        spans: list[PhiSpan] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                kind = self.phrases.get(tuple(keys[i : i + n]))
                if kind is not None:
                    spans.append(
                        PhiSpan(
                            start=words[i].start(),
                            end=words[i + n - 1].end(),
                            type=kind,
                            score=SITE_TERM_SCORE,
                            source="site",
                        )
                    )
                    i += n - 1
                    break
            i += 1
        return spans


# Indexes of the term sets in use, by identity: a deployment passes the same tuple (its policy's)
# for every note, so looking it up must not hash thousands of terms per note. The tuple is kept
# with its index, so its id cannot be reused while the entry lives.
_INDEXES: dict[int, tuple[tuple[SiteTerm, ...], _SiteIndex]] = {}
_INDEXES_KEPT = 8


def _index(terms: tuple[SiteTerm, ...]) -> _SiteIndex:
    entry = _INDEXES.get(id(terms))
    if entry is not None and entry[0] is terms:
        return entry[1]
    if len(_INDEXES) >= _INDEXES_KEPT:
        _INDEXES.clear()
    index = _SiteIndex(terms)
    _INDEXES[id(terms)] = (terms, index)
    return index


def find_site_terms(text: str, terms: tuple[SiteTerm, ...]) -> list[PhiSpan]:
    """Every occurrence of a site term in ``text`` (the index is built once per term set)."""
    return _index(terms).find(text) if terms else []
