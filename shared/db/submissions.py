"""Accepting a report: the one place a report row comes into being.

The gateway (``POST /v1/reports``) and the CER scheduler both submit through
:func:`create_report`, so a scheduled report is indistinguishable downstream from one a person
asked for. In one transaction it stores the report, its raw input (the only copy of any PHI), its
first audit event and the ``report.requested`` message in the outbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import orjson

from shared.db import outbox
from shared.db.channels import tenant_channel
from shared.db.named import NamedQuery
from shared.db.reports import ReportHead, Step, plan_step
from shared.db.stage_steps import note_halves
from shared.events import Envelope, ReportKind, ReportStatus, routing
from shared.events.envelope import utcnow

if TYPE_CHECKING:
    from shared.db.pool import Connection


def request_fingerprint(document: Any) -> bytes:
    """SHA-256 of a request's canonical JSON (keys sorted): equal requests, equal fingerprints."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).digest()


@dataclass(frozen=True)
class Submission:
    kind: ReportKind
    fingerprint: bytes
    """SHA-256 of the canonical request, to recognise a repeated Idempotency-Key."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """PHI-free request parameters: stored on the report and sent with report.requested."""
    raw_input: bytes | None = None
    """Input that may hold PHI (a FHIR Bundle): stored for the ingestor alone."""
    input_media_type: str = "application/fhir+json"


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class Created:
    id: UUID
    status: ReportStatus
    replayed: bool
    """True when an earlier request with the same Idempotency-Key is being returned."""


# Accepting reports is one statement (one round trip, no BEGIN/COMMIT: a statement is atomic on
# its own), for one report or for several of one tenant at once (a batch's lines, or the POSTs a
# gateway gathered while its previous statement ran: shared.db.accept_group): each report row,
# already in the state its first step leaves it, its raw input, its first audit event, the tenant
# feed's next numbers (in the order given) and entries, and the outbox rows — each report's
# "accepted" notification (carrying its number) and report.requested, in that order. Nothing for
# a report whose Idempotency-Key was used before (the caller then reads the earlier report). The
# new reports are locked by their own inserts before the feed's head is claimed, the order every
# writer keeps (shared.db.channels); one tenant, so one head row. What it writes for each report
# is what record_step writes for the step (plan_step works it out), less the round trips to read
# a row that did not exist.
@dataclass(frozen=True)
class _AcceptParams:
    tenant_id: UUID
    batch_id: UUID | None
    feed: str
    actor: str
    step: str
    outcome: str
    status: str
    progress_percent: int
    ids: list[UUID]
    kinds: list[str]
    requests: list[dict[str, Any]]
    idempotency_keys: list[str | None]
    request_hashes: list[bytes]
    batch_lines: list[int | None]
    media_types: list[str]
    raw_inputs: list[bytes | None]
    ats: list[datetime]
    messages: list[str]
    details: list[dict[str, Any]]
    hashes: list[bytes]
    note_heads: list[bytes]
    note_tails: list[bytes]
    note_ids: list[UUID]
    note_keys: list[str]
    note_headers: list[dict[str, Any]]
    message_reports: list[UUID]
    message_ids: list[UUID]
    routing_keys: list[str]
    bodies: list[bytes]
    headers: list[dict[str, Any]]
    admission_tenants: list[UUID | None]


_ACCEPT = NamedQuery.parse(
    """
