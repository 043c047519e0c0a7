"""The HTTP client of openFDA's event endpoints (drug and device): limits, retries, cache, paging.

- Every network request first takes a token from the shared rate limiter.
- 429 and 5xx (and connection failures) are retried with exponential back-off and full jitter,
  honouring ``Retry-After``; 404 ``NOT_FOUND`` is openFDA's way to say "zero matches".
- Responses are cached by URL; an entry is used only if it belongs to the data release the client
  last saw live (``meta.last_updated``), so :meth:`OpenFdaClient.probe` is always sent live.
- Paging follows the ``Link: <…>; rel="next"`` header (``search_after``), which has no 25,000
  ceiling, up to a cap on records.
The API key is added to each request and never appears in a cache key, a log or a report.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
import structlog

from services.ingestor.openfda.cache import CachedResponse, ResponseCache
from services.ingestor.openfda.query import Query, cache_key
from services.ingestor.openfda.ratelimit import RateLimiter
from shared.events.cer import TermCount

log = structlog.get_logger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


class OpenFdaObserver(Protocol):
    """Told of every network request (its HTTP status, None when no answer came) and of every
    answer served from the cache: how the service exports openFDA traffic as metrics."""

    def request(self, status: int | None) -> None: ...

    def cache_hit(self) -> None: ...


class OpenFdaError(Exception):
    """openFDA could not answer. ``permanent`` errors (a refused query or key) are not retried;
    the others mean openFDA is unavailable now and the report may be tried again later."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class OpenFdaResponse:
    url: str
    status: int
    body: dict[str, Any]
    next_url: str | None
    from_cache: bool

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def meta(self) -> dict[str, Any]:
        meta = self.body.get("meta")
        return meta if isinstance(meta, dict) else {}

    @property
    def last_updated(self) -> date | None:
        return parse_last_updated(self.meta.get("last_updated"))

    @property
    def total(self) -> int:
        """``meta.results.total``; 0 for NOT_FOUND."""
        results = self.meta.get("results")
        total = results.get("total") if isinstance(results, dict) else None
        return int(total) if isinstance(total, int) else 0

    @property
    def results(self) -> list[dict[str, Any]]:
        results = self.body.get("results")
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


