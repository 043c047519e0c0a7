"""Descriptive tables over the verified MAUDE reports of one device search.

Every count is a number of *reports* (a report listing a problem twice counts once). Problems are
FDA's device problem and patient problem terms as MAUDE records them (case and spacing folded);
a report can list several of each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from services.analyzer.cer.aggregate import quarter_of, quarters_between
from shared.events.device import DeviceCase, DeviceEventType, ProblemRow
from shared.events.openfda import CategoryCount, QuarterCount

EVENT_TYPE_LABELS: dict[DeviceEventType, str] = {
    DeviceEventType.DEATH: "Death",
    DeviceEventType.INJURY: "Injury",
    DeviceEventType.MALFUNCTION: "Malfunction",
    DeviceEventType.OTHER: "Other",
    DeviceEventType.NOT_REPORTED: "No answer provided",
}
SERIOUS_TYPES = frozenset({DeviceEventType.DEATH, DeviceEventType.INJURY})


def fold_problem(term: str) -> str:
    return " ".join(term.split()).casefold()


def event_type_counts(
    cases: Sequence[DeviceCase], interval_ids: frozenset[str]
) -> tuple[CategoryCount, ...]:
    total = len(cases)
    counts = Counter(case.event_type for case in cases)
    interval = Counter(case.event_type for case in cases if case.mdr_report_key in interval_ids)
    return tuple(
        CategoryCount(
            category=kind.value,
            label=label,
            reports=counts[kind],
            share=counts[kind] / total if total else 0.0,
            interval_reports=interval[kind],
        )
        for kind, label in EVENT_TYPE_LABELS.items()
    )


def problem_rows(
    cases: Sequence[DeviceCase],
    problems: Callable[[DeviceCase], Sequence[str]],
    interval_ids: frozenset[str],
) -> tuple[ProblemRow, ...]:
    """One row per problem term (folded), most reported first, ties alphabetical."""
    display: dict[str, Counter[str]] = {}
    reports: Counter[str] = Counter()
    interval: Counter[str] = Counter()
    by_type: dict[DeviceEventType, Counter[str]] = {kind: Counter() for kind in DeviceEventType}
    for case in cases:
        keys = set()
        for term in problems(case):
            key = fold_problem(term)
            display.setdefault(key, Counter())[" ".join(term.split())] += 1
            keys.add(key)
        reports.update(keys)
        by_type[case.event_type].update(keys)
        if case.mdr_report_key in interval_ids:
            interval.update(keys)
    total = len(cases)
    rows = [
        ProblemRow(
            term=display[key].most_common(1)[0][0],
            reports=count,
            share=count / total if total else 0.0,
            interval_reports=interval[key],
            deaths=by_type[DeviceEventType.DEATH][key],
            injuries=by_type[DeviceEventType.INJURY][key],
            malfunctions=by_type[DeviceEventType.MALFUNCTION][key],
        )
        for key, count in reports.items()
    ]
    rows.sort(key=lambda row: (-row.reports, row.term.casefold()))
    return tuple(rows)


def quarterly_trend(cases: Sequence[DeviceCase]) -> tuple[QuarterCount, ...]:
    """Reports (and deaths + injuries) per quarter received, zero-filled, oldest first."""
    dated = [c for c in cases if c.date_received is not None]
    if not dated:
        return ()
    reports: Counter[str] = Counter()
    serious: Counter[str] = Counter()
    for case in dated:
        assert case.date_received is not None
        quarter = quarter_of(case.date_received)
        reports[quarter] += 1
        if case.event_type in SERIOUS_TYPES:
            serious[quarter] += 1
    days = [c.date_received for c in dated if c.date_received is not None]
    return tuple(
        QuarterCount(quarter=k, reports=reports[k], serious=serious[k])
        for k in quarters_between(min(days), max(days))
    )
