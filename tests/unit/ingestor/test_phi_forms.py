"""PHI in the forms other countries and other note kinds write it: dates day-first and in
ranges, postcodes, record numbers grouped or labelled in many words, national phone numbers."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType


def covered(text: str, value: str) -> PhiType | None:
    start = text.index(value)
    end = start + len(value)
    for span in detect_phi(text):
        if span.start <= start and span.end >= end:
            return span.type
    return None


def touched(text: str, value: str) -> bool:
    start = text.index(value)
    end = start + len(value)
    return any(s.start < end and start < s.end for s in detect_phi(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Echo 18/2/2011 showed EF 20%.", "18/2/2011"),
        ("Clot held until 25.08.2007 in blood bank.", "25.08.2007"),
        ("Admitted on 14/02/2023 with heart failure.", "14/02/2023"),
        ("In hospital since 10/30-11/2 for CHF.", "10/30-11/2"),
        ("Off work 4/10 thru 4/14 per note.", "4/10 thru 4/14"),
        ("AVR 28NOV2017, DDD pacer.", "28NOV2017"),
        ("Missed doses since Tuesday the 14th and had a seizure.", "14th"),
        ("Staying with us until the end of May. Thanks.", "May"),
    ],
)
def test_dates_in_day_first_range_and_compact_forms(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.DATE


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Strength 5/5 UE, 4/5 LE.", "4/5"),
        ("Fine crackles 1/3-1/2 up bilaterally.", "1/3-1/2"),
        ("PS 10/5-8, FiO2 40%.", "10/5-8"),
        ("Pt may need PEG. PT MAY NEED TRACH.", "may"),
        ("Sinemet 25/100 three times daily.", "25/100"),
    ],
)
def test_strengths_fractions_settings_and_the_verb_may_are_not_dates(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Lives at 27 Elmfield Road, Croydon CR0 2LN. GP notified.", "CR0 2LN"),
        ("Chapel Allerton Medical Centre, Leeds LS7 4RQ", "LS7 4RQ"),
        ("Danforth Family Health Team, Toronto, ON M4K 1N2", "M4K 1N2"),
        ("12 King St, Newtown NSW 2042. Ph 9555 0147.", "2042"),
        ("Riccarton Medical Centre, Christchurch 8041. Phone 555.", "8041"),
        ("Apollo Hospitals, Greams Lane, Chennai 600 006", "600 006"),
    ],
)
def test_postcodes_by_national_shape_or_address_position(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.ZIP


def test_the_town_before_a_postcode_is_a_place_and_the_state_is_not() -> None:
    text = "12 King St, Newtown NSW 2042."
    assert covered(text, "Newtown") is PhiType.LOCATION
    assert not touched(text, "NSW")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NHS No: 401 023 2137 verified.", "401 023 2137"),
        ("Lab No: H/23/04471 received.", "H/23/04471"),
        ("Sample ID PUN/23/118804, collected today.", "PUN/23/118804"),
        ("Pt's A-number A 218 447 901 on file.", "A 218 447 901"),
        ("Oksana H., HCN 6719 442 018 JR, seen.", "6719 442 018 JR"),
        ("Motorbike rego 1AB 2CD involved.", "1AB 2CD"),
        ("UNOS ID XYZ4471. Please fax labs.", "XYZ4471"),
        ("Acc#: CT23-0044871", "CT23-0044871"),
        ("Requisition BM-2023-00184 lost in transit.", "BM-2023-00184"),
        ("Case A23-0112.", "A23-0112"),
    ],
)
def test_record_numbers_grouped_labelled_or_shaped(text: str, value: str) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ID: TM 100.4 PO, WBC 12.", "TM 100"),
        ("RR18-24 on PS, vent PB7200.", "PB7200"),
        ("JAK2V617F positive; T12-L1 disc; HbA1c 7.2; COVID-19 negative.", "JAK2V617F"),
        ("Urine 40-60CC/HR overnight.", "40-60CC/HR"),
    ],
)
def test_readings_models_and_gene_variants_are_not_record_numbers(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    "value",
    [
        "(02) 9555 0147",
        "0412 555 019",
        "01229 555 014",
        "0113 555 0198",
        "044-2829 3333",
        "98110 44718",
    ],
)
def test_national_phone_numbers_with_a_trunk_prefix(value: str) -> None:
    assert covered(f"Contact: son ({value}) anytime.", value) in (PhiType.PHONE, PhiType.FAX)


def test_shift_times_are_not_phone_numbers() -> None:
    assert detect_phi("Worked 0600 0700 and 1000 1200 shifts.") == []
