"""Queue depth and consumers of every stage's queues, read from the broker in the background.

A scrape or a status request never waits for RabbitMQ: a task reads the management API
(``GET /api/queues/<vhost>``, one request for all queues, 1 s timeout) every few seconds and the
figures are served from that cache with their age. The management API counts ready *and*
unacknowledged messages, which is what autoscaling and alerts need (KEDA's QueueLength mode
reads the same figure). Where the management plugin is not enabled, the figures come from AMQP
passive declares instead, which know only ready messages and consumers (``source`` says which).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

import httpx
import structlog

from shared.bus.protocol import QueueState
from shared.bus.topology import WORKER_BINDINGS, Topology
from shared.metrics import registry as m

log = structlog.get_logger(__name__)

Source = Literal["management", "amqp", "none"]
MANAGEMENT_RETRY_S = 15.0
PassiveDeclare = Callable[[str], Awaitable[QueueState | None]]


@dataclass(frozen=True)
class QueueFigures:
    """One stage's queues: the work queue, and what waits in its retry tiers and parking queue."""

    queue: str
    messages: int
    ready: int
    unacknowledged: int | None
    consumers: int
    retrying: int = 0
    parked: int = 0


@dataclass
class BrokerSnapshot:
    stages: dict[str, QueueFigures] = field(default_factory=dict)
    source: Source = "none"
    read_at: float | None = None
    """``time.monotonic()`` of the last successful read."""
    error: str | None = None

    def age_s(self) -> float | None:
        return None if self.read_at is None else time.monotonic() - self.read_at


def management_url_for(amqp_url: str, configured: str = "") -> tuple[str, str, tuple[str, str]]:
    """(API base, vhost, credentials): the configured base, else the AMQP host on port 15672."""
    parts = urlsplit(amqp_url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
    base = configured.rstrip("/") or f"http://{parts.hostname or '127.0.0.1'}:15672"
    return base, vhost, auth


def figures_from_management(
    topology: Topology, queues: Iterable[dict[str, object]], workers: Iterable[str]
) -> dict[str, QueueFigures]:
    """Fold the management API's queue list into figures per stage (others' queues ignored)."""
    by_name = {str(q.get("name")): q for q in queues}

    def count(queue: dict[str, object] | None, key: str) -> int:
        value = (queue or {}).get(key)
        return int(value) if isinstance(value, int | float) else 0

    result: dict[str, QueueFigures] = {}
    for stage in workers:
        work = by_name.get(topology.work_queue(stage))
        if work is None:
            continue
        retry_prefix = f"{topology.namespace}.{stage}.retry."
        retrying = sum(
            count(q, "messages") for n, q in by_name.items() if n.startswith(retry_prefix)
        )
        result[stage] = QueueFigures(
            queue=topology.work_queue(stage),
            messages=count(work, "messages"),
            ready=count(work, "messages_ready"),
            unacknowledged=count(work, "messages_unacknowledged"),
            consumers=count(work, "consumers"),
            retrying=retrying,
            parked=count(by_name.get(topology.dead_queue(stage)), "messages"),
        )
    return result


class BrokerStats:
    """Keeps a :class:`BrokerSnapshot` fresh; mirrors it into the ``clinrelay_queue_*`` gauges."""

    def __init__(
        self,
        topology: Topology,
        amqp_url: str,
        *,
        management_url: str = "",
        passive_declare: PassiveDeclare | None = None,
        interval_s: float = 5.0,
        timeout_s: float = 1.0,
        workers: Iterable[str] = tuple(WORKER_BINDINGS),
    ) -> None:
        self.topology = topology
        self.base, self.vhost, auth = management_url_for(amqp_url, management_url)
        self.passive_declare = passive_declare
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.workers = tuple(workers)
        self.snapshot = BrokerSnapshot()
        self._client = httpx.AsyncClient(auth=auth, timeout=timeout_s)
        self._management_ok: bool | None = None
        self._management_again_at = 0.0

    async def refresh(self) -> BrokerSnapshot:
        """Read the broker once (bounded by ``timeout_s`` per source) and publish the figures."""
        try:
            stages, source = await self._read()
        except Exception as exc:
            self.snapshot.error = type(exc).__name__
            m.BROKER_UP.set(0)
            log.warning("broker_stats.read_failed", error=type(exc).__name__)
        else:
            self.snapshot = BrokerSnapshot(stages, source, time.monotonic())
            m.BROKER_UP.set(1)
            self._export(stages)
        age = self.snapshot.age_s()
        if age is not None:
            m.BROKER_AGE.set(age)
        return self.snapshot

    async def run(self) -> None:
        """Refresh every ``interval_s`` until cancelled."""
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def _read(self) -> tuple[dict[str, QueueFigures], Source]:
        if self.passive_declare is None or time.monotonic() >= self._management_again_at:
            try:
                return await self._read_management(), "management"
            except (httpx.HTTPError, ValueError) as exc:
                if self.passive_declare is None:
                    raise
                if self._management_ok is not False:
                    log.info("broker_stats.management_unavailable", error=type(exc).__name__)
                self._management_ok = False
                # A plugin that is off, or a slow answer: AMQP until the management API is tried
                # again, so a broker without the plugin is not asked every few seconds.
                self._management_again_at = time.monotonic() + MANAGEMENT_RETRY_S
        return await self._read_amqp(), "amqp"

    async def _read_management(self) -> dict[str, QueueFigures]:
        columns = "name,messages,messages_ready,messages_unacknowledged,consumers"
        response = await self._client.get(
            f"{self.base}/api/queues/{quote(self.vhost, safe='')}",
            params={
                "columns": columns,
                "name": f"^{self.topology.namespace}\\.",
                "use_regex": "true",
            },
        )
        response.raise_for_status()
        queues = response.json()
        if not isinstance(queues, list):
            raise ValueError("the management API did not answer with a queue list")
        self._management_ok = True
        return figures_from_management(self.topology, queues, self.workers)

    async def _read_amqp(self) -> dict[str, QueueFigures]:
        assert self.passive_declare is not None
        result: dict[str, QueueFigures] = {}
        async with asyncio.timeout(self.timeout_s * 2):
            for stage in self.workers:
                queue = self.topology.work_queue(stage)
                state = await self.passive_declare(queue)
                if state is None:
                    continue
                result[stage] = QueueFigures(
                    queue=queue,
                    messages=state.messages,
                    ready=state.messages,
                    unacknowledged=None,
                    consumers=state.consumers,
                )
        return result

    def _export(self, stages: dict[str, QueueFigures]) -> None:
        for stage, figures in stages.items():
            labels = (stage, figures.queue)
            m.QUEUE_MESSAGES.labels(*labels).set(figures.messages)
            m.QUEUE_READY.labels(*labels).set(figures.ready)
            m.QUEUE_CONSUMERS.labels(*labels).set(figures.consumers)
            if figures.unacknowledged is not None:
                m.QUEUE_UNACKED.labels(*labels).set(figures.unacknowledged)
