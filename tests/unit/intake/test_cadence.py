from datetime import UTC, datetime, timedelta

import pytest

from shared.intake.cadence import InvalidCadence, parse_cadence

MONDAY_6AM = datetime(2025, 1, 6, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        ("P1D", MONDAY_6AM + timedelta(days=1)),
        ("PT6H", MONDAY_6AM + timedelta(hours=6)),
        ("P1W", MONDAY_6AM + timedelta(weeks=1)),
        ("P1DT12H", MONDAY_6AM + timedelta(days=1, hours=12)),
        ("0 6 * * 1", MONDAY_6AM + timedelta(weeks=1)),  # strictly after: not the same minute
        ("*/15 * * * *", MONDAY_6AM + timedelta(minutes=15)),
        ("0 0 1 * *", datetime(2025, 2, 1, tzinfo=UTC)),
    ],
)
def test_next_run(every: str, expected: datetime) -> None:
    assert parse_cadence(every).next_after(MONDAY_6AM) == expected


@pytest.mark.parametrize(
    ("every", "problem"),
    [
        ("P1M", "no fixed length"),
        ("P1Y", "no fixed length"),
        ("PT30S", "minimum interval"),
        ("PT", "not an ISO 8601 duration"),
        ("daily", "nor a valid cron expression"),
        ("61 * * * *", "nor a valid cron expression"),
        ("  ", "empty"),
    ],
)
def test_invalid_cadence_says_what_is_accepted(every: str, problem: str) -> None:
    with pytest.raises(InvalidCadence, match=problem):
        parse_cadence(every)
