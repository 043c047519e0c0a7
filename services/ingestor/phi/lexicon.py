"""Word lists the detectors consult, loaded once per process from files shipped in ``data/``.

Nothing is downloaded: the lists were generated from public-domain and permissively licensed
sources by ``bench/phi/build_lexicons.py`` (see ``data/NOTICE.md``). Loading takes ~0.2 s, so it
happens on first use, not at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Lexicon:
    given_names: dict[str, int]
    """Lower-case given name -> number of US babies given it (SSA, 1880-2017)."""
    surnames: dict[str, float]
    """Lower-case surname -> percent of the 1990 US population (0.0: only in the 2010 list)."""
    english: frozenset[str]
    """Lower-case common English words (SCOWL size 50), which alone are not names."""
    clinical: frozenset[str]
    """Clinical shorthand, drugs and eponyms that must not be masked without strong context."""
    medical: frozenset[str]
    """Words of the ICD-10-CM descriptions missing from ``english`` ("hematuria"), names and
    places excluded."""
    places: dict[str, int]
    """Lower-case US cities, towns and counties (and large world cities) -> population."""
    max_place_words: int
    regions: frozenset[str] = frozenset()
    """States, countries and other areas Safe Harbor lets stay (``not_places.txt``)."""
    proper_terms: frozenset[str] = frozenset()
    """Proper nouns that name clinical things — eponyms of signs, scores, tests, devices and
    operations, organisms, languages and faiths (``clinical_proper_nouns.txt``); those that are
    also common names count only where the words after them say so (``eponyms.py``)."""
    drugs: frozenset[str] = frozenset()
    """One-word drug, brand and substance names (FDA UNII Names list, ``drug_names.txt``)."""

    def common_name(self, word: str) -> bool:
        """True for a frequent given name (10,000+ babies) or surname (0.01 %+ of the US)."""
        return self.given_weight(word) >= 0.85 or self.surname_weight(word) >= 0.9

    def names_clinical_thing(self, word: str) -> bool:
        """True for a drug, brand or clinical eponym (lower-case input)."""
        return word in self.proper_terms or word in self.drugs

    def is_vocabulary(self, word: str) -> bool:
        """True for an ordinary English or clinical word (lower-case input)."""
        return word in self.english or word in self.clinical or word in self.medical

    def near_vocabulary(self, word: str) -> bool:
        """True when one edit (delete, swap, replace, insert) turns ``word`` into a vocabulary
        word: ``stoll`` (stool), ``deines`` (denies) are typos, not surnames."""
        return one_edit_from(word, self.is_vocabulary)

    def given_weight(self, word: str) -> float:
        """How typical ``word`` is as a given name, in [0, 1] (0: not a given name)."""
        births = self.given_names.get(word.replace("'", ""), 0)
        if births == 0:
            return 0.0
        if births >= 100_000:
            return 1.0
        if births >= 10_000:
            return 0.85
        if births >= 2_000:
            return 0.7
        return 0.5

    def surname_weight(self, word: str) -> float:
        """How typical ``word`` is as a surname, in [0, 1] (0: not a surname)."""
        share = self.surnames.get(word.replace("'", ""))
        if share is None:
            return 0.0
        if share >= 0.01:
            return 0.9
        if share >= 0.001:
            return 0.75
        if share > 0:
            return 0.6
        return 0.4  # in the 2010 list only: 100+ people, many of them abbreviations


def one_edit_from(word: str, known: Callable[[str], bool]) -> bool:
    """True when one deletion, transposition, substitution or insertion of a lower-case letter
    turns ``word`` into a word ``known`` accepts."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(len(word) + 1):
        left, right = word[:i], word[i:]
        if right and known(left + right[1:]):
            return True
        if len(right) > 1 and known(left + right[1] + right[0] + right[2:]):
            return True
        for c in letters:
            if right and c != right[0] and known(left + c + right[1:]):
                return True
            if known(left + c + right):
                return True
    return False


def _read_words(path: Path) -> set[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return words


def _read_tsv(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("\t")
        table[key] = value
    return table


@cache
def load_lexicon() -> Lexicon:
    """The shipped word lists (cached: loaded once per process)."""
    given = {k: int(v) for k, v in _read_tsv(_DATA / "given_names.tsv").items()}
    surnames = {k: float(v) for k, v in _read_tsv(_DATA / "surnames.tsv").items()}
    places = {k: int(v) for k, v in _read_tsv(_DATA / "places.tsv").items()}
    regions = frozenset(w.replace("_", " ") for w in _read_words(_DATA / "not_places.txt"))
    for word in regions:
        places.pop(word, None)
    return Lexicon(
        given_names=given,
        surnames=surnames,
        english=frozenset(_read_words(_DATA / "english_words.txt")),
        clinical=frozenset(_read_words(_DATA / "clinical_terms.txt")),
        medical=frozenset(_read_words(_DATA / "medical_words.txt")),
        places=places,
        max_place_words=max(len(p.split()) for p in places),
        regions=regions,
        proper_terms=frozenset(_read_words(_DATA / "clinical_proper_nouns.txt")),
        drugs=frozenset(_read_words(_DATA / "drug_names.txt")),
    )
