"""FHIR R4 Bundle parsing for the ingestor (see docs/fhir-input.md).

parsed = parse_bundle(body)       # BundleError on bad input
check_coding_bundle(parsed)       # BundleError when there is nothing to code
"""

from services.ingestor.fhir.admission import check_coding_bundle
from services.ingestor.fhir.bundle import parse_bundle
from services.ingestor.fhir.errors import BundleError, BundleErrorKind, Problem
from services.ingestor.fhir.parsed import (
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
