"""The variant generator: every PHI mention rewritten in another surface form, context kept."""

from __future__ import annotations

import random
import re

import pytest

from bench.phi import forms
from bench.phi.annotated import TRAP, mentions, parse_markup, read_note_file
from bench.phi.variants import rewrite

NOTE = (
    "Seen by Dr. {{DOCTOR|Crowley}} on {{DATE|7/22}}. Wife {{PATIENT|Mary}} {{PATIENT|Ellis}}"
    " called from {{CITY|Gaithersburg}}, {{STATE|MD}} {{ZIP|20877}} at {{PHONE|301-555-0143}}."
    " MRN {{MEDICALRECORD|00482913}}. {{TRAP|Foley}} in place, BP {{TRAP|120/80}}.\n"
)


def test_markup_gives_text_and_spans() -> None:
    note = parse_markup("n1", NOTE)
    assert "{{" not in note.text
    surfaces = [note.text[s.start : s.end] for s in note.spans]
    assert surfaces[:3] == ["Crowley", "7/22", "Mary"]
    assert [note.text[s.start : s.end] for s in note.traps()] == ["Foley", "120/80"]
    assert all(s.category != TRAP for s in note.phi())


@pytest.mark.parametrize("bad", ["{{DOCTOR|Crowley}", "{{DOCTOR|}} x", "a }} b"])
def test_bad_markup_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError, match="n1"):
        parse_markup("n1", bad)


def test_note_files_split_on_headers() -> None:
    notes = read_note_file("f", "=== a soap ===\nPt {{PATIENT|Jo}}.\n=== b ed ===\nNo PHI.\n")
    assert [(n.id, n.kind) for n in notes] == [("a", "soap"), ("b", "ed")]
    assert notes[0].text == "Pt Jo.\n"


def test_neighbouring_words_of_one_person_are_one_mention() -> None:
    note = parse_markup(
        "n", "Sons {{PATIENT|Smokey}}, {{PATIENT|Mo}} and {{PATIENT|Al}} {{PATIENT|Ro}}"
    )
    joined = [note.text[m.start : m.end] for m in mentions(note, {"PATIENT"})]
    assert joined == ["Smokey", "Mo", "Al Ro"]


def test_rewrite_replaces_phi_and_keeps_everything_else() -> None:
    note = parse_markup("n1", NOTE)
    for seed in range(30):
        variant = rewrite(note, random.Random(seed))
        # the words around PHI, kept categories and traps are untouched
        for word in ("Seen by Dr.", " on ", "Wife ", "called from", "MD", "MRN", "Foley", "120/80"):
            assert word in variant.text
        assert "Crowley" not in variant.text
        assert "00482913" not in variant.text
        for span in variant.phi():
            surface = variant.text[span.start : span.end]
            assert surface.strip() == surface
            assert surface
            assert span.form
        assert {s.category for s in variant.phi()} == {s.category for s in note.phi()}
        assert [variant.text[t.start : t.end] for t in variant.traps()] == ["Foley", "120/80"]


def test_rewrites_cover_many_forms_and_cases() -> None:
    note = parse_markup("n1", NOTE)
    rng = random.Random(7)
    seen = {s.form for _ in range(300) for s in rewrite(note, rng).phi()}
    for expected in ("initial_dot_surname/upper", "surname/lower", "nickname/title"):
        assert expected in seen
    assert any(f.startswith("date_range") for f in seen)
    assert any(f.startswith("postcode/uk") for f in seen)
    assert any(f.startswith("phone_ext") for f in seen)


def test_postcodes_have_their_national_shapes() -> None:
    rng = random.Random(3)
    shapes = {
        "uk": r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}",
        "ca": r"[A-Z]\d[A-Z] \d[A-Z]\d",
        "au": r"(NSW|VIC|QLD|SA|WA|TAS|NT|ACT) \d{4}",
        "us9": r"\d{5}-\d{4}",
        "in_pin": r"\d{6}",
    }
    for form, shape in shapes.items():
        for _ in range(20):
            value, label = forms.postcode(rng, form)
            assert re.fullmatch(shape, value), (form, value)
            assert label == f"postcode/{form}"


def test_person_forms_follow_the_case_asked() -> None:
    rng = random.Random(5)
    assert forms.person(rng, "initial_dot_surname", "upper")[0].isupper()
    assert forms.person(rng, "full", "lower")[0].islower()
    value, label = forms.person(rng, "synthea", "title")
    assert re.fullmatch(r"\S+\d+ \S+\d+", value)
    assert label == "synthea/title"


def test_every_date_form_holds_a_date() -> None:
    rng = random.Random(11)
    for _ in range(200):
        value, label = forms.date(rng)
        assert re.search(r"\d|christmas|thanksgiving|easter|year|mid-|day\b|diwali", value, re.I), (
            value,
            label,
        )
