"""Billed-code verdicts: how a billed code finds (or fails to find) support in the documentation.

The documentation is written by hand here (no NLP), so each test pins one matching rule.
"""

from __future__ import annotations

import pytest

from services.analyzer.coding import codeset
from services.analyzer.coding.comparison import compare_billed_with_documented
from services.analyzer.coding.documentation import (
    Documentation,
    note_documentation,
    problem_list_documentation,
)
from shared.events.coding import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    Assertion,
    CareSetting,
    CodedConcept,
    CodeSuggestion,
    Comparison,
    DiagnosisSource,
    Evidence,
    MatchKind,
    RecordedDiagnosis,
    ReviewBasis,
    Verdict,
)


def documented(code: str, assertion: Assertion = Assertion.PRESENT) -> CodeSuggestion:
    return CodeSuggestion(
        code=code,
        description=codeset.description(code),
        score=0.9,
        assertion=assertion,
        evidence=(Evidence(note_id="N1", start=0, end=5, text=code),),
    )


def billed(*codes: str, system: str = ICD10CM_SYSTEM) -> tuple[RecordedDiagnosis, ...]:
    return tuple(
        RecordedDiagnosis(
            concepts=(CodedConcept(system=system, code=code),), source=DiagnosisSource.CLAIM
        )
        for code in codes
    )


def notes(*codes: str, excluded: tuple[CodeSuggestion, ...] = ()) -> Documentation:
    return note_documentation([documented(c) for c in codes], excluded, (), None)


def compare(claim: tuple[str, ...], documentation: Documentation) -> Comparison:
    return compare_billed_with_documented(billed(*claim), documentation, CareSetting.OUTPATIENT)


def verdicts(comparison: Comparison) -> dict[str, tuple[Verdict, MatchKind | None, str | None]]:
    return {v.code: (v.verdict, v.match, v.documented_code) for v in comparison.verdicts}


SUPPORTED, NOT_SUPPORTED = Verdict.SUPPORTED, Verdict.NOT_SUPPORTED


def test_the_same_code_is_supported_as_billed() -> None:
    comparison = compare(("I10",), notes("I10"))
    assert verdicts(comparison) == {"I10": (SUPPORTED, MatchKind.EXACT, "I10")}
    assert comparison.matched == ("I10",)
    assert comparison.corrected_claim == ("I10",)


@pytest.mark.parametrize(
    ("billed_code", "documented_code"),
    [
        ("E11.9", "E11.65"),  # an unspecified code, a specific sibling documented
        ("I46", "I46.9"),  # a category billed, its billable child documented
        ("N18.3", "N18.31"),  # a subcategory billed
        ("J45.909", "J45.41"),
    ],
)
def test_a_more_specific_documented_code_supports_the_billed_one_with_an_upgrade(
    billed_code: str, documented_code: str
) -> None:
    comparison = compare((billed_code,), notes(documented_code))
    assert verdicts(comparison) == {
        billed_code: (SUPPORTED, MatchKind.MORE_SPECIFIC, documented_code)
    }
    assert [(u.billed_code, u.suggested.code) for u in comparison.specificity_upgrades] == [
        (billed_code, documented_code)
    ]
    assert comparison.documented_not_billed == ()
    assert comparison.corrected_claim == (documented_code,)


@pytest.mark.parametrize(
    ("billed_code", "documented_code"),
    [
        ("I20.9", "I25.110"),  # angina with coronary atherosclerosis
        ("R73.9", "E11.65"),  # hyperglycemia with diabetes
        ("J44.9", "J44.1"),  # COPD exacerbation is J44.1, same category anyway
    ],
)
def test_a_combination_code_that_includes_the_condition_supports_it(
    billed_code: str, documented_code: str
) -> None:
    comparison = compare((billed_code,), notes(documented_code))
    ((verdict, match, on),) = verdicts(comparison).values()
    assert (verdict, on) == (SUPPORTED, documented_code)
    assert match in (MatchKind.COMBINATION, MatchKind.MORE_SPECIFIC)
    assert comparison.corrected_claim == (documented_code,)


