"""Fetching what a CER needs from openFDA and building the ``report.ingested`` payload.

1. A live probe of the product search (``limit=1``) gives the data release and the number of
   matching reports; everything after it may come from the cache of that release.
2. The product's reports are paged (newest first) up to a cap and each is checked to list the NDC.
3. Count queries give the 2×2 margins: reactions among the product's reports, all reports, and
   reactions among all reports (openFDA's top 1,000, then one total per further reaction).
4. A name-based fallback query is offered, since NDC matching misses un-harmonised reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.ingestor.openfda import query as q
from services.ingestor.openfda.client import OpenFdaClient, OpenFdaResponse
from services.ingestor.openfda.projection import ProjectionTally
from shared.events.cer import (
    CerDataset,
    CerRequest,
    DisproportionalityCounts,
    FallbackQuery,
    OpenFdaSource,
    QueryPurpose,
    QueryRecord,
    TermCount,
)

MIN_REPORTS_FOR_ANY_PRESET = 3
"""With fewer than 3 reports no preset can flag a reaction (Evans needs 3, EMA 5, and IC025 > 0
needs a ≥ 3 whatever E is), so their database totals are not worth a request."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class NoReportsFound(Exception):
    """openFDA holds no verified report for the product; the message says what was searched."""

    def __init__(self, message: str, fallback: FallbackQuery | None) -> None:
        super().__init__(message)
        self.message = message
        self.fallback = fallback


@dataclass(frozen=True)
class FetchLimits:
    max_reports: int = 5000
    page_size: int = 1000
    max_term_queries: int = 100


