"""openFDA traffic as metrics: the observer the ingestor's openFDA client reports to."""

from __future__ import annotations

from shared.metrics import registry as m


class OpenFdaMetrics:
    """Counts requests by status class, 429s and cache hits (no URL or query is ever a label)."""

    def request(self, status: int | None) -> None:
        m.OPENFDA_REQUESTS.labels("error" if status is None else f"{status // 100}xx").inc()
        if status == 429:
            m.OPENFDA_THROTTLED.inc()

    def cache_hit(self) -> None:
        m.OPENFDA_CACHE_HITS.inc()