@pytest.mark.parametrize("documented_code", ["I11.0", "I12.9", "I13.0"])
def test_billed_hypertension_is_supported_with_an_upgrade_to_its_combination(
    documented_code: str,
) -> None:
    """I.C.9.a makes the combination the only correct code, so a billed I10 is under-coded:
    the condition is documented (supported), and the finding is the upgrade owed."""
    comparison = compare(("I10",), notes(documented_code))
    verdict = comparison.verdicts[0]
    assert (verdict.verdict, verdict.match) == (SUPPORTED, MatchKind.COMBINATION)
    assert "Section I.C.9.a" in verdict.reason
    assert [(u.billed_code, u.suggested.code) for u in comparison.specificity_upgrades] == [
        ("I10", documented_code)
    ]
    assert comparison.corrected_claim == (documented_code,)


@pytest.mark.parametrize(
    ("billed_code", "documented_code"),
    [
        ("S52.501A", "S52.531A"),  # unspecified fracture of the right radius, Colles documented
        ("M17.10", "M17.11"),  # unspecified knee, right documented
        ("H66.92", "H66.002"),  # otitis media unspecified, acute suppurative documented
        ("E11.9", "E11.A"),  # the category's default, a specific code of the category
        ("L89.159", "L89.153"),  # unspecified stage, stage 3 documented
        ("D64.9", "D62"),  # anemia, its kind named
        ("K92.2", "K25.4"),  # GI bleeding, its source named
        ("M54.50", "M54.42"),  # low back pain within lumbago with sciatica
    ],
)
def test_a_less_specific_billed_code_of_the_documented_condition_is_supported(
    billed_code: str, documented_code: str
) -> None:
    comparison = compare((billed_code,), notes(documented_code))
    ((verdict, _match, on),) = verdicts(comparison).values()
    assert (verdict, on) == (SUPPORTED, documented_code)
    assert [u.billed_code for u in comparison.specificity_upgrades] == [billed_code]


@pytest.mark.parametrize(
    ("billed_code", "documented_code"),
    [
        ("S52.501A", "S52.532A"),  # the other side
        ("S52.501A", "S52.531D"),  # another encounter stage
        ("F10.129", "F10.220"),  # abuse billed, dependence documented
        ("K57.32", "K57.20"),  # "without perforation" billed, perforation documented
        ("Z00.00", "Z00.01"),  # a normal exam billed, abnormal findings documented
        ("F10.20", "F10.21"),  # "uncomplicated" billed, dependence in remission documented
        ("F10.20", "F10.239"),  # "uncomplicated" billed, withdrawal documented
        ("K70.30", "F10.20"),  # liver disease billed, only the alcohol dependence documented
    ],
)
def test_a_billed_code_the_notes_contradict_is_not_an_upgrade(
    billed_code: str, documented_code: str
) -> None:
    comparison = compare((billed_code,), notes(documented_code))
    assert comparison.verdicts[0].verdict is NOT_SUPPORTED
    assert comparison.specificity_upgrades == ()


def test_a_billed_history_code_is_supported_by_the_past_condition() -> None:
    past = documented("C50.911", Assertion.HISTORICAL)
    comparison = compare(("Z85.3",), notes(excluded=(past,)))
    assert verdicts(comparison) == {"Z85.3": (SUPPORTED, MatchKind.HISTORY, "C50.911")}
    assert comparison.corrected_claim == ("Z85.3",)
    assert comparison.specificity_upgrades == ()


def test_an_active_code_documented_only_as_history_is_not_supported() -> None:
    comparison = compare(("C18.9",), notes("Z85.038"))
    ((verdict, _match, instead),) = verdicts(comparison).values()
    assert (verdict, instead) == (NOT_SUPPORTED, "Z85.038")
    assert "only as a past condition" in comparison.verdicts[0].reason
    assert comparison.corrected_claim == ("Z85.038",)  # documented, not billed: added


