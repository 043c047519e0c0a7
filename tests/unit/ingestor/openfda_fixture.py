"""Helpers to point an :class:`OpenFdaClient` at the in-process fixture server (no sockets)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from clinrelay.openfda_fixture.server import FixtureState, create_fixture_app
from services.ingestor.openfda.cache import MemoryResponseCache
from services.ingestor.openfda.client import OpenFdaClient, OpenFdaObserver, RetryPolicy
from services.ingestor.openfda.ratelimit import LocalTokenBucket, openfda_buckets

BASE_URL = "http://openfda.fixture"


@dataclass
class Sleeps:
    """A sleep that records the delays instead of waiting."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class FixtureClient:
    client: OpenFdaClient
    state: FixtureState
    cache: MemoryResponseCache
    sleeps: Sleeps
    http: httpx.AsyncClient


def fixture_client(
    state: FixtureState | None = None,
    *,
    max_retries: int = 3,
    api_key: str | None = None,
    observer: OpenFdaObserver | None = None,
) -> FixtureClient:
    state = state or FixtureState()
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_fixture_app(state)), base_url=BASE_URL
    )
    cache = MemoryResponseCache()
    sleeps = Sleeps()
    client = OpenFdaClient(
        BASE_URL,
        http=http,
        limiter=LocalTokenBucket(openfda_buckets(10_000, 100_000, api_key), sleep=sleeps),
        cache=cache,
        api_key=api_key,
        retry=RetryPolicy(max_retries=max_retries, base_delay_s=1.0, max_delay_s=8.0),
        sleep=sleeps,
        rng=random.Random(7),
        observer=observer,
    )
    return FixtureClient(client, state, cache, sleeps, http)
