"""Which message carries which outbox rows: a tenant's progress notes of one relay batch share a
message, every row is carried exactly once, and nothing a tenant's feed shows changes order."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from uuid import UUID, uuid4

import orjson

from shared.db.outbox import ClaimedRow, notification_rows
from shared.delivery.note_carriers import Carrier, carriers
from shared.events import ReportKind, ReportStatus, StatusNotification, routing
from shared.events.notification import EARLIER_NOTES_HEADER
from shared.messages import OutgoingMessage

_ids = count(1)


def note(
    report: UUID, tenant: UUID, event_id: int, status: ReportStatus = ReportStatus.PROCESSING
) -> StatusNotification:
    return StatusNotification(
        event_id=event_id,
        report_id=report,
        tenant_id=tenant,
        kind=ReportKind.CODING,
        status=status,
        progress_percent=50,
        current_step="analyzing",
        outcome="completed" if status is ReportStatus.COMPLETE else "started",
        at=datetime(2026, 12, 6, tzinfo=UTC),
        tenant_seq=event_id,
    )


def claimed(*notes: StatusNotification) -> ClaimedRow:
    """The outbox row of one recorded call's notes, as the relay claims it."""
    ((message_id, key, body, headers, _),) = notification_rows(list(notes))
    message = OutgoingMessage(key, body, str(message_id), headers, mandatory=False)
    return ClaimedRow(next(_ids), message, 0)


def event(key: str = routing.REPORT_ANALYZED) -> ClaimedRow:
    return ClaimedRow(next(_ids), OutgoingMessage(key, b'{"payload": {}}', str(uuid4())), 0)


def batch_note(tenant: UUID) -> ClaimedRow:
    body = orjson.dumps({"batch_id": str(uuid4()), "tenant_id": str(tenant), "event_id": 3})
    message = OutgoingMessage(routing.BATCH_PROGRESS, body, str(uuid4()), mandatory=False)
    return ClaimedRow(next(_ids), message, 0)


def told(carrier: Carrier) -> list[tuple[UUID, int]]:
    """What a hub passes on from the carrier's message: (report, event) of each note, in order."""
    riders = carrier.message.headers.get(EARLIER_NOTES_HEADER, [])
    bodies = [*riders, carrier.message.body]
    return [(n.report_id, n.event_id) for n in map(StatusNotification.model_validate_json, bodies)]


def test_a_tenants_progress_notes_of_one_batch_ride_on_one_message() -> None:
    tenant, first, second = uuid4(), uuid4(), uuid4()
    rows = [
        claimed(note(first, tenant, 4), note(first, tenant, 5)),  # a hop's two (migration 0090)
        event(),
        claimed(note(second, tenant, 2)),
        event(),
    ]

    sent = carriers(rows)

    assert [c.message.routing_key for c in sent] == [
        routing.REPORT_ANALYZED,
        routing.REPORT_ANALYZED,
        routing.REPORT_PROGRESS,
    ]
    (notes,) = (c for c in sent if c.message.routing_key == routing.REPORT_PROGRESS)
    assert told(notes) == [(first, 4), (first, 5), (second, 2)]
    assert notes.message.message_id == rows[2].message.message_id  # the last one's
    assert [r.id for r in notes.rows] == [rows[0].id, rows[2].id]
    assert sorted(r.id for c in sent for r in c.rows) == sorted(r.id for r in rows)


def test_two_tenants_never_share_a_message() -> None:
    one, other = uuid4(), uuid4()
    rows = [claimed(note(uuid4(), one, 1)), claimed(note(uuid4(), other, 1))]
    rows += [claimed(note(uuid4(), one, 2)), claimed(note(uuid4(), other, 2))]

    sent = carriers(rows)

    assert len(sent) == 2
    tenants = [
        {StatusNotification.model_validate_json(b).tenant_id for b in _bodies(c)} for c in sent
    ]
    assert tenants == [{one}, {other}]


def test_a_final_note_goes_alone_after_its_tenants_earlier_notes() -> None:
    tenant, neighbour = uuid4(), uuid4()
    report, later = uuid4(), uuid4()
    rows = [
        claimed(note(report, tenant, 3)),
        claimed(note(uuid4(), neighbour, 1)),
        claimed(note(report, tenant, 4, ReportStatus.COMPLETE)),
        claimed(note(later, tenant, 1)),
        claimed(note(uuid4(), neighbour, 2)),
    ]

    sent = carriers(rows)

    tenant_order = [
        (c.message.routing_key, told(c))
        for c in sent
        if StatusNotification.model_validate_json(c.message.body).tenant_id == tenant
    ]
    assert tenant_order == [
        (routing.REPORT_PROGRESS, [(report, 3)]),
        (routing.REPORT_COMPLETED, [(report, 4)]),
        (routing.REPORT_PROGRESS, [(later, 1)]),
    ]
    final = next(c for c in sent if c.message.routing_key == routing.REPORT_COMPLETED)
    assert EARLIER_NOTES_HEADER not in final.message.headers
    # The neighbour's final-free notes were not split by the other tenant's final.
    assert len(sent) == 4


def test_a_batch_note_goes_after_its_tenants_earlier_progress() -> None:
    tenant = uuid4()
    report = uuid4()
    rows = [claimed(note(report, tenant, 1)), batch_note(tenant), claimed(note(report, tenant, 2))]

    sent = carriers(rows)

    assert [c.message.routing_key for c in sent] == [
        routing.REPORT_PROGRESS,
        routing.BATCH_PROGRESS,
        routing.REPORT_PROGRESS,
    ]
    assert [told(sent[0]), told(sent[2])] == [[(report, 1)], [(report, 2)]]


def test_a_carrier_is_capped_and_the_rest_goes_in_the_next() -> None:
    tenant = uuid4()
    rows = [claimed(note(uuid4(), tenant, 1), note(uuid4(), tenant, 2)) for _ in range(5)]

    sent = carriers(rows, max_notes=4)

    assert [len(c.rows) for c in sent] == [2, 2, 1]
    assert sum(len(told(c)) for c in sent) == 10


def test_one_note_per_message_leaves_every_row_alone() -> None:
    tenant = uuid4()
    rows = [claimed(note(uuid4(), tenant, i)) for i in range(3)] + [event()]

    sent = carriers(rows, max_notes=1)

    assert [c.message for c in sent] == [r.message for r in rows]


def test_a_note_whose_tenant_cannot_be_read_goes_after_every_open_message() -> None:
    tenant = uuid4()
    unreadable = ClaimedRow(
        next(_ids), OutgoingMessage(routing.REPORT_FAILED, b"not json", str(uuid4())), 0
    )
    rows = [claimed(note(uuid4(), tenant, 1)), unreadable]

    sent = carriers(rows)

    assert [c.rows for c in sent] == [(rows[0],), (unreadable,)]


def _bodies(carrier: Carrier) -> list[bytes | str]:
    return [*carrier.message.headers.get(EARLIER_NOTES_HEADER, []), carrier.message.body]
