"""One WebSocket subscriber: authenticate, catch up from the audit trail, then stream live.

Subscribed to the hub before the database is read, so nothing between the read and the live
stream is missed; anything seen twice is dropped by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import WebSocket, WebSocketDisconnect

from services.notifier.dedup import SeenEvents
from services.notifier.hub import Subscription
from services.notifier.state import NotifierState
from shared.auth import Principal
from shared.events import ReportKind, ReportStatus, StatusNotification

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_SLOW = 4408


async def serve_subscriber(
    websocket: WebSocket,
    state: NotifierState,
    report_id: UUID,
    token: str | None,
    last_event_id: int | None,
) -> None:
    principal = await _accept(websocket, state, token)
    if principal is None:
        return
    async with state.pool.acquire() as conn:
        report = await _report(conn, report_id, principal.tenant_id)
    if report is None:
        await _refuse(websocket, CLOSE_NOT_FOUND, "not_found", "No such report.")
        return
    subscription = state.hub.subscribe(report_id)
    try:
        await _stream(websocket, state, subscription, report, last_event_id)
    except WebSocketDisconnect:
        pass
    finally:
        state.hub.unsubscribe(subscription)


async def _accept(
    websocket: WebSocket, state: NotifierState, token: str | None
) -> Principal | None:
    """Accept the socket and authenticate its key; refuse (4401) and return None when it fails."""
    await websocket.accept()
    principal = await state.authenticate(token) if token else None
    if principal is None:
        await _refuse(
            websocket,
            CLOSE_UNAUTHENTICATED,
            "unauthenticated",
            "Pass a valid API key as ?token=<key>.",
        )
    return principal


async def _refuse(websocket: WebSocket, code: int, error: str, message: str) -> None:
    await websocket.send_json({"type": "error", "code": error, "message": message})
    await websocket.close(code=code, reason=error)


async def _report(conn: Any, report_id: UUID, tenant_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT id, tenant_id, kind, status, progress_percent, current_step, updated_at,
                  error_message, error_details, result, event_seq
           FROM reports WHERE id = $1 AND tenant_id = $2""",
        report_id,
        tenant_id,
    )
    return row


def _snapshot(report: asyncpg.Record) -> StatusNotification:
    status = ReportStatus(report["status"])
    return StatusNotification(
        event_id=report["event_seq"],
        report_id=report["id"],
        tenant_id=report["tenant_id"],
        kind=ReportKind(report["kind"]),
        status=status,
        progress_percent=report["progress_percent"],
        current_step=report["current_step"],
        outcome="snapshot",
        at=report["updated_at"],
        error=(
            {"message": report["error_message"], **(report["error_details"] or {})}
            if status is ReportStatus.FAILED
            else None
        ),
        result=report["result"] if status is ReportStatus.COMPLETE else None,
    )


async def _missed_events(conn: Any, report: asyncpg.Record, after: int) -> list[StatusNotification]:
    rows = await conn.fetch(
        """SELECT seq, at, step, outcome, status, progress_percent, message
           FROM report_events WHERE report_id = $1 AND seq > $2 ORDER BY seq""",
        report["id"],
        after,
    )
    final_seq = report["event_seq"]
    events = []
    for row in rows:
        status = ReportStatus(row["status"])
        last = row["seq"] == final_seq
        events.append(
            StatusNotification(
                event_id=row["seq"],
                report_id=report["id"],
                tenant_id=report["tenant_id"],
                kind=ReportKind(report["kind"]),
                status=status,
                progress_percent=row["progress_percent"],
                current_step=row["step"],
                outcome=row["outcome"],
                message=row["message"],
                at=row["at"],
                error=(
                    {"message": report["error_message"], **(report["error_details"] or {})}
                    if last and status is ReportStatus.FAILED
                    else None
                ),
                result=report["result"] if last and status is ReportStatus.COMPLETE else None,
            )
        )
    return events


async def _send(websocket: WebSocket, kind: str, note: StatusNotification) -> None:
    await websocket.send_text(f'{{"type":"{kind}",{note.model_dump_json()[1:]}')


async def _stream(
    websocket: WebSocket,
    state: NotifierState,
    subscription: Subscription,
    report: asyncpg.Record,
    last_event_id: int | None,
) -> None:
    # Subscribed before reading the database, so nothing between the read and the live stream
    # is missed; duplicates are dropped by event id.
    async with state.pool.acquire() as conn:
        report = await _report(conn, report["id"], report["tenant_id"]) or report
        if last_event_id is not None:
            backlog = await _missed_events(conn, report, last_event_id)
        else:
            backlog = [_snapshot(report)]
    sent = last_event_id or 0
    for note in backlog:
        await _send(websocket, "event" if last_event_id is not None else "snapshot", note)
        sent = max(sent, note.event_id)
    if ReportStatus(report["status"]).is_final and sent >= report["event_seq"]:
        await websocket.close(code=1000)
        return
    last = sent

    async def deliver(note: StatusNotification) -> bool:
        nonlocal last
        if note.event_id <= last:
            return True  # already sent (from the backlog, or a duplicate)
        await _send(websocket, "event", note)
        last = note.event_id
        return not note.status.is_final

    await _pump(websocket, subscription, deliver)


async def _pump(
    websocket: WebSocket,
    subscription: Subscription,
    deliver: Callable[[StatusNotification], Awaitable[bool]],
) -> None:
    """Hand live notifications to ``deliver`` until it returns False (close 1000), the client
    leaves, or the client falls too far behind (close 4408: it resumes from its last event id)."""
    disconnected = asyncio.create_task(_wait_disconnect(websocket))
    overflow = asyncio.create_task(subscription.overflowed.wait())
    try:
        while True:
            getter = asyncio.create_task(subscription.queue.get())
            done, _ = await asyncio.wait(
                {getter, disconnected, overflow}, return_when=asyncio.FIRST_COMPLETED
            )
            if getter not in done:
                getter.cancel()
                if overflow in done:
                    await websocket.close(code=CLOSE_TOO_SLOW, reason="too slow; resume")
                return
            if not await deliver(getter.result()):
                await websocket.close(code=1000)
                return
    finally:
        for task in (disconnected, overflow):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def serve_feed(
    websocket: WebSocket, state: NotifierState, token: str | None, kind: ReportKind | None
) -> None:
    """Every event of every report of the caller's tenant (optionally of one kind), live.

    How a client hears about reports it did not submit itself, such as the scheduler's CER
    refreshes and the signals they find new or gone. Live only: to catch up on one report,
    open its own socket with ``last_event_id``.
    """
    principal = await _accept(websocket, state, token)
    if principal is None:
        return
    subscription = state.hub.subscribe(principal.tenant_id)
    seen = SeenEvents()

    async def deliver(note: StatusNotification) -> bool:
        if (kind is None or note.kind is kind) and seen.first_time(note):
            await _send(websocket, "event", note)
        return True

    try:
        await _pump(websocket, subscription, deliver)
    except WebSocketDisconnect:
        pass
    finally:
        state.hub.unsubscribe(subscription)


async def _wait_disconnect(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
