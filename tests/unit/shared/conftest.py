"""Fixtures for the delivery tests on the in-memory road (no broker, no database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.unit.shared.road import Road

MakeRoad = Callable[..., Road]


@pytest.fixture
async def make_road() -> AsyncIterator[MakeRoad]:
    """Builds roads (settings as keyword arguments) and closes them after the test."""
    roads: list[Road] = []

    def make(**settings: Any) -> Road:
        road = Road(**settings)
        roads.append(road)
        return road

    yield make
    for road in roads:
        await road.close()


@pytest.fixture
def road(make_road: MakeRoad) -> Road:
    return make_road()
