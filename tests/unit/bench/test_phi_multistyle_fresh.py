"""The fresh multi-style PHI set (held out whole): it parses, is large and varied, covers every
kind of note and identifier it promises, and its markup keeps the set's conventions.

Nothing here runs the de-identifier on it: its figures are looked at once, in aggregate."""

from __future__ import annotations

import itertools
import re
import sys
from collections import Counter

import pytest

from bench.phi import multistyle
from bench.phi.annotated import TRAP, AnnotatedNote
from bench.phi.multistyle import FRESH, SAFE_HARBOR, convention, load_all, load_fresh

I2B2 = set(SAFE_HARBOR) | {"PROFESSION", "DEPARTMENT", "STATE", "COUNTRY"}
KINDS = {
    "icu_nursing_upper",
    "icu_nursing_lower",
    "nursing_note",
    "soap",
    "discharge",
    "ed",
    "history_physical",
    "referral_letter",
    "portal_message",
    "telephone",
    "social_work",
    "psychiatry",
    "radiology",
    "pathology",
    "fax_cover",
    "home_health",
    "case_management",
    "pharmacy",
}
TITLE = re.compile(r"(?i)(dr|mr|mrs|ms|miss|mx|prof|rev|sr|nurse)\b\.?\s")


@pytest.fixture(scope="module")
def fresh() -> list[AnnotatedNote]:
    return load_fresh()


def test_the_set_parses_and_is_large(fresh: list[AnnotatedNote]) -> None:
    assert len(fresh) >= 60
    assert sum(len(n.phi()) for n in fresh) >= 600
    assert sum(len(n.traps()) for n in fresh) >= 150
    assert all(n.phi() for n in fresh)


def test_every_kind_and_convention_is_there(fresh: list[AnnotatedNote]) -> None:
    kinds = Counter(n.kind for n in fresh)
    assert set(kinds) == KINDS
    assert min(kinds.values()) >= 2
    conventions = Counter(convention(n) for n in fresh)
    assert set(conventions) == {"us", "uk", "ca", "au", "nz", "in"}
    assert len(fresh) - conventions["us"] >= 15


def test_capitals_and_lower_case_icu_notes_are_written_so(fresh: list[AnnotatedNote]) -> None:
    for note in fresh:
        letters = [c for c in note.text if c.isalpha()]
        if note.kind == "icu_nursing_upper":
            assert all(c.isupper() for c in letters), note.id
        if note.kind == "icu_nursing_lower":
            assert sum(c.islower() for c in letters) / len(letters) > 0.95, note.id


def test_every_identifier_category_is_covered(fresh: list[AnnotatedNote]) -> None:
    categories = Counter(s.category for n in fresh for s in n.phi())
    ids = "MEDICALRECORD HEALTHPLAN ACCOUNT LICENSE VEHICLE DEVICE BIOID SSN IDNUM".split()  # noqa: SIM905
    for category in ids:
        assert categories[category] >= 2, category
    for category in ("PATIENT", "DOCTOR", "HOSPITAL", "ORGANIZATION", "DATE", "PHONE", "CITY"):
        assert categories[category] >= 20, category
    for category in ("STREET", "ZIP", "FAX", "EMAIL", "URL", "AGE", "ROOM", "USERNAME"):
        assert categories[category] >= 3, category
    assert categories["LOCATION-OTHER"] >= 1
    # the set leans towards what de-identifiers miss: identifiers, organisations, postcodes
    identifiers = sum(categories[c] for c in ids)
    organisations = categories["HOSPITAL"] + categories["ORGANIZATION"]
    assert identifiers >= 80
    assert organisations >= 100
    assert categories["ZIP"] >= 20


def test_every_span_is_well_formed(fresh: list[AnnotatedNote]) -> None:
    for note in fresh:
        assert "{{" not in note.text, note.id
        assert "}}" not in note.text, note.id
        for span in note.spans:
            surface = note.text[span.start : span.end]
            where = f"{note.id} {span.category} {surface!r}"
            assert span.category in I2B2 | {TRAP}, where
            assert surface, where
            assert surface == surface.strip(), where
            assert "\n" not in surface, where
            assert "|" not in surface, where
            if span.category in ("PATIENT", "DOCTOR"):
                assert not TITLE.match(surface), f"title inside a name: {where}"
            if span.category == "AGE":
                assert surface.isdigit(), where
                assert int(surface) > 89, f"AGE only over 89: {where}"
        ordered = sorted(note.spans, key=lambda s: s.start)
        for a, b in itertools.pairwise(ordered):
            assert a.end <= b.start, f"{note.id}: overlapping spans"


def test_every_raw_file_balances_its_markup() -> None:
    for path in sorted(FRESH.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        assert raw.count("{{") == raw.count("}}"), path.name
        opened = re.findall(r"\{\{([^|}]*)\|", raw)
        assert len(opened) == raw.count("{{"), f"{path.name}: a span without a category"
        assert set(opened) <= I2B2 | {TRAP}, f"{path.name}: {set(opened) - I2B2 - {TRAP}}"


def test_the_set_is_apart_from_the_main_set(fresh: list[AnnotatedNote]) -> None:
    main = {n.id for n in load_all()}
    assert not {n.id for n in fresh} & main
    assert all(n.id.startswith("fr") for n in fresh)
    assert not any(n.id.startswith("fr") for n in multistyle.load_set("all"))


@pytest.mark.parametrize("extra", [["--part", "dev"], ["--misses", "/tmp/never-written.txt"]])
def test_the_cli_refuses_any_per_note_view_of_the_fresh_set(
    extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_scoring(*_: object, **__: object) -> None:
        raise AssertionError("the fresh set must not be scored here")

    monkeypatch.setattr(multistyle, "score", no_scoring)
    monkeypatch.setattr(sys, "argv", ["multistyle", "--set", "fresh", *extra])
    with pytest.raises(SystemExit) as exit_:
        multistyle.main()
    assert exit_.value.code == 2
