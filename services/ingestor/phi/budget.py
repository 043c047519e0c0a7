"""How long one note may take to de-identify: CPU time scaled to its length, wall clock capped.

A wall-clock budget fires whenever the machine is busy (a burst, eight notes in threads sharing
one interpreter lock, the analyzer and renderer on the same cores), which fails reports that did
nothing wrong. The work itself is linear in the note's length (~4 ms of CPU per KB measured), so
the budget counts the CPU time of the thread doing it — which contention does not inflate — and
grows with the note: ``cpu_s_per_10kb`` for each started 10 KB. The wall-clock ceiling only
catches a thread starved for minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class NoteBudget:
    """The limits of one note: CPU seconds of the working thread, and a wall-clock ceiling."""

    cpu_s: float
    wall_s: float

    @classmethod
    def for_note(cls, length: int, *, cpu_s_per_10kb: float, wall_ceiling_s: float) -> NoteBudget:
        """The budget of a note of ``length`` characters (a short note gets the 10 KB budget)."""
        cpu = cpu_s_per_10kb * max(1.0, length / 10_240)
        return cls(cpu_s=cpu, wall_s=max(wall_ceiling_s, 2 * cpu))

    def start(self) -> Deadline:
        """Start counting, in the thread that does the work."""
        return Deadline(self, time.thread_time() + self.cpu_s, time.perf_counter() + self.wall_s)

    def describe(self) -> str:
        return f"{self.cpu_s:.3g} s of CPU"


@dataclass(frozen=True)
class Deadline:
    """A started :class:`NoteBudget`; :meth:`expired` must be called from the same thread."""

    budget: NoteBudget
    cpu_deadline: float
    wall_deadline: float

    def expired(self) -> bool:
        return time.thread_time() > self.cpu_deadline or time.perf_counter() > self.wall_deadline
