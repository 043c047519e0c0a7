"""Fetching what a drug-safety report (CER) needs from openFDA: the ``report.ingested`` payload.

1. A live probe of the scope's search (``limit=1``) gives the data release and the number of
   matching reports; everything after it may come from the cache of that release.
2. The scope's reports are paged (newest first) up to a cap and each is checked to carry the
   product (NDC, ingredient or brand) in a harmonised drug entry; the product's role is kept.
3. Count queries give the 2×2 margins: reactions among the scope's reports, all reports, and
   reactions among all reports (openFDA's top 1,000, then one total per further reaction).
4. The most reported products' reactions, for the EBGM prior (see ``openfda/background.py``).
5. A name-based fallback query is offered, since harmonised matching misses some reports.

No matching report is not a failure: the dataset is empty and the analyzer writes a nil report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.ingestor.openfda import query as q
from services.ingestor.openfda.background import fetch_background
from services.ingestor.openfda.client import OpenFdaClient
from services.ingestor.openfda.fetching import FetchLimits, page_through, source_of
from services.ingestor.openfda.projection import ProjectionTally, ScopeMatcher
from services.ingestor.openfda.recorder import QueryRecorder
from shared.events.cer import (
    CerDataset,
    CerRequest,
    DisproportionalityCounts,
    DrugScope,
    FallbackQuery,
    ProductIdentification,
    QueryPurpose,
    TermCount,
)

MIN_REPORTS_FOR_ANY_PRESET = 3
"""With fewer than 3 reports no preset can flag a reaction (Evans needs 3, EMA 5, and IC025 > 0
needs a ≥ 3 whatever E is), so their database totals are not worth a request."""

FALLBACK_REASON = (
    "Reports whose drug entries openFDA could not harmonise carry no product NDC, ingredient or "
    "brand and are not found by this search; a search on the reported product name finds them, "
    "along with reports of other products of the same name."
)


async def _background_counts(
    client: OpenFdaClient,
    recorder: QueryRecorder,
    request: CerRequest,
    product_counts: Sequence[TermCount],
    max_term_queries: int,
) -> tuple[list[TermCount], list[str]]:
    """Database-wide report counts for the product's reactions: the top-1000 count query, then
    one total per reaction beyond it (most frequent first, up to the cap)."""
    window = q.request_window(request)
    top = q.Query(
        QueryPurpose.DATABASE_EVENT_COUNTS, search=window, count=q.REACTION_FIELD, limit=1000
    )
    database, response = await client.count_with_response(top)
    recorder.add(top, response)
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
            search=q.reaction_search(row.term, request.since, request.effective_until),
        )
        term_response = await client.total(term_query)
        recorder.add(term_query, term_response, total=term_response.total)
        database.append(TermCount(term=row.term, count=term_response.total))
    return database, without


def _fallback_names(request: CerRequest, product: ProductIdentification) -> list[str]:
    names = [*product.brand_names[:3], *product.generic_names[:3]]
    if request.scope is not DrugScope.NDC and request.searched not in names:
        names.insert(0, request.searched)
    return names


async def _fallback(
    client: OpenFdaClient, recorder: QueryRecorder, names: Sequence[str]
) -> FallbackQuery | None:
    if not names:
        return None
    search = q.fallback_search(names)
    query = q.Query(QueryPurpose.FALLBACK, search=search)
    response = await client.total(query)
    recorder.add(query, response, total=response.total)
    return FallbackQuery(
        reason=FALLBACK_REASON, search=search, url=query.url(client.base_url), total=response.total
    )


def _notices(
    request: CerRequest, tally: ProjectionTally, product: ProductIdentification
) -> list[str]:
    notices = []
    what = {DrugScope.NDC: "the NDC", DrugScope.INGREDIENT: "the ingredient"}.get(
        request.scope, "the brand"
    )
    if tally.dropped_ndc_mismatch:
        notices.append(
            f"{tally.dropped_ndc_mismatch} report(s) returned by openFDA did not list {what} "
            "on a harmonised drug entry and were dropped."
        )
    if tally.missing_openfda:
        notices.append(
            f"{tally.missing_openfda} report(s) had no openFDA harmonised drug block; the "
            "product could not be verified and they were dropped."
        )
    labelers = len(product.manufacturer_names)
    listed = len(product.listed_product_ndcs)
    if request.scope is DrugScope.NDC and (listed > len(request.product_ndcs) or labelers > 1):
        notices.append(
            f"openFDA harmonises a drug entry by name and attaches every product of that name: "
            f"the matched entries list {listed} product NDCs from {labelers} labeler(s), so an "
            "NDC search cannot tell this product's reports from theirs. This is in effect a "
            "report on "
            + (", ".join(product.generic_names[:3]).lower() or "the ingredient")
            + "; the products and labelers covered are listed in the appendix."
        )
    return notices


async def fetch_cer_dataset(
    request: CerRequest, client: OpenFdaClient, limits: FetchLimits, *, retrieved_at: datetime
) -> CerDataset:
    """Everything the analyzer needs about one drug scope, with the cases inline.

    Raises :class:`~services.ingestor.openfda.client.OpenFdaError` when openFDA fails; a scope
    with no matching report gives an empty dataset (a nil report), not an error.
    """
    recorder = QueryRecorder(client.base_url)
    search = q.scope_search(request)
    probe_query = q.Query(QueryPurpose.PRODUCT_REPORTS, search=search, limit=1)
    probe = await client.probe(probe_query)
    matched = probe.total

    tally = ProjectionTally(scope=ScopeMatcher.for_request(request))
    if matched:
        reports_query = q.Query(
            QueryPurpose.PRODUCT_REPORTS,
            search=search,
            sort="receivedate:desc",
            limit=min(limits.page_size, limits.max_reports),
        )
        pages = await page_through(client, reports_query, tally, max_reports=limits.max_reports)
        recorder.add(reports_query, probe, pages=pages, total=matched)
    else:
        recorder.add(probe_query, probe, total=0)
    product = tally.product(request)
    window = q.request_window(request)

    total_query = q.Query(QueryPurpose.DATABASE_TOTAL, search=window)
    database_total = await client.total(total_query)
    recorder.add(total_query, database_total, total=database_total.total)
    product_counts: list[TermCount] = []
    database_counts: list[TermCount] = []
    without: list[str] = []
    background = None
    if tally.cases:
        product_counts_query = q.Query(
            QueryPurpose.PRODUCT_EVENT_COUNTS, search=search, count=q.REACTION_FIELD, limit=1000
        )
        product_counts, counts_response = await client.count_with_response(product_counts_query)
        recorder.add(product_counts_query, counts_response)
        database_counts, without = await _background_counts(
            client, recorder, request, product_counts, limits.max_term_queries
        )
        background = await fetch_background(
            client, recorder, window, database_counts, limits.background_products
        )
    fallback = await _fallback(client, recorder, _fallback_names(request, product))
    return CerDataset(
        request=request,
        source=source_of(client, probe if probe.meta else database_total, retrieved_at),
        product=product,
        queries=tuple(recorder.records),
        matched_total=matched,
        fetched=tally.processed,
        fetch_cap=limits.max_reports,
        truncated=matched > tally.processed,
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
        notices=tuple(_notices(request, tally, product)),
        background=background,
    )
