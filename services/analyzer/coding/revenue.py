"""The revenue side of a coding analysis: which encounters count for the payment year, and the
CMS-HCC estimate of the claim as billed, as supported and as corrected.

CMS-HCC risk scores of payment year Y rest on diagnoses from dates of service in calendar year
Y − 1 (the data-collection year). Encounters dated in another year are flagged and their codes
left out of the estimate; encounters whose year the de-identification policy withheld are
counted, with a notice. The patient's codes are pooled over the counted encounters (a condition
needs support at one encounter of the year):

- when the Bundle bills at least one encounter, a **claim review**: billed codes, the billed codes
  the documentation supports, and the corrected claims (see ``comparison.py``);
- when it bills none, a **documentation review**: nothing was billed to compare, so the estimate
  is what the documented codes capture, never a "documented, not billed" gap.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.coding.config import CodingConfig
from services.analyzer.coding.risk import (
    ClaimCodes,
    RiskNotComputable,
    estimate_claim_review,
    estimate_documentation_review,
)
from shared.events.coding import (
    SNOMED_SYSTEM,
    DataCollectionWindow,
    Demographics,
    EncounterCoding,
    EncounterYear,
    RiskAdjustmentEstimate,
    Verdict,
)

NOTHING_BILLED = (
    "Nothing was billed to compare: the Bundle holds no claim, so this is a documentation "
    "review — the codes the notes document and the HCCs they capture — not a claim audit."
)


def data_collection_window(
    encounters: Sequence[EncounterCoding], payment_year: int
) -> DataCollectionWindow:
    """Which encounters' codes count for ``payment_year`` (dates of service in the year before)."""
    year = payment_year - 1
    return DataCollectionWindow(
        payment_year=payment_year,
        data_collection_year=year,
        counted=tuple(e.encounter_id for e in encounters if e.service_year in (None, year)),
        outside=tuple(
            EncounterYear(encounter_id=e.encounter_id, service_year=e.service_year)
            for e in encounters
            if e.service_year is not None and e.service_year != year
        ),
        undated=tuple(e.encounter_id for e in encounters if e.service_year is None),
    )


def estimate_revenue(
    demographics: Demographics,
    encounters: Sequence[EncounterCoding],
    window: DataCollectionWindow,
    config: CodingConfig,
    notices: list[str],
) -> RiskAdjustmentEstimate | None:
    """The estimate for the counted encounters (None, with a notice, when it cannot be made);
    appends to ``notices`` what the reader must know about what was counted."""
    notices.extend(window_notices(window))
    counted = [e for e in encounters if e.encounter_id in set(window.counted)]
    billed_anything = any(e.comparison.has_claim for e in encounters)
    if not billed_anything:
        notices.append(NOTHING_BILLED)
    else:
        unbilled = [e.encounter_id for e in counted if not e.comparison.has_claim and e.suggestions]
        if unbilled:
            subject = _list(unbilled)
            notices.append(
                f"{subject[0].upper()}{subject[1:]} {'has' if len(unbilled) == 1 else 'have'} "
                "no claim in the "
                "Bundle: their documented codes are listed, but not counted in the revenue "
                "estimate."
            )
    try:
        if billed_anything:
            return estimate_claim_review(demographics, claim_codes(counted), config)
        documented = {s.code for e in counted for s in e.suggestions if s.billable}
        return estimate_documentation_review(demographics, documented, config)
    except RiskNotComputable as problem:
        notices.append(f"No CMS-HCC risk estimate: {problem}.")
        return None


def claim_codes(encounters: Sequence[EncounterCoding]) -> ClaimCodes:
    """Billed, supported and corrected ICD-10-CM codes pooled over the billed ``encounters``."""
    billed: set[str] = set()
    supported: set[str] = set()
    corrected: set[str] = set()
    for encounter in encounters:
        comparison = encounter.comparison
        if not comparison.has_claim:
            continue
        for verdict in comparison.verdicts:
            if verdict.system == SNOMED_SYSTEM or verdict.verdict is Verdict.NOT_COMPARABLE:
                continue
            billed.add(verdict.code)
            if verdict.verdict is Verdict.SUPPORTED:
                supported.add(verdict.code)
        corrected.update(comparison.corrected_claim)
    return ClaimCodes(frozenset(billed), frozenset(supported), frozenset(corrected))


def window_notices(window: DataCollectionWindow) -> list[str]:
    notices = []
    if window.outside:
        dated = ", ".join(f"{e.encounter_id} ({e.service_year})" for e in window.outside)
        notices.append(
            f"Outside the data-collection year: {dated}. Payment year {window.payment_year} "
            f"counts dates of service in {window.data_collection_year} only, so the risk "
            "estimate leaves these encounters' codes out."
        )
    if window.undated:
        notices.append(
            f"The year of service of {_list(list(window.undated))} is withheld by the "
            "de-identification policy: counted in the risk estimate as if in "
            f"{window.data_collection_year}."
        )
    return notices


def _list(ids: list[str]) -> str:
    shown = ", ".join(ids[:8])
    more = f" and {len(ids) - 8} more" if len(ids) > 8 else ""
    return f"encounter{'s' if len(ids) > 1 else ''} {shown}{more}"
