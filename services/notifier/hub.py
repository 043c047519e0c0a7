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
    def __init__(self, report_id: UUID, capacity: int) -> None:
        self.report_id = report_id
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

    def subscribe(self, report_id: UUID) -> Subscription:
        subscription = Subscription(report_id, self._capacity)
        self._subscriptions[report_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.report_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[subscription.report_id]

    def publish(self, note: StatusNotification) -> int:
        """Offer the notification to every subscriber of its report; returns how many."""
        subscribers = self._subscriptions.get(note.report_id, ())
        for subscription in subscribers:
            subscription.offer(note)
        self.delivered += len(subscribers)
        return len(subscribers)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscriptions.values())
