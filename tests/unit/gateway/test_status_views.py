"""The system status figures from the raw counts: rates, percentiles, and what is unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from services.gateway.status_views import stage_status, system_status
from shared.db.outbox import OutboxBacklog
from shared.db.pipeline_figures import StageWindow
from shared.metrics.broker import BrokerSnapshot, QueueFigures

QUEUE = QueueFigures("cr.analyzer.work", 130, 120, 10, 2, retrying=3, parked=1)


def test_failure_rate_counts_retried_and_failed_attempts_over_all_attempts() -> None:
    work = StageWindow(completed=90, failed=2, retried=8, p50_ms=800.0, p95_ms=5e3, p99_ms=9e3)
    status = stage_status(QUEUE, work, oldest_waiting_s=12.3456, dead_letters=1)
    assert status.failure_rate == 0.1
    assert status.throughput_per_minute == 6.0  # 90 in 15 minutes
    assert (status.queue_depth, status.ready, status.in_flight) == (130, 120, 10)
    assert status.processing_time.p95_ms == 5e3
    assert status.oldest_waiting_s == 12.346


def test_no_attempt_and_no_queue_figure_are_unknown_not_zero() -> None:
    idle = StageWindow(0, 0, 0, None, None, None)
    status = stage_status(None, idle, oldest_waiting_s=None, dead_letters=0)
    assert status.failure_rate is None
    assert status.queue_depth is None
    assert status.consumers is None
    assert status.processing_time.p50_ms is None


def test_every_stage_is_listed_even_without_broker_figures() -> None:
    idle = StageWindow(0, 0, 0, None, None, None)
    broker = BrokerSnapshot(error="ConnectError")
    status = system_status(
        datetime(2026, 12, 6, tzinfo=UTC),
        ("ingestor", "analyzer", "renderer"),
        broker,
        {s: idle for s in ("ingestor", "analyzer", "renderer")},
        {},
        OutboxBacklog(rows=4, oldest_age_s=2.5),
        {"renderer": 2},
    )
    assert list(status.stages) == ["ingestor", "analyzer", "renderer"]
    assert status.stages["renderer"].dead_letters == 2
    assert status.broker.source == "none"
    assert status.broker.error == "ConnectError"
    assert status.outbox.rows == 4
