"""A delivery's "started" step: recorded while the stage works, or with its result.

The step says the stage has the report (status PROCESSING, the stage's working step and
progress), once per stage however often the message is redelivered. Recorded on its own before
the work, as it was, it is a second locked write of the report and its tenant's feed per hop, for
a state nobody sees when the work takes milliseconds. So the runner records it on its own only
once the work has taken ``stage_started_after_s``; work done sooner records it in the same call
as the result (:mod:`shared.db.stage_steps`), with the time the work began. The audit trail is the
same either way: "started" at the moment the stage began, then the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.db.reports import ReportHead, Step
from shared.db.stage_steps import StepsRecorded, TimedStep
from shared.db.store import Store


class StartedStep:
    """The "started" step of one delivery, and where the report stands as far as it knows."""

    def __init__(
        self, store: Store, report_id: UUID, step: Step, head: ReportHead, at: datetime
    ) -> None:
        self._store = store
        self._report_id = report_id
        self.step = step
        self.at = at
        self.head: ReportHead | None = head
        """The report as last read or written here; None once unknown (recorded under the lock,
        by :func:`shared.db.reports.record_step`)."""
        self.pending = head.current_step != step.step
        """Not recorded yet (a redelivery or a retry finds the report at its working step
        already: started once)."""
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def steps(self) -> list[TimedStep]:
        """The step to record with the result, if it is still to be recorded."""
        if not self.pending:
            return []
        return [TimedStep(self.step, self.at, unless_step=self.step.step)]

    async def record(self) -> None:
        """Record the step now, if it is still to be recorded: at the known head in one call,
        else under the report's lock. Safe to call again after a lost connection."""
        if not self.pending:
            return
        if self.head is not None:
            async with self._store.connection() as db:
                done = await db.reports.record_steps_at(self._report_id, self.head, self.steps())
            if isinstance(done, StepsRecorded):
                self.head, self.pending = done.head, False
                return
        async with self._store.transaction() as db:
            await db.reports.record_step(
                self._report_id, self.step, unless_step=self.step.step, at=self.at
            )
        self.head, self.pending = None, False

    def record_after(self, delay_s: float, record: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``record`` (which calls :meth:`record`, handling its errors) after ``delay_s``,
        unless :meth:`settle` comes first. (A timer, not a task: most work ends before it.)"""
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay_s, self._fire, record)

    def _fire(self, record: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._timer = None
        self._task = asyncio.create_task(record())

    async def settle(self) -> None:
        """The work is over: call off the delayed recording, or wait for it if it began."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task, self._task = self._task, None
        if task is not None:
            await task
