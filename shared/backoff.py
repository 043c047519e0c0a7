"""Waiting longer after each consecutive failure: the one back-off every retry loop uses (the
relay, connecting at start-up, database outages, the worker pool, the supervisor)."""

from __future__ import annotations


class Backoff:
    """Delays that double after each consecutive failure, from ``first_s`` up to ``max_s``."""

    def __init__(self, first_s: float, max_s: float) -> None:
        if not 0 < first_s <= max_s:
            raise ValueError("a back-off needs 0 < first_s <= max_s")
        self.first_s = first_s
        self.max_s = max_s
        self._next = first_s

    def next_delay(self) -> float:
        """The wait after one more failure (then the one after is twice as long, up to max_s)."""
        delay = self._next
        self._next = min(delay * 2, self.max_s)
        return delay

    def reset(self) -> None:
        """After a success: the next failure waits ``first_s`` again."""
        self._next = self.first_s

    def after(self, failures: int) -> float:
        """The wait after the ``failures``-th failure in a row (1 for the first), statelessly."""
        return float(min(self.first_s * 2.0 ** (max(failures, 1) - 1), self.max_s))
