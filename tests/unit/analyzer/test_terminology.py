"""The curated terminology data is valid and the normalization does what the matcher relies on."""

from __future__ import annotations

import pytest

from services.analyzer.coding import codeset
from services.analyzer.coding.terminology import (
    curated_synonyms,
    description_variants,
    icd10_terminology,
)


def test_every_curated_synonym_names_a_current_code() -> None:
    invalid = [(phrase, code) for phrase, code in curated_synonyms() if not codeset.is_code(code)]
    assert invalid == []


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("CKD stage IIIa", "chronic kidney disease stage 3a"),
        ("pain in the abdomen", "abdominal pain"),
        ("kidney stones", "calculus of kidney"),
        ("tumours of the bladder", "bladder tumor"),
        ("oedema", "edema"),
        ("renal failure", "kidney failure"),
    ],
)
def test_normalization_makes_variants_meet(text: str, same_as: str) -> None:
    terminology = icd10_terminology()
    assert set(terminology.tokens_of(text)) == set(terminology.tokens_of(same_as))


def test_description_variants() -> None:
    assert description_variants("Essential (primary) hypertension") == [
        "Essential hypertension",
        "Essential primary hypertension",
    ]
    assert description_variants("Type 2 diabetes mellitus without complications") == [
        "Type 2 diabetes mellitus"
    ]
    assert description_variants("Other chest pain") == []
    assert description_variants("Unspecified injury of ascending [right] colon") == [
        "Unspecified injury of ascending colon"
    ]
    assert "FUO" in description_variants("Fever of unknown origin [FUO]")


def test_code_normalization() -> None:
    assert codeset.normalize_code(" e1165 ") == "E11.65"
    assert codeset.normalize_code("N18.31") == "N18.31"
    assert codeset.normalize_code("E11.999") is None
    assert codeset.normalize_code("hello") is None
    assert "FY2026" in codeset.code_set_label()