@pytest.mark.parametrize(
    ("assertion", "words"),
    [
        (Assertion.NEGATED, "negated"),
        (Assertion.UNCERTAIN, "uncertain"),
        (Assertion.FAMILY, "family"),
        (Assertion.HYPOTHETICAL, "hypothetical"),
    ],
)
def test_a_condition_the_notes_deny_hedge_or_give_a_relative_is_not_supported(
    assertion: Assertion, words: str
) -> None:
    mention = documented("J18.9", assertion)
    comparison = compare(("J18.9",), notes(excluded=(mention,)))
    (verdict,) = comparison.verdicts
    assert verdict.verdict is NOT_SUPPORTED
    assert words in verdict.reason
    assert verdict.evidence == mention.evidence  # the words that deny it, for the coder
    assert comparison.corrected_claim == ()


def test_a_billed_code_more_specific_than_the_notes_is_not_supported() -> None:
    comparison = compare(("E11.65",), notes("E11.9"))
    ((verdict, _match, instead),) = verdicts(comparison).values()
    assert (verdict, instead) == (NOT_SUPPORTED, "E11.9")
    assert "less specific" in comparison.verdicts[0].reason
    assert comparison.corrected_claim == ("E11.9",)


def test_a_different_code_of_the_same_condition_is_not_supported() -> None:
    comparison = compare(("M17.11",), notes("M17.12"))  # right knee billed, left documented
    assert verdicts(comparison)["M17.11"][0] is NOT_SUPPORTED
    assert "different code" in comparison.verdicts[0].reason


def test_a_redundant_unspecified_code_beside_its_specific_code_is_not_supported() -> None:
    comparison = compare(("E11.65", "E11.9"), notes("E11.65"))
    assert verdicts(comparison) == {
        "E11.65": (SUPPORTED, MatchKind.EXACT, "E11.65"),
        "E11.9": (NOT_SUPPORTED, None, "E11.65"),
    }
    assert "redundant" in comparison.verdicts[1].reason
    assert comparison.corrected_claim == ("E11.65",)


def test_each_documented_code_supports_one_billed_code() -> None:
    comparison = compare(("I10", "I12.9"), notes("I12.9", "N18.30"))
    assert verdicts(comparison)["I12.9"] == (SUPPORTED, MatchKind.EXACT, "I12.9")
    assert verdicts(comparison)["I10"][0] is NOT_SUPPORTED  # included in the billed I12.9
    assert [s.code for s in comparison.documented_not_billed] == ["N18.30"]


def test_unmentioned_and_invalid_codes_are_not_supported() -> None:
    comparison = compare(("J44.9", "XYZ.1"), notes("I10"))
    by_code = {v.code: v for v in comparison.verdicts}
    assert by_code["J44.9"].reason == "no mention in the encounter's notes"
    assert by_code["XYZ.1"].reason == "not a valid ICD-10-CM FY2026 code"
    assert [f.code for f in comparison.billed_not_documented] == ["J44.9", "XYZ.1"]
    assert comparison.corrected_claim == ("I10",)


def test_corrected_claim_is_billed_minus_unsupported_plus_documented_with_upgrades() -> None:
    comparison = compare(
        ("E11.9", "J44.9", "I10"), notes("E11.65", "I10", "I50.32", "E66.01", "Z68.41")
    )
    assert comparison.corrected_claim == ("E11.65", "I10", "I50.32", "E66.01", "Z68.41")
    assert [f.code for f in comparison.billed_not_documented] == ["J44.9"]


def test_snomed_codes_are_not_comparable_without_snomed_documentation() -> None:
    comparison = compare_billed_with_documented(
        billed("38341003", system=SNOMED_SYSTEM), notes("I10")
    )
    (verdict,) = comparison.verdicts
    assert verdict.verdict is Verdict.NOT_COMPARABLE
    assert [f.code for f in comparison.not_comparable] == ["38341003"]
    assert comparison.corrected_claim == ("I10",)


