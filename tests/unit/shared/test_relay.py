"""The outbox relay on the in-memory bus and store: rows leave the outbox only once the broker
has them; a refused row is held back alone with a growing delay and parked after too many
refusals; a tenant's burst waits beyond its quota while another tenant's report goes first; a
committed row wakes the relay without waiting for its poll. The same relay runs on RabbitMQ and
PostgreSQL in tests/integration (test_outbox_quarantine.py, test_fair_admission.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from shared.bus.protocol import Bus, IncomingMessage, PublishOutcome, Refused, Unconfirmed
from shared.db.outbox_parking import report_of
from shared.db.reports import Step
from shared.delivery.relay import BrokerDidNotAnswer, OutboxRelay
from shared.events import ReportStatus, routing
from shared.events.notification import EARLIER_NOTES_HEADER
from shared.messages import OutgoingMessage
from tests.unit.shared.road import Road


async def spy(road: Road, *keys: str) -> Counter[str]:
    """Counts every message published under ``keys``, by message id."""
    seen: Counter[str] = Counter()

    async def count(message: IncomingMessage) -> None:
        seen[message.message_id or ""] += 1
        await message.ack()

    await road.bus().bind_private_queue(
        f"{road.settings.bus_namespace}.spy", list(keys), count, prefetch=50
    )
    return seen


def requested_ids(road: Road) -> set[str]:
    rows = road.store.tables.outbox.values()
    return {str(r.message_id) for r in rows if r.routing_key == routing.REPORT_REQUESTED}


async def poison(road: Road) -> UUID:
    """A row no queue is bound for: the broker returns it every time."""
    message_id = uuid4()
    async with road.store.transaction() as db:
        assert db  # the row goes in like any writer's, inside a transaction
        road.store.tables.add_outbox_rows(
            [(message_id, "report.nowhere", b'{"not": "routable"}', {}, None)]
        )
    return message_id


async def finish(road: Road, report_id: UUID) -> None:
    async with road.store.transaction() as db:
        await db.reports.record_step(
            report_id,
            Step(
                actor="renderer", step="rendered", outcome="completed", status=ReportStatus.COMPLETE
            ),
        )


async def test_published_rows_leave_the_outbox_and_arrive_once(road: Road) -> None:
    seen = await spy(road, routing.REPORT_REQUESTED)
    for _ in range(5):
        await road.submit()
    expected = requested_ids(road)
    relay = road.relay(batch_size=2)

    while await relay.drain_once():
        pass

    await road.wait_until(lambda: len(seen) == 5)
    assert set(seen) == expected
    assert set(seen.values()) == {1}
    assert not road.store.tables.outbox
    assert relay.published == 10  # five requests and five notifications


async def test_a_refused_row_is_held_back_alone_then_set_aside(road: Road) -> None:
    seen = await spy(road, routing.REPORT_REQUESTED)
    reports = [await road.submit() for _ in range(2)]
    poisoned = await poison(road)
    reports += [await road.submit() for _ in range(2)]
    expected = requested_ids(road)
    # Long enough that the check below comes before the hold ends even on a loaded machine.
    relay = road.relay(max_refusals=3, first_hold_s=0.5)

    await relay.drain_once()

    await road.wait_until(lambda: set(seen) == expected)
    (held,) = road.store.tables.outbox.values()
    assert held.message_id == poisoned
    assert held.refusals == 1
    assert held.last_refusal is not None
    assert "report.nowhere" in held.last_refusal
    assert relay.held_back == 1
    assert await relay.drain_once() == 0  # held back: not claimed again before its delay

    async with asyncio.timeout(15):
        while road.store.tables.outbox:
            await asyncio.sleep(0.01)
            await relay.drain_once()

    (letter,) = road.store.tables.dead_letters.values()
    assert letter.parked.stage == "relay"
    assert letter.parked.message_id == poisoned
    assert letter.parked.attempts == 3
    assert letter.parked.grouped_as == "unroutable"
    assert relay.parked == 1
    assert set(seen.values()) == {1}  # nobody else was published twice meanwhile
    assert {road.report(r).status for r in reports} == {ReportStatus.PENDING}


@pytest.mark.parametrize(("refusals", "hold"), [(1, 1.0), (2, 2.0), (3, 4.0), (8, 60.0)])
def test_each_refusal_doubles_the_hold_up_to_its_ceiling(
    road: Road, refusals: int, hold: float
) -> None:
    assert road.relay(first_hold_s=1.0, max_hold_s=60.0).hold_s(refusals) == hold


async def test_a_burst_waits_beyond_its_quota_and_another_tenant_goes_first(road: Road) -> None:
    seen = await spy(road, routing.REPORT_REQUESTED)
    busy, quiet = uuid4(), uuid4()
    burst = [await road.submit(busy) for _ in range(3)]
    other = await road.submit(quiet)
    request_of = {
        report_of(row.body): str(row.message_id)
        for row in road.store.tables.outbox.values()
        if row.routing_key == routing.REPORT_REQUESTED
    }
    relay = road.relay(tenant_in_flight=2)

    await relay.drain_once()
    await road.wait_until(lambda: len(seen) == 3)

    assert set(seen) == {request_of[r] for r in (burst[0], burst[1], other)}
    assert await relay.drain_once() == 0  # the third waits while two of its tenant are in flight

    await finish(road, burst[0])
    await relay.drain_once()
    await road.wait_until(lambda: len(seen) == 4)
    assert request_of[burst[2]] in seen


async def test_a_committed_row_wakes_the_relay_before_its_poll(road: Road) -> None:
    seen = await spy(road, routing.REPORT_REQUESTED)
    road.start_relay(poll_interval=60.0)
    await asyncio.sleep(0.05)  # listening, idle until woken

    await road.submit()

    await road.wait_until(lambda: len(seen) == 1, timeout=2.0)


class AnswersNotForCarriers:
    """The in-memory broker, but it does not answer for (or nacks) a message carrying others'
    notes; every other message is published as usual."""

    def __init__(self, bus: Bus, answer: PublishOutcome) -> None:
        self._bus = bus
        self._answer = answer

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[PublishOutcome]:
        outcomes: list[PublishOutcome] = []
        for message in messages:
            if EARLIER_NOTES_HEADER in message.headers:
                outcomes.append(self._answer)
            else:
                outcomes.extend(await self._bus.publish([message]))
        return outcomes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)


@pytest.mark.parametrize(
    "answer", [Unconfirmed("timeout"), Refused("refused_by_broker", "nack")], ids=repr
)
async def test_a_tenants_notes_leave_the_outbox_only_with_their_carriers_confirm(
    road: Road, answer: PublishOutcome
) -> None:
    seen = await spy(road, routing.REPORT_PROGRESS)
    tenant = uuid4()
    for _ in range(3):
        await road.submit(tenant)
    accepted = [
        r.message_id
        for r in road.store.tables.outbox.values()
        if r.routing_key == routing.REPORT_PROGRESS
    ]
    unanswering = OutboxRelay(
        road.store, cast(Bus, AnswersNotForCarriers(road.bus(), answer)), first_hold_s=0.01
    )

    with contextlib.suppress(BrokerDidNotAnswer):
        await unanswering.drain_once()

    left = list(road.store.tables.outbox.values())
    assert [r.message_id for r in left] == accepted  # all three, none half-sent
    assert {r.refusals for r in left} == {0 if isinstance(answer, Unconfirmed) else 1}
    assert unanswering.messages == 3  # the three report.requested

    relay = road.relay()
    async with asyncio.timeout(5):
        while road.store.tables.outbox:
            await asyncio.sleep(0.01)  # a refused row's hold
            await relay.drain_once()
    await road.wait_until(lambda: len(seen) == 1)
    (carrier,) = seen
    assert carrier == str(accepted[-1])  # one message, under the last note's id
    assert (relay.messages, relay.published) == (1, 3)
