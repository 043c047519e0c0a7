"""Descriptive tables over the verified FAERS reports of one product.

Every count is a number of *reports* (a report listing a reaction twice counts once). Shares are
proportions of the analysed reports; FAERS has no exposure denominator, so none of them is a rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from services.analyzer.cer.terms import FoldedTerm, fold_terms
from shared.events.cer import CategoryCount, EventRow, QuarterCount, SeriousnessSummary
from shared.events.faers_case import (
    DrugRole,
    FaersCase,
    PatientSex,
    ReactionOutcome,
    SeriousnessCriterion,
)

SERIOUSNESS_LABELS: dict[SeriousnessCriterion, str] = {
    SeriousnessCriterion.DEATH: "Death",
    SeriousnessCriterion.LIFE_THREATENING: "Life-threatening",
    SeriousnessCriterion.HOSPITALISATION: "Hospitalisation (initial or prolonged)",
    SeriousnessCriterion.DISABILITY: "Disability",
    SeriousnessCriterion.CONGENITAL_ANOMALY: "Congenital anomaly",
    SeriousnessCriterion.OTHER: "Other medically important condition",
}

OUTCOME_LABELS: dict[ReactionOutcome, str] = {
    ReactionOutcome.RECOVERED: "Recovered/resolved",
    ReactionOutcome.RECOVERING: "Recovering/resolving",
    ReactionOutcome.NOT_RECOVERED: "Not recovered/not resolved",
    ReactionOutcome.RECOVERED_WITH_SEQUELAE: "Recovered with sequelae",
    ReactionOutcome.FATAL: "Fatal",
    ReactionOutcome.UNKNOWN: "Unknown",
}

SEX_LABELS: dict[PatientSex, str] = {
    PatientSex.FEMALE: "Female",
    PatientSex.MALE: "Male",
    PatientSex.UNKNOWN: "Not reported",
}

# ICH E11 age groups, with the upper bound of each in years (exclusive).
AGE_GROUPS: tuple[tuple[str, str, float], ...] = (
    ("neonate", "Neonate (< 28 days)", 28 / 365.25),
    ("infant", "Infant (28 days – < 2 years)", 2.0),
    ("child", "Child (2 – 11 years)", 12.0),
    ("adolescent", "Adolescent (12 – 17 years)", 18.0),
    ("adult", "Adult (18 – 64 years)", 65.0),
    ("elderly", "Elderly (≥ 65 years)", float("inf")),
)
AGE_UNKNOWN = ("unknown", "Not reported")


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _category(
    category: str, label: str, count: int, total: int, interval: int = 0
) -> CategoryCount:
    return CategoryCount(
        category=category,
        label=label,
        reports=count,
        share=_share(count, total),
        interval_reports=interval,
    )


def folded_keys(cases: Sequence[FaersCase]) -> tuple[dict[str, FoldedTerm], dict[str, str]]:
    """The folded terms of every reaction in ``cases`` and each spelling's key."""
    spellings: Counter[str] = Counter(r.pt for case in cases for r in case.reactions)
    folded = fold_terms(spellings)
    key_of = {variant: term.key for term in folded.values() for variant in term.variants}
    return folded, key_of


def event_rows(
    cases: Sequence[FaersCase], interval_ids: frozenset[str] = frozenset()
) -> tuple[EventRow, ...]:
    """One row per folded preferred term, most reported first (ties alphabetical), with the
    counts of the reporting interval (``interval_ids``: the interval's safety report ids)."""
    folded, key_of = folded_keys(cases)
    reports: Counter[str] = Counter()
    serious: Counter[str] = Counter()
    fatal: Counter[str] = Counter()
    interval: Counter[str] = Counter()
    interval_serious: Counter[str] = Counter()
    for case in cases:
        keys = {key_of[r.pt.strip()] for r in case.reactions}
        fatal_keys = {
            key_of[r.pt.strip()] for r in case.reactions if r.outcome is ReactionOutcome.FATAL
        }
        reports.update(keys)
        fatal.update(fatal_keys)
        if case.serious:
            serious.update(keys)
        if case.safetyreportid in interval_ids:
            interval.update(keys)
            if case.serious:
                interval_serious.update(keys)
    total = len(cases)
    rows = [
        EventRow(
            pt=folded[key].display,
            reports=count,
            share=_share(count, total),
            serious_reports=serious[key],
            fatal_outcome_reports=fatal[key],
            variants=folded[key].variants,
            interval_reports=interval[key],
            interval_serious_reports=interval_serious[key],
        )
        for key, count in reports.items()
    ]
    rows.sort(key=lambda row: (-row.reports, row.pt.lower()))
    return tuple(rows)