WITH given AS (
  SELECT * FROM unnest(:ids::uuid[], :kinds::text[], :requests::jsonb[],
                       :idempotency_keys::text[], :request_hashes::bytea[], :batch_lines::int[],
                       :media_types::text[], :raw_inputs::bytea[], :ats::timestamptz[],
                       :messages::text[], :details::jsonb[], :hashes::bytea[],
                       :note_heads::bytea[], :note_tails::bytea[], :note_ids::uuid[],
                       :note_keys::text[], :note_headers::jsonb[])
       WITH ORDINALITY AS g(id, kind, request, idempotency_key, request_hash, batch_line,
                            media_type, raw_input, at, message, details, hash, note_head,
                            note_tail, note_id, note_key, note_headers, n)
), report AS (
  INSERT INTO reports
    (id, tenant_id, kind, request, idempotency_key, request_hash, batch_id, batch_line,
     status, progress_percent, current_step, updated_at, event_seq, event_hash)
  SELECT id, :tenant_id, kind, request, idempotency_key, request_hash, :batch_id, batch_line,
         :status, :progress_percent, :step, at, 1, hash
  FROM given ORDER BY n
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING id
), accepted AS (
  SELECT g.*, row_number() OVER (ORDER BY g.n) AS rank, count(*) OVER () AS total
  FROM given g JOIN report USING (id)
), input AS (
  INSERT INTO report_inputs (report_id, media_type, body)
  SELECT id, media_type, raw_input FROM accepted WHERE raw_input IS NOT NULL
), event AS (
  INSERT INTO report_events
    (report_id, seq, at, actor, step, outcome, status, progress_percent, message, details,
     prev_hash, hash)
  SELECT id, 1, at, :actor, :step, :outcome, :status, :progress_percent, message, details,
         NULL, hash
  FROM accepted
), head AS (
  INSERT INTO channel_heads (channel, seq)
  SELECT :feed, count(*) FROM accepted HAVING count(*) > 0
  ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + excluded.seq
  RETURNING seq
), note AS (
  SELECT a.*, s.seq, a.note_head || convert_to(s.seq::text, 'UTF8') || a.note_tail AS body
  FROM accepted a, head, LATERAL (SELECT head.seq - a.total + a.rank AS seq) s
), logged AS (
  INSERT INTO channel_events (channel, seq, tenant_id, at, body)
  SELECT :feed, seq, :tenant_id, at, convert_from(body, 'UTF8')::jsonb FROM note
), messages AS (
  INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
  SELECT message_id, routing_key, body, headers, admission_tenant FROM (
    SELECT note_id, note_key, body, note_headers, NULL::uuid, n, 0::bigint FROM note
    UNION ALL
    SELECT m.message_id, m.routing_key, m.body, m.headers, m.admission_tenant, a.n, m.k
    FROM unnest(:message_reports::uuid[], :message_ids::uuid[], :routing_keys::text[],
                :bodies::bytea[], :headers::jsonb[], :admission_tenants::uuid[])
         WITH ORDINALITY AS m(report_id, message_id, routing_key, body, headers,
                              admission_tenant, k)
    JOIN accepted a ON a.id = m.report_id
  ) AS o(message_id, routing_key, body, headers, admission_tenant, n, k)
  ORDER BY n, k
)
SELECT id FROM report""",
    _AcceptParams,
)


@dataclass(frozen=True)
class Acceptance:
    """One report to accept: what was asked, under which Idempotency-Key (or batch line)."""

    submission: Submission
    idempotency_key: str | None = None
    batch_line: int | None = None


Accepted = Created | IdempotencyConflict
"""What became of one :class:`Acceptance`: the report (new, or the earlier one of its
Idempotency-Key), or the conflict of a key used before with a different request."""


async def create_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
) -> Created:
    """Store the report, its raw input, its first audit event and report.requested, atomically:
    one statement, so one round trip (two when the Idempotency-Key was used before)."""
    (outcome,) = await accept_reports(conn, tenant_id, [Acceptance(submission, idempotency_key)])
    if isinstance(outcome, IdempotencyConflict):
        raise outcome
    return outcome


async def accept_reports(
    conn: Connection, tenant_id: UUID, acceptances: Sequence[Acceptance]
) -> list[Accepted]:
    """Accept several reports of one tenant in one statement (all or nothing), their feed
    numbers in the order given; one more round trip reads the earlier reports of Idempotency-Keys
    used before. Outside a transaction each report is committed when this returns."""
    return await store_prepared(conn, [prepare(tenant_id, a) for a in acceptances])


async def store_prepared(conn: Connection, prepared: Sequence[PreparedReport]) -> list[Accepted]:
    """:func:`accept_reports` for reports already :func:`prepare`-d (all of one tenant)."""
    stored = await _accept(conn, prepared)
    replayed = [p.acceptance.idempotency_key for p in prepared if p.id not in stored]
    earlier: dict[str | None, Any] = {}
    if replayed:
        rows = await conn.fetch(
            """SELECT id, status, request_hash, idempotency_key FROM reports
               WHERE tenant_id = $1 AND idempotency_key = ANY($2::text[])""",
            prepared[0].tenant_id,
            replayed,
        )
        earlier = {row["idempotency_key"]: row for row in rows}
    outcomes: list[Accepted] = []
    for report in prepared:
        if report.id in stored:
            outcomes.append(Created(report.id, ReportStatus.PENDING, replayed=False))
            continue
        existing = earlier[report.acceptance.idempotency_key]  # a key that conflicted: its report
        if existing["request_hash"] != report.acceptance.submission.fingerprint:
            outcomes.append(IdempotencyConflict())
        else:
            outcomes.append(
                Created(existing["id"], ReportStatus(existing["status"]), replayed=True)
            )
    return outcomes


async def add_batch_reports(
    conn: Connection, tenant_id: UUID, batch_id: UUID, lines: Mapping[int, Submission]
) -> dict[int, UUID]:
    """Store the reports of a batch (its item ``line``: submission) like :func:`create_report`,
    in one statement in the caller's transaction; returns each line's report id."""
    prepared = [prepare(tenant_id, Acceptance(s, batch_line=line)) for line, s in lines.items()]
    stored = await _accept(conn, prepared, batch_id)
    assert len(stored) == len(prepared)  # no Idempotency-Key, no conflict
    return {line: report.id for line, report in zip(lines, prepared, strict=True)}


ACCEPTED = Step(
    actor="gateway",
    step="accepted",
    outcome="accepted",
    status=ReportStatus.PENDING,
    progress_percent=0,
)
"""A new report's first step (its message names the kind)."""


