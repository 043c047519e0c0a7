"""Fan-out of status notifications to the WebSocket subscribers of this replica.

Each notifier replica receives every notification (its own queue is bound to the notification
routing keys) and hands it to the subscribers of that report. A subscriber that cannot keep up is
dropped rather than allowed to grow memory without bound; it reconnects and resumes from the last
event id it saw.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from uuid import UUID

from shared.events import StatusNotification


class Subscription:
    """One socket's interest: a report id, or a tenant id for the tenant's whole feed."""

    def __init__(self, topic: UUID, capacity: int) -> None:
        self.topic = topic
        self.queue: asyncio.Queue[StatusNotification] = asyncio.Queue(maxsize=capacity)
        self.overflowed = asyncio.Event()

    def offer(self, note: StatusNotification) -> None:
        try:
            self.queue.put_nowait(note)
        except asyncio.QueueFull:
            self.overflowed.set()


class Hub:
    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._subscriptions: dict[UUID, set[Subscription]] = defaultdict(set)
        self.delivered = 0

    def subscribe(self, topic: UUID) -> Subscription:
        """Subscribe to one report (its id) or to a tenant's every report (the tenant's id)."""
        subscription = Subscription(topic, self._capacity)
        self._subscriptions[topic].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[subscription.topic]

    def publish(self, note: StatusNotification) -> int:
        """Offer the notification to its report's subscribers and its tenant's feed."""
        delivered = 0
        for topic in (note.report_id, note.tenant_id):
            for subscription in self._subscriptions.get(topic, ()):
                subscription.offer(note)
                delivered += 1
        self.delivered += delivered
        return delivered

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscriptions.values())