def seriousness_summary(
    cases: Sequence[FaersCase], interval_ids: frozenset[str] = frozenset()
) -> SeriousnessSummary:
    """Serious / non-serious / not stated, reports per seriousness criterion and per outcome,
    cumulative and (``interval_ids``) within the reporting interval."""
    total = len(cases)
    in_interval = [case for case in cases if case.safetyreportid in interval_ids]
    criteria: Counter[SeriousnessCriterion] = Counter(c for case in cases for c in case.seriousness)
    interval_criteria: Counter[SeriousnessCriterion] = Counter(
        c for case in in_interval for c in case.seriousness
    )

    def outcome_counts(group: Sequence[FaersCase]) -> Counter[ReactionOutcome]:
        return Counter(
            outcome
            for case in group
            for outcome in {r.outcome for r in case.reactions if r.outcome is not None}
        )

    outcomes, interval_outcomes = outcome_counts(cases), outcome_counts(in_interval)
    return SeriousnessSummary(
        serious=sum(1 for case in cases if case.serious is True),
        non_serious=sum(1 for case in cases if case.serious is False),
        not_stated=sum(1 for case in cases if case.serious is None),
        criteria=tuple(
            _category(c.value, label, criteria[c], total, interval_criteria[c])
            for c, label in SERIOUSNESS_LABELS.items()
        ),
        reaction_outcomes=tuple(
            _category(o.value, label, outcomes[o], total, interval_outcomes[o])
            for o, label in OUTCOME_LABELS.items()
        ),
        interval_serious=sum(1 for case in in_interval if case.serious is True),
        interval_non_serious=sum(1 for case in in_interval if case.serious is False),
        interval_not_stated=sum(1 for case in in_interval if case.serious is None),
    )


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_between(first: date, last: date) -> list[str]:
    quarters = []
    year, q = first.year, (first.month - 1) // 3
    while (year, q) <= (last.year, (last.month - 1) // 3):
        quarters.append(f"{year}-Q{q + 1}")
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
    return quarters


def quarterly_trend(cases: Sequence[FaersCase]) -> tuple[QuarterCount, ...]:
    """Reports (and serious reports) per calendar quarter of FDA receipt, zero-filled, oldest first.

    Reports without a receive date are left out of the trend (they stay in every other table).
    """
    dated = [case for case in cases if case.receivedate is not None]
    if not dated:
        return ()
    reports: Counter[str] = Counter()
    serious: Counter[str] = Counter()
    for case in dated:
        assert case.receivedate is not None
        quarter = quarter_of(case.receivedate)
        reports[quarter] += 1
        if case.serious:
            serious[quarter] += 1
    days = [case.receivedate for case in dated if case.receivedate is not None]
    return tuple(
        QuarterCount(quarter=q, reports=reports[q], serious=serious[q])
        for q in quarters_between(min(days), max(days))
    )


def sex_breakdown(cases: Sequence[FaersCase]) -> tuple[CategoryCount, ...]:
    counts = Counter(case.sex for case in cases)
    return tuple(
        _category(sex.value, label, counts[sex], len(cases)) for sex, label in SEX_LABELS.items()
    )


def age_group(case: FaersCase) -> str:
    """The ICH E11 group of the patient: from the onset age, else from the reported group."""
    if case.age_years is not None:
        for name, _label, upper in AGE_GROUPS:
            if case.age_years < upper:
                return name
    if case.age_group_reported in {name for name, _, _ in AGE_GROUPS}:
        return case.age_group_reported
    return AGE_UNKNOWN[0]


def age_group_breakdown(cases: Sequence[FaersCase]) -> tuple[CategoryCount, ...]:
    counts = Counter(age_group(case) for case in cases)
    groups = [(name, label) for name, label, _ in AGE_GROUPS] + [AGE_UNKNOWN]
    return tuple(_category(name, label, counts[name], len(cases)) for name, label in groups)


def role_counts(cases: Sequence[FaersCase]) -> dict[DrugRole, int]:
    counts = Counter(case.role for case in cases)
    return {role: counts[role] for role in DrugRole}


def receive_date_range(cases: Sequence[FaersCase]) -> tuple[date | None, date | None]:
    days = [case.receivedate for case in cases if case.receivedate is not None]
    return (min(days), max(days)) if days else (None, None)
