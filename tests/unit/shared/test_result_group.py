"""Group commit of a stage's results (shared/delivery/result_group.py) on the in-memory store:
what finishes while a tenant's statement runs goes into its next one, each result is answered
only once the statement that recorded it returned, one result the database refuses does not fail
the others, and an outage fails them all (each delivery waits it out on its own)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.db.memory import MemoryReports, MemoryStore, MemoryTables
from shared.db.reports import Step
from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded, TimedStep
from shared.delivery.result_group import ResultGroup
from shared.events import ReportStatus
from shared.events.envelope import utcnow


def accepted(store: MemoryStore, tenant: UUID) -> StepsCall:
    """A new report and the call recording an ingestor's result on it."""
    report = store.add_report(tenant)
    done = Step("ingestor", "ingested", "completed", ReportStatus.PROCESSING, 35)
    return StepsCall(report.id, report.head(), [TimedStep(done, utcnow())], claim=(uuid4(), "i"))


class Statements:
    """Records every statement's calls; holds a statement while ``gate`` is closed, and fails
    one that carries ``refused`` (a value the database refuses) or any while ``outage``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.log: list[str] = []
        self.sizes: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.refused: UUID | None = None
        self.outage = False
        real = MemoryReports.record_calls

        async def record_calls(
            reports: MemoryReports, calls: Sequence[StepsCall]
        ) -> list[StepsRecorded | NotRecorded]:
            self.sizes.append(len(calls))
            self.log.append(f"statement of {len(calls)}")
            await self.gate.wait()
            if self.outage:
                raise ConnectionResetError("the database went away")
            if any(c.report_id == self.refused for c in calls):
                raise ValueError("a value the database refused")
            outcomes = await real(reports, calls)
            self.log.append("returned")
            return outcomes

        monkeypatch.setattr(MemoryReports, "record_calls", record_calls)


async def answered(group: ResultGroup, call: StepsCall) -> Any:
    """The call's outcome, or what it raised."""
    try:
        return await group.record(call)
    except Exception as exc:
        return exc


class SideBySide(MemoryStore):
    """Connections that do not wait for each other, as PostgreSQL's pool gives them."""

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[MemoryTables]:
        yield MemoryTables(self.tables)


async def test_results_finishing_meanwhile_go_together_once_the_running_one_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, statements = MemoryStore(), Statements(monkeypatch)
    group = ResultGroup("ingestor", store)
    tenant = uuid4()
    statements.gate.clear()

    async def answered_after(call: StepsCall) -> tuple[StepsRecorded | NotRecorded, int]:
        """The outcome, and how many statements had returned by then."""
        outcome = await group.record(call)
        return outcome, statements.log.count("returned")

    first = asyncio.create_task(answered_after(accepted(store, tenant)))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(answered_after(accepted(store, tenant))) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert statements.log == ["statement of 1"]  # alone and at once: no gathering window

    statements.gate.set()
    answers = await asyncio.gather(first, *rest)

    assert statements.sizes == [1, 3]
    outcomes = [o for o, _ in answers if isinstance(o, StepsRecorded)]
    assert len(outcomes) == 4
    # Nobody is answered (so no delivery acked) before the statement with its result returned.
    assert answers[0][1] >= 1
    assert all(returned == 2 for _, returned in answers[1:])
    assert [n.tenant_seq for o in outcomes for n in o.notes] == [1, 2, 3, 4]
    assert (group.statements, group.calls) == (2, 4)


async def test_another_tenant_does_not_wait_for_a_running_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, statements = SideBySide(), Statements(monkeypatch)
    group = ResultGroup("ingestor", store)
    statements.gate.clear()
    busy = asyncio.create_task(group.record(accepted(store, uuid4())))
    await asyncio.sleep(0)
    other = asyncio.create_task(group.record(accepted(store, uuid4())))
    await asyncio.sleep(0.01)

    assert statements.sizes == [1, 1]  # both statements under way side by side
    statements.gate.set()
    assert all(isinstance(o, StepsRecorded) for o in await asyncio.gather(busy, other))


async def test_a_result_the_database_refuses_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    store, statements = MemoryStore(), Statements(monkeypatch)
    group = ResultGroup("ingestor", store)
    tenant = uuid4()
    statements.gate.clear()
    running = asyncio.create_task(group.record(accepted(store, tenant)))
    await asyncio.sleep(0)
    calls = [accepted(store, tenant) for _ in range(3)]
    statements.refused = calls[1].report_id
    waiting = [asyncio.create_task(answered(group, c)) for c in calls]
    await asyncio.sleep(0)
    statements.gate.set()

    await running
    good, bad, also_good = await asyncio.gather(*waiting)

    assert statements.sizes == [1, 3, 1, 1, 1]  # the group failed, then each alone
    assert isinstance(bad, ValueError)
    assert isinstance(good, StepsRecorded)
    assert isinstance(also_good, StepsRecorded)
    assert store.events_of(calls[1].report_id) == []  # nothing of it written
    assert [e.step.outcome for e in store.events_of(calls[2].report_id)] == ["completed"]


async def test_an_outage_fails_every_result_of_the_statement_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, statements = MemoryStore(), Statements(monkeypatch)
    group = ResultGroup("ingestor", store)
    tenant = uuid4()
    statements.gate.clear()
    running = asyncio.create_task(answered(group, accepted(store, tenant)))
    await asyncio.sleep(0)
    calls = [accepted(store, tenant) for _ in range(2)]
    waiting = [asyncio.create_task(answered(group, c)) for c in calls]
    await asyncio.sleep(0)
    statements.outage = True
    statements.gate.set()

    outcomes = await asyncio.gather(running, *waiting)

    assert statements.sizes == [1, 2]  # not tried alone: each delivery waits the outage out
    assert all(isinstance(o, ConnectionResetError) for o in outcomes)
    assert all(store.events_of(c.report_id) == [] for c in calls)
