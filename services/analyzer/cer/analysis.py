"""From an ingested FAERS dataset to the CER analysis the renderer draws (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.analyzer.cer.aggregate import (
    age_group_breakdown,
    event_rows,
    folded_keys,
    quarterly_trend,
    role_counts,
    seriousness_summary,
    sex_breakdown,
)
from services.analyzer.cer.changes import PreviousSignals, signal_changes
from services.analyzer.cer.listing import case_listing
from services.analyzer.cer.narrative import ReportFacts, build_narrative, nil_narrative
from services.analyzer.cer.power import assess_power
from services.analyzer.cer.presets import preset_criteria
from services.analyzer.cer.product_side import product_side
from services.analyzer.cer.shrinkage import apply_ebgm
from services.analyzer.cer.signals import signal_table
from services.analyzer.surveillance.monthly import trend_alerts
from services.analyzer.surveillance.period import in_interval, reporting_period
from shared.events.cer import CerAnalysis, CerDataset, CerTotals, ReportingPeriod
from shared.events.faers_case import CaseListingRow, DrugRole, FaersCase
from shared.events.openfda import TrendSummary


@dataclass(frozen=True)
class CerResult:
    analysis: CerAnalysis
    listing: tuple[CaseListingRow, ...]
    """The case line listing (stored apart: it can be long)."""


def _trends(
    cases: Sequence[FaersCase], analysis_period: ReportingPeriod, previous: PreviousSignals | None
) -> TrendSummary:
    folded, key_of = folded_keys(cases)
    pairs = [
        (key, case.receivedate)
        for case in cases
        if case.receivedate is not None
        for key in {key_of[r.pt.strip()] for r in case.reactions}
    ]
    return trend_alerts(
        pairs,
        analysis_period.data_lock_point,
        interval_start=analysis_period.interval_start,
        previous=frozenset(previous.trend_alerts) if previous else frozenset(),
        display={key: term.display for key, term in folded.items()},
    )


def analyze_cer(
    dataset: CerDataset,
    cases: Sequence[FaersCase],
    *,
    previous: PreviousSignals | None,
    generated_at: datetime,
) -> CerResult:
    """Every table, statistic, signal flag, trend alert and narrative section of one CER.

    ``cases`` are the verified reports (``dataset.cases`` or what ``dataset.cases_ref`` points
    at); ``previous`` are the signals and alerts of the last report for the same tenant, subject
    and preset, if any. Reports whose product role is not among the request's roles are counted
    but left out of every table and statistic.
    """
    request = dataset.request
    roles = request.roles
    analysed = [case for case in cases if case.role in roles]
    received = [c.receivedate for c in analysed if c.receivedate is not None]
    period = reporting_period(request, dataset.source.meta_last_updated, received)
    interval_ids = frozenset(
        c.safetyreportid for c in analysed if in_interval(c.receivedate, period)
    )
    preset = preset_criteria(request.signal_preset)
    events = event_rows(analysed, interval_ids)
    seriousness = seriousness_summary(analysed, interval_ids)
    side = product_side(dataset.counts, cases, analysed, truncated=dataset.truncated, roles=roles)
    table = signal_table(dataset.counts, request.signal_preset, side) if analysed else None
    shrinkage = apply_ebgm(table.rows if table else (), dataset.background, dataset.counts)
    rows = shrinkage.rows
    changes = signal_changes([row.pt for row in rows if row.signal], previous)
    listing = case_listing(analysed, interval_ids)
    by_role = role_counts(cases)
    totals = CerTotals(
        matched_by_openfda=dataset.matched_total,
        fetched=dataset.fetched,
        analysed=len(analysed),
        fetch_cap=dataset.fetch_cap,
        truncated=dataset.truncated,
        dropped_ndc_mismatch=dataset.dropped_ndc_mismatch,
        missing_openfda=dataset.missing_openfda,
        suspect=by_role[DrugRole.SUSPECT],
        interacting=by_role[DrugRole.INTERACTING],
        concomitant=by_role[DrugRole.CONCOMITANT],
        role_unknown=by_role[DrugRole.UNKNOWN],
        serious=seriousness.serious,
        distinct_events=len(events),
        database_reports=dataset.counts.database_reports,
        verified=len(cases),
        roles=roles,
        interval_analysed=len(interval_ids),
        interval_serious=seriousness.interval_serious,
        duplicate_suspects=sum(1 for row in listing if row.duplicate_group is not None),
        product_counts=side.source,
    )
    power = assess_power(rows, side.product_reports, dataset.counts.database_reports)
    trends = _trends(analysed, period, previous)
    age_groups = age_group_breakdown(analysed)
    facts = ReportFacts(
        request=request,
        product=dataset.product,
        source=dataset.source,
        period=period,
        totals=totals,
        events=events,
        seriousness=seriousness,
        trend=quarterly_trend(analysed),
        rows=rows,
        preset=preset,
        changes=changes,
        age_groups=age_groups,
        fallback=dataset.fallback,
        ebgm_prior=shrinkage.prior,
        power=power,
        trends=trends,
    )
    nil = not analysed
    analysis = CerAnalysis(
        request=request,
        product=dataset.product,
        source=dataset.source,
        queries=dataset.queries,
        period=period,
        totals=totals,
        events=events,
        seriousness=seriousness,
        trend=facts.trend,
        sex=sex_breakdown(analysed),
        age_groups=age_groups,
        disproportionality=rows,
        preset=preset,
        signal_changes=changes,
        narrative=nil_narrative(facts) if nil else build_narrative(facts),
        fallback=dataset.fallback,
        notices=(
            *dataset.notices,
            *(table.notices if table else ()),
            *(() if nil else shrinkage.notices),
        ),
        generated_at=generated_at,
        nil=nil,
        ebgm_prior=shrinkage.prior,
        power=power if not nil else power.model_copy(update={"warnings": ()}),
        trends=trends,
    )
    return CerResult(analysis=analysis, listing=listing)
