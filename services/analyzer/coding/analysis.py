"""The analyzer's coding stage as one function: de-identified case in, coding analysis out.

``analyze_case`` is synchronous and CPU-bound; it is meant to run in a worker process or thread.
Its arguments and result are plain pydantic models (picklable); the NLP pipeline and the
terminology index are built once per process, on first use (or ahead of time with
:func:`warm_up`).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.coding import codeset
from services.analyzer.coding.checkboxes import without_unchecked
from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.comparison import compare_billed_with_documented
from services.analyzer.coding.config import CodingConfig
from services.analyzer.coding.documentation import (
    Documentation,
    note_documentation,
    problem_list_documentation,
)
from services.analyzer.coding.mentions import find_mentions
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.revenue import data_collection_window, estimate_revenue
from services.analyzer.coding.risk import payment_hcc
from services.analyzer.coding.snomed import (
    NOT_CONFIGURED,
    SnomedRelease,
    SnomedReleaseError,
    snomed_release,
)
from services.analyzer.coding.terminology import icd10_terminology
from shared.events.coding import (
    Assertion,
    CodingAnalysis,
    CodingCase,
    EncounterCase,
    EncounterCoding,
    Evidence,
    SnomedStatus,
    SnomedSuggestion,
)

METHOD = (
    "clinrelay terminology matcher over ICD-10-CM descriptions, inclusion terms and curated "
    "synonyms; clinrelay ConText (Harkema et al. 2009) with section detection; ICD-10-CM Official "
    "Guidelines rules for specificity, combination codes and encounter setting"
)
REVIEW_NOTICE = (
    "Codes are suggestions with their evidence, for review by a certified coder before billing."
)


def warm_up() -> float:
    """Build the pipeline and the terminology index now; returns the seconds it took."""
    return clinical_pipeline().load_seconds + icd10_terminology().build_seconds


def analyze_case(case: CodingCase, config: CodingConfig) -> CodingAnalysis:
    """Code every encounter of a de-identified case, compare with billing, estimate the RAF gap."""
    notices: list[str] = [REVIEW_NOTICE]
    release, snomed_status = _snomed(config, notices)
    encounters = tuple(_encounter(e, case, config, release) for e in case.encounters)
    window = data_collection_window(encounters, config.payment_year)
    risk = estimate_revenue(case.demographics, encounters, window, config, notices)
    return CodingAnalysis(
        code_set=codeset.code_set_label(),
        method=METHOD,
        demographics=case.demographics,
        encounters=encounters,
        phi=case.phi,
        notices=tuple(notices),
        risk_adjustment=risk,
        data_collection=window,
        snomed=snomed_status,
    )


def _encounter(
    encounter: EncounterCase,
    case: CodingCase,
    config: CodingConfig,
    release: SnomedRelease | None,
) -> EncounterCoding:
    # Empty template boxes name nothing: not for the coder, SNOMED CT or the billed-code verdicts.
    notes = [NoteText(n.note_id, without_unchecked(n.text)) for n in encounter.notes]
    coded = code_encounter(notes, encounter.setting, config.min_score, sex=case.demographics.sex)
    suggestions = tuple(
        s.model_copy(update={"hcc": payment_hcc(s.code, config)}) for s in coded.suggestions
    )
    snomed = _infer_snomed(notes, release) if release is not None else None
    documentation: Documentation = (
        note_documentation(
            suggestions,
            coded.excluded,
            encounter.recorded_diagnoses,
            snomed,
            {n.note_id: n.text for n in notes},
        )
        if notes
        else problem_list_documentation(
            encounter.recorded_diagnoses, case.problem_list, encounter.setting
        )
    )
    comparison = compare_billed_with_documented(
        encounter.billed_diagnoses,
        documentation,
        encounter.setting,
        has_claim=bool(encounter.billed_diagnoses or encounter.billed_items),
    )
    if not notes:
        # The problem list is what the encounter documents: show it as its codes.
        suggestions = tuple(
            s.model_copy(update={"hcc": payment_hcc(s.code, config)}) for s in documentation.codes
        )
    return EncounterCoding(
        encounter_id=encounter.encounter_id,
        setting=encounter.setting,
        type=encounter.type,
        period_start=encounter.period_start,
        service_year=encounter.service_year,
        note_ids=tuple(n.note_id for n in notes),
        suggestions=suggestions,
        excluded=coded.excluded if notes else documentation.excluded,
        comparison=comparison,
        mentions=coded.mentions,
        recorded_diagnoses=encounter.recorded_diagnoses,
        billed_diagnoses=encounter.billed_diagnoses,
        snomed_suggestions=tuple(snomed or ()),
    )


def _snomed(config: CodingConfig, notices: list[str]) -> tuple[SnomedRelease | None, SnomedStatus]:
    if config.snomed_release_path is None:
        notices.append(
            f"{NOT_CONFIGURED}: SNOMED CT codes present in the record are carried through."
        )
        return None, SnomedStatus(configured=False, notice=NOT_CONFIGURED)
    try:
        release = snomed_release(config.snomed_release_path)
    except SnomedReleaseError as problem:
        notice = f"SNOMED CT inference is configured but unavailable: {problem}"
        notices.append(notice)
        return None, SnomedStatus(configured=True, notice=notice)
    return release, SnomedStatus(
        configured=True, release=release.name, concepts_loaded=release.concepts_loaded
    )


def _infer_snomed(notes: Sequence[NoteText], release: SnomedRelease) -> list[SnomedSuggestion]:
    found: dict[tuple[str, Assertion], tuple[float, list[Evidence]]] = {}
    for note in notes:
        for mention in find_mentions(note.text, terminology=release.terminology):
            concept = mention.group.best.term.concept
            key = (concept, mention.assertion)
            score, evidence = found.get(key, (0.0, []))
            evidence.append(
                Evidence(
                    note_id=note.note_id,
                    start=mention.start,
                    end=mention.end,
                    text=mention.text,
                    section=mention.section,
                )
            )
            found[key] = (max(score, mention.group.best.score), evidence)
    return [
        SnomedSuggestion(
            concept_id=concept,
            term=release.terms.get(concept, concept),
            score=round(score, 3),
            assertion=assertion,
            evidence=tuple(evidence),
        )
        for (concept, assertion), (score, evidence) in found.items()
    ]
