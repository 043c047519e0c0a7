"""The case line listing, with duplicate-suspect cases flagged.

One row per analysed report, newest first, as a periodic report's appendix lists cases. FAERS
keeps one version of each safety report (the latest), but the same case often arrives more than
once under different report ids — from the patient and the manufacturer, or from two
manufacturers. Cases are flagged as *duplicate-suspects* of one another when

1. they share a manufacturer control number: one's ``companynumb`` or ``reportduplicate``
   number is another's (the same case, forwarded or re-submitted), or
2. they agree on every one of: sex, age in whole years, country, event date and the set of
   reactions (after folding spelling variants) — the same patient and event — with each of those
   fields known (unknown values never match).

Flagged cases stay in every table (openFDA does not de-duplicate either); the listing names them
and the report counts them, so a reader can judge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.analyzer.cer.aggregate import OUTCOME_LABELS, SERIOUSNESS_LABELS, SEX_LABELS
from services.analyzer.cer.terms import fold_term, fold_terms
from shared.events.faers_case import CaseListingRow, FaersCase, PatientSex, ReporterQualification

REPORTER_LABELS = {
    ReporterQualification.PHYSICIAN: "Physician",
    ReporterQualification.PHARMACIST: "Pharmacist",
    ReporterQualification.OTHER_HEALTH_PROFESSIONAL: "Other health professional",
    ReporterQualification.LAWYER: "Lawyer",
    ReporterQualification.CONSUMER: "Consumer",
}
SAME_NUMBER = "same manufacturer control number"
SAME_DETAILS = "same patient and event details"


class _Groups:
    """Union-find over case indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.reason: dict[int, str] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, members: Iterable[int], reason: str) -> None:
        members = list(members)
        for other in members[1:]:
            a, b = self.find(members[0]), self.find(other)
            if a != b:
                self.parent[b] = a
        for member in members:
            self.reason.setdefault(member, reason)


def _details_key(case: FaersCase) -> tuple[object, ...] | None:
    if (
        case.sex is PatientSex.UNKNOWN
        or case.age_years is None
        or not case.country
        or case.event_date is None
        or not case.reactions
    ):
        return None
    reactions = frozenset(fold_term(r.pt) for r in case.reactions)
    return (case.sex, int(case.age_years), case.country.upper(), case.event_date, reactions)


def duplicate_groups(cases: Sequence[FaersCase]) -> dict[int, tuple[int, str]]:
    """Index of each flagged case → (group number, reason); groups numbered 1, 2, … in order."""
    groups = _Groups(len(cases))
    by_number: dict[str, list[int]] = {}
    by_details: dict[tuple[object, ...], list[int]] = {}
    for index, case in enumerate(cases):
        numbers = {n.strip().upper() for n in (case.company_number, *case.duplicate_numbers) if n}
        for number in numbers:
            by_number.setdefault(number, []).append(index)
        key = _details_key(case)
        if key is not None:
            by_details.setdefault(key, []).append(index)
    for members in by_number.values():
        if len(set(members)) > 1:
            groups.join(sorted(set(members)), SAME_NUMBER)
    for members in by_details.values():
        if len(members) > 1:
            groups.join(members, SAME_DETAILS)
    roots: dict[int, list[int]] = {}
    for index in range(len(cases)):
        roots.setdefault(groups.find(index), []).append(index)
    flagged: dict[int, tuple[int, str]] = {}
    groups_found = sorted((m for m in roots.values() if len(m) > 1), key=min)
    for group_number, members in enumerate(groups_found, start=1):
        for member in members:
            flagged[member] = (group_number, groups.reason.get(member, SAME_NUMBER))
    return flagged


def _age(years: float | None, group: str | None) -> str:
    if years is None:
        return group or ""
    if years >= 2:
        return f"{int(years)} y"
    if years >= 1 / 12:
        return f"{round(years * 12)} mo"
    return f"{round(years * 365.25)} d"


def _serious(case: FaersCase) -> str:
    if case.serious is None:
        return "not stated"
    if not case.serious:
        return "non-serious"
    criteria = [SERIOUSNESS_LABELS[c].split(" (")[0].lower() for c in case.seriousness]
    return "serious: " + ", ".join(criteria) if criteria else "serious"


def case_listing(
    cases: Sequence[FaersCase], interval_ids: frozenset[str]
) -> tuple[CaseListingRow, ...]:
    """The line listing of ``cases``: newest first, duplicate-suspects numbered by group."""
    ordered = sorted(
        cases,
        key=lambda c: (c.receivedate is not None, c.receivedate, c.safetyreportid),
        reverse=True,
    )
    display = {
        key: term.display
        for key, term in fold_terms([r.pt for c in ordered for r in c.reactions]).items()
    }
    flagged = duplicate_groups(ordered)
    rows = []
    for index, case in enumerate(ordered):
        reactions = []
        for reaction in case.reactions:
            name = display.get(fold_term(reaction.pt), reaction.pt)
            if reaction.outcome is not None:
                name += f" ({OUTCOME_LABELS[reaction.outcome].split('/')[0].lower()})"
            if name not in reactions:
                reactions.append(name)
        group = flagged.get(index)
        rows.append(
            CaseListingRow(
                safetyreportid=case.safetyreportid,
                report_version=case.report_version,
                receivedate=case.receivedate,
                in_interval=case.safetyreportid in interval_ids,
                reporter=REPORTER_LABELS.get(case.reporter_qualification, "")
                if case.reporter_qualification
                else "",
                country=case.country or "",
                age=_age(case.age_years, case.age_group_reported),
                sex=SEX_LABELS[case.sex] if case.sex is not PatientSex.UNKNOWN else "",
                serious=_serious(case),
                reactions=tuple(reactions),
                role=case.role,
                products=case.products,
                indications=case.indications,
                co_suspects=case.co_suspects,
                concomitants=case.concomitants,
                event_date=case.event_date,
                drug_start_date=case.drug_start_date,
                onset_days=case.onset_days,
                duplicate_group=group[0] if group else None,
                duplicate_reason=group[1] if group else "",
            )
        )
    return tuple(rows)
