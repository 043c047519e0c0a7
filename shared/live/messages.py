"""A message for one channel, encoded once and shared by every subscriber of that channel.

The JSON is built when the message is made; the WebSocket frame and the Server-Sent Events chunk
are built the first time a subscriber of that transport needs them and then reused, so fan-out
to N subscribers costs N writes of the same bytes, not N serialisations.
"""

from __future__ import annotations

from typing import Any

import orjson
from websockets.frames import Frame, Opcode

from shared.events import StatusNotification
from shared.live.channels import ChannelKey


def ws_text_frame(payload: bytes) -> bytes:
    """An unmasked, uncompressed WebSocket text frame (what a server sends)."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


class LiveMessage:
    """``{"type", "channel", "seq", ...fields}`` as bytes, with its transport encodings cached."""

    __slots__ = ("_frame", "_sse", "final", "kind", "numbered", "payload", "seq", "type")

    def __init__(
        self,
        type: str,
        channel: ChannelKey | None,
        seq: int,
        fields: dict[str, Any],
        *,
        final: bool = False,
    ) -> None:
        self.type = type
        self.seq = seq
        self.final = final
        """The last event its report will have (COMPLETE or FAILED)."""
        self.kind: str | None = fields.get("kind")
        """The report kind of a report's event (for subscribers that want one kind only)."""
        self.numbered = channel is not None
        head: dict[str, Any] = {"type": type}
        if channel is not None:
            head["channel"] = channel.public_name
            head["seq"] = seq
        self.payload = orjson.dumps({**head, **fields})
        self._frame: bytes | None = None
        self._sse: bytes | None = None

    @property
    def ws_frame(self) -> bytes:
        if self._frame is None:
            self._frame = ws_text_frame(self.payload)
        return self._frame

    @property
    def sse_chunk(self) -> bytes:
        if self._sse is None:
            # Only numbered events carry an id: EventSource resends the last one it saw.
            head = b"id: %d\n" % self.seq if self.numbered else b""
            self._sse = head + b"event: %s\ndata: %s\n\n" % (self.type.encode(), self.payload)
        return self._sse


def report_event(
    channel: ChannelKey, seq: int, fields: dict[str, Any], *, type: str = "event"
) -> LiveMessage:
    """A report's event (or snapshot) on ``channel`` under that channel's number ``seq``."""
    return LiveMessage(
        type, channel, seq, fields, final=fields.get("status") in ("COMPLETE", "FAILED")
    )


def feed_event(channel: ChannelKey, seq: int, body: dict[str, Any]) -> LiveMessage:
    """A logged feed event as sent: a batch's change (``"type": "batch"``) or a report's event."""
    if "counts" in body and "batch_id" in body:
        return LiveMessage("batch", channel, seq, body, final=body.get("status") == "COMPLETE")
    return report_event(channel, seq, body)


def notification_fields(note: StatusNotification) -> dict[str, Any]:
    return note.model_dump(mode="json")


def control(type: str, **fields: Any) -> LiveMessage:
    """A message about the connection or a subscription (subscribed, error, heartbeat...)."""
    return LiveMessage(type, None, 0, fields)
