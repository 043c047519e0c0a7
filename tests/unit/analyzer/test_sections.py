"""Sections of a note: headings, where sections end, and what they do to mentions."""

from __future__ import annotations

import pytest

from services.analyzer.coding.context_rules import section_headings
from services.analyzer.coding.mentions import FoundMention, find_mentions
from services.analyzer.coding.sections import SectionFinder, SectionHeading, section_at
from shared.events.coding import Assertion

FINDER = SectionFinder(section_headings())


def section_of(text: str, phrase: str) -> str | None:
    found = section_at(FINDER.sections(text), text.index(phrase))
    return found.category if found else None


@pytest.mark.parametrize(
    ("text", "phrase", "category"),
    [
        ("Family History: asthma.\nAssessment: gout.", "asthma", "family_history"),
        ("Family History: asthma.\nAssessment: gout.", "gout", "observation_and_plan"),
        (
            "FAMILY HISTORY\nMother: breast cancer.\n\nASSESSMENT\nAsthma.",
            "breast",
            "family_history",
        ),
        ("FAMILY HISTORY\n\nMother: breast cancer.\nFather: MI.", "Father", "family_history"),
        ("FAMILY HISTORY\nMother: breast cancer.\n\nAsthma today.", "Asthma", None),
        ("- PMH: hypertension", "hypertension", "past_medical_history"),
        ("2. Past  medical history: CKD", "CKD", "past_medical_history"),
        ("Stable. Plan: continue metformin.", "metformin", "observation_and_plan"),
        # a heading with its content on the line covers the lines that continue it
        ("Medications: metformin,\nlisinopril\nGout flare today.", "lisinopril", "medications"),
        ("Medications: metformin.\nGout flare today.", "Gout", None),
        # titles in running prose are no headings
        ("Without known drug allergies, presenting with gout.", "gout", None),
        ("No known allergies.\nNo hematuria.", "hematuria", None),
        ("Plans to travel. Gout.", "Gout", None),
        # after a statement whose problems are a list, a blank line then a label with its text
        # opens a section of its own: the story told after the diagnoses is not one of them
        (
            "Final diagnoses:\n1. Cellulitis of the left leg\n2. Gout\n\n"
            "Story: three days of redness; tired and feverish.",
            "feverish",
            "other",
        ),
        ("DIAGNOSES:\n- COPD\n\nCXR READ: RIGHT UPPER LOBE NODULE.", "NODULE", "other"),
        # a label inside the statement's block, or problems written as labels, stay problems
        ("Final diagnoses:\n1. Cellulitis\nAlso: gout flare.", "gout", "diagnoses"),
        (
            "Assessment:\nHTN: above goal, add amlodipine.\n\nCOPD: stable on tiotropium.",
            "COPD",
            "observation_and_plan",
        ),
        (
            "## Assessment and Plan\n- Asthma\n\n# Gout\nColchicine.",
            "Colchicine",
            "observation_and_plan",
        ),
        # "Past:" lists what is over
        ("Final diagnoses:\n1. Cellulitis\nPast: TIA years ago.", "TIA", "past_medical_history"),
    ],
)
def test_sections(text: str, phrase: str, category: str | None) -> None:
    assert section_of(text, phrase) == category


def test_sections_record_heading_and_extent() -> None:
    text = "HPI: cough.\nFamily Hx: asthma"
    hpi, family = FINDER.sections(text)
    assert (hpi.category, hpi.heading, text[hpi.start : hpi.end]) == (
        "history_of_present_illness",
        "HPI",
        "HPI: cough.",
    )
    assert (family.category, text[family.start : family.end]) == (
        "family_history",
        "Family Hx: asthma",
    )


def test_a_title_in_two_categories_is_rejected() -> None:
    with pytest.raises(ValueError, match="both"):
        SectionFinder([SectionHeading("a", "Plan"), SectionHeading("b", "plan")])


def test_section_assertions_and_ignored_sections() -> None:
    text = (
        "Family History: mother with breast cancer.\n"
        "PMH: myocardial infarction.\n"
        "Allergies: penicillin rash.\n"
        "Assessment: gout."
    )
    mentions = find_mentions(text)

    def mention(words: str) -> FoundMention:
        return next(m for m in mentions if words in m.text)

    assert mention("breast cancer").assertion is Assertion.FAMILY
    assert mention("myocardial infarction").assertion is Assertion.HISTORICAL
    assert not [m for m in mentions if "rash" in m.text]  # allergy lists name reactions
    assert mention("gout").assertion is Assertion.PRESENT
    assert mention("gout").section == "observation_and_plan"
