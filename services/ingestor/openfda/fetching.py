"""What drug and device ingestion fetch from openFDA the same way: how much (the limits), the
scope's reports paged newest first up to a cap, and where the data came from (the source)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.ingestor.openfda.client import OpenFdaClient, OpenFdaResponse
from services.ingestor.openfda.query import Query
from shared.events.openfda import OpenFdaSource


@dataclass(frozen=True)
class FetchLimits:
    max_reports: int = 5000
    page_size: int = 1000
    max_term_queries: int = 100
    background_products: int = 20


class Tally(Protocol):
    """Checks each returned report and keeps what matches (drug or device projection)."""

    @property
    def processed(self) -> int:
        """Reports looked at so far, kept or not."""
        ...

    def add(self, report: Mapping[str, Any]) -> None: ...


async def page_through(
    client: OpenFdaClient, query: Query, tally: Tally, *, max_reports: int
) -> int:
    """Hand the search's reports to ``tally`` until ``max_reports`` were looked at; how many
    pages were read."""
    pages = 0
    async for page in client.pages(query, max_records=max_reports):
        pages += 1
        for report in page.results:
            if tally.processed >= max_reports:
                break
            tally.add(report)
    return pages


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def source_of(
    client: OpenFdaClient,
    response: OpenFdaResponse,
    retrieved_at: datetime,
    *,
    endpoint: str | None = None,
) -> OpenFdaSource:
    """The data release, disclaimer and licence a response states (``endpoint``: not drugs)."""
    where = {"endpoint": endpoint} if endpoint is not None else {}
    return OpenFdaSource(
        base_url=client.base_url,
        meta_last_updated=response.last_updated or client.last_updated,
        retrieved_at=retrieved_at,
        disclaimer=_text(response.meta.get("disclaimer")),
        license=_text(response.meta.get("license")),
        **where,
    )
