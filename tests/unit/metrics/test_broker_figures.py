"""Folding the management API's queue list into per-stage figures."""

from __future__ import annotations

from shared.bus.topology import Topology
from shared.metrics.broker import figures_from_management, management_url_for

TOPOLOGY = Topology("cr", 5, (1000, 5000))


def test_a_stage_gets_its_work_queue_retry_tiers_and_parking_queue() -> None:
    queues = [
        {"name": "cr.ingestor.work", "messages": 120, "messages_ready": 100,
         "messages_unacknowledged": 20, "consumers": 2},
        {"name": "cr.ingestor.retry.1000ms", "messages": 3},
        {"name": "cr.ingestor.retry.5000ms", "messages": 4},
        {"name": "cr.ingestor.dead", "messages": 1},
        {"name": "cr.analyzer.work", "messages": 0, "messages_ready": 0,
         "messages_unacknowledged": 0, "consumers": 0},
        {"name": "other.ingestor.work", "messages": 999, "consumers": 9},
    ]  # fmt: skip
    figures = figures_from_management(TOPOLOGY, queues, ("ingestor", "analyzer", "renderer"))
    ingestor = figures["ingestor"]
    assert (ingestor.messages, ingestor.ready, ingestor.unacknowledged) == (120, 100, 20)
    assert (ingestor.consumers, ingestor.retrying, ingestor.parked) == (2, 7, 1)
    assert figures["analyzer"].consumers == 0
    assert "renderer" not in figures  # not declared yet: no figure rather than a made-up zero


def test_the_management_url_follows_the_amqp_url() -> None:
    base, vhost, auth = management_url_for("amqp://svc:p%40ss@mq.internal:5672/prod")
    assert (base, vhost, auth) == ("http://mq.internal:15672", "prod", ("svc", "p@ss"))
    base, vhost, _ = management_url_for("amqp://guest:guest@127.0.0.1/", "https://mq:443/")
    assert (base, vhost) == ("https://mq:443", "/")
