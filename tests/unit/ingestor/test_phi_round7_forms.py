"""Round 7 forms of dates, phones, relatives' places and people named by their role: day-first
dates that cannot be mixed numbers, hurried phone separators, "SISTER FROM TRELLICK", "seen in
mornay er", "Facility nurse Marisol" — and the numbers and words around them that stay."""

from __future__ import annotations

import pytest

from services.ingestor.phi.dates import find_dates
from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType


def masked(text: str) -> list[str]:
    return [text[s.start : s.end] for s in detect_phi(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("RESTART DIG QOD 28/2. CONTINUE DIURESIS.", "28/2"),
        ("74 y/o male s/p VF arrest 30/4 now with stable VS.", "30/4"),
        ("PRESENTED TO EW 13/2 @ 1230 W LETHERGY.", "13/2"),
    ],
)
def test_a_day_first_date_that_cannot_be_a_mixed_number_is_a_date(text: str, value: str) -> None:
    dates = [text[s.start : s.end] for s in find_dates(text) if s.type is PhiType.DATE]
    assert value in dates


@pytest.mark.parametrize(
    "text",
    [
        "ETT secured at 21/2 at the lip.",
        "Drain advanced 13/4 inch, tube 35/8.",
        "PS 15/5, PEEP 5. GCS 3/15. Pain 8/10. BP 120/80. Strength 4/5 bilat.",
        "vent settings 500x14/5/.50. I/O 1200/800. tol 2/3 of meal.",
    ],
)
def test_mixed_numbers_settings_and_scores_are_not_dates(text: str) -> None:
    assert [s for s in find_dates(text) if s.type is PhiType.DATE] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("husband at work 555- 1212", "555- 1212"),
        ("wife's number is 555 -1212", "555 -1212"),
        ("call 617 -555- 1212 anytime", "617 -555- 1212"),
    ],
)
def test_a_phone_number_typed_with_a_hurried_separator(text: str, value: str) -> None:
    assert value in masked(text)


def test_spaced_ranges_without_a_phone_cue_stay() -> None:
    text = "UO 250 - 1000 cc over shift, TV 400- 500. I/O 500 -1200 for the day."
    assert masked(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("son in brackwater updated by phone. pt resting comfortably.", "brackwater"),
        ("SISTER FROM TRELLICK IN TO VISIT. PT RESTING. LUNGS CLEAR.", "TRELLICK"),
        ("pt was seen in mornay er last week. lungs clear.", "mornay"),
        ("Facility nurse Marisol says hip pain R.", "Marisol"),
        ("Detective Ostrowski requested an interview.", "Ostrowski"),
    ],
)
def test_where_a_relative_is_and_who_a_role_names(text: str, value: str) -> None:
    assert value in masked(text)


def test_what_relatives_are_in_and_the_hospital_s_own_units_stay() -> None:
    text = (
        "son in law at bedside, wife in to visit, daughter in town, husband in room, mother in"
        " good spirits, sister in tears. pt was in the er, in main er, in peds er, in cardiac icu."
        " Nurse aware. House officer aware."
    )
    assert masked(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Dx: NSTEMI, s/p PCI to LAD (3/4) with DES.", "3/4"),
        ("Admitted 4/1, discharged 4/4.", "4/4"),
        ("Surgery planned for 2/4.", "2/4"),
    ],
)
def test_a_small_month_day_dated_by_what_happened_is_a_date(text: str, value: str) -> None:
    dates = [text[s.start : s.end] for s in find_dates(text) if s.type is PhiType.DATE]
    assert value in dates


def test_halves_and_quarters_in_brackets_and_fractions_of_things_stay() -> None:
    text = "Tolerated 1/2 of tray (1/2). D5 1/2 NS at 100. crackles 1/2 up. done 1/2 of exercises."
    assert masked(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I NEED A NOTE FOR MY EMPLOYER (DOMINION ENERGY) SAYING I WAS OUT.", "DOMINION ENERGY"),
        ("Pt's church (St. Mark's) will provide meals.", "St. Mark's"),
    ],
)
def test_an_organisation_in_brackets_after_its_kind(text: str, value: str) -> None:
    assert value in masked(text)


def test_brackets_after_a_kind_that_name_no_body_stay() -> None:
    text = "Uses pharmacy (mail order). Insurance (Medicare) active. employer (self)."
    assert masked(text) == []
