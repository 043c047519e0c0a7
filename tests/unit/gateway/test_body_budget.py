"""The process-wide budget of buffered request bytes."""

from __future__ import annotations

import asyncio

import pytest

from services.gateway.body_budget import BodyBudget, BudgetExhausted


async def test_room_is_taken_and_given_back() -> None:
    budget = BodyBudget(100, wait_s=0.05)
    await budget.reserve(60)
    await budget.reserve(40)
    with pytest.raises(BudgetExhausted):
        await budget.reserve(1)
    await budget.release(50)
    await budget.reserve(50)
    assert budget.used == 100


async def test_a_waiting_request_proceeds_when_room_is_freed() -> None:
    budget = BodyBudget(100, wait_s=2)
    await budget.reserve(100)
    waiting = asyncio.create_task(budget.reserve(30))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await budget.release(40)
    await asyncio.wait_for(waiting, 1)
    assert budget.used == 90


async def test_more_than_the_whole_budget_is_refused_at_once() -> None:
    with pytest.raises(BudgetExhausted):
        await BodyBudget(100, wait_s=5).reserve(101)
