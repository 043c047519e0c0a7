"""The queues a deployment declares: the retry path must be at-least-once and stay small."""

from __future__ import annotations

from shared.bus.topology import WORKER_BINDINGS, Topology

TOPOLOGY = Topology("ns", delivery_limit=5, retry_delays_ms=(1000, 5000, 25000))


def test_delay_tiers_are_quorum_queues_that_dead_letter_at_least_once() -> None:
    tiers = [TOPOLOGY.retry_queue(delay) for delay in (1000, 5000, 25000)]
    specs = {spec.name: spec for spec in TOPOLOGY.all_queues()}
    for name in tiers:
        arguments = specs[name].arguments
        assert arguments["x-queue-type"] == "quorum"
        # at-least-once dead-lettering holds the message until the work queue confirmed it;
        # RabbitMQ only allows it with reject-publish overflow
        assert arguments["x-dead-letter-strategy"] == "at-least-once"
        assert arguments["x-overflow"] == "reject-publish"
        assert arguments["x-dead-letter-exchange"] == ""  # back by its routing key: a work queue
        assert "x-dead-letter-routing-key" not in arguments


def test_one_delay_queue_per_tier_shared_by_every_worker() -> None:
    names = [spec.name for spec in TOPOLOGY.all_queues()]
    assert len(names) == len(set(names))
    # a work queue and a parking queue per worker, and one queue per delay tier
    assert len(names) == 2 * len(WORKER_BINDINGS) + 3
    assert [e for e, _ in TOPOLOGY.delay_exchanges()] == [
        "ns.delay.1000ms",
        "ns.delay.5000ms",
        "ns.delay.25000ms",
    ]
    assert TOPOLOGY.retry_queue(5000) == "ns.retry.5000ms"
