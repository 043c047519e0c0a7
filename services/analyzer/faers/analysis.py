"""From an ingested FAERS dataset to the CER analysis the renderer draws (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.analyzer.faers.aggregate import (
    age_group_breakdown,
    event_rows,
    quarterly_trend,
    receive_date_range,
    role_counts,
    seriousness_summary,
    sex_breakdown,
)
from services.analyzer.faers.changes import PreviousSignals, signal_changes
from services.analyzer.faers.narrative import build_narrative
from services.analyzer.faers.presets import preset_criteria
from services.analyzer.faers.signals import signal_table
from shared.events.cer import (
    CerAnalysis,
    CerDataset,
    CerTotals,
    DrugRole,
    FaersCase,
    ReportingPeriod,
)


def analyze_cer(
    dataset: CerDataset,
    cases: Sequence[FaersCase],
    *,
    previous: PreviousSignals | None,
    generated_at: datetime,
) -> CerAnalysis:
    """Every table, statistic, signal flag and narrative section of one CER.

    ``cases`` are the verified reports (``dataset.cases`` or what ``dataset.cases_ref`` points at);
    ``previous`` are the signals of the last report for the same tenant, NDC and preset, if any.
    """
    request = dataset.request
    preset = preset_criteria(request.signal_preset)
    events = event_rows(cases)
    seriousness = seriousness_summary(cases)
    trend = quarterly_trend(cases)
    age_groups = age_group_breakdown(cases)
    table = signal_table(dataset.counts, request.signal_preset)
    changes = signal_changes([row.pt for row in table.rows if row.signal], previous)
    roles = role_counts(cases)
    first, last = receive_date_range(cases)
    period = ReportingPeriod(
        since=request.since, until=request.until, first_received=first, last_received=last
    )
    totals = CerTotals(
        matched_by_openfda=dataset.matched_total,
        fetched=dataset.fetched,
        analysed=len(cases),
        fetch_cap=dataset.fetch_cap,
        truncated=dataset.truncated,
        dropped_ndc_mismatch=dataset.dropped_ndc_mismatch,
        missing_openfda=dataset.missing_openfda,
        suspect=roles[DrugRole.SUSPECT],
        interacting=roles[DrugRole.INTERACTING],
        concomitant=roles[DrugRole.CONCOMITANT],
        role_unknown=roles[DrugRole.UNKNOWN],
        serious=seriousness.serious,
        distinct_events=len(events),
        database_reports=dataset.counts.database_reports,
    )
    narrative = build_narrative(
        product=dataset.product,
        source=dataset.source,
        period=period,
        totals=totals,
        events=events,
        seriousness=seriousness,
        trend=trend,
        rows=table.rows,
        preset=preset,
        changes=changes,
        age_groups=age_groups,
        fallback=dataset.fallback,
    )
    return CerAnalysis(
        request=request,
        product=dataset.product,
        source=dataset.source,
        queries=dataset.queries,
        period=period,
        totals=totals,
        events=events,
        seriousness=seriousness,
        trend=trend,
        sex=sex_breakdown(cases),
        age_groups=age_groups,
        disproportionality=table.rows,
        preset=preset,
        signal_changes=changes,
        narrative=narrative,
        fallback=dataset.fallback,
        notices=(*dataset.notices, *table.notices),
        generated_at=generated_at,
    )
