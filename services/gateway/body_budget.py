"""A ceiling on the request bytes the gateway holds in memory at once, across all requests.

Each route's body limit bounds one request; this bounds them together, so a crowd of large
uploads cannot grow the process without limit. A request reserves its bytes as they arrive and
gives them back when it is answered; one that cannot get room within ``wait_s`` is refused (503,
retry later) rather than queued forever.
"""

from __future__ import annotations

import asyncio


class BudgetExhausted(Exception):
    """No room was freed in time."""


class BodyBudget:
    def __init__(self, total_bytes: int, *, wait_s: float = 10.0) -> None:
        self.total = total_bytes
        self.wait_s = wait_s
        self._used = 0
        self._freed = asyncio.Condition()

    @property
    def used(self) -> int:
        return self._used

    async def reserve(self, size: int) -> None:
        """Take ``size`` bytes of room, waiting up to ``wait_s`` for it (BudgetExhausted)."""
        if size <= 0:
            return
        if size > self.total:
            raise BudgetExhausted
        async with self._freed:
            try:
                await asyncio.wait_for(
                    self._freed.wait_for(lambda: self._used + size <= self.total), self.wait_s
                )
            except TimeoutError:
                raise BudgetExhausted from None
            self._used += size

    async def release(self, size: int) -> None:
        if size <= 0:
            return
        async with self._freed:
            self._used -= size
            self._freed.notify_all()