def test_without_a_claim_nothing_is_documented_not_billed() -> None:
    comparison = compare_billed_with_documented((), notes("I10", "E11.9"))
    assert comparison.has_claim is False
    assert comparison.documented_not_billed == ()
    assert comparison.verdicts == ()


def test_a_claim_without_diagnoses_still_compares() -> None:
    comparison = compare_billed_with_documented((), notes("I10"), has_claim=True)
    assert comparison.has_claim is True
    assert [s.code for s in comparison.documented_not_billed] == ["I10"]


def recorded(
    code: str,
    system: str = ICD10CM_SYSTEM,
    *,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
) -> RecordedDiagnosis:
    return RecordedDiagnosis(
        concepts=(CodedConcept(system=system, code=code),),
        source=DiagnosisSource.CONDITION,
        clinical_status=clinical,
        verification_status=verification,
    )


def test_problem_list_review_compares_the_claim_with_recorded_diagnoses() -> None:
    documentation = problem_list_documentation(
        [
            recorded("E11.65"),
            recorded("J18.9", clinical="resolved"),  # diagnosed at this visit, resolved since
            recorded("I63.9", verification="refuted"),
            recorded("840539006", SNOMED_SYSTEM, clinical="resolved"),
        ],
        [recorded("I10"), recorded("C50.911", clinical="resolved")],
        CareSetting.OUTPATIENT,
    )
    assert documentation.basis is ReviewBasis.PROBLEM_LIST
    comparison = compare_billed_with_documented(
        billed("E11.9", "J18.9", "I10", "I63.9", "C50.911")
        + billed("840539006", system=SNOMED_SYSTEM),
        documentation,
        CareSetting.OUTPATIENT,
    )
    assert verdicts(comparison) == {
        "E11.9": (SUPPORTED, MatchKind.MORE_SPECIFIC, "E11.65"),
        "J18.9": (SUPPORTED, MatchKind.EXACT, "J18.9"),
        "I10": (SUPPORTED, MatchKind.EXACT, "I10"),  # the patient's active problem list
        "I63.9": (NOT_SUPPORTED, None, None),  # refuted
        "C50.911": (NOT_SUPPORTED, None, "Z85.3"),  # resolved on the list: history only
        "840539006": (SUPPORTED, MatchKind.EXACT, "840539006"),
    }
    assert comparison.basis is ReviewBasis.PROBLEM_LIST
    # The patient-level list supports billed codes but is not "documented, not billed".
    assert [s.code for s in comparison.documented_not_billed] == []


def test_problem_list_diagnoses_of_the_encounter_not_billed_are_reported() -> None:
    documentation = problem_list_documentation(
        [recorded("E11.9"), recorded("I50.22")], [recorded("I10")], CareSetting.OUTPATIENT
    )
    comparison = compare_billed_with_documented(billed("E11.9"), documentation)
    assert [s.code for s in comparison.documented_not_billed] == ["I50.22"]


def test_nothing_recorded_and_no_notes_is_said() -> None:
    documentation = problem_list_documentation([], [], CareSetting.OUTPATIENT)
    comparison = compare_billed_with_documented(billed("I10"), documentation)
    assert comparison.basis is ReviewBasis.NONE
    assert "neither notes nor recorded diagnoses" in comparison.verdicts[0].reason


def with_notes(codes: tuple[str, ...], text: str) -> Documentation:
    suggestions = [
        documented(c).model_copy(
            update={"evidence": (Evidence(note_id="N1", start=0, end=len(text), text=text),)}
        )
        for c in codes
    ]
    return note_documentation(suggestions, (), (), None, {"N1": text})


