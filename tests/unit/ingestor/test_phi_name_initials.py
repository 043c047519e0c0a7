"""Names told by their shape where a person is expected: an initial and a word after a kin or
cue word; a name opening a clause before "aware", "called", "paged" — in any letter case."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi

FILL = "Resp: lungs clear, sats 97% on 2L. HR 80s, SR. "


def masked(text: str) -> list[str]:
    return [text[s.start : s.end] for s in detect_phi(text)]


def _cases(sentence: str, value: str) -> list[tuple[str, str]]:
    mixed = FILL + sentence
    return [(mixed, value), (mixed.upper(), value.upper()), (mixed.lower(), value.lower())]


INITIAL_AFTER_CUE = [
    ("Wife R Carlton came with him.", "R Carlton"),
    ("Talked with K Oyelaran from case management.", "K Oyelaran"),
    ("Seen by A. Nirkier, pain better.", "A. Nirkier"),
    ("Daughter J. Ferrow visited today.", "J. Ferrow"),
]


@pytest.mark.parametrize(("text", "value"), [c for s, v in INITIAL_AFTER_CUE for c in _cases(s, v)])
def test_an_initial_and_a_word_after_a_person_cue_is_a_name(text: str, value: str) -> None:
    assert value in masked(text)


BEFORE_CUE = [
    ("TERRY ALLEN AWARE. PT GIVEN MG.", "TERRY ALLEN"),
    ("J VARDEN AWARE OF PLAN.", "J VARDEN"),
    ("RICK CALLED TO BEDSIDE FOR POOR WAVEFORM.", "RICK"),
    ("Bp low, Grace paged.", "Grace"),
]


@pytest.mark.parametrize(("text", "value"), [c for s, v in BEFORE_CUE for c in _cases(s, v)])
def test_a_name_opening_a_clause_before_aware_or_called_is_masked(text: str, value: str) -> None:
    assert value in masked(text)


@pytest.mark.parametrize(
    "text",
    [
        FILL + "PT WITH C DIFF, ON FLAGYL. S/P CABG. SEEN BY X RAY TECH.",
        FILL + "BS COVERED C SSRI. Will call.",
        FILL + "HO AWARE. RESIDENT CALLED. ICU TEAM NOTIFIED. PHARMACY CALLED.",
        FILL + "MD aware. Team aware, family called, Charge nurse aware.",
        FILL + "walked with a walker, seen by w assist.",
        FILL + "wife r knee pain, husband j tube fed.",
    ],
)
def test_shorthand_and_roles_around_those_cues_stay(text: str) -> None:
    assert masked(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Abg improved with pt in chair. Reported to Dr. MAY. Will cont to monitor.", "MAY"),
        ("Bigeminy noted. Dr. Will aware, mg given.", "Will"),
    ],
)
def test_a_surname_that_is_a_modal_after_a_title_ends_a_clause(text: str, value: str) -> None:
    assert value in masked(text)


def test_a_modal_after_a_title_in_a_sentence_stays() -> None:
    assert masked("Dr may order more lasix. Dr. will see pt in am. Dr. said ok.") == []
