"""A hand-written set of short notes with the codes and assertions a coder would expect.

Each case names codes that must be suggested (billable), codes that must not be, and codes that
must appear among the excluded mentions with a given assertion. Written for clinrelay (Apache-2.0);
PHI appears as tags or made-up surrogates, as the ingestor would leave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from shared.events.coding import Assertion, CareSetting

OUT = CareSetting.OUTPATIENT
INP = CareSetting.INPATIENT
ED = CareSetting.EMERGENCY


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    setting: CareSetting = OUT
    billed: frozenset[str] = frozenset()
    not_billed: frozenset[str] = frozenset()
    excluded: dict[str, Assertion] = field(default_factory=dict)


def case(
    name: str,
    text: str,
    setting: CareSetting = OUT,
    billed: str = "",
    not_billed: str = "",
    excluded: dict[str, Assertion] | None = None,
) -> Case:
    return Case(
        name,
        text,
        setting,
        frozenset(billed.split()),
        frozenset(not_billed.split()),
        excluded or {},
    )


N, F, U, H, HX = (
    Assertion.NEGATED,
    Assertion.FAMILY,
    Assertion.UNCERTAIN,
    Assertion.HYPOTHETICAL,
    Assertion.HISTORICAL,
)

CASES = [
    # specificity
    case(
        "dm2 hyperglycemia",
        "Type 2 diabetes with hyperglycemia.",
        billed="E11.65",
        not_billed="E11.9 R73.9",
    ),
    case("dm2 abbreviation", "Assessment: DM2, well controlled on metformin.", billed="E11.9"),
    case("dm2 poorly controlled", "Poorly controlled type 2 diabetes, A1c 10.2.", billed="E11.65"),
    case("ckd 3a", "CKD stage 3a, creatinine stable.", billed="N18.31"),
    case("ckd roman", "Chronic kidney disease stage IIIb.", billed="N18.32"),
    case("ckd unstaged", "History notable for CKD.", billed="N18.9"),
    case("esrd", "ESRD on hemodialysis three times weekly.", billed="N18.6"),
    case(
        "heart failure type",
        "Acute on chronic systolic heart failure, diuresed.",
        INP,
        billed="I50.23",
        not_billed="I50.9",
    ),
    case("chf unspecified", "CHF, euvolemic today.", billed="I50.9"),
    case("diastolic chf", "Chronic diastolic CHF.", billed="I50.32"),
    case("copd exacerbation", "COPD with acute exacerbation, started prednisone.", billed="J44.1"),
    case("knee laterality", "Right knee pain for two weeks.", billed="M25.561"),
    case("knee no laterality", "Knee pain after a run.", billed="M25.569"),
    case("afib paroxysmal", "Paroxysmal atrial fibrillation, on apixaban.", billed="I48.0"),
    case("afib abbreviation", "AFib, rate controlled.", billed="I48.91"),
    case("rib fractures 7th char", "Multiple rib fractures after a fall.", ED, billed="S22.49XA"),
    case("bladder carcinoma", "Urothelial carcinoma of the bladder.", billed="C67.9"),
    case("kidney stone", "Kidney stones seen on CT.", billed="N20.0"),
    # combination codes
    case(
        "diabetic ckd", "Type 2 diabetes. CKD stage 3a.", billed="E11.22 N18.31", not_billed="E11.9"
    ),
    case(
        "hypertensive ckd",
        "HTN. Chronic kidney disease stage 4.",
        billed="I12.9 N18.4",
        not_billed="I10",
    ),
    case(
        "hypertensive heart failure",
        "Hypertension and chronic diastolic heart failure.",
        billed="I11.0 I50.32",
        not_billed="I10",
    ),
    case(
        "hypertensive heart and ckd",
        "HTN, CHF and CKD stage 3b.",
        billed="I13.0 N18.32",
        not_billed="I10 I12.9 I11.0",
    ),
    case("hypertensive esrd", "Hypertension with ESRD.", billed="I12.0 N18.6"),
    # negation
    case(
        "denies",
        "Denies chest pain or shortness of breath.",
        not_billed="R07.9 R06.02",
        excluded={"R07.9": N},
    ),
    case(
        "no list", "No fever, nausea or vomiting.", not_billed="R50.9 R11.2", excluded={"R50.9": N}
    ),
    case(
        "negative for",
        "Negative for pneumonia on chest X-ray.",
        not_billed="J18.9",
        excluded={"J18.9": N},
    ),
    case(
        "negation stops at sentence",
        "No chest pain. Hypertension is stable.",
        billed="I10",
        not_billed="R07.9",
    ),
    case(
        "negation with PHI tags",
        "Seen by Dr. [NAME] on [DATE]. Denies fever. [NAME] has gout.",
        billed="M10.9",
        not_billed="R50.9",
    ),
    case("negation across a line", "No fever\nHypertension", billed="I10", not_billed="R50.9"),
    case(
        "denied dm keeps hyperglycemia out",
        "Type 2 diabetes, no hyperglycemia.",
        billed="E11.9",
        not_billed="E11.65",
    ),
    # family
    case(
        "family history section",
        "Family History: mother with breast cancer.",
        billed="Z80.3",
        not_billed="C50.919",
    ),
    case("relative inline", "His father had a stroke.", not_billed="I63.9", excluded={"I63.9": F}),
    case("relative diabetes", "Brother has type 2 diabetes.", billed="Z83.3", not_billed="E11.9"),
    case(
        "patient after relative", "Her sister is healthy. The patient has asthma.", billed="J45.909"
    ),
    case(
        "denied family history",
        "No family history of colon cancer.",
        not_billed="Z80.0 Z80.9 C18.9",
    ),
    case("relative as informant", "Mother reports the child has asthma.", billed="J45.909"),
    # uncertainty and setting
    case(
        "possible outpatient",
        "Possible pneumonia, chest X-ray ordered.",
        OUT,
        not_billed="J18.9",
        excluded={"J18.9": U},
    ),
    case("possible inpatient", "Possible pneumonia, started ceftriaxone.", INP, billed="J18.9"),
    case(
        "rule out ed",
        "Rule out pulmonary embolism.",
        ED,
        not_billed="I26.99",
        excluded={"I26.99": U},
    ),
    case("suspected inpatient", "Suspected sepsis on admission.", INP, billed="A41.9"),
    case("pseudo negation", "Gram-negative sepsis, started meropenem.", INP, billed="A41.50"),
    case(
        "ruled out backward",
        "Pulmonary embolism was ruled out.",
        ED,
        not_billed="I26.99",
        excluded={"I26.99": N},
    ),
    case(
        "consistent with outpatient",
        "Findings consistent with gout.",
        OUT,
        not_billed="M10.9",
        excluded={"M10.9": U},
    ),
    # hypothetical and boilerplate
    case("hypothetical if", "Return if you develop chest pain.", not_billed="R07.9"),
    case(
        "hypothetical risk",
        "Counseled on the risk of stroke.",
        not_billed="I63.9",
        excluded={"I63.9": H},
    ),
    case(
        "medication list ignored",
        "Medications: metformin for diabetes, lisinopril.",
        not_billed="E11.9",
    ),
    case("unchecked box", "[ ] asthma [x] hypertension", billed="I10", not_billed="J45.909"),
    # history
    case("old mi", "History of myocardial infarction in 2015.", billed="I25.2", not_billed="I21.9"),
    case("chronic in history", "PMH: hypertension.", billed="I10"),
    case("history of stones", "History of kidney stones.", billed="Z87.442", not_billed="N20.0"),
    case("former smoker", "Former smoker, quit ten years ago.", billed="Z87.891"),
    # symptoms
    case("abdominal pain order", "Pain in the abdomen since yesterday.", billed="R10.9"),
    case("epigastric", "Epigastric pain after meals.", billed="R10.13"),
    case("gross hematuria", "Gross hematuria on one occasion.", billed="R31.0"),
]


@pytest.mark.parametrize("example", CASES, ids=[c.name for c in CASES])
def test_note_is_coded_as_a_coder_would(example: Case) -> None:
    result = code_encounter([NoteText("N1", example.text)], example.setting)
    billed = {s.code for s in result.suggestions if s.billable}
    assert example.billed <= billed, f"missing {example.billed - billed}; got {sorted(billed)}"
    assert not (example.not_billed & billed), f"unexpected {example.not_billed & billed}"
    excluded = {(s.code, s.assertion) for s in result.excluded}
    for code, assertion in example.excluded.items():
        assert (code, assertion) in excluded, f"{code} not excluded as {assertion}: {excluded}"


def test_the_set_is_large_enough() -> None:
    assert len(CASES) >= 40
