"""Shifting dates written in every format notes use, keeping the format."""

from __future__ import annotations

import pytest

from services.ingestor.phi.dateshift import offset_days, shift_date_text, shift_iso, shift_year_text


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [
        ("7/22", -10, "7/12"),
        ("07/02/2019", -3, "06/29/2019"),
        ("3/1/20", -1, "2/29/20"),  # 2020 is a leap year
        ("2019-03-04", 30, "2019-04-03"),
        ("10-15-19", -15, "9-30-19"),
        ("July 1", -1, "June 30"),
        ("JULY 1ST, 2019", -1, "JUNE 30TH, 2019"),
        ("21 Apr", 10, "1 May"),
        ("Mar 3 2020", -3, "Feb 29 2020"),
        ("March of 1993", -60, "January of 1993"),
        ("8/88", -10, "8/88"),
        ("8/88", -20, "7/88"),
    ],
)
def test_shifted_dates_keep_their_format(text: str, days: int, expected: str) -> None:
    assert shift_date_text(text, days) == expected


@pytest.mark.parametrize("text", ["July", "the 11th", "2/30", "13/45", "Christmas"])
def test_what_cannot_be_shifted_is_reported(text: str) -> None:
    assert shift_date_text(text, -5) is None


def test_years_move_with_the_offset() -> None:
    assert shift_year_text("1992", -200) == "1991"
    assert shift_year_text("1992", -100) == "1992"
    assert shift_year_text("'92", -200) == "'91"


def test_iso_dates_and_datetimes_from_the_record() -> None:
    assert shift_iso("2020-01-05", -10) == "2019-12-26"
    assert shift_iso("2020-01-05T10:00:00+02:00", -1) == "2020-01-04T10:00:00+02:00"
    assert shift_iso("2020-01", -10) == "2020"
    assert shift_iso("not a date", -1) is None


def test_offsets_are_keyed_stable_and_in_range() -> None:
    a = offset_days("patient-1", "secret", 365)
    assert a == offset_days("patient-1", "secret", 365)
    assert a != offset_days("patient-1", "other-secret", 365) or a != offset_days(
        "patient-2", "secret", 365
    )
    assert all(-30 <= offset_days(f"p{i}", "s", 30) <= -1 for i in range(200))
    assert len({offset_days(None, None, 365) for _ in range(20)}) > 1