def parse_last_updated(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header."""
    match = _LINK_NEXT.search(header or "")
    return match.group(1) if match else None


def _without_api_key(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_text(body: bytes) -> str:
    try:
        error = orjson.loads(body).get("error", {})
        return f"{error.get('code', 'ERROR')}: {error.get('message', '')}".strip()
    except (orjson.JSONDecodeError, AttributeError):
        return body[:200].decode("utf-8", "replace")


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def delay(self, attempt: int, rng: random.Random, retry_after: str | None) -> float:
        """Full-jitter exponential back-off for retry ``attempt`` (1-based); ``Retry-After``
        (seconds) is a floor."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        delay = rng.uniform(0, ceiling)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), self.max_delay_s))
        return delay


class OpenFdaClient:
    """Queries openFDA at ``base_url`` (the real API or a fixture server); each query names its
    endpoint (drug/event or device/event)."""

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.AsyncClient,
        limiter: RateLimiter,
        cache: ResponseCache | None = None,
        cache_ttl_s: float = 86_400.0,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        observer: OpenFdaObserver | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._observer = observer
        self._http = http
        self._limiter = limiter
        self._cache = cache
        self._ttl = cache_ttl_s
        self._api_key = api_key
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.last_updated: date | None = None
        """The data release seen in the last live response."""
        self.network_requests = 0

    def _local(self, url: str) -> str:
        """A URL from a Link header, re-rooted at our base URL (a proxy or fixture may sit in
        front of openFDA) and stripped of any API key."""
        parts = urlsplit(_without_api_key(url))
        base = urlsplit(self.base_url)
        path = parts.path
        if base.path and not path.startswith(base.path):
            path = base.path + path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))

    async def _send(self, url: str) -> httpx.Response:
        if self._api_key:
            separator = "&" if urlsplit(url).query else "?"
            url = f"{url}{separator}{urlencode({'api_key': self._api_key})}"
        attempt = 0
        while True:
            await self._limiter.acquire()
            self.network_requests += 1
            try:
                response = await self._http.get(url)
            except httpx.TransportError as exc:
                problem, retry_after = f"{type(exc).__name__}", None
                if self._observer is not None:
                    self._observer.request(None)
            else:
                if self._observer is not None:
                    self._observer.request(response.status_code)
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code} {_error_text(response.content)}"
                retry_after = response.headers.get("retry-after")
            attempt += 1
            if attempt > self._retry.max_retries:
                raise OpenFdaError(
                    f"openFDA did not answer after {attempt} attempts (last: {problem})",
                    permanent=False,
                )
            delay = self._retry.delay(attempt, self._rng, retry_after)
            log.warning("openfda.retry", attempt=attempt, problem=problem, delay_s=round(delay, 2))
            await self._sleep(delay)

    def _decode(self, url: str, status: int, body: bytes) -> dict[str, Any]:
        if status == 404:
            if b"NOT_FOUND" in body:
                return {}
            raise OpenFdaError(f"openFDA has no endpoint at {url}", status=404, permanent=True)
        if status in (401, 403):
            raise OpenFdaError(
                f"openFDA refused the request (HTTP {status}): check CLINRELAY_OPENFDA_API_KEY",
                status=status,
                permanent=True,
            )
        if status != 200:
            raise OpenFdaError(
                f"openFDA rejected the query (HTTP {status} {_error_text(body)})",
                status=status,
                permanent=400 <= status < 500,
            )
        try:
            decoded = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise OpenFdaError("openFDA answered with invalid JSON", permanent=False) from exc
        if not isinstance(decoded, dict):
            raise OpenFdaError("openFDA answered with unexpected JSON", permanent=False)
        return decoded

    async def fetch(self, url: str, *, use_cache: bool = True) -> OpenFdaResponse:
        """One request (``url`` without API key), from the cache when allowed and fresh."""
        key = cache_key(url)
        if use_cache and self._cache is not None:
            cached = await self._cache.get(key, last_updated=self.last_updated, ttl_s=self._ttl)
            if cached is not None:
                if self._observer is not None:
                    self._observer.cache_hit()
                body = self._decode(url, cached.status, cached.body)
                return OpenFdaResponse(url, cached.status, body, cached.next_url, True)
        response = await self._send(url)
        body = self._decode(url, response.status_code, response.content)
        link = next_link(response.headers.get("link"))
        result = OpenFdaResponse(
            url, response.status_code, body, self._local(link) if link else None, False
        )
        if result.last_updated is not None:
            self.last_updated = result.last_updated
        if self._cache is not None:
            await self._cache.put(
                key,
                url,
                CachedResponse(
                    status=result.status,
                    body=response.content,
                    next_url=result.next_url,
                    last_updated=result.last_updated or self.last_updated,
                ),
            )
        return result

    async def probe(self, query: Query) -> OpenFdaResponse:
        """Send ``query`` live (never from the cache), learning the current data release; cached
        answers of other releases are purged."""
        previous = self.last_updated
        response = await self.fetch(query.url(self.base_url), use_cache=False)
        if self._cache is not None and self.last_updated and self.last_updated != previous:
            purged = await self._cache.purge_other_releases(self.last_updated)
            if purged:
                log.info(
                    "openfda.cache_invalidated", entries=purged, release=str(self.last_updated)
                )
        return response

    async def pages(self, query: Query, *, max_records: int) -> AsyncIterator[OpenFdaResponse]:
        """The pages of a search, following ``rel="next"`` until no link or ``max_records``."""
        url: str | None = query.url(self.base_url)
        seen = 0
        while url is not None and seen < max_records:
            page = await self.fetch(url)
            yield page
            seen += len(page.results)
            if not page.results:
                return
            url = page.next_url

    async def count(self, query: Query) -> list[TermCount]:
        """The term counts of a ``count=`` query (empty for NOT_FOUND)."""
        counts, _ = await self.count_with_response(query)
        return counts

    async def count_with_response(self, query: Query) -> tuple[list[TermCount], OpenFdaResponse]:
        """The term counts of a ``count=`` query and the response they came in. Date fields
        count by day and answer ``time`` instead of ``term``; both are read."""
        response = await self.fetch(query.url(self.base_url))
        counts = []
        for row in response.results:
            term, value = row.get("term", row.get("time")), row.get("count")
            if isinstance(term, str | int) and isinstance(value, int) and value >= 0:
                counts.append(TermCount(term=str(term), count=value))
        return counts, response

    async def total(self, query: Query) -> OpenFdaResponse:
        """A search sent for its ``meta.results.total`` (0 for NOT_FOUND)."""
        return await self.fetch(query.url(self.base_url))
