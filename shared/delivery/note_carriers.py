"""Which broker message carries which outbox rows: a tenant's progress notifications of one
relay batch travel in one message (issue 15).

Since a stage's results are group-committed per tenant (:mod:`shared.delivery.result_group`),
a relay batch holds the progress notifications of several reports of one tenant side by side.
Each was a confirmed publish of its own, as many as the hops themselves. Here the batch's
``report.progress`` rows of one tenant ride on the last one's message, in its
:data:`~shared.events.notification.EARLIER_NOTES_HEADER` header (the header migration 0090 uses
for the notes of one call, which every live hub already passes on first, each note to its own
report's and tenant's channels). A hub that predates the header sees a gap in each channel and
fills it from PostgreSQL, as after any lost message.

What does not change:

- Alerts, final notifications (the outbound worker consumes them) and batch notifications go
  alone, and the progress notes of their tenant that came before them in the batch go out in a
  message just ahead of them: a tenant's feed, and so each report's channel, sees every note in
  the order the outbox holds them.
- A row leaves the outbox only once the message carrying it is confirmed (the relay deletes
  every row of a confirmed carrier and holds back every row of a refused one).
- The audit trail, the feed's log and each notification's bytes: only the number of messages.

A carrier's header is capped (:data:`MAX_NOTES`, :data:`MAX_NOTE_BYTES`) well under the
broker's frame size, which bounds a message's headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from shared.db.outbox import ClaimedRow
from shared.events import routing
from shared.events.notification import EARLIER_NOTES_HEADER
from shared.messages import OutgoingMessage

MAX_NOTES = 64
"""Notes in one carrier at most (its own and those riding on it)."""
MAX_NOTE_BYTES = 48 * 1024
"""Bytes of notes in one carrier at most: RabbitMQ's smallest frame size is 128 kB by default,
and a message's headers travel in one frame."""

_BREAKERS = frozenset(routing.UNROUTED_OK) - {routing.REPORT_PROGRESS}
"""Notifications that travel alone and must find their tenant's earlier notes already sent."""


@dataclass(frozen=True)
class Carrier:
    """One broker message and the outbox rows it carries (one, or a tenant's progress notes)."""

    message: OutgoingMessage
    rows: tuple[ClaimedRow, ...]


@dataclass
class _Open:
    rows: list[ClaimedRow] = field(default_factory=list)
    notes: int = 0
    size: int = 0


def carriers(
    rows: Sequence[ClaimedRow], *, max_notes: int = MAX_NOTES, max_bytes: int = MAX_NOTE_BYTES
) -> list[Carrier]:
    """The messages that publish ``rows`` (a claimed batch, oldest first), in publishing order.

    Every row is in exactly one carrier. ``max_notes`` 1 sends each row alone."""
    sent: list[Carrier] = []
    open_: dict[str, _Open] = {}
    for row in rows:
        key = row.message.routing_key
        if key == routing.REPORT_PROGRESS and max_notes > 1:
            tenant = _tenant(row.message.body)
            if tenant is not None:
                notes, size = _weight(row)
                group = open_.get(tenant)
                if group is not None and (
                    group.notes + notes > max_notes or group.size + size > max_bytes
                ):
                    sent.append(_carrier(open_.pop(tenant).rows))
                    group = None
                if group is None:
                    group = open_[tenant] = _Open()
                group.rows.append(row)
                group.notes += notes
                group.size += size
                continue
        if key in _BREAKERS or key == routing.REPORT_PROGRESS:
            tenant = _tenant(row.message.body) if open_ else None
            # A note whose tenant cannot be read flushes every tenant: order before speed.
            for flushed in [tenant] if tenant is not None else list(open_):
                group = open_.pop(flushed, None)
                if group is not None:
                    sent.append(_carrier(group.rows))
        sent.append(Carrier(row.message, (row,)))
    sent.extend(_carrier(group.rows) for group in open_.values())
    return sent


def _carrier(rows: list[ClaimedRow]) -> Carrier:
    last = rows[-1].message
    if len(rows) == 1:
        return Carrier(last, (rows[0],))
    riders: list[str] = []
    for row in rows[:-1]:
        riders.extend(_riders(row.message))
        riders.append(row.message.body.decode())
    riders.extend(_riders(last))
    headers = {**last.headers, EARLIER_NOTES_HEADER: riders}
    return Carrier(replace(last, headers=headers), tuple(rows))


def _riders(message: OutgoingMessage) -> Iterable[str]:
    """The notes already riding on a row (the earlier notes of its own call, migration 0090)."""
    riders = message.headers.get(EARLIER_NOTES_HEADER)
    if not isinstance(riders, list | tuple):
        return ()
    return [r.decode() if isinstance(r, bytes) else str(r) for r in riders]


def _weight(row: ClaimedRow) -> tuple[int, int]:
    riders = row.message.headers.get(EARLIER_NOTES_HEADER)
    notes, size = 1, len(row.message.body)
    if isinstance(riders, list | tuple):
        notes += len(riders)
        size += sum(len(r) for r in riders)
    return notes, size


def _tenant(body: bytes) -> str | None:
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    tenant = parsed.get("tenant_id") if isinstance(parsed, dict) else None
    return tenant.lower() if isinstance(tenant, str) else None
