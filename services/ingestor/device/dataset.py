"""Fetching what a device safety report needs from openFDA's device/event endpoint (MAUDE).

1. A live probe of the device search (``limit=1``) gives the data release and the number of
   matching reports.
2. The reports are paged (newest first) up to a cap; each is checked to carry the device searched
   (product code, brand or manufacturer on a device entry) and projected without its narrative.
3. A count of the search's reports per day received gives the whole trend, download cap or not.

No matching report is a nil report, not an error.
"""

from __future__ import annotations

from datetime import datetime

from services.ingestor.openfda import device_query as dq
from services.ingestor.openfda import query as q
from services.ingestor.openfda.client import OpenFdaClient
from services.ingestor.openfda.device_projection import DeviceMatcher, DeviceTally
from services.ingestor.openfda.fetching import FetchLimits, page_through, source_of
from services.ingestor.openfda.recorder import QueryRecorder
from shared.events.device import DeviceDataset, DeviceRequest
from shared.events.openfda import QueryPurpose, TermCount


async def fetch_device_dataset(
    request: DeviceRequest, client: OpenFdaClient, limits: FetchLimits, *, retrieved_at: datetime
) -> DeviceDataset:
    """Everything the analyzer needs about one device search, with the cases inline."""
    recorder = QueryRecorder(client.base_url)
    search = dq.device_search(request)
    probe_query = q.Query(
        QueryPurpose.DEVICE_REPORTS, search=search, limit=1, endpoint=q.DEVICE_ENDPOINT
    )
    probe = await client.probe(probe_query)
    matched = probe.total
    tally = DeviceTally(DeviceMatcher.for_request(request))
    daily_counts: list[TermCount] = []
    if matched:
        reports_query = q.Query(
            QueryPurpose.DEVICE_REPORTS,
            search=search,
            sort=f"{dq.DATE_FIELD}:desc",
            limit=min(limits.page_size, limits.max_reports),
            endpoint=q.DEVICE_ENDPOINT,
        )
        pages = await page_through(client, reports_query, tally, max_reports=limits.max_reports)
        recorder.add(reports_query, probe, pages=pages, total=matched)
        daily_query = q.Query(
            QueryPurpose.DEVICE_MONTHLY,
            search=search,
            count=dq.DATE_FIELD,
            limit=q.MAX_LIMIT,
            endpoint=q.DEVICE_ENDPOINT,
        )
        daily_counts, daily = await client.count_with_response(daily_query)
        recorder.add(daily_query, daily)
    else:
        recorder.add(probe_query, probe, total=0)
    notices = []
    if tally.dropped_mismatch:
        notices.append(
            f"{tally.dropped_mismatch} report(s) returned by openFDA did not carry the device "
            "searched on any device entry and were dropped."
        )
    return DeviceDataset(
        request=request,
        source=source_of(client, probe, retrieved_at, endpoint=q.DEVICE_ENDPOINT),
        device=tally.identification(request),
        queries=tuple(recorder.records),
        matched_total=matched,
        fetched=tally.processed,
        fetch_cap=limits.max_reports,
        truncated=matched > tally.processed,
        dropped_mismatch=tally.dropped_mismatch,
        cases=tuple(tally.cases),
        notices=tuple(notices),
        daily_received=tuple(daily_counts),
    )
