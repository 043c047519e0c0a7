"""A condition documented during a pregnancy is coded with the O99 code that says it complicates
the pregnancy, by the trimester of the stated gestational age (Guidelines I.C.15.a)."""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.pregnancy_complications import (
    complicating_subcategory,
    trimester_code,
)
from shared.events.coding import CareSetting


def codes(text: str) -> set[str]:
    found = code_encounter([NoteText("n1", text)], CareSetting.OUTPATIENT)
    return {s.code for s in found.suggestions}


@pytest.mark.parametrize(
    ("weeks", "code"),
    [(9, "O99.281"), (13, "O99.281"), (14, "O99.282"), (27, "O99.282"), (28, "O99.283")],
)
def test_the_trimester_follows_chapter_15s_weeks(weeks: int, code: str) -> None:
    assert trimester_code("O99.28", weeks) == code
    assert trimester_code("O99.41", None) == "O99.419"


@pytest.mark.parametrize(
    ("condition", "subcategory"),
    [
        ("D50.9", "O99.01"),  # anemia
        ("E03.9", "O99.28"),  # hypothyroidism: other endocrine
        ("F17.210", "O99.33"),  # tobacco
        ("J45.909", "O99.51"),  # asthma: respiratory
        ("E11.9", None),  # diabetes has O24 of its own
        ("I10", None),  # hypertension has O10–O16
        ("K80.20", None),  # biliary disorders have O26.6
    ],
)
def test_the_o99_subcategory_follows_the_conditions_chapter(
    condition: str, subcategory: str | None
) -> None:
    assert complicating_subcategory(condition) == subcategory


def test_hypothyroidism_at_a_prenatal_visit_complicates_the_pregnancy() -> None:
    text = (
        "Prenatal visit. G1P0 at 31w2d. Feels well, good fetal movement.\n"
        "A/P:\n1. Hypothyroidism - continue levothyroxine, TSH in 4 weeks.\n"
    )
    found = codes(text)
    assert {"O99.283", "E03.9"} <= found


def test_no_pregnancy_code_without_a_pregnancy_or_when_it_is_incidental() -> None:
    assert not any(c.startswith("O99") for c in codes("A/P: Hypothyroidism, on levothyroxine."))
    incidental = (
        "G1P0 at 10w1d, pregnancy incidental to this visit.\nA/P: Acute bronchitis, rest, fluids."
    )
    assert not any(c.startswith("O99") for c in codes(incidental))


def test_the_gestational_age_is_todays_not_the_dating_scans() -> None:
    text = (
        "PRENATAL VISIT\nG2 P1001 | EDD 8/31/2026 by 8 wk US | GA today: 24w3d\n"
        "Problem list:\n  - Iron deficiency anemia of pregnancy - Hb 10.1, ferritin 8.\n"
    )
    found = codes(text)
    assert {"O99.012", "D50.9", "Z3A.24"} <= found
    assert not found & {"O99.011", "Z3A.08"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("G3P2 at 33w1d. Hx of classical cesarean 2019; repeat CS planned.", "O34.212"),
        ("IUP 18w2d. s/p low transverse C-section x2.", "O34.211"),
        ("EGA 12 weeks. Prior cesarean section, type of incision unknown.", "O34.219"),
    ],
)
def test_a_previous_cesarean_in_a_pregnancy_is_care_for_its_scar(text: str, code: str) -> None:
    assert code in codes(text)


def test_a_previous_cesarean_outside_a_pregnancy_or_denied_is_no_scar_code() -> None:
    assert not any(c.startswith("O34") for c in codes("History of C-section 2010. Hypertension."))
    assert not any(c.startswith("O34") for c in codes("IUP at 20w. No previous cesarean."))
