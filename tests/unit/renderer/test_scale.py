from __future__ import annotations

import math

import pytest

from services.renderer.charts.scale import (
    LinearScale,
    LogScale,
    format_tick,
    log_domain,
    log_ticks,
    nice_ticks,
)


def test_nice_ticks_are_round_and_cover_the_data() -> None:
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 0.37) == [0, 0.1, 0.2, 0.3, 0.4]


def test_nice_ticks_give_a_flat_series_an_axis() -> None:
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_nice_ticks_reject_a_reversed_range() -> None:
    with pytest.raises(ValueError, match="below"):
        nice_ticks(5, 1)


def test_log_ticks_are_one_two_five_per_decade_and_thin_out_when_wide() -> None:
    assert log_ticks(0.5, 20) == [0.5, 1, 2, 5, 10, 20]
    wide = log_ticks(0.01, 1000)
    assert wide[0] == 0.01
    assert wide[-1] == 1000
    assert len(wide) <= 8


def test_log_domain_snaps_outward_and_keeps_the_line_of_no_effect() -> None:
    assert log_domain([1.7, 3.4, 13.2]) == (1, 20)
    assert log_domain([2.3, 4.1]) == (1, 5)  # 1 included although every value is above it
    assert log_domain([0.3, 0.8]) == (0.2, 1)
    assert log_domain([0.0, math.inf, 4.0]) == (1, 5)  # zero and infinity are not plottable


def test_scales_map_domain_ends_to_range_ends() -> None:
    linear = LinearScale(0, 100, 10, 210)
    assert linear(0) == 10
    assert linear(50) == 110
    log = LogScale(0.1, 10, 0, 200)
    assert log(1) == pytest.approx(100)
    assert log(10) == pytest.approx(200)
    assert log.clamp(0) == 0.1
    assert log.clamp(math.inf) == 10


def test_scales_reject_empty_domains() -> None:
    with pytest.raises(ValueError, match="domain_max > domain_min"):
        LinearScale(1, 1, 0, 1)
    with pytest.raises(ValueError, match="0 < domain_min"):
        LogScale(0, 10, 0, 1)


def test_tick_labels_read_like_numbers_people_write() -> None:
    assert [format_tick(v) for v in (0, 0.05, 0.5, 2, 20, 1000, 25000)] == [
        "0",
        "0.05",
        "0.5",
        "2",
        "20",
        "1,000",
        "25,000",
    ]