class _Recorder:
    """Collects a :class:`QueryRecord` for every query, for the report's appendix."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.records: list[QueryRecord] = []

    def add(
        self,
        query: q.Query,
        response: OpenFdaResponse | None,
        *,
        pages: int = 1,
        total: int | None = None,
    ) -> None:
        self.records.append(
            QueryRecord(
                purpose=query.purpose,
                search=query.search,
                count=query.count,
                sort=query.sort,
                limit=query.limit,
                url=query.url(self.base_url),
                total=total,
                pages=pages,
                from_cache=bool(response and response.from_cache),
                not_found=bool(response and response.not_found),
            )
        )


async def _background_counts(
    client: OpenFdaClient,
    recorder: _Recorder,
    request: CerRequest,
    product_counts: Sequence[TermCount],
    max_term_queries: int,
) -> tuple[list[TermCount], list[str]]:
    """Database-wide report counts for the product's reactions: the top-1000 count query, then
    one total per reaction beyond it (most frequent first, up to the cap)."""
    window = q.window(request.since, request.until)
    top = q.Query(
        QueryPurpose.DATABASE_EVENT_COUNTS, search=window, count=q.REACTION_FIELD, limit=1000
    )
    database = await client.count(top)
    recorder.add(top, None)
    known = {row.term for row in database}
    wanted = sorted(
        (
            r
            for r in product_counts
            if r.term not in known and r.count >= MIN_REPORTS_FOR_ANY_PRESET
        ),
        key=lambda r: (-r.count, r.term),
    )
    without: list[str] = []
    for index, row in enumerate(wanted):
        if index >= max_term_queries:
            without.append(row.term)
            continue
        term_query = q.Query(
            QueryPurpose.EVENT_TOTAL,
            search=q.reaction_search(row.term, request.since, request.until),
        )
        response = await client.total(term_query)
        recorder.add(term_query, response, total=response.total)
        database.append(TermCount(term=row.term, count=response.total))
    return database, without


async def _fallback(
    client: OpenFdaClient, recorder: _Recorder, names: Sequence[str], reason: str
) -> FallbackQuery | None:
    if not names:
        return None
    search = q.fallback_search(names)
    query = q.Query(QueryPurpose.FALLBACK, search=search)
    response = await client.total(query)
    recorder.add(query, response, total=response.total)
    return FallbackQuery(
        reason=reason, search=search, url=query.url(client.base_url), total=response.total
    )


async def fetch_cer_dataset(
    request: CerRequest, client: OpenFdaClient, limits: FetchLimits, *, retrieved_at: datetime
) -> CerDataset:
    """Everything the analyzer needs about one product, with the cases inline.

    Raises :class:`NoReportsFound` when no returned report lists the product, and
    :class:`~services.ingestor.openfda.client.OpenFdaError` when openFDA fails.
    """
    recorder = _Recorder(client.base_url)
    search = q.product_search(request.product_ndcs, request.since, request.until)
    probe_query = q.Query(QueryPurpose.PRODUCT_REPORTS, search=search, limit=1)
    probe = await client.probe(probe_query)
    matched = probe.total

    tally = ProjectionTally(product_ndcs=request.product_ndcs)
    pages = 0
    if matched:
        reports_query = q.Query(
            QueryPurpose.PRODUCT_REPORTS,
            search=search,
            sort="receivedate:desc",
            limit=min(limits.page_size, limits.max_reports),
        )
        async for page in client.pages(reports_query, max_records=limits.max_reports):
            pages += 1
            for report in page.results:
                if tally.processed >= limits.max_reports:
                    break
                tally.add(report)
        recorder.add(reports_query, probe, pages=pages, total=matched)
    else:
        recorder.add(probe_query, probe, total=0)
    fetched = tally.processed
    product = tally.product(request.ndc, request.ndc_input)
    names = (*product.brand_names[:3], *product.generic_names[:3])
    reason = (
        "Reports whose drug entries openFDA could not harmonise carry no product NDC and are "
        "not found by an NDC search; a search on the reported product name finds them, along "
        "with reports of other products of the same name."
    )
    window = q.window(request.since, request.until)
    if not tally.cases:
        fallback = await _fallback(client, recorder, names, reason)
        raise NoReportsFound(
            f"openFDA has no adverse event report listing product NDC "
            f"{' or '.join(request.product_ndcs)}"
            + (f" in the window {request.since or '…'} to {request.until or '…'}" if window else "")
            + f" ({matched} matched the search, {tally.dropped_ndc_mismatch} did not list the NDC, "
            f"{tally.missing_openfda} had no openFDA drug block). Check the NDC, or search by "
            "product name.",
            fallback,
        )

    product_counts_query = q.Query(
        QueryPurpose.PRODUCT_EVENT_COUNTS, search=search, count=q.REACTION_FIELD, limit=1000
    )
    product_counts = await client.count(product_counts_query)
    recorder.add(product_counts_query, None)
    total_query = q.Query(QueryPurpose.DATABASE_TOTAL, search=window)
    database_total = await client.total(total_query)
    recorder.add(total_query, database_total, total=database_total.total)
    database_counts, without = await _background_counts(
        client, recorder, request, product_counts, limits.max_term_queries
    )
    fallback = await _fallback(client, recorder, names, reason)

    notices = []
    if tally.dropped_ndc_mismatch:
        notices.append(
            f"{tally.dropped_ndc_mismatch} report(s) returned by openFDA did not list the NDC "
            "and were dropped; the 2×2 tables' product totals may include them."
        )
    if tally.missing_openfda:
        notices.append(
            f"{tally.missing_openfda} report(s) had no openFDA harmonised drug block; the NDC "
            "could not be verified and they were dropped."
        )
    return CerDataset(
        request=request,
        source=OpenFdaSource(
            base_url=client.base_url,
            meta_last_updated=probe.last_updated,
            retrieved_at=retrieved_at,
            disclaimer=_text(probe.meta.get("disclaimer")),
            license=_text(probe.meta.get("license")),
        ),
        product=product,
        queries=tuple(recorder.records),
        matched_total=matched,
        fetched=fetched,
        fetch_cap=limits.max_reports,
        truncated=matched > fetched,
        dropped_ndc_mismatch=tally.dropped_ndc_mismatch,
        missing_openfda=tally.missing_openfda,
        cases=tuple(tally.cases),
        counts=DisproportionalityCounts(
            product_reports=matched,
            database_reports=database_total.total,
            product_event_counts=tuple(product_counts),
            database_event_counts=tuple(database_counts),
            terms_without_background=tuple(without),
        ),
        fallback=fallback,
        notices=tuple(notices),
    )
