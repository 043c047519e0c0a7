"""The one back-off: doubling from the first delay to a ceiling, again from the first after a
success; the stateless form gives the same delay for the n-th failure in a row."""

from __future__ import annotations

import pytest

from shared.backoff import Backoff


def test_delays_double_up_to_the_ceiling_and_start_over_after_a_success() -> None:
    backoff = Backoff(0.2, 1.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert backoff.next_delay() == 0.2


def test_the_nth_failure_waits_what_n_calls_in_a_row_would() -> None:
    stateful = Backoff(1.0, 60.0)
    walked = [stateful.next_delay() for _ in range(8)]
    assert [Backoff(1.0, 60.0).after(n) for n in range(1, 9)] == walked
    assert walked == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_a_back_off_that_cannot_grow_is_refused() -> None:
    with pytest.raises(ValueError, match="first_s <= max_s"):
        Backoff(5.0, 1.0)
