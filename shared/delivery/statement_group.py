"""Group commit, the mechanism: calls that arrive while their lane's previous statement runs go
into its next one, whole.

A lane (a tenant's results or POSTed reports, a stage's admission reads) has at most one statement
under way; what arrives meanwhile waits and goes into the next statement (at most ``max_calls``, or
what ``_take`` allows). There is no
gathering window: a call that finds its lane idle goes at once, alone, so a quiet service answers
as fast as without it; under load a statement carries as many calls as arrived during the
previous one, and its round trip (and commit, for a write) is paid once for all of them.

Each caller gets its own outcome only once the statement that carried it returned. When a
statement of several calls fails for a reason that is not an outage (a value or a trigger the
database refused), each is tried again alone, so one call's failure is its own; an outage fails
them all, and each caller waits it out as it would have alone. A statement may also answer one call
with an exception of its own (an Idempotency-Key used before): that caller alone gets it raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.db.outage import fails_all_alike

K = TypeVar("K", bound=Hashable)
C = TypeVar("C")
R = TypeVar("R")


@dataclass
class _Lane(Generic[C, R]):
    """The calls waiting for a statement, and the task running them (None: idle)."""

    waiting: list[tuple[C, asyncio.Future[R]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class StatementGroup(Generic[K, C, R]):
    """Runs calls in lanes; a subclass says how several calls make one statement (``_run``)."""

    def __init__(self, *, max_calls: int) -> None:
        self._max_calls = max_calls
        self._lanes: dict[K, _Lane[C, R]] = {}
        self.statements = 0
        """Statements run so far."""
        self.calls = 0
        """Calls they carried."""

    async def _run(self, calls: list[C]) -> Sequence[R | BaseException]:
        """One statement for ``calls``: their outcomes, in order (an exception: that call's own
        refusal, raised to its caller)."""
        raise NotImplementedError

    def _take(self, waiting: Sequence[C]) -> int:
        """How many of the oldest waiting calls the next statement carries (at least one)."""
        return min(len(waiting), self._max_calls)

    async def close(self) -> None:
        """Wait for the statements under way (their callers are still waiting for them)."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def _observe(self, calls: int) -> None:
        """A statement of ``calls`` calls returned."""

    async def _submit(self, key: K, call: C) -> R:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        lane.waiting.append((call, answer))
        if lane.task is None:
            lane.task = asyncio.create_task(self._drain(key, lane), name="statement-group")
        return await answer

    async def _drain(self, key: K, lane: _Lane[C, R]) -> None:
        group: list[tuple[C, asyncio.Future[R]]] = []
        try:
            while lane.waiting:
                group = lane.waiting[: self._take([call for call, _ in lane.waiting])]
                del lane.waiting[: len(group)]
                outcomes = await self._outcomes([call for call, _ in group])
                for (_, answer), outcome in zip(group, outcomes, strict=True):
                    if answer.done():  # its caller was cancelled (shutdown)
                        continue
                    if isinstance(outcome, BaseException):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
                group = []
        except BaseException:  # cancelled: nobody waits forever
            for _, answer in [*group, *lane.waiting]:
                answer.cancel()
            lane.waiting.clear()
            raise
        finally:
            lane.task = None
            if not lane.waiting and self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _outcomes(self, calls: list[C]) -> Sequence[R | BaseException]:
        try:
            return await self._statement(calls)
        except Exception as exc:
            if len(calls) == 1 or fails_all_alike(exc):
                return [exc] * len(calls)
        return [await self._alone(call) for call in calls]

    async def _alone(self, call: C) -> R | BaseException:
        try:
            (outcome,) = await self._statement([call])
        except Exception as exc:
            return exc
        return outcome

    async def _statement(self, calls: list[C]) -> Sequence[R | BaseException]:
        outcomes = await self._run(calls)
        self.statements += 1
        self.calls += len(calls)
        self._observe(len(calls))
        return outcomes