def test_an_external_cause_is_supported_by_its_injury_and_mechanism() -> None:
    text = "Missed a step going down the stairs at home. Nondisplaced fracture of right fibula."
    comparison = compare(("S82.64XA", "W10.9XXA"), with_notes(("S82.64XA",), text))
    assert verdicts(comparison)["W10.9XXA"] == (
        SUPPORTED,
        MatchKind.EXTERNAL_CAUSE,
        "S82.64XA",
    )
    assert comparison.corrected_claim == ("S82.64XA", "W10.9XXA")
    # The mechanism must be the one the notes describe; the stage must match the injury's.
    knife = compare(("S82.64XA", "W26.0XXA"), with_notes(("S82.64XA",), text))
    assert verdicts(knife)["W26.0XXA"][0] is NOT_SUPPORTED
    later = compare(("W10.9XXD",), with_notes(("S82.64XA",), text))
    assert verdicts(later)["W10.9XXD"][0] is NOT_SUPPORTED
    # An unbilled injury is still "documented, not billed".
    alone = compare(("W10.9XXA",), with_notes(("S82.64XA",), text))
    assert [s.code for s in alone.documented_not_billed] == ["S82.64XA"]


def test_the_notes_words_can_carry_the_billed_detail_the_coder_missed() -> None:
    text = "Assessment: Cellulitis of the left lower leg, failed oral antibiotics."
    comparison = compare(("L03.116",), with_notes(("L03.90",), text))
    assert verdicts(comparison) == {"L03.116": (SUPPORTED, MatchKind.WORDING, "L03.90")}
    assert comparison.corrected_claim == ("L03.116",)  # the billed code stays
    right = compare(("L03.115",), with_notes(("L03.90",), text))  # right leg billed
    assert verdicts(right)["L03.115"][0] is NOT_SUPPORTED


def test_code_systems_are_recognised_by_url_or_oid() -> None:
    comparison = compare_billed_with_documented(
        billed("I10", system="urn:oid:2.16.840.1.113883.6.90")
        + billed("38341003", system="urn:oid:2.16.840.1.113883.6.96"),
        notes("I10"),
    )
    assert [(v.code, v.verdict) for v in comparison.verdicts] == [
        ("I10", SUPPORTED),
        ("38341003", Verdict.NOT_COMPARABLE),
    ]
    assert "SNOMED CT" in comparison.verdicts[1].reason


def test_billed_parts_of_one_unbilled_combination_are_each_supported() -> None:
    # Billed E10.9 and R73.9; the notes document E10.65: both are owed the one combination code.
    comparison = compare(("E10.9", "R73.9"), notes("E10.65"))
    assert verdicts(comparison) == {
        "E10.9": (SUPPORTED, MatchKind.MORE_SPECIFIC, "E10.65"),
        "R73.9": (SUPPORTED, MatchKind.COMBINATION, "E10.65"),
    }
    upgrades = {(u.billed_code, u.suggested.code) for u in comparison.specificity_upgrades}
    assert upgrades == {("E10.9", "E10.65"), ("R73.9", "E10.65")}
    assert comparison.corrected_claim == ("E10.65",)
    assert comparison.documented_not_billed == ()
    # Billed as the combination itself, the part is redundant; two billed codes of the one
    # category cannot share it either.
    assert verdicts(compare(("E10.65", "R73.9"), notes("E10.65")))["R73.9"][0] is NOT_SUPPORTED
    assert verdicts(compare(("E10.9", "E10.8"), notes("E10.65")))["E10.8"][0] is NOT_SUPPORTED


