"""The parts of the failure policy that decide what a person and a log get to see, and when a
message is tried again: pure, so checked without a broker or database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.delivery.failures import (
    ATTEMPT_HEADER,
    attempt_of,
    carried_headers,
    describe_exception,
    traceback_frames,
)
from shared.settings import Settings
from shared.stage import StageError


@dataclass
class Delivery:
    headers: Mapping[str, Any] = field(default_factory=dict)
    body: bytes = b"{}"
    message_id: str | None = None
    routing_key: str = "report.requested"
    redelivered: bool = False
    delivery_count: int = 0

    async def ack(self) -> None:
        raise AssertionError("not settled here")

    async def reject(self, *, requeue: bool) -> None:
        raise AssertionError("not settled here")


@pytest.mark.parametrize(
    ("headers", "attempt"),
    [({}, 1), ({ATTEMPT_HEADER: 3}, 3), ({ATTEMPT_HEADER: 0}, 1), ({ATTEMPT_HEADER: "2"}, 1)],
)
def test_the_attempt_comes_from_our_header_and_starts_at_one(
    headers: dict[str, Any], attempt: int
) -> None:
    assert attempt_of(Delivery(headers)) == attempt


def test_a_retry_carries_our_headers_and_the_trace_but_not_the_brokers_bookkeeping() -> None:
    headers = {
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ATTEMPT_HEADER: 2,
        "x-death": [{"queue": "ns.ingestor.work", "count": 1}],
        "x-delivery-count": 4,
        "x-first-death-queue": "ns.ingestor.work",
        "x-last-death-reason": "expired",
    }
    assert carried_headers(Delivery(headers)) == {
        "traceparent": headers["traceparent"],
        ATTEMPT_HEADER: 2,
    }


def test_an_exception_from_phi_handling_code_is_described_by_its_type_alone() -> None:
    exc = ValueError("could not parse note for John Smith, DOB 1950-01-02")
    assert describe_exception(exc, may_hold_phi=True) == "ValueError"
    elsewhere = describe_exception(exc, may_hold_phi=False)
    assert elsewhere.startswith("ValueError: could not parse")
    assert len(describe_exception(ValueError("x" * 5000), may_hold_phi=False)) < 600


def test_a_stage_error_is_shown_as_written_for_the_person_who_asked() -> None:
    exc = StageError("openFDA did not answer within 30 s.")
    assert describe_exception(exc, may_hold_phi=True) == "openFDA did not answer within 30 s."


def test_traceback_frames_say_where_without_saying_what() -> None:
    def parse_note() -> None:
        raise ValueError("Jane Doe, MRN 12345678")

    try:
        parse_note()
    except ValueError as exc:
        frames = traceback_frames(exc)
    assert frames[-1].startswith("test_failure_policy.py:")
    assert frames[-1].endswith("in parse_note")
    assert not any("Jane" in frame or "12345678" in frame for frame in frames)


def test_each_attempt_waits_its_tier_and_the_last_tier_repeats() -> None:
    settings = Settings(retry_delays_ms=(1000, 5000), max_attempts=5)
    assert [settings.retry_delay_ms(attempt) for attempt in (1, 2, 3, 4)] == [
        1000,
        5000,
        5000,
        5000,
    ]
