"""The frame probe: sentences written for clinrelay with surrogate PHI in their slots."""

from __future__ import annotations

import random

import pytest

from bench.phi.annotated import TRAP
from bench.phi.contexts import FRAMES, SLOTS, framed_note, framed_notes, training_lines
from services.ingestor.phi.spans import PhiType
from services.ingestor.phi.training_data import parse_line


@pytest.mark.parametrize("case", ["title", "upper", "lower"])
def test_each_frame_fills_its_slots_and_keeps_its_words(case: str) -> None:
    rng = random.Random(3)
    for key, frame in FRAMES.items():
        note = framed_note(key, rng, case)
        if note is None:
            continue
        slots = [s for s in note.phi()]
        assert len(slots) == frame.count("{") - 2 * frame.count("{{"), key
        for span in slots:
            assert span.form == f"{key}/{case}"
            assert note.text[span.start : span.end].strip() == note.text[span.start : span.end]
        # the frame's own words are in the note (in its case)
        first_words = frame.split("{")[0].strip()
        if first_words and case != "title":
            assert (first_words.upper() if case == "upper" else first_words.lower()) in note.text
        if case == "upper":
            assert note.text == note.text.upper()
        assert note.traps(), key


def test_slot_categories_are_i2b2_and_traps_are_marked() -> None:
    notes = framed_notes(3, seed=1)
    assert len(notes) >= 3 * len(FRAMES) - 5
    categories = {s.category for n in notes for s in n.phi()}
    assert categories == {c for c, _ in SLOTS.values()}
    trap_words = {n.text[s.start : s.end].lower() for n in notes for s in n.traps()}
    assert {"foley", "parkinson", "15/15"} <= trap_words
    assert all(s.category == TRAP for n in notes for s in n.traps())


def test_training_lines_are_read_by_deid_train() -> None:
    notes = framed_notes(1, seed=2)
    parsed = [parse_line(line) for line in training_lines(notes)]
    assert len(parsed) == len(notes)
    kinds = {s.type for p in parsed for s in p.spans}
    assert {PhiType.LOCATION, PhiType.NAME, PhiType.PHONE, PhiType.AGE} <= kinds
    for note, p in zip(notes, parsed, strict=True):
        assert [(s.start, s.end) for s in p.spans] == [(s.start, s.end) for s in note.phi()]