@pytest.mark.parametrize(
    ("claim", "documented_code", "text"),
    [
        # The detail's words are negated in the evidence's sentence.
        ("J45.901", "J45.909", "Asthma - stable, no acute exacerbation this visit."),
        # The documented code's "without" clause denies the billed detail.
        ("R65.21", "R65.20", "Severe sepsis from pneumonia, septic shock protocol started."),
        # Another 7th character (encounter stage) than the documented code's.
        ("S72.001A", "S72.009D", "Right femoral neck fracture, routine healing, 6 weeks out."),
    ],
)
def test_the_notes_words_never_carry_a_detail_they_deny(
    claim: str, documented_code: str, text: str
) -> None:
    comparison = compare((claim,), with_notes((documented_code,), text))
    assert verdicts(comparison)[claim][0] is NOT_SUPPORTED


def test_the_notes_words_carry_an_affirmed_detail_in_the_evidence_sentence() -> None:
    text = "No fever. Asthma with acute exacerbation, nebulizer given."
    comparison = compare(("J45.901",), with_notes(("J45.909",), text))
    assert verdicts(comparison) == {"J45.901": (SUPPORTED, MatchKind.WORDING, "J45.909")}


def test_an_unspecified_code_a_documented_code_asks_for_is_supported_as_billed() -> None:
    # E10.22 "with diabetic chronic kidney disease" asks for N18 ("use additional code"): the
    # CKD is documented, its stage is not found, so a billed N18.9 stands as billed.
    comparison = compare(("E10.22", "N18.9"), notes("E10.22"))
    assert verdicts(comparison)["N18.9"] == (SUPPORTED, MatchKind.ADDITIONAL, "E10.22")
    assert comparison.corrected_claim == ("E10.22", "N18.9")
    assert comparison.specificity_upgrades == ()
    # I13.0 names heart failure: I50.9 too; a specific type billed is not documented.
    assert verdicts(compare(("I50.9",), notes("I13.0")))["I50.9"][0] is SUPPORTED
    assert verdicts(compare(("I50.32",), notes("I13.0")))["I50.32"][0] is NOT_SUPPORTED
    # A documented stage decides: N18.9 is then an upgrade, N18.4 beside N18.31 is not supported.
    assert verdicts(compare(("N18.9",), notes("E10.22", "N18.31")))["N18.9"][1] is (
        MatchKind.MORE_SPECIFIC
    )
    assert verdicts(compare(("N18.4",), notes("E10.22", "N18.31")))["N18.4"][0] is NOT_SUPPORTED
    # A note asking for what the code does not name states nothing: the organism of a UTI, the
    # organ dysfunction of severe sepsis.
    assert verdicts(compare(("B96.20",), notes("N30.00")))["B96.20"][0] is NOT_SUPPORTED
    assert verdicts(compare(("N17.9",), notes("R65.21")))["N17.9"][0] is NOT_SUPPORTED


@pytest.mark.parametrize(
    ("claim", "documented_code"),
    [
        ("N39.0", "N30.00"),  # UTI of a specified site: N39.0 Excludes1 cystitis (N30.-)
        ("F03.90", "G30.1"),  # G30 Excludes1 senile dementia NOS (F03.-)
        ("E11.9", "O24.410"),  # E11 Excludes1 gestational diabetes (O24.4-)
        ("N20.0", "N13.2"),  # N20 Excludes1 calculus with hydronephrosis (N13.2)
    ],
)
def test_a_billed_code_an_excludes1_note_keeps_apart_from_the_documented_one(
    claim: str, documented_code: str
) -> None:
    comparison = compare((claim,), notes(documented_code))
    (verdict,) = comparison.verdicts
    assert verdict.verdict is NOT_SUPPORTED
    assert verdict.documented_code == documented_code
    assert "Excludes1" in verdict.reason


def test_a_side_the_sentence_states_supports_the_billed_side_only() -> None:
    text = "A/P: Carpal tunnel syndrome, bilateral. Night splints."
    both = compare(("G56.03",), with_notes(("G56.00",), text))
    assert verdicts(both) == {"G56.03": (SUPPORTED, MatchKind.WORDING, "G56.00")}
    right = compare(("G56.01",), with_notes(("G56.00",), text))
    assert verdicts(right)["G56.01"][0] is NOT_SUPPORTED
