"""FHIR R4 Bundle parsing for the ingestor (see docs/fhir-input.md).

parsed = parse_bundle(body)       # BundleError on bad input
check_coding_bundle(parsed)       # BundleError when there is nothing to code
"""

from shared.intake.fhir.admission import check_coding_bundle
from shared.intake.fhir.bundle import parse_bundle
from shared.intake.fhir.errors import BundleError, BundleErrorKind, Problem
from shared.intake.fhir.parsed import (
    EntryRef,
    Label,
    NoteLink,
    ParsedBilledItem,
    ParsedBundle,
    ParsedClaim,
    ParsedDiagnosis,
    ParsedEncounter,
    ParsedNote,
    PatientFacts,
    SkippedAttachment,
    UnresolvedReference,
)

__all__ = [
    "BundleError",
    "BundleErrorKind",
    "EntryRef",
    "Label",
    "NoteLink",
    "ParsedBilledItem",
    "ParsedBundle",
    "ParsedClaim",
    "ParsedDiagnosis",
    "ParsedEncounter",
    "ParsedNote",
    "PatientFacts",
    "Problem",
    "SkippedAttachment",
    "UnresolvedReference",
    "check_coding_bundle",
    "parse_bundle",
]
