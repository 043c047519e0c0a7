"""Suite-wide test configuration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

NEEDS_SERVICES = ("integration", "e2e", "reliability")
"""Folders whose tests need the real RabbitMQ and PostgreSQL: marked ``integration`` here, so
``-m "not integration"`` (``make test-unit``) collects nothing that needs a service. Elsewhere a
test that needs them says so itself (tests/bus runs each test on both buses)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(folder in item.path.parts for folder in NEEDS_SERVICES):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
async def _tasks_settled_before_the_loop_closes() -> AsyncIterator[None]:
    """The suite shares one event loop; tasks still pending at its end (aio-pika's close
    callbacks of connections a test closed last) are cancelled and awaited, so the loop does
    not close under them and Python does not report them as destroyed while pending."""
    yield
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
