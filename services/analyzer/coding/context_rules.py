"""clinrelay's ConText and section rules, added to medspaCy's defaults.

medspaCy's default English rules are strong on negation but thin on family ("family" only),
history and the uncertainty terms ICD-10-CM's guidelines name (Section II.H / IV.H: "probable",
"suspected", "likely", "questionable", "possible", "still to be ruled out", "compatible with",
"consistent with"). These fill those gaps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.analyzer.coding.medspacy_loader import import_medspacy

if TYPE_CHECKING:
    from medspacy.context import ConTextRule
    from medspacy.section_detection import SectionRule

_RELATIVES = (
    "mother",
    "father",
    "mom",
    "dad",
    "sister",
    "brother",
    "sibling",
    "siblings",
    "grandmother",
    "grandfather",
    "grandparent",
    "aunt",
    "uncle",
    "cousin",
    "maternal",
    "paternal",
    "parents",
)

_FORWARD: dict[str, tuple[str, ...]] = {
    "FAMILY": ("family history of", "family hx of", "fhx of", "fh of", "runs in the family"),
    "HISTORICAL": (
        "history of",
        "hx of",
        "h/o",
        "status post",
        "s/p",
        "previous",
        "previously",
        "prior",
        "remote",
        "past medical history of",
        "resolved",
    ),
    "HYPOTHETICAL": (
        "if you",
        "if she",
        "if he",
        "in case of",
        "return for",
        "return to the emergency department if",
        "watch for",
        "monitor for",
        "at risk for",
        "risk of",
        "to prevent",
        "prevention of",
        "screening for",
        "precautions",
        "warning signs",
    ),
    "POSSIBLE_EXISTENCE": (
        "suspected",
        "suspicion of",
        "suspicious of",
        "probable",
        "probably",
        "likely",
        "questionable",
        "question of",
        "presumed",
        "presumptive",
        "concern for",
        "concerning for",
        "differential diagnosis",
        "differential includes",
        "cannot rule out",
        "can not rule out",
        "cannot exclude",
        "consistent with",
        "compatible with",
        "indicative of",
        "rule out",
        "evaluate for",
        "vs",
        "versus",
    ),
    "NEGATED_EXISTENCE": (
        "denies",
        "denied",
        "denying",
        "no signs of",
        "no symptoms of",
        "no history of",
        "no hx of",
        "no evidence of",
        "negative for",
        "never had",
        "free of",
        "ruled out for",
    ),
}

_BACKWARD: dict[str, tuple[str, ...]] = {
    "POSSIBLE_EXISTENCE": ("is suspected", "was suspected", "is likely", "is possible", "?"),
    "NEGATED_EXISTENCE": ("was ruled out", "has resolved", "is absent", "were absent", "denied"),
    "HISTORICAL": ("in the past", "years ago", "as a child", "in childhood"),
    "FAMILY": ("in the family", "in her mother", "in his mother", "in her father", "in his father"),
}

_SECTIONS: dict[str, tuple[str, ...]] = {
    "family_history": ("Family History:", "Family Hx:", "FH:", "FHx:", "Family medical history:"),
    "past_medical_history": ("Medical History:", "PMHx:", "Past history:", "Personal history:"),
    "review_of_systems": ("Review of Systems:", "ROS:", "Review of systems:"),
    "patient_instructions": (
        "Instructions:",
        "Return precautions:",
        "Patient instructions:",
        "Discharge instructions:",
        "Follow-up instructions:",
    ),
    "medications": ("Medications:", "Current medications:", "Meds:", "Home medications:"),
    "allergies": ("Allergies:", "Allergy:", "Drug allergies:"),
    "observation_and_plan": ("Assessment and Plan:", "Assessment & Plan:", "Plan:", "A&P:"),
    "diagnoses": ("Diagnosis:", "Diagnoses:", "Problem:", "Problems:"),
    "signature": ("Electronically signed by:", "Signed by:", "Attestation:"),
}


def context_rules() -> list[ConTextRule]:
    import_medspacy()
    from medspacy.context import ConTextRule  # noqa: PLC0415

    rules = [ConTextRule(relative, "FAMILY", direction="BIDIRECTIONAL") for relative in _RELATIVES]
    # The patient is named again: whatever a relative cue said stops there.
    rules.extend(
        ConTextRule(literal, "TERMINATE", direction="TERMINATE")
        for literal in ("patient", "the patient", "pt", "patient's")
    )
    for category, literals in _FORWARD.items():
        rules.extend(ConTextRule(literal, category, direction="FORWARD") for literal in literals)
    for category, literals in _BACKWARD.items():
        rules.extend(ConTextRule(literal, category, direction="BACKWARD") for literal in literals)
    return rules


def section_rules() -> list[SectionRule]:
    import_medspacy()
    from medspacy.section_detection import SectionRule  # noqa: PLC0415

    return [
        SectionRule(literal, category)
        for category, literals in _SECTIONS.items()
        for literal in literals
    ]
