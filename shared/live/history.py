"""What a subscriber missed, read from PostgreSQL: a report's audit trail, the tenant's feed log,
or a snapshot of the current state when the gap cannot be filled.

A backlog is capped (``max_backlog`` events); a subscriber further behind, or one whose events
were pruned, gets a snapshot marked ``"type": "snapshot"`` with ``"recovered": false`` instead.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.db import channels as channel_log
from shared.events import ReportStatus
from shared.events.notification import ALERT_OUTCOME
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.hub import Backlog
from shared.live.messages import LiveMessage, feed_event, report_event

_REPORT = """SELECT id, tenant_id, kind, status, progress_percent, current_step, updated_at,
                    error_message, error_details, result, event_seq
             FROM reports WHERE id = $1"""

SNAPSHOT_REPORTS = 100
"""How many of the tenant's reports a tenant snapshot lists (those updated most recently)."""


def _error(report: asyncpg.Record) -> dict[str, Any]:
    return {"message": report["error_message"], **(report["error_details"] or {})}


def report_state(report: asyncpg.Record) -> dict[str, Any]:
    """A report's current state in the shape of its events."""
    status = ReportStatus(report["status"])
    return {
        "event_id": report["event_seq"],
        "report_id": str(report["id"]),
        "tenant_id": str(report["tenant_id"]),
        "kind": report["kind"],
        "status": status.value,
        "progress_percent": report["progress_percent"],
        "current_step": report["current_step"],
        "outcome": "snapshot",
        "message": None,
        "at": report["updated_at"].isoformat(),
        "error": _error(report) if status is ReportStatus.FAILED else None,
        "result": report["result"] if status is ReportStatus.COMPLETE else None,
    }


class PgHistory:
    """:class:`shared.live.hub.History` over the clinrelay database."""

    def __init__(self, pool: asyncpg.Pool, *, max_backlog: int = 1000) -> None:
        self._pool = pool
        self._max_backlog = max_backlog

    async def owned_by(self, key: ChannelKey, tenant_id: UUID) -> bool:
        """Whether the channel is the tenant's (another tenant's report is as good as absent)."""
        if key.kind is ChannelKind.TENANT:
            return key.id == tenant_id
        if key.kind is ChannelKind.REPORT:
            found = await self._pool.fetchval(
                "SELECT 1 FROM reports WHERE id = $1 AND tenant_id = $2", key.id, tenant_id
            )
            return found is not None
        found = await self._pool.fetchval(
            "SELECT 1 FROM batches WHERE id = $1 AND tenant_id = $2", key.id, tenant_id
        )
        return found is not None

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        async with self._pool.acquire() as conn:
            if key.kind is ChannelKind.REPORT:
                return await self._report_backlog(conn, key, since)
            if key.kind is ChannelKind.BATCH:
                return await self._batch_backlog(conn, key, since)
            return await self._feed_backlog(conn, key, since)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage] | None:
        async with self._pool.acquire() as conn:
            if key.kind is ChannelKind.BATCH:
                return None  # each batch event holds the whole state: the next one suffices
            if key.kind is ChannelKind.REPORT:
                report = await conn.fetchrow(_REPORT, key.id)
                if report is None:
                    return None
                return await self._report_events(conn, key, report, after, before - after - 1)
            logged = await channel_log.events_after(
                conn, key.log_name, after, limit=before - after - 1
            )
            if logged is None:
                return None
            return [feed_event(key, e.seq, e.body) for e in logged]

    async def _batch_backlog(self, conn: Any, key: ChannelKey, since: int | None) -> Backlog:
        """A batch's events each carry its whole state (counts, progress), so what was missed
        is the current state: a snapshot."""
        state = await conn.fetchval(
            """SELECT convert_from(batch_notification(b, NULL, NULL), 'UTF8')::jsonb
               FROM batches b WHERE id = $1""",
            key.id,
        )
        if state is None:
            return Backlog([], 0, recovered=False)
        head = int(state["event_id"])
        if since is not None and since == head:
            return Backlog([], head)
        snapshot = LiveMessage("snapshot", key, head, state, final=state["status"] == "COMPLETE")
        return Backlog([snapshot], head, recovered=since is None)

    async def _report_backlog(self, conn: Any, key: ChannelKey, since: int | None) -> Backlog:
        report = await conn.fetchrow(_REPORT, key.id)
        if report is None:
            return Backlog([], 0, recovered=False)
        head = report["event_seq"]
        snapshot = report_event(key, head, report_state(report), type="snapshot")
        if since is None:
            return Backlog([snapshot], head)
        if since > head or head - since > self._max_backlog:
            return Backlog([snapshot], head, recovered=False)
        return Backlog(await self._report_events(conn, key, report, since, head - since), head)

    async def _report_events(
        self, conn: Any, key: ChannelKey, report: asyncpg.Record, after: int, limit: int
    ) -> list[LiveMessage]:
        rows = await conn.fetch(
            """SELECT seq, at, step, outcome, status, progress_percent, message, details
               FROM report_events WHERE report_id = $1 AND seq > $2 ORDER BY seq LIMIT $3""",
            key.id,
            after,
            max(limit, 0),
        )
        final_seq = report["event_seq"]
        messages = []
        for row in rows:
            status = ReportStatus(row["status"])
            last = row["seq"] == final_seq
            fields = {
                "event_id": row["seq"],
                "report_id": str(report["id"]),
                "tenant_id": str(report["tenant_id"]),
                "kind": report["kind"],
                "status": status.value,
                "progress_percent": row["progress_percent"],
                "current_step": row["step"],
                "outcome": row["outcome"],
                "message": row["message"],
                "at": row["at"].isoformat(),
                "error": _error(report) if last and status is ReportStatus.FAILED else None,
                "result": report["result"] if last and status is ReportStatus.COMPLETE else None,
                "alert": row["details"] if row["outcome"] == ALERT_OUTCOME else None,
            }
            messages.append(report_event(key, row["seq"], fields))
        return messages

    async def _feed_backlog(self, conn: Any, key: ChannelKey, since: int | None) -> Backlog:
        head = await channel_log.head(conn, key.log_name)
        if since is None:
            return Backlog([], head)
        if since <= head and head - since <= self._max_backlog:
            logged = await channel_log.events_after(
                conn, key.log_name, since, limit=self._max_backlog
            )
            if logged is not None and (not logged or logged[-1].seq >= head):
                return Backlog([feed_event(key, e.seq, e.body) for e in logged], head)
        return Backlog([await self._feed_snapshot(conn, key, head)], head, recovered=False)

    async def _feed_snapshot(self, conn: Any, key: ChannelKey, head: int) -> LiveMessage:
        if key.kind is ChannelKind.TENANT:
            rows = await conn.fetch(
                f"""SELECT * FROM ({_REPORT.replace("WHERE id = $1", "WHERE tenant_id = $1")}
                        ORDER BY updated_at DESC LIMIT {SNAPSHOT_REPORTS}) recent""",
                key.id,
            )
        else:
            rows = []
        return LiveMessage(
            "snapshot", key, head, {"recovered": False, "reports": [report_state(r) for r in rows]}
        )
