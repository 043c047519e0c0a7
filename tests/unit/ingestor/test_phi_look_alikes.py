"""Round 7's look-alikes: departments and services named like organisations, signs read with
their result ("Murphy +"), diseases known by an eponym alone ("h/o Gilbert's") — they stay;
the people and organisations next to them are still masked."""

from __future__ import annotations

import pytest

from services.ingestor.phi.departments import without_departments
from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiSpan, PhiType


def masked(text: str) -> list[str]:
    return [text[s.start : s.end] for s in detect_phi(text)]


DEPARTMENTS = [
    "Referred to Plastic Surgery for wound care.",
    "F/u in Internal Medicine clinic in 2 weeks.",
    "Seen in Orthopedic Surgery clinic today.",
    "Consult to Vascular Surgery, appreciate recs.",
    "Followed by Infectious Disease and Renal.",
]


@pytest.mark.parametrize("text", [t for s in DEPARTMENTS for t in (s, s.upper(), s.lower())])
def test_a_department_named_by_its_specialty_stays(text: str) -> None:
    assert masked(text) == []


def test_an_organisation_with_a_name_in_front_of_its_specialty_is_masked() -> None:
    text = "Follows with Kelar Orthopedics for her knee."
    assert "Kelar Orthopedics" in masked(text)


def test_the_department_filter_keeps_what_the_record_or_the_site_names() -> None:
    text = "Seen in Plastic Surgery."
    start = text.index("Plastic")
    found = PhiSpan(start=start, end=start + 15, type=PhiType.LOCATION, score=0.75, source="x")
    site = found.model_copy(update={"source": "site"})
    assert without_departments([found], text) == []
    assert without_departments([site], text) == [site]


@pytest.mark.parametrize(
    "text",
    [
        "Abd soft, Murphy + , RUQ tender.",
        "ABD SOFT, MURPHY +, RUQ TENDER.",
        "abd soft, murphy's neg.",
        "Homans' negative bilaterally.",
        "h/o gilbert's, bili up.",
        "Known Gilbert's, bili 2.1.",
        "H/O CROHN'S, ON HUMIRA.",
        "Parkinson's, on sinemet.",
    ],
)
def test_a_sign_with_its_result_and_a_bare_eponym_disease_stay(text: str) -> None:
    assert masked(text) == []


def test_a_name_before_a_plus_that_joins_people_is_still_masked() -> None:
    assert "Mary" in masked("Mary + son at bedside.")
    assert any(m.startswith("Wilson") for m in masked("Spoke with Mr. Wilson's daughter."))
