"""``/v1/events``: live status as Server-Sent Events, for clients that cannot use WebSockets.

The same channels, messages and sequence numbers as the notifier's socket (shared.live), one
channel per stream: ``?channel=report:ID | batch:ID | tenant``. Each event's SSE ``id`` is its
``seq``, so a browser's EventSource resumes by itself with ``Last-Event-ID`` after a drop, and
gets what it missed from PostgreSQL (or a snapshot marked as such). The key may come as
``?token=`` (EventSource cannot set headers) or as a Bearer header; it is re-checked while the
stream is open, and a revoked key's stream ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.gateway.deps import StateDep
from services.gateway.errors import ApiError, not_found
from shared.auth import Principal
from shared.live.channels import ChannelKind, InvalidChannel, parse_channel
from shared.live.hub import Backlog
from shared.live.messages import LiveMessage, control

router = APIRouter(prefix="/v1/events", tags=["live"])

HEARTBEAT_S = 15.0
MAX_WAITING = 1000
MAX_SEQ = 2**62
REVOKED = "The API key was revoked."


class SseStream:
    """A hub subscriber with a bounded queue: a client further behind is ended (it resumes)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[LiveMessage] = asyncio.Queue(maxsize=MAX_WAITING)
        self.too_slow = False
        self.revoked = False

    def deliver(self, message: LiveMessage) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.lagging()

    def lagging(self) -> None:
        self.too_slow = True
        self.queue = asyncio.Queue()  # drop what waits; the stream ends at its next turn

    def revoke(self) -> None:
        """The key was revoked: the stream ends with an error event at once."""
        self.revoked = True
        self.queue.put_nowait(control("error", code="unauthenticated", message=REVOKED))


async def _principal(request: Request, state: StateDep, token: str | None) -> Principal:
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    key = token or (bearer.strip() if scheme.lower() == "bearer" else "")
    principal = await state.authenticate(key) if key else None
    if principal is None:
        raise ApiError(
            401, "unauthenticated", "Pass a valid API key as ?token=<key> or a Bearer header."
        )
    return principal


def _resume_point(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEQ:
        raise ApiError(422, "invalid_since", "The resume point is a whole number from 0 to 2^62.")
    return value


@router.get(
    "",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        401: {"description": "No key, or an unknown or revoked key"},
        404: {"description": "No such report or batch for this tenant"},
        422: {"description": "Not a channel name, or a bad resume point"},
    },
)
async def stream_events(
    request: Request,
    state: StateDep,
    channel: Annotated[str, Query(max_length=64, description="report:ID, batch:ID or tenant")],
    token: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    """A channel's events as ``text/event-stream``: ``subscribed`` first, then the backlog after
    ``Last-Event-ID`` (or ``since``), then live events; a heartbeat comment every 15 s."""
    principal = await _principal(request, state, token)
    try:
        key = parse_channel(channel, principal.tenant_id)
    except InvalidChannel as exc:
        raise ApiError(422, "invalid_channel", str(exc)) from None
    resume = _resume_point(last_event_id if last_event_id is not None else since)
    if state.hub is None or state.history is None:
        raise ApiError(503, "unavailable", "Live status is not connected yet; retry shortly.")
    if not await state.history.owned_by(key, principal.tenant_id):
        raise not_found(key.kind.value)
    stream = SseStream()

    def acknowledge(backlog: Backlog) -> None:
        stream.deliver(
            control(
                "subscribed", channel=key.public_name, seq=backlog.head, recovered=backlog.recovered
            )
        )

    hub = state.hub
    await hub.subscribe(key, stream, resume, on_backlog=acknowledge)
    token_text = token or request.headers.get("authorization", "").partition(" ")[2].strip()

    key_id = principal.key_id
    stop_watching = state.authenticate.on_revoked(
        lambda revoked: stream.revoke() if revoked == key_id else None
    )

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n"
            last_check = asyncio.get_running_loop().time()
            while not stream.too_slow:
                try:
                    message = await asyncio.wait_for(stream.queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield b": heartbeat\n\n"
                else:
                    yield message.sse_chunk
                    if key.kind is ChannelKind.REPORT and message.final:
                        return
                    if stream.revoked:
                        return
                now = asyncio.get_running_loop().time()
                if now - last_check >= state.settings.auth_cache_s:
                    last_check = now
                    if await state.authenticate(token_text) is None:
                        yield control("error", code="unauthenticated", message=REVOKED).sse_chunk
                        return
        finally:
            stop_watching()
            hub.unsubscribe(key, stream)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
