"""A record of every openFDA query a report made, for its appendix (never with the API key)."""

from __future__ import annotations

from services.ingestor.openfda.client import OpenFdaResponse
from services.ingestor.openfda.query import Query
from shared.events.openfda import QueryRecord


class QueryRecorder:
    """Collects a :class:`QueryRecord` for every query, in the order they were sent."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.records: list[QueryRecord] = []

    def add(
        self,
        query: Query,
        response: OpenFdaResponse | None,
        *,
        pages: int = 1,
        total: int | None = None,
    ) -> None:
        self.records.append(
            QueryRecord(
                purpose=query.purpose,
                endpoint=query.endpoint,
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
