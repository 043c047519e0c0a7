"""What the rest of clinrelay needs from a message broker, and nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shared.messages import OutgoingMessage, message_uuid

__all__ = [
    "Bus",
    "Handler",
    "IncomingMessage",
    "OutgoingMessage",
    "PrivateBindings",
    "PublishOutcome",
    "QueueState",
    "Refused",
    "Unconfirmed",
    "message_uuid",
]


@dataclass(frozen=True)
class Refused:
    """The broker answered no: it returned the message (no queue bound to its routing key) or
    nacked it. Publishing it again as it is will likely meet the same answer."""

    error_class: str
    """``unroutable`` or ``refused_by_broker``."""
    detail: str


@dataclass(frozen=True)
class Unconfirmed:
    """No answer from the broker (timeout, connection lost): it may or may not have the message."""

    error: str


PublishOutcome = Refused | Unconfirmed | None
"""Per message: None when the broker confirmed it."""


class IncomingMessage(Protocol):
    """A delivery the consumer must settle exactly once: ack, or reject."""

    @property
    def body(self) -> bytes: ...
    @property
    def message_id(self) -> str | None: ...
    @property
    def routing_key(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, Any]: ...
    @property
    def redelivered(self) -> bool: ...
    @property
    def delivery_count(self) -> int:
        """How many times the broker delivered this message before (0 on first delivery)."""
        ...

    async def ack(self) -> None: ...
    async def reject(self, *, requeue: bool) -> None: ...


Handler = Callable[[IncomingMessage], Awaitable[None]]


class PrivateBindings(Protocol):
    """The routing keys of a private queue, bound and unbound as its owner needs them. Each
    call is idempotent; what is bound survives a reconnect."""

    async def bind(self) -> None: ...
    async def unbind(self) -> None: ...


@dataclass(frozen=True)
class QueueState:
    messages: int
    consumers: int


class Bus(Protocol):
    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[PublishOutcome]:
        """Publish to the events exchange; returns, per message, once the broker answered (or
        did not in time) for every one: confirmed (None), refused, or unconfirmed."""
        ...

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        """Publish straight to one queue (retry tiers, parking); returns once confirmed."""
        ...

    async def send_delayed(self, queue: str, delay_ms: int, message: OutgoingMessage) -> None:
        """Deliver ``message`` to ``queue`` after the ``delay_ms`` tier (a retry's back-off);
        returns once the broker confirmed it. At-least-once through broker restarts."""
        ...

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        """Deliver the queue's messages to ``handler``, at most ``prefetch`` unsettled at once."""
        ...

    async def queue_state(self, queue: str) -> QueueState | None:
        """Depth and consumer count of a queue, or None when it does not exist."""
        ...

    async def bind_private_queue(
        self,
        name: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int,
        bound: bool = True,
    ) -> PrivateBindings:
        """Consume a queue that lives as long as this connection, bound to ``routing_keys``
        (``bound=False``: declared and consumed, but bound only once its bindings' ``bind``)."""
        ...

    async def cancel_consumers(self) -> None:
        """Stop receiving new deliveries; those in flight can still be settled."""
        ...

    @property
    def is_connected(self) -> bool: ...

    async def close(self) -> None: ...
