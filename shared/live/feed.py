"""Feeding a hub from the bus: each replica's own queue, bound to every notification key."""

from __future__ import annotations

import os
import socket
from uuid import uuid4

import structlog

from shared import telemetry
from shared.bus.protocol import Bus, Handler, IncomingMessage
from shared.bus.topology import Topology
from shared.events import StatusNotification, routing
from shared.events.batch import BatchNotification
from shared.events.notification import EARLIER_NOTES_HEADER
from shared.live.hub import Hub

log = structlog.get_logger(__name__)

TENANT_SEQ_HEADER = "x-clinrelay-tenant-seq"
"""Set on batch notifications by the outbox trigger of migration 0041: their tenant-feed number."""

LIVE_KEYS = (*routing.NOTIFICATIONS, *routing.BATCH_NOTIFICATIONS)


def replica_name(service: str) -> str:
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:6]}"


def hub_handler(hub: Hub, service: str) -> Handler:
    """A bus handler passing report and batch notifications to ``hub``."""
    tracer = telemetry.tracer(f"clinrelay.{service}")

    async def on_notification(message: IncomingMessage) -> None:
        if hub.channel_count == 0:
            # Nobody follows anything here (the gateway under a POST load, usually): the hub
            # would pass this on to no one, so it is neither parsed nor traced (issue 15). A
            # subscriber who joins later reads its backlog from PostgreSQL first, as always.
            await message.ack()
            return
        try:
            with (
                telemetry.continued_from(message.headers),
                tracer.start_as_current_span("notify"),
            ):
                if message.routing_key in routing.BATCH_NOTIFICATIONS:
                    seq = message.headers.get(TENANT_SEQ_HEADER)
                    hub.publish_batch(
                        BatchNotification.model_validate_json(message.body),
                        seq if isinstance(seq, int) else None,
                    )
                else:
                    own = StatusNotification.model_validate_json(message.body)
                    for note in (*earlier_notes(message), own):
                        hub.publish(note)
        except ValueError:  # pydantic's ValidationError is one
            log.warning("live.bad_notification", routing_key=message.routing_key)
        await message.ack()

    return on_notification


def earlier_notes(message: IncomingMessage) -> list[StatusNotification]:
    """The notifications riding on a notification message, before its own (migration 0090)."""
    riders = message.headers.get(EARLIER_NOTES_HEADER)
    if riders is None:
        return []
    if not isinstance(riders, list | tuple):
        raise ValueError(f"{EARLIER_NOTES_HEADER} is not a list")
    return [StatusNotification.model_validate_json(rider) for rider in riders]


async def feed_hub(bus: Bus, topology: Topology, hub: Hub, service: str) -> None:
    """Bind this process's own queue (gone with its connection) and feed ``hub`` from it."""
    await bus.bind_private_queue(
        topology.notifier_queue(replica_name(service)),
        LIVE_KEYS,
        hub_handler(hub, service),
        prefetch=500,
    )