@dataclass(frozen=True)
class PreparedReport:
    """A report to accept with the values its statement writes, worked out where it was asked
    for: its outbox rows carry that request's trace context, whichever task stores them."""

    tenant_id: UUID
    acceptance: Acceptance
    id: UUID
    at: datetime
    message: str
    details: dict[str, Any]
    hash: bytes
    note_head: bytes
    note_tail: bytes
    note_id: UUID
    note_key: str
    note_headers: dict[str, Any]
    messages: tuple[outbox.OutboxRow, ...]
    """report.requested (and any other row the report's first step sends)."""

    @property
    def raw_bytes(self) -> int:
        raw = self.acceptance.submission.raw_input
        return len(raw) if raw is not None else 0


def prepare(tenant_id: UUID, acceptance: Acceptance) -> PreparedReport:
    """What accepting ``acceptance`` writes (a new report id, its first step planned); pure but
    for the current trace context, which its outbox rows carry."""
    submission = acceptance.submission
    report_id = uuid4()
    at = utcnow()
    head = ReportHead(
        tenant_id=tenant_id,
        kind=submission.kind,
        status=ReportStatus.PENDING,
        event_seq=0,
        event_hash=None,
        started_at=None,
        created_at=at,
        progress_percent=0,
        current_step=None,
    )
    requested = outbox.event_row(
        Envelope(
            type=routing.REPORT_REQUESTED,
            report_id=report_id,
            tenant_id=tenant_id,
            kind=submission.kind,
            payload=submission.parameters,
        )
    )
    step = replace(ACCEPTED, message=f"{submission.kind.value} report accepted")
    # tenant_seq is claimed by the statement itself and spliced into the note there, as
    # record_stage_steps does: the outbox and the feed get the bytes record_step would write.
    applied = plan_step(report_id, head, step, tenant_seq=0, at=at, enqueue=[requested])
    if applied.feed != tenant_channel(tenant_id):
        raise ValueError("a report's first note goes to its tenant's feed")
    note_head, note_tail = note_halves(applied.note)
    note_id, note_key, _, note_headers, _ = applied.messages[0]
    assert step.message is not None
    return PreparedReport(
        tenant_id=tenant_id,
        acceptance=acceptance,
        id=report_id,
        at=at,
        message=step.message,
        details=step.details,
        hash=applied.hash,
        note_head=note_head,
        note_tail=note_tail,
        note_id=note_id,
        note_key=note_key,
        note_headers=dict(note_headers),
        messages=tuple(applied.messages[1:]),
    )


async def _accept(
    conn: Connection, prepared: Sequence[PreparedReport], batch_id: UUID | None = None
) -> set[UUID]:
    """Store the reports in one statement; the ids of those stored (not: the Idempotency-Key was
    used before)."""
    tenant_id = prepared[0].tenant_id
    if any(p.tenant_id != tenant_id for p in prepared):
        raise ValueError("one statement accepts the reports of one tenant")
    rest = [(p.id, m) for p in prepared for m in p.messages]
    params = _AcceptParams(
        tenant_id=tenant_id,
        batch_id=batch_id,
        feed=tenant_channel(tenant_id),
        actor=ACCEPTED.actor,
        step=ACCEPTED.step,
        outcome=ACCEPTED.outcome,
        status=ACCEPTED.status.value,
        progress_percent=0,
        ids=[p.id for p in prepared],
        kinds=[p.acceptance.submission.kind.value for p in prepared],
        requests=[p.acceptance.submission.parameters for p in prepared],
        idempotency_keys=[p.acceptance.idempotency_key for p in prepared],
        request_hashes=[p.acceptance.submission.fingerprint for p in prepared],
        batch_lines=[p.acceptance.batch_line for p in prepared],
        media_types=[p.acceptance.submission.input_media_type for p in prepared],
        raw_inputs=[p.acceptance.submission.raw_input for p in prepared],
        ats=[p.at for p in prepared],
        messages=[p.message for p in prepared],
        details=[p.details for p in prepared],
        hashes=[p.hash for p in prepared],
        note_heads=[p.note_head for p in prepared],
        note_tails=[p.note_tail for p in prepared],
        note_ids=[p.note_id for p in prepared],
        note_keys=[p.note_key for p in prepared],
        note_headers=[p.note_headers for p in prepared],
        message_reports=[report_id for report_id, _ in rest],
        message_ids=[m[0] for _, m in rest],
        routing_keys=[m[1] for _, m in rest],
        bodies=[m[2] for _, m in rest],
        headers=[dict(m[3]) for _, m in rest],
        admission_tenants=[m[4] for _, m in rest],
    )
    return {row[0] for row in await conn.fetch(_ACCEPT.sql, *_ACCEPT.args(params))}


def parameters_submission(kind: ReportKind, parameters: dict[str, Any]) -> Submission:
    """A submission whose whole input is PHI-free parameters (a CER: NDC and dates)."""
    return Submission(
        kind=kind,
        fingerprint=request_fingerprint({"kind": kind.value, **parameters}),
        parameters=parameters,
    )
