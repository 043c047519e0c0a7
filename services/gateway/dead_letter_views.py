"""What the ``/v1/admin/dead-letters`` routes take and return (and document in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shared.db.deadletter_search import DeadLetterStats

Stage = Literal["ingestor", "analyzer", "renderer", "relay"]
"""Where a message was parked: a stage, or ``relay`` for an outbox row the broker refused."""
Reason = Literal[
    "attempts_exhausted",
    "permanent_error",
    "delivery_limit",
    "undecodable",
    "unpublishable",
    "unknown_report",
]
ERROR_CLASS_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


def _iso_8601_only(value: Any) -> Any:
    """Refuse what pydantic would otherwise read as a Unix timestamp ("0.5", 1700000000)."""
    text = str(value).strip()
    if isinstance(value, int | float) or text.replace(".", "", 1).lstrip("-").isdigit():
        raise ValueError("give a date-time in ISO 8601 form, such as 2026-01-31T00:00:00Z")
    return value


Moment = Annotated[datetime, BeforeValidator(_iso_8601_only)]
"""A date-time written in ISO 8601 (a bare number is refused, not read as a timestamp)."""


class DeadLetterView(BaseModel):
    id: UUID
    message_id: UUID
    stage: str
    report_id: UUID | None
    tenant_id: UUID | None = Field(description="The tenant of its report (None: no report).")
    routing_key: str
    reason: str = Field(
        description="attempts_exhausted, permanent_error, delivery_limit, undecodable, "
        "unknown_report (an envelope naming a report that does not exist), or unpublishable "
        "(an outbox row the broker kept refusing; stage relay)."
    )
    error_class: str = Field(
        description="What kind of error: timeout, an exception's type (RuntimeError), "
        "stage_error (a failure the stage explained), worker_lost, undecodable, "
        "unknown_report, unroutable or refused_by_broker (relay)."
    )
    error_message: str
    attempts: int
    state: Literal["open", "replayed", "discarded"]
    parked_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None
    discarded_at: datetime | None
    discarded_by: str | None
    discard_reason: str | None
    headers: dict[str, Any]


class Attempt(BaseModel):
    at: datetime
    outcome: Literal["started", "retrying", "failed"]
    attempt: int | None = Field(description="Which attempt failed (None for 'started').")
    error: str | None = Field(description="What the failure said.")


class DeadLetterAction(BaseModel):
    action: Literal["replayed", "discarded"]
    actor: str = Field(description="The role and key prefix that did it.")
    reason: str | None
    at: datetime


class DeadLetterDetail(DeadLetterView):
    envelope: dict[str, Any] | None = Field(
        description="The parked message (de-identified by construction), when it is JSON."
    )
    attempts_history: list[Attempt]
    actions: list[DeadLetterAction]


class DeadLetterPage(BaseModel):
    items: list[DeadLetterView]
    next_cursor: str | None


class Replayed(BaseModel):
    dead_letter_id: UUID
    report_id: UUID | None
    message_id: UUID
    status: Literal["replayed"] = "replayed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReplaySelection(_Strict):
    """Which open dead letters to replay: every filter given must match."""

    stage: Stage | None = None
    reason: Reason | None = None
    error_class: str | None = Field(default=None, pattern=ERROR_CLASS_PATTERN)
    since: Moment | None = Field(default=None, description="Parked at or after.")
    until: Moment | None = Field(default=None, description="Parked before.")
    report_id: UUID | None = None
    tenant_id: UUID | None = Field(default=None, description="Operators only.")
    limit: int = Field(default=100, ge=1, le=500, description="Replay at most this many.")
    dry_run: bool = Field(default=False, description="Only count what would be replayed.")


class ReplayRefusal(BaseModel):
    dead_letter_id: UUID
    message: str


class BulkReplayed(BaseModel):
    dry_run: bool
    matched: int = Field(description="Open dead letters matching, before this request.")
    replayed: list[Replayed] = Field(description="Empty on a dry run.")
    refused: list[ReplayRefusal] = Field(description="Matching ones that cannot be replayed.")
    remaining: int = Field(description="Open dead letters still matching afterwards.")


class Discard(_Strict):
    reason: str = Field(
        min_length=1, max_length=500, description="Why it is closed without a replay (audited)."
    )


class StatsReplays(BaseModel):
    replayed: int
    succeeded: int = Field(description="The report ended COMPLETE after the replay.")
    failed_again: int
    in_progress: int
    success_rate: float | None = Field(
        description="succeeded / (succeeded + failed_again); None before any replay ended."
    )


class DayCount(BaseModel):
    day: str = Field(description="UTC day, YYYY-MM-DD.")
    count: int


class DeadLetterStatsView(BaseModel):
    total: int
    by_state: dict[str, int]
    by_stage: dict[str, int]
    by_error_class: dict[str, int]
    by_day: list[DayCount]
    replays: StatsReplays


def dead_letter_view(row: asyncpg.Record) -> dict[str, Any]:
    """The fields of :class:`DeadLetterView` from a search row."""
    state = "replayed" if row["replayed_at"] else "discarded" if row["discarded_at"] else "open"
    fields = {name: row[name] for name in DeadLetterView.model_fields if name != "state"}
    return {**fields, "state": state}


def attempt_view(row: asyncpg.Record, final_attempts: int) -> Attempt:
    details = row["details"] or {}
    outcome = row["outcome"]
    attempt = details.get("attempt") if outcome == "retrying" else None
    if outcome == "failed":
        attempt = final_attempts
    return Attempt(
        at=row["at"],
        outcome=outcome,
        attempt=attempt if isinstance(attempt, int) else None,
        error=row["message"] if outcome != "started" else None,
    )


def stats_view(stats: DeadLetterStats) -> DeadLetterStatsView:
    ended = stats.replays["succeeded"] + stats.replays["failed_again"]
    return DeadLetterStatsView(
        total=stats.total,
        by_state=stats.by_state,
        by_stage=stats.by_stage,
        by_error_class=stats.by_error_class,
        by_day=[DayCount(day=day, count=n) for day, n in stats.by_day],
        replays=StatsReplays(
            replayed=stats.by_state["replayed"],
            **stats.replays,
            success_rate=round(stats.replays["succeeded"] / ended, 4) if ended else None,
        ),
    )
