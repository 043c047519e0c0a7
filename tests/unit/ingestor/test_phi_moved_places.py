"""The place right after a verb of moving or living ("transferred to PECK", "lives in noble"),
in every letter case, and what follows those verbs without being a place."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.moved_places import find_moved_places
from services.ingestor.phi.tokens import tokenize

FILL = " Neuro: alert and oriented x3. Resp: lungs clear, sats 97% on 2L."


def moved(text: str) -> list[str]:
    return [text[s.start : s.end] for s in find_moved_places(text, tokenize(text), load_lexicon())]


def touched(text: str, value: str) -> bool:
    start = text.index(value)
    end = start + len(value)
    return any(s.start < end and start < s.end for s in detect_phi(text))


def _cases(sentence: str, value: str) -> list[tuple[str, str]]:
    mixed = sentence + FILL
    return [(mixed, value), (mixed.upper(), value.upper()), (mixed.lower(), value.lower())]


PLACES = [
    ("62 yo F who was transfered to Peck from home for pancreatitis.", "Peck"),
    ("HPI: was admitted to Powles from home.", "Powles"),
    ("Arrived to Nix at 0330 via ambulance.", "Nix"),
    ("Pt went to Hope on 3/2 c/o severe abd pain.", "Hope"),
    ("Sister is HCP and lives in Noble.", "Noble"),
    ("Brother lives in Elder, visits weekly.", "Elder"),
    ("Medflighted from Tresk after the fall.", "Tresk"),
    ("Brought to GBMC by her son.", "GBMC"),
    ("Pt was transferred from the Larchmere for cath.", "Larchmere"),
]


@pytest.mark.parametrize(("text", "value"), [case for s, v in PLACES for case in _cases(s, v)])
def test_a_word_after_a_verb_of_moving_or_living_is_a_place(text: str, value: str) -> None:
    assert value in moved(text)
    assert touched(text, value)


NOT_PLACES = [
    "Pt transferred to the floor at 1400.",
    "Blood cx sent from swan and a-line.",
    "New clot sent to BB, clot sent to blood bank.",
    "Returned from O.R. after cannula change.",
    "Pt lives in house with wife, daughter lives in an apartment.",
    "Went to sleep at 0200, taken to OR, admitted to MICU, sent to CT, brought to ED.",
    "Transferred to the maxillofacial surgery unit.",
    "Admitted to medicine, transferred to rehab, discharged to home.",
    "Pt went to bathroom with assist; came from cath lab on heparin.",
    "Lives in assisted living; admitted to hospice in am.",
]


@pytest.mark.parametrize("text", [t for s in NOT_PLACES for t in (s, s.upper(), s.lower())])
def test_units_homes_specimens_and_times_after_those_verbs_stay(text: str) -> None:
    assert moved(text) == []


def test_only_the_verb_right_before_the_preposition_counts() -> None:
    assert moved("Pt changed to Peck regimen.") == []
    assert moved("Responded to Hope and reassurance.") == []
    assert moved("Came to Peck") == []  # "came to" is "came to see", "came to visit"
