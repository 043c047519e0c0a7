"""A stage's steps recorded in one round trip, planned from the report as it was read before the
work (issue 15).

:func:`shared.db.reports.record_step` locks the report, reads where it stands and only then works
out the next audit event (its number, the hash chained to the previous one): two round trips per
step, inside a transaction (BEGIN and COMMIT are two more), with the tenant feed's head row locked
from the first to the COMMIT. The runner already reads the report when it admits a message
(:func:`shared.db.processed_messages.seen_and_head`), so it can plan every step of its result from
that read — "started" when it rides along, alerts, the step itself — with the same pure planning
(:func:`shared.db.reports.plan_step`), and write them with the de-duplication claim, the next
event and the artifacts in one call of ``record_stage_steps`` (migration 0080), which commits on
its own.

The plan holds only while the report is where it was read: the function compares the report's
event number under its lock and, if another step was recorded meanwhile, writes and claims
nothing (:attr:`NotRecorded.MOVED`); the caller then records the steps the old way, under the lock.
A step that ``record_step`` would not record where the report stands (a final report, progress
going back, ``unless_step``) is left out, as ``record_step`` leaves it; when that is the case of
the last step (the stage's own), nothing is sent and the answer is MOVED too, so what follows
from it (no next event) is decided by ``record_step`` itself.

The tenant feed's numbers are the one thing only the database knows (they count every report of
the tenant in commit order): each notification goes as the two halves of its JSON around its
``tenant_seq`` value, which the function splices in, so the outbox and the feed get the bytes
``record_step`` would write.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared.db import outbox
from shared.db.named import NamedQuery
from shared.db.reports import AppliedStep, ReportHead, Step, plan_step, step_applies
from shared.events import StatusNotification

if TYPE_CHECKING:
    from shared.db.pool import Connection


@dataclass(frozen=True)
class TimedStep:
    """A step and when it happened."""

    step: Step
    at: datetime
    unless_step: str | None = None
    """As :func:`~shared.db.reports.record_step`'s: the step is left out when the report's
    current step already is this one (a redelivery's "started")."""


ArtifactRow = tuple[str, str, bytes]
"""An artifact to store with the steps: name, media type, content."""


class NotRecorded(Enum):
    MOVED = "moved"
    """The report is not where the plan started from (another step was recorded since it was
    read), or the last step would not be recorded there: nothing was written or claimed."""
    DUPLICATE = "duplicate"
    """This stage already processed the message: nothing was written."""


@dataclass(frozen=True)
class StepsRecorded:
    notes: tuple[StatusNotification, ...]
    """What subscribers were told, one per recorded step, in order."""
    head: ReportHead
    """Where the report stands after them."""
    duration_s: float | None
    """From the report's creation to its end, when the last step ended it."""


@dataclass(frozen=True)
class StepsPlan:
    applied: tuple[AppliedStep, ...]
    """The steps that apply, in order, each planned from the head the previous one left; their
    notes carry no tenant feed number yet."""
    head: ReportHead


def head_after(head: ReportHead, applied: AppliedStep) -> ReportHead:
    """Where the report stands once ``applied`` is recorded."""
    return replace(
        head,
        status=applied.step.status,
        event_seq=applied.seq,
        event_hash=applied.hash,
        started_at=applied.started_at,
        progress_percent=applied.step.progress_percent or 0,
        current_step=applied.step.step,
    )


def plan_steps(report_id: UUID, head: ReportHead, steps: Sequence[TimedStep]) -> StepsPlan | None:
    """The steps planned one after the other from ``head``, each left out where
    :func:`~shared.db.reports.record_step` would not record it (see :func:`record_steps_at`);
    None when that is the case of the last one."""
    applied: list[AppliedStep] = []
    for i, timed in enumerate(steps):
        if not step_applies(head, timed.step, timed.unless_step):
            if i == len(steps) - 1:
                return None
            continue
        planned = plan_step(report_id, head, timed.step, tenant_seq=0, at=timed.at)
        applied.append(planned)
        head = head_after(head, planned)
    return StepsPlan(tuple(applied), head) if applied else None


def duration_s(head: ReportHead, applied: AppliedStep) -> float | None:
    if applied.completed_at is None:
        return None
    return (applied.completed_at - head.created_at).total_seconds()


_SEQ_A, _SEQ_B = 1111111111111111, 2222222222222222


def note_halves(note: StatusNotification) -> tuple[bytes, bytes]:
    """The notification's JSON (as :func:`shared.db.outbox.notification_row` writes it) before
    and after its ``tenant_seq`` value.

    Serialized twice with two numbers of the same length: the field is where the first has its
    number and the second, everything before it being equal, has the other (a dict inside the
    note holding the same key and number is the same in both, so it is never taken for it)."""
    a = note.model_copy(update={"tenant_seq": _SEQ_A}).model_dump_json().encode()
    b = note.model_copy(update={"tenant_seq": _SEQ_B}).model_dump_json().encode()
    key_a, key_b = b'"tenant_seq":%d' % _SEQ_A, b'"tenant_seq":%d' % _SEQ_B
    at = a.find(key_a)
    while at >= 0 and b[at : at + len(key_b)] != key_b:
        at = a.find(key_a, at + 1)
    if at < 0:
        raise ValueError("a notification without its tenant_seq field")
    cut = at + len(b'"tenant_seq":')
    return a[:cut], a[cut + len(str(_SEQ_A)) :]


@dataclass(frozen=True)
class _Params:
    """Everything ``record_stage_steps`` takes (migration 0080), by name."""

    report_id: UUID
    expected_seq: int
    claim_message: UUID | None
    claim_stage: str | None
    seqs: list[int]
    ats: list[datetime]
    actors: list[str]
    steps: list[str]
    outcomes: list[str]
    statuses: list[str]
    progress: list[int]
    messages: list[str | None]
    details: list[dict[str, Any]]
    prev_hashes: list[bytes | None]
    hashes: list[bytes]
    note_ids: list[UUID]
    note_keys: list[str]
    note_heads: list[bytes]
    note_tails: list[bytes]
    note_headers: list[dict[str, Any]]
    status: str
    progress_percent: int
    current_step: str
    started_at: datetime | None
    completed_at: datetime | None
    processing_time_ms: int | None
    error_message: str | None
    error_details: dict[str, Any] | None
    result: dict[str, Any] | None
    retry_increment: int
    message_ids: list[UUID]
    routing_keys: list[str]
    bodies: list[bytes]
    headers: list[dict[str, Any]]
    admission_tenants: list[UUID | None]
    artifact_names: list[str]
    artifact_types: list[str]
    artifact_contents: list[bytes]
    artifact_sha256: list[bytes]


_RECORD = NamedQuery.parse(
    """SELECT record_stage_steps(
  :report_id, :expected_seq, :claim_message, :claim_stage,
  :seqs::integer[], :ats::timestamptz[], :actors::text[], :steps::text[], :outcomes::text[],
  :statuses::text[], :progress::integer[], :messages::text[], :details::jsonb[],
  :prev_hashes::bytea[], :hashes::bytea[],
  :note_ids::uuid[], :note_keys::text[], :note_heads::bytea[], :note_tails::bytea[],
  :note_headers::jsonb[],
  :status, :progress_percent, :current_step, :started_at, :completed_at, :processing_time_ms,
  :error_message, :error_details::jsonb, :result::jsonb, :retry_increment,
  :message_ids::uuid[], :routing_keys::text[], :bodies::bytea[], :headers::jsonb[],
  :admission_tenants::uuid[],
  :artifact_names::text[], :artifact_types::text[], :artifact_contents::bytea[],
  :artifact_sha256::bytea[])""",
    _Params,
)


def _params(
    report_id: UUID,
    head: ReportHead,
    plan: StepsPlan,
    claim: tuple[UUID, str] | None,
    enqueue: Sequence[outbox.OutboxRow],
    artifacts: Sequence[ArtifactRow],
) -> _Params:
    applied = plan.applied
    last = applied[-1]
    rows = [a.messages[0] for a in applied]  # each step's notification (plan_step's)
    halves = [note_halves(a.note) for a in applied]
    result = next((a.step.result for a in reversed(applied) if a.step.result is not None), None)
    return _Params(
        report_id=report_id,
        expected_seq=head.event_seq,
        claim_message=claim[0] if claim else None,
        claim_stage=claim[1] if claim else None,
        seqs=[a.seq for a in applied],
        ats=[a.at for a in applied],
        actors=[a.step.actor for a in applied],
        steps=[a.step.step for a in applied],
        outcomes=[a.step.outcome for a in applied],
        statuses=[a.step.status.value for a in applied],
        progress=[a.step.progress_percent or 0 for a in applied],
        messages=[a.step.message for a in applied],
        details=[a.step.details for a in applied],
        prev_hashes=[a.prev_hash for a in applied],
        hashes=[a.hash for a in applied],
        note_ids=[r[0] for r in rows],
        note_keys=[r[1] for r in rows],
        note_heads=[h[0] for h in halves],
        note_tails=[h[1] for h in halves],
        note_headers=[r[3] for r in rows],
        status=last.step.status.value,
        progress_percent=last.step.progress_percent or 0,
        current_step=last.step.step,
        started_at=last.started_at,
        completed_at=last.completed_at,
        processing_time_ms=last.processing_time_ms,
        error_message=last.step.error_message,
        error_details=last.step.error_details,
        result=result,
        retry_increment=sum(1 for a in applied if a.step.retry),
        message_ids=[m[0] for m in enqueue],
        routing_keys=[m[1] for m in enqueue],
        bodies=[m[2] for m in enqueue],
        headers=[dict(m[3]) for m in enqueue],
        admission_tenants=[m[4] for m in enqueue],
        artifact_names=[a[0] for a in artifacts],
        artifact_types=[a[1] for a in artifacts],
        artifact_contents=[a[2] for a in artifacts],
        artifact_sha256=[hashlib.sha256(a[2]).digest() for a in artifacts],
    )


@dataclass(frozen=True)
class StepsCall:
    """One :func:`record_steps_at`'s arguments, for :func:`record_calls`."""

    report_id: UUID
    head: ReportHead
    steps: Sequence[TimedStep]
    claim: tuple[UUID, str] | None = None
    enqueue: Sequence[outbox.OutboxRow] = ()
    artifacts: Sequence[ArtifactRow] = ()


_ARGS = len(_RECORD.names)
_PARAM = re.compile(r"\$(\d+)")
_GROUPS: dict[int, str] = {}


def _shifted(sql: str, by: int) -> str:
    """``sql`` with its parameters ``$n`` renumbered ``$(n + by)``."""
    return _PARAM.sub(lambda m: f"${int(m.group(1)) + by}", sql)


def _group_sql(calls: int) -> str:
    """``calls`` calls of the function in one statement, after locking their reports in id
    order: a group then takes its locks in the order every writer does (reports, then the tenant
    feed's head), so two groups never wait for each other in a circle."""
    sql = _GROUPS.get(calls)
    if sql is None:
        # Without the casts and the layout: the function's signature types the parameters,
        # and asyncpg caches a prepared statement only up to 15 kB of text.
        call = "record_stage_steps(" + ",".join(f"${n}" for n in range(1, _ARGS + 1)) + ")"
        each = [_shifted(call, 1 + i * _ARGS) for i in range(calls)]
        sql = _GROUPS[calls] = (
            "SELECT " + ",".join(each) + " FROM (SELECT count(*) FROM (SELECT FROM reports"
            " WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) AS report) AS locked"
        )
    return sql


def _recorded(
    plan: StepsPlan, head: ReportHead, numbers: list[int] | None
) -> StepsRecorded | NotRecorded:
    if numbers is None:
        return NotRecorded.MOVED
    if not numbers:
        return NotRecorded.DUPLICATE
    notes = tuple(
        a.note.model_copy(update={"tenant_seq": n})
        for a, n in zip(plan.applied, numbers, strict=True)
    )
    return StepsRecorded(notes, plan.head, duration_s(head, plan.applied[-1]))


async def record_calls(
    conn: Connection, calls: Sequence[StepsCall]
) -> list[StepsRecorded | NotRecorded]:
    """Each call recorded as :func:`record_steps_at` records it, all of them in one statement:
    one round trip and one commit (or the caller's transaction), all or nothing. Calls of
    several reports of one tenant share the tenant feed's head, locked once until the end."""
    outcomes: list[StepsRecorded | NotRecorded] = [NotRecorded.MOVED] * len(calls)
    planned = [
        (i, plan) for i, c in enumerate(calls) if (plan := plan_steps(c.report_id, c.head, c.steps))
    ]
    if not planned:
        return outcomes
    args: list[Any] = []
    for i, plan in planned:
        c = calls[i]
        args += _RECORD.args(_params(c.report_id, c.head, plan, c.claim, c.enqueue, c.artifacts))
    if len(planned) == 1:
        row = [await conn.fetchval(_RECORD.sql, *args)]
    else:
        reports = sorted({calls[i].report_id for i, _ in planned})
        found = await conn.fetchrow(_group_sql(len(planned)), reports, *args)
        assert found is not None  # one row, from the lock's count
        row = list(found)
    for (i, plan), numbers in zip(planned, row, strict=True):
        outcomes[i] = _recorded(plan, calls[i].head, numbers)
    return outcomes


async def record_steps_at(
    conn: Connection,
    report_id: UUID,
    head: ReportHead,
    steps: Sequence[TimedStep],
    *,
    claim: tuple[UUID, str] | None = None,
    enqueue: Sequence[outbox.OutboxRow] = (),
    artifacts: Sequence[ArtifactRow] = (),
) -> StepsRecorded | NotRecorded:
    """Record ``steps`` on the report read at ``head``, in one round trip that commits on its
    own (or with the caller's transaction, if there is one).

    With ``claim`` (message id, stage), the message is claimed for the stage first: already
    claimed, nothing is written (DUPLICATE). ``enqueue`` rows go to the outbox after the
    notifications, ``artifacts`` are stored (replacing one of the same name). A step that
    ``record_step`` would not record at its turn is left out; nothing is written (MOVED) when
    the report is no longer at ``head`` or the last step would not be recorded."""
    plan = plan_steps(report_id, head, steps)
    if plan is None:
        return NotRecorded.MOVED
    params = _params(report_id, head, plan, claim, enqueue, artifacts)
    numbers: list[int] | None = await conn.fetchval(_RECORD.sql, *_RECORD.args(params))
    return _recorded(plan, head, numbers)
