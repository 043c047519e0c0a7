"""The message as clinrelay hands it to a broker: a value both the outbox (``shared.db``) and the
bus (``shared.bus``) speak, so neither has to import the other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4


@dataclass(frozen=True)
class OutgoingMessage:
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    content_type: str = "application/json"
    mandatory: bool = True
    """A mandatory message the broker cannot route fails its publish (and stays in the outbox);
    notifications are not mandatory: with no subscriber bound they may go nowhere."""


def message_uuid(value: str | None) -> UUID:
    """A delivery's message id as a UUID; a fresh one when it has none (or not a UUID)."""
    try:
        return UUID(value) if value else uuid4()
    except ValueError:
        return uuid4()
