"""The findings and the corrected claim one encounter's billed-code verdicts imply.

From the verdicts (``comparison.py``): the billed codes documented as billed (``matched``), the
documented codes nobody billed, the billed codes not documented, the specificity upgrades owed,
and the **corrected claim** — the billed codes minus the unsupported ones, with upgrades applied,
plus the documented codes not billed.
"""

from __future__ import annotations

from services.analyzer.coding.documentation import Documentation
from shared.events.coding import (
    SNOMED_SYSTEM,
    BilledCodeFinding,
    BilledCodeVerdict,
    Comparison,
    MatchKind,
    SpecificityUpgrade,
    Verdict,
)

# Matches where the billed code itself stays on the corrected claim (no upgrade).
KEEPS_BILLED = (
    MatchKind.HISTORY,
    MatchKind.WORDING,
    MatchKind.EXTERNAL_CAUSE,
    MatchKind.ADDITIONAL,
)
# Matches that point at a documented code without standing for it (the injury an external
# cause explains is still a code of its own).
POINTS_ONLY = (MatchKind.EXTERNAL_CAUSE, MatchKind.ADDITIONAL)


def claim_findings(
    verdicts: tuple[BilledCodeVerdict, ...], documentation: Documentation
) -> Comparison:
    """The findings and the corrected claim the verdicts imply."""
    used = {
        v.documented_code
        for v in verdicts
        if v.verdict is Verdict.SUPPORTED and v.match not in POINTS_ONLY
    }
    reportable = documentation.reportable_unbilled
    not_billed = tuple(
        s
        for s in documentation.codes
        if s.code not in used and (reportable is None or s.code in reportable)
    )
    upgrades = tuple(
        _upgrade(v, documentation)
        for v in verdicts
        if v.verdict is Verdict.SUPPORTED
        and v.system != SNOMED_SYSTEM
        and v.documented_code not in (None, v.code)
        and v.match not in KEEPS_BILLED
    )
    corrected: list[str] = []
    for verdict in verdicts:
        if verdict.verdict is Verdict.SUPPORTED and verdict.system != SNOMED_SYSTEM:
            keep = verdict.code if verdict.match in KEEPS_BILLED else verdict.documented_code
            corrected.append(keep or verdict.code)
    corrected += [s.code for s in not_billed]
    return Comparison(
        has_claim=True,
        basis=documentation.basis,
        verdicts=verdicts,
        matched=tuple(
            v.code if v.system != SNOMED_SYSTEM else f"SNOMED {v.code}"
            for v in verdicts
            if v.verdict is Verdict.SUPPORTED and v.match in (MatchKind.EXACT, *KEEPS_BILLED)
        ),
        documented_not_billed=not_billed,
        billed_not_documented=tuple(
            _finding(v) for v in verdicts if v.verdict is Verdict.NOT_SUPPORTED
        ),
        specificity_upgrades=upgrades,
        not_comparable=tuple(_finding(v) for v in verdicts if v.verdict is Verdict.NOT_COMPARABLE),
        corrected_claim=tuple(dict.fromkeys(corrected)),
    )


def _upgrade(verdict: BilledCodeVerdict, documentation: Documentation) -> SpecificityUpgrade:
    suggested = next(s for s in documentation.codes if s.code == verdict.documented_code)
    return SpecificityUpgrade(
        billed_code=verdict.code,
        billed_description=verdict.description,
        suggested=suggested,
        reason=verdict.reason,
    )


def _finding(verdict: BilledCodeVerdict) -> BilledCodeFinding:
    return BilledCodeFinding(
        code=verdict.code,
        description=verdict.description,
        system=verdict.system,
        reason=verdict.reason,
        evidence=verdict.evidence,
    )
