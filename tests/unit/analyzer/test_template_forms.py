"""Forms of EHR template and ED notes that made the coder report what a certified coder would
reject (issue 17, session 7, room codetmpl): checkbox pick-lists whose empty boxes were read as
affirmed. Each test uses wording of its own, not a note's (pure domain code).
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.checkboxes import unchecked_items, without_unchecked
from services.analyzer.coding.coder import NoteText, code_encounter
from shared.events.coding import CareSetting

OUT, ED = CareSetting.OUTPATIENT, CareSetting.EMERGENCY


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


def _items(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in unchecked_items(text)]


@pytest.mark.parametrize(
    ("line", "empty"),
    [
        # boxes lead their items, after a label
        ("Heart: [x] murmur [ ] gallop [ ] rub", ["[ ] gallop", "[ ] rub"]),
        ("Kind: ☐ Acute ☒ Chronic ☐ Acute on chronic", ["☐ Acute", "☐ Acute on chronic"]),
        ("(x) lives alone ( ) lives with family", ["( ) lives with family"]),
        # boxes follow their items
        (
            "Comorbidities:  Gout [X]   Psoriasis [ ]   Glaucoma [ ]",
            ["Psoriasis [ ]", "Glaucoma [ ]"],
        ),
        # ticked boxes only, or no boxes: nothing empty
        ("Seen for: [x] follow-up [X] refill", []),
        ("Pain scale 4/10 (moderate), [see flowsheet]", []),
    ],
)
def test_an_empty_box_owns_the_text_up_to_the_next_box_of_its_line(
    line: str, empty: list[str]
) -> None:
    assert _items(line) == empty


def test_blanking_keeps_every_offset() -> None:
    text = "Dx: ☐ Migraine ☒ Tension headache\nPlan: rest"
    blanked = without_unchecked(text)
    assert len(blanked) == len(text)
    assert "Migraine" not in blanked
    assert blanked.index("Tension headache") == text.index("Tension headache")


def test_an_empty_type_box_lends_no_type() -> None:
    got = codes(
        "Diabetes kind: ☐ Type 1 ☒ Type 2 ☐ Gestational\n"
        "Assessment: diabetes mellitus, A1c 6.8 %, at goal on metformin."
    )
    assert "E11.9" in got
    assert not {c for c in got if c.startswith(("E10", "O24"))}


def test_an_empty_complication_box_names_no_complication() -> None:
    got = codes(
        "Diabetic complications:\n"
        "  [ ] Diabetic kidney disease   [ ] Neuropathy   [x] Retinopathy\n"
        "Assessment: Type 2 diabetes mellitus with retinopathy, stable."
    )
    assert not {c for c in got if c.startswith(("E11.2", "E11.4", "N18"))}
    assert any(c.startswith("E11.3") for c in got)


def test_boxes_after_their_items() -> None:
    got = codes(
        "Chronic problems:  Hyperlipidemia [X]   Heart failure [ ]   Atrial fibrillation [ ]\n"
        "A/P: hyperlipidemia on atorvastatin, LDL at goal."
    )
    assert "E78.5" in got
    assert not got & {"I50.9", "I48.91", "Z79.01"}


def test_parenthesis_boxes_and_an_unticked_drug() -> None:
    got = codes(
        "Smoking: (x) former, quit 2010  ( ) current every day smoker\n"
        "Blood thinner: ☐ warfarin ☐ rivaroxaban ☒ none\n"
        "Assessment: Gastroesophageal reflux disease - continue omeprazole."
    )
    assert "K21.9" in got
    assert not got & {"F17.210", "Z79.01"}


def test_a_ticked_condition_is_read_as_written() -> None:
    got = codes("Past history: [x] Asthma [ ] COPD [x] Hypertension\nA/P: stable, refills sent.")
    assert {"I10"} <= got
    assert "J44.9" not in got


@pytest.mark.parametrize("status", ["Inactive", "inactive", "Historical"])
def test_a_problem_list_status_says_the_problem_is_over(status: str) -> None:
    got = codes(
        f"Problem: Migraine   Status: {status}\n"
        "Problem: Type 2 diabetes mellitus   Status: Active\n"
        "A/P: diabetes at goal on metformin."
    )
    assert "E11.9" in got
    assert not {c for c in got if c.startswith("G43")}


def test_an_active_problem_stays_current() -> None:
    got = codes("Problem: Asthma, mild intermittent   Status: Active\nA/P: refill albuterol.")
    assert "J45.20" in got
